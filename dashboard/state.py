"""The app's one database handle and its write lock (shared by all sessions), plus cached query results."""
from __future__ import annotations

import os
import threading

import streamlit as st

from analysis import data_gaps, demo, drafts_store, overview, store
from analysis.config import default_db_path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@st.cache_resource(show_spinner="Opening the database (first start builds the demo shop, about 5 s)…")
def _database(path: str):
    """One read-write connection per app process (DuckDB allows a single writer); pages take cursors from it."""
    con = store.connect(path)
    demo.ensure(con, path)
    return con, threading.Lock()


def db_path() -> str:
    return str(st.session_state.get("db_path") or default_db_path())


def cursor():
    """A cursor for this script run's thread, as DuckDB asks for one per thread."""
    con, _ = _database(db_path())
    return con.cursor()


def connection():
    """The app's one read-write connection (a background job in the app process takes its own cursor from it)."""
    return _database(db_path())[0]


def write_lock() -> threading.Lock:
    return _database(db_path())[1]


def invalidate() -> None:
    """After any write every cached query result (and figure built from one) may be stale."""
    st.cache_data.clear()
    overview_figures.clear()


def invalidate_drafts() -> None:
    """After a write to the drafts table only: the RFM tables, facts and charts other pages cached stay valid."""
    table_counts.clear()
    reply_queue.clear()


@st.cache_data(show_spinner=False)
def overview_data(path: str, start, end) -> dict:
    con = cursor()
    return {
        "kpis": overview.kpis(con, start, end),
        "by_month": overview.revenue_by_month(con, start, end),
        "by_country": overview.revenue_by_country(con, start, end),
        "top_products": overview.top_products(con, start, end),
        "ratings": overview.rating_distribution(con, start, end),
        "demo_linked": overview.demo_linkage_count(con),
    }


@st.cache_resource(show_spinner=False, max_entries=64)
def overview_figures(path: str, start, end, currency: str | None = None) -> dict:
    """Building plotly figures costs ~100 ms a rerun; they are read-only, so one shared copy per range will do."""
    from dashboard import charts

    data = overview_data(path, start, end)
    return {
        "by_month": charts.revenue_by_month(data["by_month"], currency),
        "ratings": charts.rating_distribution(data["ratings"]),
        "by_country": charts.revenue_by_country(data["by_country"], currency),
        "top_products": charts.top_products(data["top_products"], currency),
    }


@st.cache_data(show_spinner=False)
def gaps(path: str) -> data_gaps.Gaps:
    """Which optional columns the stored data lacks, so a page can say why a figure is missing (cleared on writes)."""
    return data_gaps.check(cursor())


@st.cache_data(show_spinner=False)
def date_bounds(path: str):
    return overview.date_bounds(cursor())


@st.cache_data(show_spinner=False)
def table_counts(path: str) -> dict:
    return store.table_counts(cursor())


@st.cache_data(show_spinner=False)
def reply_queue(path: str):
    """(reviews that need a reply with their latest reply draft's status, basis) for the Replies page."""
    return drafts_store.reply_queue(cursor())


@st.cache_data(show_spinner=False)
def upload_history(path: str):
    return store.upload_history(cursor())
