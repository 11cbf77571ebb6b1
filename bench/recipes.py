"""What the recipe benchmarks share (bench/distill.py, bench/short_texts.py): a scratch SHOPLENS_HOME, one timed
Fast training per recipe, and the generalisation table with the shipped starter beside them, written to
bench/out/<name>.json. Importing it puts the repository and bench/ on sys.path, so the scripts import it first."""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "bench")):
    if _p not in sys.path:
        sys.path.insert(0, _p)


def scratch_home(home: str | None, prefix: str) -> str:
    """Use `home` (or a new temporary folder) as SHOPLENS_HOME: its embedding cache is shared by every recipe of
    the run and nothing is activated in a shop's real home."""
    os.environ["SHOPLENS_HOME"] = home or tempfile.mkdtemp(prefix=prefix)
    return os.environ["SHOPLENS_HOME"]


def train_recipe(cfg):
    """Train one recipe (never activated) → ({seconds, path, card}, the model loaded on CPU)."""
    from models.classifier import ReviewClassifier
    from models.train import train

    t = time.perf_counter()
    res = train(cfg, activate="never")
    run = {"seconds": round(time.perf_counter() - t, 1), "path": res["path"],
           "card": json.loads((Path(res["path"]) / "metrics.json").read_text())}
    return run, ReviewClassifier.from_pretrained(res["path"], "cpu")


def report(name: str, runs: dict, models: dict, starter_label: str, more: dict | None = None, **extra) -> dict:
    """Add the shipped starter (when present) under starter_label, then `more` (other models for the table), score
    every model on the in-domain and out-of-domain sets, write bench/out/<name>.json (extra, runs, table, load) and
    print the runs and the table."""
    from classify import generalisation, generalisation_table

    from models import starter

    if starter.available():
        models = {**models, starter_label: starter.load("cpu")}
    models = {**models, **(more or {})}
    g = generalisation(models)
    out = {**extra, "training": runs, "generalisation": g, "load_avg_1m_at_end": os.getloadavg()[0]}
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / f"{name}.json").write_text(json.dumps(out, indent=1, default=str))
    print(json.dumps(runs, indent=1, default=str))
    print("\n" + generalisation_table(g))
    return out
