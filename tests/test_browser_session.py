"""Sign-in as a person meets it in a real browser against the server `make run` starts (dashboard/server.py): the
one-time admin password is in the terminal before any browser opens; a refresh keeps you signed in (an HttpOnly,
SameSite=Strict cookie); a bookmark opens its page after sign-in, or says plainly that your role cannot open it;
sign-out, a replayed copy of the signed-out cookie, or a tampered cookie all lead back to the sign-in form."""
from __future__ import annotations

import os
import re

import pytest

from dashboard.session_cookie import SIGN_OUT_PATH
from tests.browser_app import CHROMIUM, add_user, start_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(app_home):
    """This module's server, with its console output kept (app_home/console.log) for the start-up check."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed; `make test` installs it (make browser)")
    with open(app_home / "console.log", "w") as log:
        proc, url = start_app(app_home, log=log)
        yield url
        proc.terminate()
        proc.wait(timeout=20)


def _form(page, username: str, password: str) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def _session_cookie(page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"].startswith("shoplens_session_")), None)


def _signed_in(page, url: str, username: str, password: str) -> dict:
    """Sign in through the form on the home page and return the session cookie the app set."""
    from playwright.sync_api import expect

    page.goto(url)
    _form(page, username, password)
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible()
    return _wait_for_cookie(page)


def _wait_for_cookie(page) -> dict:
    for _ in range(100):
        cookie = _session_cookie(page)
        if cookie:
            return cookie
        page.wait_for_timeout(100)
    pytest.fail("no session cookie was set after signing in")


def test_one_time_password_is_printed_at_start_up(app_url, app_home, page):
    """Printed by the server's start-up, before any browser has opened a page (the database, which the first page
    view opens, does not exist yet), and it works on the sign-in form."""
    from playwright.sync_api import expect

    assert not (app_home / "shoplens.duckdb").exists()
    printed = (app_home / "console.log").read_text()
    pw = re.search(r"one-time password\s+(\S+)", printed).group(1)
    page.goto(app_url)
    _form(page, "admin", pw)
    expect(page.get_by_text("Choose your own password to continue")).to_be_visible()


def test_sign_in_survives_a_reload(app_url, app_home, page):
    from playwright.sync_api import expect

    name, pw = add_user(app_home, "reload-analyst", "analyst")
    cookie = _signed_in(page, app_url, name, pw)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert 11 * 3600 < cookie["expires"] - __import__("time").time() <= 12 * 3600 + 5  # SHOPLENS_SESSION_HOURS=12
    assert page.evaluate("document.cookie").find("shoplens_session") == -1  # no script can read it
    page.goto(app_url + "/segments")
    expect(page.get_by_test_id("stHeading").filter(has_text="Segments").first).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("stHeading").filter(has_text="Segments").first).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text(name)
    expect(page.get_by_label("User name")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)


def test_bookmark_opens_its_page_after_sign_in(app_url, app_home, page):
    from playwright.sync_api import expect

    name, pw = add_user(app_home, "bookmark-marketer", "marketer")
    page.goto(app_url + "/cohorts")  # a bookmark, not signed in
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    _form(page, name, pw)
    expect(page.get_by_test_id("stHeading").filter(has_text="Cohorts").first).to_be_visible()
    assert page.url.rstrip("/").endswith("/cohorts")
    _wait_for_cookie(page)
    # a bookmark of a page above the role: a plain refusal that names the page and the role it needs
    page.goto(app_url + "/data")
    expect(page.get_by_text("Your role (marketer) cannot open Data: it needs the analyst role")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)


def test_sign_out_then_reload_shows_the_sign_in_form(app_url, app_home, page):
    """Sign-out clears the cookie; a copy of it kept from before is refused (revoked), and so is an edited one."""
    from playwright.sync_api import expect

    name, pw = add_user(app_home, "signout-analyst", "analyst")
    kept = _signed_in(page, app_url, name, pw)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("User name")).to_be_visible()
    for _ in range(50):
        if _session_cookie(page) is None:
            break
        page.wait_for_timeout(100)
    assert _session_cookie(page) is None
    page.reload()
    expect(page.get_by_label("User name")).to_be_visible()
    page.context.add_cookies([kept])  # the signed-out cookie, replayed
    page.reload()
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_text("That session was signed out")).to_be_visible()

    page.context.clear_cookies()
    good = _signed_in(page, app_url, name, pw)
    payload, mac = good["value"].split(".")
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["u"] = "admin"  # the same signature on a payload that now names the admin
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    page.context.clear_cookies()
    page.context.add_cookies([{**good, "value": f"{forged}.{mac}"}])
    page.reload()
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def test_expired_cookie_is_refused(app_url, app_home, page, monkeypatch):
    """A correctly signed cookie whose token has expired (the browser was told to keep it longer) signs no one in;
    the same user's current token, made the same way, does: so it is the expiry that refuses the first."""
    from playwright.sync_api import expect

    from analysis import sessions
    from analysis.users import UserStore

    name, _ = add_user(app_home, "expired-analyst", "analyst")
    monkeypatch.setenv("SHOPLENS_HOME", str(app_home))  # the app's install secret
    users = UserStore(app_home / "users.json")
    stale, _ = sessions.issue(name, users, now=__import__("time").time() - 13 * 3600)  # expired an hour ago
    fresh, _ = sessions.issue(name, users)
    host = app_url.split("://")[1].split(":")[0]
    cookie = {"name": sessions.cookie_name(), "domain": host, "path": "/", "httpOnly": True, "sameSite": "Strict",
              "expires": __import__("time").time() + 3600}
    page.context.add_cookies([{**cookie, "value": stale}])
    # the page drops the refused cookie with a POST to the sign-out route; under load that response can land after
    # the fresh cookie below is set, and clear it too, so wait for it first
    with page.expect_response(lambda r: SIGN_OUT_PATH in r.url, timeout=60_000):
        page.goto(app_url + "/segments")
    expect(page.get_by_text("Your session expired (sign-ins last 12 hours)")).to_be_visible()
    expect(page.get_by_label("User name")).to_be_visible()
    page.context.clear_cookies()
    page.context.add_cookies([{**cookie, "value": fresh}])
    page.goto(app_url + "/segments")
    expect(page.get_by_test_id("stHeading").filter(has_text="Segments").first).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text(name)
