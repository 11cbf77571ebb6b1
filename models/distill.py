"""Teacher labels for distillation: a slow, stronger model reads every demo review once, and the fast shipped scorer
learns from what it said instead of from star ratings.

Why: the fast model's weak labels come from stars (1-2 negative, 4-5 positive, 3 dropped), which say nothing about
neutral and mislabel every "5 stars but it went back" review. A teacher fine-tuned end to end on the hand-read labels
(python -m models.finetune_e2e) reads the text, so its labels carry neutral and mixed reviews too. The teacher is
too slow to ship (six layers, fine-tuned: 1.4x the scoring cost and a 90 MB folder); its labels are 23k rows.

    python -m models.distill TEACHER_FOLDER --training-note '...'   # -> models/data/teacher_sentiment.csv.gz + teacher_sentiment.json

The file holds every demo review's sentiment probabilities; training never reads the rows of hand-labelled or
held-back reviews (models.data.teacher_sentiment excludes them), so the teacher's view of a test review never reaches
the student.
"""
from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from models.data import SENTIMENTS, clothing_reviews

TEACHER_FILE = Path(__file__).resolve().parent / "data" / "teacher_sentiment.csv.gz"
TEACHER_CARD = TEACHER_FILE.with_name("teacher_sentiment.json")


def teacher_labels() -> pd.DataFrame | None:
    """id, p_negative, p_neutral, p_positive per demo review; None when no teacher file ships."""
    if not TEACHER_FILE.exists():
        return None
    return pd.read_csv(TEACHER_FILE)


def label_with(teacher_folder: str, batch_size: int = 64, training_note: str = "") -> dict:
    """Score every demo review with the teacher; write the file and a card (teacher, how it was trained, time,
    hardware): the student's card points here, so the whole chain stays traceable."""
    from models import device as devices
    from models.classifier import ReviewClassifier
    from models.text import clean

    devices.set_threads()
    df = clothing_reviews()
    clf = ReviewClassifier.from_pretrained(teacher_folder, device="auto")
    t0 = time.time()
    sent, _ = clf.predict_proba([clean(t)[0] for t in df["text"]], batch_size=batch_size)
    seconds = time.time() - t0
    order = [list(clf.config.sentiments).index(s) for s in SENTIMENTS]
    out = pd.DataFrame({"id": df["id"].to_numpy()})
    for s, k in zip(SENTIMENTS, order, strict=True):
        out[f"p_{s}"] = np.round(sent[:, k], 4)
    out.to_csv(TEACHER_FILE, index=False)
    card = {"teacher": str(Path(teacher_folder).name), "teacher_config": clf.config.base_model,
            "reviews": len(out), "seconds": round(seconds, 1), "reviews_per_second": round(len(out) / seconds, 1),
            "hardware": devices.hardware(clf.choice),
            "labelled_at": datetime.now(UTC).isoformat(timespec="seconds"), "teacher_training": training_note,
            "argmax_counts": {s: int(c) for s, c in zip(SENTIMENTS, np.bincount(
                out[[f"p_{s}" for s in SENTIMENTS]].to_numpy().argmax(1), minlength=3), strict=True)}}
    TEACHER_CARD.write_text(json.dumps(card, indent=1) + "\n")
    return card


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("teacher")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--training-note", default="", help="how the teacher was trained: data, time, hardware")
    args = ap.parse_args()
    print(json.dumps(label_with(args.teacher, args.batch_size, args.training_note), indent=1))
