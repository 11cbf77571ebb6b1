"""Distillation benchmark (issue 19): does the fast scorer generalise better when its weak sentiment labels come from
a teacher's reading of the text (models/distill.py) instead of star ratings?

Trains, in one run and one scratch SHOPLENS_HOME (shared embedding cache, nothing activated):
  * the fast model with the starter's recipe (weak labels from ratings: 1-2 negative, 4-5 positive, 3-star dropped),
  * the same with weak_source="teacher" (every unlabelled review, the teacher's argmax, weighted by its confidence),
then puts both beside the shipped starter and TF-IDF + LR on the in-domain test split and the out-of-domain set
(bench/classify.py's generalisation table). Prints JSON, the table and each training's time.

    python bench/distill.py [--home DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="scratch SHOPLENS_HOME (default: a new temporary folder)")
    a = ap.parse_args()
    os.environ["SHOPLENS_HOME"] = a.home or tempfile.mkdtemp(prefix="shoplens_distill_")

    from classify import generalisation, generalisation_table

    from models import starter
    from models.classifier import ReviewClassifier
    from models.distill import TEACHER_CARD
    from models.train import TrainConfig, train

    runs, models = {}, {}
    for source in ("ratings", "teacher"):
        t = time.perf_counter()
        res = train(TrainConfig(mode="fast", device="cpu", weak_source=source), activate="never")
        runs[source] = {"seconds": round(time.perf_counter() - t, 1), "path": res["path"],
                        "phases": res.get("phases"),
                        "data": json.loads((Path(res["path"]) / "metrics.json").read_text())["data"]}
        models[f"fast, weak labels from {source}"] = ReviewClassifier.from_pretrained(res["path"], "cpu")
    if starter.available():
        models["starter (fast, shipped)"] = starter.load("cpu")
    g = generalisation(models)
    out = {"teacher_card": json.loads(TEACHER_CARD.read_text()) if TEACHER_CARD.exists() else None,
           "training": runs, "generalisation": g, "load_avg_1m_at_end": os.getloadavg()[0]}
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "distill.json").write_text(json.dumps(out, indent=1, default=str))
    print(json.dumps(runs, indent=1, default=str))
    print("\n" + generalisation_table(g))


if __name__ == "__main__":
    main()
