"""End to end in headless Chromium: a person uploads a CSV on the Data page and sees Overview numbers change."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.browser
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`streamlit run` on a fresh home: the first start builds the demo shop, like a new user's machine."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed; `make test` installs it (make browser)")
    home = tmp_path_factory.mktemp("apphome")
    port = free_port()
    env = {**os.environ, "SHOPLENS_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("SHOPLENS_DB", None)
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
                             "--server.headless", "true"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the app did not become healthy within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def page(app_url):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(90_000)
        yield pg
        browser.close()


def metric_value(page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text()


def test_upload_changes_overview(page, app_url, tmp_path):
    from playwright.sync_api import expect

    page.goto(app_url)
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Overview")
    expect(page.get_by_test_id("stMetric").filter(has_text="Orders").first).to_be_visible()
    before = int(metric_value(page, "Orders").replace(",", ""))

    csv = tmp_path / "new_orders.csv"
    csv.write_text("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                   "900001,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2011-06-01 10:00:00,2.55,99901,Norway\n"
                   "900002,71053,WHITE METAL LANTERN,2,2011-06-02 10:00:00,3.39,99902,Norway\n"
                   "900003,71053,WHITE METAL LANTERN,-2,2011-06-02 10:00:00,3.39,99902,Norway\n")
    page.get_by_role("link", name="Data").click()
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Data")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(csv))
    page.get_by_role("button", name="Load into orders").click()
    expect(page.get_by_text("2 stored")).to_be_visible()
    expect(page.get_by_text("1 rejected", exact=False).first).to_be_visible()
    expect(page.get_by_text("quantity: -2.0 is negative").first).to_be_attached()  # a grid cell (canvas table)

    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_test_id("stMetric").filter(has_text="Orders").first).to_be_visible()
    page.wait_for_timeout(500)
    after = int(metric_value(page, "Orders").replace(",", ""))
    assert after == before + 2
