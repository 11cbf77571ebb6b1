"""Screenshots of every page in headless Chromium, for the README and for reviewing a change as a user sees it.

    python -m dashboard.screenshots OUT_DIR [--home DIR] [--role admin|analyst|marketer]

Starts the app on DIR's database (demo if new), shoots the sign-in page, then signs in as a throw-away user of the
given role (default admin, created in DIR's users file and removed afterwards) and shoots every page it may see.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--home", default=None)
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--role", default="admin", choices=["admin", "analyst", "marketer"])
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if args.home:
        env["SHOPLENS_HOME"] = args.home
    from analysis.users import UserStore, first_start_message, new_password

    os.environ.update({k: env[k] for k in ("SHOPLENS_HOME",) if k in env})
    users = UserStore()
    first = users.ensure_admin()  # as the app's first start would (the throw-away user must not be the only admin)
    if first:
        print(first_start_message(first), flush=True)
    shot_user, shot_pw = f"screenshots-{args.role}", new_password()
    users.add(shot_user, args.role, password=shot_pw + "-x", must_change=False)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
                             "--server.headless", "true"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": args.width, "height": 1000})
            page.set_default_timeout(90_000)
            page.goto(url)
            page.get_by_label("User name").wait_for()
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "sign_in.png"), full_page=True)
            print(out / "sign_in.png")
            page.get_by_label("User name").fill(shot_user)
            page.get_by_label("Password", exact=True).fill(shot_pw + "-x")
            page.get_by_role("button", name="Sign in").click()
            page.get_by_test_id("stSidebarNav").wait_for()
            links = page.get_by_test_id("stSidebarNavLink")
            names = [links.nth(i).inner_text().strip().splitlines()[-1] for i in range(links.count())]
            for name in names:
                page.get_by_test_id("stSidebarNavLink").filter(has_text=name).first.click()
                page.get_by_test_id("stHeading").first.wait_for()
                page.wait_for_timeout(2500)  # let plotly finish drawing
                file = out / f"{name.lower().replace(' ', '_')}.png"
                page.screenshot(path=str(file), full_page=True)
                print(file)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        users.remove(shot_user)


if __name__ == "__main__":
    main()
