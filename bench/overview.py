"""Overview page speed on the demo database: the queries behind it (cold, no cache) and a warm rerun of the page
through Streamlit's AppTest (what a user waits for after changing a widget). Target: warm rerun < 150 ms.

    python bench/overview.py
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    home = Path(tempfile.mkdtemp())
    os.environ["SHOPLENS_HOME"] = str(home)
    os.environ["SHOPLENS_DB"] = str(home / "demo.duckdb")
    from analysis import demo, overview, store

    con = store.connect(home / "demo.duckdb")
    demo.build(con, home / "demo.duckdb")
    lo, hi = overview.date_bounds(con)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        overview.kpis(con, lo, hi)
        overview.revenue_by_month(con, lo, hi)
        overview.revenue_by_country(con, lo, hi)
        overview.top_products(con, lo, hi)
        overview.rating_distribution(con, lo, hi)
        times.append(time.perf_counter() - t)
    con.close()
    print(f"overview queries, uncached (5 runs): median {statistics.median(times) * 1000:.0f} ms")

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    assert not at.exception, at.exception
    warm = []
    for _ in range(10):
        t = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t)
    print(f"overview page first run (opens db, cold queries): {first * 1000:.0f} ms")
    print(f"overview page warm rerun (10 runs): median {statistics.median(warm) * 1000:.0f} ms, "
          f"max {max(warm) * 1000:.0f} ms  (target < 150 ms)")


if __name__ == "__main__":
    main()
