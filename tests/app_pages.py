"""Open the real app in Streamlit's AppTest as a signed-in user and switch to a page: what every page test does first.

Signing in is a session_state entry (test_roles.py proves the sign-in form itself); the analyst is "tester", the CLI
identity that conftest.py gives the session, so audit rows from pages and commands name the same person.
"""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def open_app(page: str | None = None, role: str = "analyst", timeout: int = 240) -> AppTest:
    at = AppTest.from_file("../dashboard/app.py", default_timeout=timeout)
    at.session_state["auth_user"] = {"username": "tester" if role == "analyst" else "test", "role": role}
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
