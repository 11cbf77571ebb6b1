"""Soak run: N concurrent browser users click through the app while one user uploads orders and another retrains
the classifier, all on one real `streamlit run` on a fresh home (the demo shop). Prints page-time percentiles and
every error a user saw (a Streamlit exception box, a failed navigation, a lost connection).

    python bench/soak.py [--users 20] [--minutes 3] [--no-retrain] [--no-upload]

A page time is the span from clicking its link in the sidebar to the app reporting the script finished
(`data-test-script-state="notRunning"` on the stApp element) with the page's heading shown.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_app import CHROMIUM, add_user, start_app  # noqa: E402

BROWSE = ["Overview", "Segments", "Cohorts", "Customers", "Feedback"]
UPLOAD_ROWS = 20_000


def upload_file(folder: Path) -> Path:
    """A fresh orders export (new invoice numbers, so every line is accepted) with one bad line to reject."""
    rnd = random.Random(7)
    lines = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    for i in range(UPLOAD_ROWS):
        lines.append(f"S{700000 + i},85123A,SOAK MUG {i % 50},{rnd.randint(1, 12)},2011-11-{1 + i % 28:02d} 10:00:00,"
                     f"{rnd.randint(50, 900) / 100},{90000 + i % 400},Norway")
    lines.append("S799999,85123A,SOAK MUG,-3,2011-11-02 10:00:00,2.5,90001,Norway")
    path = folder / "soak_orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def settle(page, title: str, timeout_s: float = 300) -> None:
    await page.get_by_test_id("stHeading").filter(has_text=title).first.wait_for(timeout=timeout_s * 1000)
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=timeout_s * 1000)


async def errors_on(page) -> list[str]:
    out = []
    for box in await page.get_by_test_id("stException").all():
        out.append((await box.inner_text())[:200])
    state = await page.evaluate(
        "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-connection-state')")
    if state not in (None, "CONNECTED"):
        out.append(f"connection state {state}")
    return out


async def open_app(browser, url: str, sign_in, role: str = "marketer"):
    ctx = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await ctx.new_page()
    page.set_default_timeout(300_000)
    await page.goto(url)
    await sign_in(page, role)
    await settle(page, "Overview")
    return ctx, page


async def visit(page, title: str, times: dict, errors: list, who: str) -> None:
    t = time.perf_counter()
    try:
        await page.get_by_role("link", name=title, exact=True).click()
        await settle(page, title)
        times.setdefault(title, []).append(time.perf_counter() - t)
    except Exception as exc:  # a timeout here is a finding, recorded, not a crash of the run
        errors.append(f"{who}: {title}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
        return
    errors.extend(f"{who}: {title}: {e}" for e in await errors_on(page))


async def browse(browser, url, sign_in, stop_at, times, errors, n):
    ctx, page = await open_app(browser, url, sign_in)
    rnd = random.Random(n)
    while time.time() < stop_at:
        await visit(page, rnd.choice(BROWSE), times, errors, f"user{n}")
        await asyncio.sleep(rnd.uniform(0.5, 2.0))  # reading time
    await ctx.close()


async def upload(browser, url, sign_in, file: Path, jobs: dict, errors: list):
    ctx, page = await open_app(browser, url, sign_in, "analyst")
    await visit(page, "Data", {}, errors, "uploader")
    t = time.perf_counter()
    await page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(file))
    await page.get_by_role("button", name="Load into orders").click()
    await page.get_by_text(f"{UPLOAD_ROWS:,} stored").first.wait_for(timeout=600_000)
    jobs["upload_s"] = round(time.perf_counter() - t, 1)
    errors.extend(f"uploader: {e}" for e in await errors_on(page))
    await ctx.close()


async def retrain(browser, url, sign_in, jobs: dict, errors: list):
    ctx, page = await open_app(browser, url, sign_in, "analyst")
    await visit(page, "Feedback", {}, errors, "trainer")
    t = time.perf_counter()
    await page.get_by_role("button", name="Retrain").first.click()
    # Right after the click the app still says notRunning (the rerun has not started), so wait for the outcome.
    await page.get_by_text("New version").or_(page.get_by_test_id("stException")).first.wait_for(timeout=1_800_000)
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=1_800_000)
    jobs["retrain_s"] = round(time.perf_counter() - t, 1)
    errors.extend(f"trainer: {e}" for e in await errors_on(page))
    await ctx.close()


async def run(args, url, sign_in) -> dict:
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {}
    errors: list[str] = []
    jobs: dict = {}
    folder = Path(tempfile.mkdtemp(prefix="soak"))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        stop_at = time.time() + args.minutes * 60
        tasks = [browse(browser, url, sign_in, stop_at, times, errors, n) for n in range(args.users)]
        if not args.no_upload:
            tasks.append(upload(browser, url, sign_in, upload_file(folder), jobs, errors))
        if not args.no_retrain:
            tasks.append(retrain(browser, url, sign_in, jobs, errors))
        results = await asyncio.gather(*tasks, return_exceptions=True)
        errors.extend(f"task: {type(r).__name__}: {str(r).splitlines()[0][:160]}" for r in results
                      if isinstance(r, BaseException))
        await browser.close()
    return summarize(args, times, errors, jobs)


def summarize(args, times: dict[str, list[float]], errors: list[str], jobs: dict) -> dict:
    """The report both soaks print, so a browser run and a websocket run compare field by field."""
    every = sorted(t for ts in times.values() for t in ts)
    q = statistics.quantiles(every, n=20) if len(every) >= 20 else []
    return {
        "users": args.users, "minutes": args.minutes, "page_loads": len(every), "errors": len(errors),
        "p50_s": round(statistics.median(every), 2) if every else None,
        "p95_s": round(q[18], 2) if q else None, "max_s": round(every[-1], 2) if every else None,
        "per_page_p95_s": {k: round(statistics.quantiles(v, n=20)[18], 2) if len(v) >= 20 else round(max(v), 2)
                           for k, v in sorted(times.items())},
        **jobs, "error_samples": errors[:20],
    }


def parse_args(description: str):
    """The options both soak scripts take, so a run of either means the same thing."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=3)
    ap.add_argument("--no-retrain", action="store_true")
    ap.add_argument("--no-upload", action="store_true")
    return ap.parse_args()


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    home = Path(tempfile.mkdtemp(prefix="soakhome"))
    sign_in = prepare_sign_in(home)
    t = time.perf_counter()
    proc, url = start_app(home)
    print(f"app up on the fresh demo shop in {time.perf_counter() - t:.1f} s: {url}", flush=True)
    try:
        result = asyncio.run(run(args, url, sign_in))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(json.dumps(result, indent=1))


def add_accounts(home: Path) -> dict[str, tuple[str, str]]:
    """One (user name, password) per role the soak signs in as, so clients that are not browsers can sign in too."""
    return {role: add_user(home, f"soak_{role}", role, f"soak-{role}-pass") for role in ("marketer", "analyst")}


def prepare_sign_in(home: Path, accounts: dict[str, tuple[str, str]] | None = None):
    """An async callable that signs a fresh page in through the form as a marketer or an analyst of this home."""
    accounts = accounts or add_accounts(home)

    async def sign_in(page, role: str) -> None:
        user, password = accounts[role]
        await page.get_by_label("User name").fill(user)
        await page.get_by_label("Password", exact=True).fill(password)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_test_id("stSidebarNav").wait_for()
    return sign_in


if __name__ == "__main__":
    main()
