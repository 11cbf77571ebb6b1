"""Shoplens user-facing layer: the Streamlit app and the `shoplens` command line."""
