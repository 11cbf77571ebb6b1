"""Short-text benchmark (issue 19): does the fast model read one-line reviews of other shops once review titles join
the weak rows (TrainConfig.weak_titles, models.data.with_titles)?

Trains, in one run and one scratch SHOPLENS_HOME (shared embedding cache, nothing activated), the fast model with the
default recipe and the same recipe without titles, then puts both beside the shipped starter, any --model folders
(e.g. a copy of the previous starter) and TF-IDF + LR on the in-domain test split and both out-of-domain sets
(bench/classify.py's generalisation table). Prints each training's time and the table; JSON in bench/out/.

    python bench/short_texts.py [--home DIR] [--model NAME=FOLDER ...]
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
    ap.add_argument("--model", action="append", default=[], help="NAME=FOLDER of another model to put in the table")
    a = ap.parse_args()
    os.environ["SHOPLENS_HOME"] = a.home or tempfile.mkdtemp(prefix="shoplens_short_")

    from classify import generalisation, generalisation_table

    from models import starter
    from models.classifier import ReviewClassifier
    from models.train import TrainConfig, train

    others = {}
    for spec in a.model:  # checked before any training, so a typo costs seconds, not minutes
        name, _, folder = spec.partition("=")
        if not (name and Path(folder).is_dir()):
            raise SystemExit(f"--model {spec!r}: give NAME=FOLDER with an existing model folder or starter export")
        others[name] = folder
    runs, models = {}, {}
    for name, titles in (("fast, weak rows + their titles (default)", True), ("fast, no titles", False)):
        t = time.perf_counter()
        res = train(TrainConfig(mode="fast", device="cpu", weak_titles=titles), activate="never")
        hist = json.loads((Path(res["path"]) / "metrics.json").read_text())["history"][0]
        runs[name] = {"seconds": round(time.perf_counter() - t, 1), "path": res["path"],
                      **{k: hist.get(k) for k in ("embed_seconds", "fit_seconds", "embedded_texts", "embedded_new",
                                                  "c_sentiment", "neutral_offset")}}
        models[name] = ReviewClassifier.from_pretrained(res["path"], "cpu")
    if starter.available():
        models["starter (shipped)"] = starter.load("cpu")
    for name, folder in others.items():  # a heads-only starter export, or a full model folder
        models[name] = (starter.load("cpu", folder) if starter.available(folder)
                        else ReviewClassifier.from_pretrained(folder, "cpu"))
    g = generalisation(models)
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "short_texts.json").write_text(json.dumps(
        {"training": runs, "generalisation": g, "load_avg_1m_at_end": os.getloadavg()[0]}, indent=1, default=str))
    print(json.dumps(runs, indent=1, default=str))
    print("\n" + generalisation_table(g))


if __name__ == "__main__":
    main()
