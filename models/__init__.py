"""Shoplens models layer (torch/transformers): classifier, generator and their training. May use analysis, never dashboard."""
