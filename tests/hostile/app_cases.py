"""The hostile load corpus through the app a person uses: each file is uploaded on the Data page of a real
`streamlit run` in headless Chromium and checked ("Check file", nothing stored). Held means the page shows a
validation report or one error box, never an exception box, a traceback or a path on the server.

bench/hostile.py runs `run_all()`; each upload takes a few seconds, so the suite's own browser tests use a handful
(tests/test_browser_hostile.py)."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LEAKS = (str(ROOT), "site-packages", "Traceback", "/tmp/", "File \"")


def upload_cases(ids: set[str] | None = None) -> list:
    """Corpus cases a person could upload as they are (no mapping override or mode needed)."""
    from hostile.corpus import CASES
    return [c for c in CASES if not c.kwargs and (ids is None or c.id in ids)]


def check_upload(page, case, folder: Path) -> str | None:
    """Upload the case's file on the Data page, press Check file, and say what went wrong, if anything."""
    from playwright.sync_api import TimeoutError as PwTimeout

    file = case.build(folder)
    if not file.is_file():
        return None  # a folder or a special file cannot be picked in a browser's file dialog
    page.get_by_role("link", name="Data").click()
    page.get_by_test_id("stHeading").filter(has_text="Data").first.wait_for()
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Customer reviews" if case.table == "reviews" else "Orders (one row per order line)"
                     ).click()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(file))
    try:
        button = page.get_by_role("button", name="Check file (nothing is stored)")
        error = page.get_by_test_id("stAlertContentError")
        button.or_(error).first.wait_for(timeout=60_000)
        if button.count():
            button.click()
            page.get_by_text("rows read").or_(error).first.wait_for(timeout=90_000)
    except PwTimeout:
        return "no report or error within the time limit"
    finally:
        _wait_idle(page)
    if os.environ.get("HOSTILE_SHOTS"):
        page.screenshot(path=str(Path(os.environ["HOSTILE_SHOTS"]) / f"{case.id}.png"), full_page=True)
    if page.get_by_test_id("stException").count():
        return "exception box: " + page.get_by_test_id("stException").first.inner_text()[:150]
    text = page.get_by_test_id("stMain").inner_text()
    leak = next((s for s in LEAKS if s in text), None)
    if leak:
        return f"page shows {leak!r}"
    errors = page.get_by_test_id("stAlertContentError")
    if errors.count() > 1:
        return f"{errors.count()} error boxes"
    if errors.count() == 1 and "\n" in errors.first.inner_text().strip():
        return "error box of several lines: " + errors.first.inner_text()[:150]
    return None


def _wait_idle(page) -> None:
    """Streamlit shows a running indicator while the script runs; leave the page settled before the next upload."""
    deadline = time.time() + 60
    while time.time() < deadline and page.get_by_test_id("stStatusWidget").count():
        page.wait_for_timeout(200)


def _clear_upload(page) -> None:
    """Remove the uploaded file, so the next case's upload is the only one and starts from a clean page."""
    delete = page.get_by_test_id("stFileChipDeleteBtn")
    while delete.count():
        delete.first.click()
        page.wait_for_timeout(300)
    page.get_by_test_id("stFileChip").first.wait_for(state="detached", timeout=30_000)
    _wait_idle(page)


def run_all(ids: set[str] | None = None) -> list[tuple[str, str | None, float]]:
    """(case id, failure or None, seconds) for every uploadable corpus case, on one app started for the run."""
    from playwright.sync_api import sync_playwright

    from analysis.users import UserStore
    from tests.browser_app import CHROMIUM, sign_in, start_app

    home = Path(tempfile.mkdtemp(prefix="hostile-app-"))
    UserStore(home / "users.json").add("hostile", "analyst", password="hostile-pass-1", must_change=False)
    proc, url = start_app(home)
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            sign_in(page, url, "hostile", "hostile-pass-1")
            for case in upload_cases(ids):
                t0 = time.perf_counter()
                with tempfile.TemporaryDirectory() as tmp:
                    try:
                        failure = check_upload(page, case, Path(tmp))
                    except Exception as exc:  # noqa: BLE001 - a page that breaks the driver is a failure to report
                        failure = f"driver: {type(exc).__name__}: {str(exc).splitlines()[0][:150]}"
                    try:
                        _clear_upload(page)
                    except Exception:  # noqa: BLE001
                        page.goto(url)
                results.append((case.id, failure, time.perf_counter() - t0))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(home, ignore_errors=True)
    return results


if __name__ == "__main__":
    import sys
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    for cid, fail, secs in run_all(set(sys.argv[1:]) or None):
        print(f"{'held  ' if fail is None else 'FAILED'} {secs:5.1f}s {cid} {fail or ''}")
