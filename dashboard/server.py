"""The server `make run` starts: Streamlit's own ASGI app (st.App) serving dashboard/app.py, plus the sign-in
cookie's routes (dashboard/session_cookie.py) and a start-up hook.

Start-up, before the first browser connects: check the settings a sign-in needs (SHOPLENS_SESSION_HOURS, the session
secret) and, on a first start, create the user `admin` and print its one-time password to this terminal.
Run it as `python -m streamlit run dashboard/server.py` (Streamlit finds `app` and serves it with uvicorn); plain
`streamlit run dashboard/app.py` still works, without the routes: sign-in then lasts only as long as the tab.
"""
from __future__ import annotations

import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run` does not add the repo root

import streamlit as st  # noqa: E402

from analysis import sessions  # noqa: E402
from analysis.errors import ShoplensError  # noqa: E402
from analysis.users import UserStore, first_start_message, users_file  # noqa: E402
from dashboard import session_cookie  # noqa: E402


def check_settings() -> None:
    """Refuse to start, with one line, on a setting a sign-in would trip over later (before the server listens)."""
    try:
        sessions.session_hours()
        sessions.install_secret()
    except ShoplensError as exc:
        print(f"Shoplens cannot start: {exc}", file=sys.stderr, flush=True)
        os._exit(2)  # not SystemExit: the server that imports this module would print it as a traceback


def first_start() -> None:
    """On a first start, the first admin is created and its one-time password printed here, once."""
    try:
        pw = UserStore(users_file()).ensure_admin()
    except ShoplensError as exc:
        print(f"\n  Shoplens: no first admin created: {exc}\n", flush=True)
        return
    if pw:
        print(first_start_message(pw), flush=True)


@asynccontextmanager
async def lifespan(_app):
    first_start()
    yield


check_settings()
session_cookie.ROUTES_MOUNTED = True
app = st.App("app.py", routes=session_cookie.routes(), lifespan=lifespan)
