"""Shoplens analysis layer: the DuckDB store, validated ingest and SQL analytics (no Streamlit, no torch)."""
