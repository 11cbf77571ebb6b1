"""Seconds to three checked email candidates (issue 16 target: under 30 s on the 2-core CPU), through the app's own
code path: the facts builder the pages and CLI use (analysis.campaign_facts.segment_facts), the writer the CLI
builds (dashboard.commands.drafts.load_writer) and the app's model thread (dashboard.generator_state.draft).
Each writer in the same run, so the ratios compare like with like; the copy model's first load is timed apart.

    python bench/drafts_speed.py [--writers template,template+model,model] [--repeats 3]

Writes bench/results/drafts_speed.txt and prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "results" / "drafts_speed.txt"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writers", default="template,template+model,model")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from analysis import demo, rfm, store
    from analysis.campaign_facts import segment_facts
    from dashboard import generator_state
    from dashboard.commands.drafts import load_writer

    path = Path(tempfile.mkdtemp(prefix="speed_demo_")) / "demo.duckdb"
    con = store.connect(path)
    demo.build(con, path)
    t0 = time.perf_counter()
    facts = segment_facts(con, "At risk", "email", "15% off with code THANKS15", brand="Hollow Oak Gifts",
                          table=rfm.rfm_table(con))
    facts_s = time.perf_counter() - t0
    res = {"facts_seconds": round(facts_s, 2), "writers": {}}
    for name in args.writers.split(","):
        t0 = time.perf_counter()
        w = load_writer(name, "cpu")
        load_s = time.perf_counter() - t0
        times, passing = [], []
        for r in range(args.repeats):
            t0 = time.perf_counter()
            drafts, _, _ = generator_state.draft(w, facts, n=3, keep_failing=False, seed=r)
            times.append(time.perf_counter() - t0)
            passing.append(sum(all(d["checks"].values()) for d in drafts))
        res["writers"][name] = {"load_seconds": round(load_s, 2), "median_seconds": round(statistics.median(times), 2),
                                "runs": [round(x, 2) for x in times], "checked_candidates_shown": passing}
    base = res["writers"].get("template", {}).get("median_seconds")
    for v in res["writers"].values():
        v["x_template"] = round(v["median_seconds"] / base, 1) if base else None
    res["cpu_count"] = os.cpu_count()
    text = json.dumps(res, indent=1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(f"# python bench/drafts_speed.py --writers {args.writers} --repeats {args.repeats} "
                   f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, shared 2-core CPU)\n" + text + "\n")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
