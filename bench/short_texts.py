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
from pathlib import Path

from recipes import report, scratch_home, train_recipe


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="scratch SHOPLENS_HOME (default: a new temporary folder)")
    ap.add_argument("--model", action="append", default=[], help="NAME=FOLDER of another model to put in the table")
    a = ap.parse_args()
    others = {}
    for spec in a.model:  # checked before any training, so a typo costs seconds, not minutes
        name, _, folder = spec.partition("=")
        if not (name and Path(folder).is_dir()):
            raise SystemExit(f"--model {spec!r}: give NAME=FOLDER with an existing model folder or starter export")
        others[name] = folder
    scratch_home(a.home, "shoplens_short_")

    from models import starter
    from models.classifier import ReviewClassifier
    from models.train import TrainConfig

    runs, models = {}, {}
    for name, titles in (("fast, weak rows + their titles (default)", True), ("fast, no titles", False)):
        run, models[name] = train_recipe(TrainConfig(mode="fast", device="cpu", weak_titles=titles))
        hist = run.pop("card")["history"][0]
        runs[name] = {**run, **{k: hist.get(k) for k in ("embed_seconds", "fit_seconds", "embedded_texts",
                                                           "embedded_new", "c_sentiment", "neutral_offset")}}
    more = {name: starter.load("cpu", folder) if starter.available(folder)  # a heads-only starter export
            else ReviewClassifier.from_pretrained(folder, "cpu") for name, folder in others.items()}
    report("short_texts", runs, models, "starter (shipped)", more)


if __name__ == "__main__":
    main()
