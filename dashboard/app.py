"""Shoplens Streamlit entry point: page frame, navigation and the sidebar that says which database is open."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run` does not add the repo root

import streamlit as st  # noqa: E402

from dashboard import state  # noqa: E402

st.set_page_config(page_title="Shoplens", page_icon=":material/insights:", layout="wide")

VIEWS = Path(__file__).resolve().parent / "views"
pages = [
    st.Page(VIEWS / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page(VIEWS / "data.py", title="Data", icon=":material/upload_file:"),
    st.Page(VIEWS / "feedback.py", title="Feedback", icon=":material/reviews:"),
    st.Page(VIEWS / "models_page.py", title="Models", icon=":material/model_training:"),
    st.Page(VIEWS / "segments.py", title="Segments", icon=":material/donut_small:"),
    st.Page(VIEWS / "cohorts.py", title="Cohorts", icon=":material/grid_on:"),
    st.Page(VIEWS / "customers.py", title="Customers", icon=":material/person_search:"),
]
nav = st.navigation(pages)

state.cursor()  # opens the database (and builds the demo shop on a first start) before any page runs
with st.sidebar:
    st.caption("Database")
    st.code(state.db_path(), language=None, wrap_lines=True)
    counts = state.table_counts(state.db_path())
    st.caption(f"{counts['orders']:,} order lines · {counts['reviews']:,} reviews")
nav.run()
