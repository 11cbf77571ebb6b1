"""Feedback workflow speed on the demo shop, CPU: background classification throughput and the Fast Retrain with a
cold embedding cache (before: every training text embedded) against a warm one (after: unchanged reviews read from
the cache keyed by text hash and model), both in the same run on the same machine.

    python bench/feedback.py [--n 1000] [--out bench/results/feedback.txt]

Steps: build the demo shop in a fresh SHOPLENS_HOME; classify the newest --n reviews with the shipped starter
through dashboard/classify_job.py (the app's background thread, batches written under a lock) -> reviews/s; then a
Fast Retrain with the default recipe twice: first on an empty embedding cache, then again (the cache now holds every
training text), with each phase's seconds from the model card. The expected time the page would have stated before
the warm run (models/retrain_report.estimate_fast) is printed beside the measured one.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="reviews classified for the throughput figure")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "feedback.txt"))
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="fb_bench_"))
    os.environ["SHOPLENS_HOME"] = str(home)
    os.environ["SHOPLENS_CLASSIFY_BATCH"] = "256"

    from analysis import demo, store
    from dashboard import classify_job
    from models import device
    from models.scoring import ActiveModels
    from models.train import config_defaults, train

    out = Path(args.out)

    class Lines(list):
        """Each measured line is printed and written at once: a run cut short keeps what it measured."""

        def append(self, line: str) -> None:
            super().append(line)
            print(line, flush=True)
            out.write_text("\n".join(self) + "\n")

    lines = Lines()
    lines += [f"bench/feedback.py on {os.cpu_count()} CPU cores (torch threads {os.environ.get('SHOPLENS_THREADS', '2')}),"
             f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at start "
             f"{os.getloadavg()[0]:.1f} (the box is shared)"]
    out.write_text(lines[0] + "\n")
    device.set_threads()
    db = home / "demo.duckdb"
    con = store.connect(db)
    demo.ensure(con, db)
    total = con.execute("SELECT count(*) FROM reviews").fetchone()[0]

    # 1. background classification throughput (limited to --n by stopping the job once it has scored n)
    models = ActiveModels(device="cpu")
    job = classify_job.start(con, threading.Lock(), str(db), "bench", models=models)
    while job.running and job.written < args.n:
        time.sleep(0.5)
    classify_job.stop(str(db))
    classify_job.wait(str(db))
    rate = job.rate()
    lines.append(f"classify (background job, starter {models.version}): {job.written:,} of {total:,} reviews in "
                 f"{job.finished - job.scoring_started:.1f} s = {rate:.1f} reviews/s; all {total:,} would take about "
                 f"{total / rate / 60:.0f} min at that rate")

    # 2. Fast retrain, cold cache then warm cache (same recipe, same labels)
    from models.data import load_labels
    from models.retrain_report import estimate_fast

    cfg = config_defaults(mode="fast", device="cpu")
    cache = home / "cache" / "embeddings"
    import shutil

    shutil.rmtree(cache, ignore_errors=True)  # cold: the scoring above filled it for the newest reviews
    runs = {}
    for name in ("cold cache (before)", "warm cache (after)"):
        est = estimate_fast(cfg, load_labels()) if name.startswith("warm") else None
        t0 = time.time()
        res = train(cfg, activate="never")
        wall = time.time() - t0
        ph = res["phases"]
        runs[name] = wall
        lines.append(f"Fast retrain, {name}: {wall:.0f} s wall — embedding {ph['embed_seconds']:.0f} s "
                     f"({ph['embedded_new']:,} of {ph['embedded_texts']:,} texts computed), fitting "
                     f"{ph['fit_seconds']:.0f} s, evaluating {ph['evaluate_seconds']:.0f} s; sentiment macro-F1 "
                     f"{res['sentiment_macro_f1']:.3f}, topic macro-F1 {res['topic_macro_f1']:.3f}")
        if est is not None:
            lines.append(f"  stated beforehand (estimate_fast): {est['total_seconds'] or float('nan'):.0f} s "
                         f"({est['to_embed']:,} texts to embed)")
    c, w = runs["cold cache (before)"], runs["warm cache (after)"]
    lines.append(f"warm / cold: {w / c:.2f} ({c / w:.1f}x faster); load average at the end {os.getloadavg()[0]:.1f}")
    con.close()


if __name__ == "__main__":
    main()
