"""Kill -9 of the app itself (the `streamlit run` process) while a person's upload, retrain or draft batch runs in
it: after a restart the database opens, what was committed before is all there, and the job is either wholly there
or not at all. The same code paths killed in a CLI process are covered in test_kill_during_load.py and
test_kill_during_jobs.py; this one kills the server a marketer or analyst is actually using."""
from __future__ import annotations

import os
import random
import shutil
import signal
import time

import pytest

from tests.browser_app import CHROMIUM, add_user, choose, sign_in, start_app

pytestmark = pytest.mark.browser
WRITERS_ON = {"SHOPLENS_EXPERIMENTAL_WRITERS": "1"}  # the draft case drives the slow model writer
NEW_ROWS = 300_000


def _orders_file(folder) -> tuple:
    """A large export of new orders (new invoice numbers, so every line is accepted): long enough to kill mid-load."""
    rnd = random.Random(3)
    lines = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    lines += [f"K{800000 + i},85123A,KILL TEST MUG {i % 50},{rnd.randint(1, 12)},2011-10-{1 + i % 28:02d} 10:00:00,"
              f"{rnd.randint(50, 900) / 100},{70000 + i % 900},Iceland" for i in range(NEW_ROWS)]
    path = folder / "kill_orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _snapshot(db) -> dict:
    from analysis import store

    con = store.connect(db)
    try:
        return {"orders": con.execute("SELECT count(*), round(coalesce(sum(line_total), 0), 2) FROM orders").fetchone(),
                "uploads": con.execute("SELECT count(*) FROM uploads").fetchone()[0],
                "drafts": con.execute("SELECT count(*) FROM drafts").fetchone()[0]}
    finally:
        con.close()


@pytest.mark.parametrize("job", ["upload", "retrain", "draft"])
def test_kill_9_of_the_app_mid_job(job, demo_file, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from models import registry, starter

    home = tmp_path / "home"
    home.mkdir()
    db = home / "shoplens.duckdb"
    shutil.copy(demo_file, db)
    old_home = os.environ.get("SHOPLENS_HOME")
    os.environ["SHOPLENS_HOME"] = str(home)  # registry and starter read the model home from here
    try:
        installed = starter.install() if job == "retrain" else None  # the model a killed retrain must not lose
        before = _snapshot(db)
        user = add_user(home, "kill-analyst", "analyst")
        big = _orders_file(tmp_path) if job == "upload" else None
        proc, url = start_app(home, WRITERS_ON)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                expect.set_options(timeout=90_000)
                sign_in(page, url, *user)
                if job == "upload":
                    page.get_by_role("link", name="Data").click()
                    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(big))
                    page.get_by_text("Append: add this file to the demo's rows").click()  # required while demo stored
                    expect(page.get_by_role("button", name="Load into orders")).to_be_enabled()
                    page.get_by_role("button", name="Load into orders").click()
                    time.sleep(1.0)
                elif job == "retrain":
                    page.get_by_role("link", name="Feedback").click()
                    page.get_by_role("button", name="Retrain").first.click()
                    time.sleep(4.0)
                else:
                    page.get_by_role("link", name="Campaigns").click()
                    brand = page.get_by_role("textbox", name="Brand", exact=True)  # the demo has no shop name
                    brand.fill("our shop")
                    brand.press("Enter")
                    page.wait_for_timeout(1500)  # the page re-runs with the brand
                    # the model writer: slow enough to be killed mid-generation (templates take 0.2 s)
                    choose(page, page.get_by_role("combobox", name="Writer"), "model (experimental)", exact=True)
                    page.wait_for_timeout(300)
                    page.get_by_role("button", name="Generate drafts").click()
                    time.sleep(6.0)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                browser.close()
        finally:
            if proc.poll() is None:
                proc.kill()

        after = _snapshot(db)  # the file opens (the WAL is replayed or discarded), with the old data intact
        if job == "upload":
            if after["uploads"] == before["uploads"]:  # killed before the commit: not a row of it
                assert after["orders"] == before["orders"]
            else:  # committed before the kill: all of it, with its upload record
                assert after["uploads"] == before["uploads"] + 1 and after["orders"][0] == before["orders"][0] + NEW_ROWS
        else:
            assert after["orders"] == before["orders"] and after["uploads"] == before["uploads"]
        if job == "retrain":
            for task in registry.TASKS:  # still a complete, loadable model; a half-saved version is never listed
                assert registry.active(task)["path"] in {installed["path"]} | {v["path"] for v in registry.versions("all")}
            from models.classifier import ReviewClassifier

            clf = ReviewClassifier.from_pretrained(registry.active("sentiment")["path"], "cpu")
            assert clf.predict(["The zip broke on the first day."])[0]["sentiment"] in ("negative", "neutral", "positive")
        if job == "draft":  # killed while generating: nothing stored (a request's candidates go in one transaction)
            assert after["drafts"] == before["drafts"]

        proc, url = start_app(home, WRITERS_ON)  # and the app comes back on the same home
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                page = browser.new_page()
                sign_in(page, url, *user)
                expect(page.get_by_test_id("stMetric").filter(has_text="Orders").first).to_be_visible(timeout=90_000)
                assert not page.get_by_test_id("stException").count()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        if old_home is None:
            os.environ.pop("SHOPLENS_HOME", None)
        else:
            os.environ["SHOPLENS_HOME"] = old_home
