"""How far two careful readings of the same reviews agree: the ceiling a classifier can be held to on these labels.

models/data/review_labels/second_reading_test.jsonl is a blind second reading of the 475 test reviews labelled before
2026-11-29 (three readers, the same GUIDELINES.md, title and text only, no access to the first labels). The first
labels are scored as truth and the second reading as the "prediction", with the same metrics as the classifier.

    python bench/label_agreement.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from models.data import DEFAULT_TOPICS, LABELS_FILE
    from models.metrics import sentiment_report, topic_report

    first = {r["id"]: r for r in map(json.loads, LABELS_FILE.open())}
    second = [json.loads(line) for line in (LABELS_FILE.parent / "second_reading_test.jsonl").open()]
    pairs = [(first[r["id"]], r) for r in second if r["id"] in first]
    topics = list(DEFAULT_TOPICS)
    sent = sentiment_report([a["sentiment"] for a, _ in pairs], [b["sentiment"] for _, b in pairs],
                            ["negative", "neutral", "positive"])
    ya = np.array([[t in a["topics"] for t in topics] for a, _ in pairs], int)
    yb = np.array([[t in b["topics"] for t in topics] for _, b in pairs], int)
    top = topic_report(ya, yb, topics)
    print(json.dumps({"reviews": len(pairs), "sentiment_macro_f1": round(sent["macro_f1"], 3),
                      "sentiment_accuracy": round(sent["accuracy"], 3),
                      "sentiment_f1": {c: round(v["f1"], 3) for c, v in sent["per_class"].items()},
                      "sentiment_confusion(rows=first reading)": sent["confusion"],
                      "topic_macro_f1": round(top["macro_f1"], 3),
                      "topic_f1": {t: round(v["f1"], 3) for t, v in top["per_topic"].items()}}, indent=1))


if __name__ == "__main__":
    main()
