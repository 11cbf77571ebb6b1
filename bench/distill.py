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

from recipes import report, scratch_home, train_recipe


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="scratch SHOPLENS_HOME (default: a new temporary folder)")
    a = ap.parse_args()
    scratch_home(a.home, "shoplens_distill_")

    from models.distill import TEACHER_CARD
    from models.train import TrainConfig

    runs, models = {}, {}
    for source in ("ratings", "teacher"):
        run, models[f"fast, weak labels from {source}"] = train_recipe(
            TrainConfig(mode="fast", device="cpu", weak_source=source))
        card = run.pop("card")
        runs[source] = {**run, "phases": card.get("phases"), "data": card["data"]}
    report("distill", runs, models, "starter (fast, shipped)",
           teacher_card=json.loads(TEACHER_CARD.read_text()) if TEACHER_CARD.exists() else None)


if __name__ == "__main__":
    main()
