"""Shoplens Streamlit entry point: page frame, navigation and the sidebar that says which database is open."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run` does not add the repo root

import streamlit as st  # noqa: E402

from analysis.users import allows, users_file  # noqa: E402
from dashboard import auth, shop_ui, state  # noqa: E402

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
    st.Page(VIEWS / "campaigns.py", title="Campaigns", icon=":material/campaign:"),
    st.Page(VIEWS / "replies.py", title="Replies", icon=":material/quickreply:"),
    st.Page(VIEWS / "fairness.py", title="Fairness", icon=":material/balance:"),
    st.Page(VIEWS / "share.py", title="Share", icon=":material/share:"),
]
pages.append(st.Page(VIEWS / "shop_settings.py", title="Shop settings", icon=":material/storefront:"))
pages.append(st.Page(VIEWS / "admin.py", title="Admin", icon=":material/admin_panel_settings:"))
# Least role that sees each page, by URL path (the file name); pages not listed are dashboards, open to marketers.
# Every page also calls auth.require_role(...) itself with the same role, so a page run directly does not leak.
PAGE_ROLES = {"data": "analyst", "admin": "admin", "shop_settings": "analyst"}

state.cursor()  # opens the database (and builds the demo shop on a first start) before any page runs
auth.ensure_admin(str(users_file()))  # first start run without dashboard/server.py (which does it at start-up)
user = auth.current_user()
if user is None:
    # Every page's URL answers with the sign-in form, so a bookmark or a refresh of a signed-out tab signs in to that
    # page (the rerun after sign-in keeps the URL) instead of a "Page not found" pop-up.
    nav = st.navigation([st.Page(auth.sign_in_page, title="Sign in", icon=":material/login:", url_path="sign-in",
                                 default=True)]
                        + [auth.sign_in_for(p) for p in pages if p.url_path], position="hidden")
    nav.run()
    auth.send_cookie_action()
    st.stop()
# Pages above the user's role keep their URL, hidden, and say so (a bookmark of one must not read "Page not found").
nav = st.navigation([p if allows(user["role"], PAGE_ROLES.get(p.url_path, "marketer"))
                     else auth.refused_page(p, PAGE_ROLES.get(p.url_path, "marketer")) for p in pages])


def counts_line() -> str:
    counts = state.table_counts(state.db_path())
    return f"{counts['orders']:,} order lines · {counts['reviews']:,} reviews"


with st.sidebar:
    auth.sidebar(user)
    shop_ui.sidebar()
    st.caption("Database")
    st.code(state.db_path(), language=None, wrap_lines=True)
    counts_slot = st.empty()
    counts_slot.caption(counts_line())
    auth.send_cookie_action()
shop_ui.demo_caption()  # "Demo data" above every page while the demo's rows are stored
nav.run()
counts_slot.caption(counts_line())  # again after the page ran: a load on the Data page shows at once (a page that
# calls st.stop() keeps the line written before it, nothing after a stop reaches the browser)
