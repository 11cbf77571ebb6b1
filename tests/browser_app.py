"""Shared browser fixtures: a real `streamlit run` on a fresh home, and a headless Chromium page.

tests/conftest.py registers this module as a pytest plugin, so every browser test module gets these fixtures and every flow a
person clicks through runs against the same kind of server a new user starts with `make run`.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(home, extra_env: dict | None = None, log=None):
    """(process, url) of the app on a free port, once /_stcore/health answers; the first start builds the demo shop.
    It runs as `make run` does: dashboard/server.py (the app plus its sign-in cookie routes). `log`: an open file for
    the server's console output (the first start's one-time admin password goes there)."""
    port = free_port()
    env = {**os.environ, "SHOPLENS_HOME": str(home), "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    for name in ("SHOPLENS_DB", "SHOPLENS_USERS", "SHOPLENS_TOKEN"):  # the app's own users file: HOME/users.json
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard/server.py", "--server.port",
                             str(port), "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("the app did not become healthy within 90 s")


@pytest.fixture(scope="module")
def app_home(tmp_path_factory):
    """The SHOPLENS_HOME of this module's app (tests may prepare users or models in it before the app starts)."""
    return tmp_path_factory.mktemp("apphome")


@pytest.fixture(scope="module")
def app_url(app_home):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed; `make test` installs it (make browser)")
    proc, url = start_app(app_home)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def page(app_url):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        pg.set_default_timeout(90_000)
        yield pg
        browser.close()


def add_user(home, username: str = "analyst1", role: str = "analyst", password: str = "browser-pass-1") -> tuple:
    """(username, password) of a new user with a chosen password in the app's users file (HOME/users.json)."""
    from analysis.users import UserStore

    UserStore(os.path.join(str(home), "users.json")).add(username, role, password=password, must_change=False)
    return username, password


def sign_in(page, url: str, username: str, password: str) -> None:
    """Open the app and sign in through the form, as a person does; returns once the first page shows."""
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible()


def metric_value(page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text()


def choose(page, opener, option: str, exact: bool = False, tries: int = 4) -> None:
    """Pick `option` from the selectbox `opener` (a locator), as a person does: click, then the option.

    A Streamlit rerun that lands between the two clicks (after a download, an Enter, a fragment refresh) closes the
    open list, so a single click can wait forever on an option that is no longer shown; a person simply clicks again.
    Each try first waits for the app to finish its run.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wanted = page.get_by_role("option", name=option, exact=exact)
    for attempt in range(tries):
        idle(page)  # mid-rerun the page can hold the old and the new widget at once (two matches, strict mode fails)
        opener.click()
        try:
            wanted.first.click(timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
            page.keyboard.press("Escape")
            page.wait_for_timeout(1_000)


def idle(page) -> None:
    """Wait until the app has finished its current run, and is still finished after a short settle (a page may start
    a second run, e.g. after a cache fills). The app element's script state says so; Streamlit's running indicator
    does not (the app shows no toolbar, so the indicator is never in the page)."""
    from playwright.sync_api import expect

    app = page.get_by_test_id("stApp")
    for settle in (300, 300):
        page.wait_for_timeout(settle)
        expect(app).to_have_attribute("data-test-script-state", "notRunning")
        expect(page.get_by_test_id("stSpinner")).to_have_count(0)


def start_my_shop(page, name: str, currency: str = "EUR (€)") -> None:
    """On the Shop settings page (already open): name the shop, pick its currency, remove the demo, and wait until
    the page confirms and no "Demo data" mark is left."""
    from playwright.sync_api import expect

    form = page.get_by_test_id("stForm").first
    form.get_by_label("Shop name").fill(name)
    choose(page, form.get_by_test_id("stSelectbox"), currency)
    form.get_by_text("Remove the demo's").click()
    form.get_by_role("button", name="Start my shop").click()
    expect(page.get_by_text("Your shop has started")).to_be_visible()
    expect(page.get_by_text("Demo data")).to_have_count(0)
    expect(page.get_by_test_id("stSidebar").get_by_text(name)).to_be_visible()
