"""Training and evaluation data: hand-read labels with a fixed split, rating-derived weak labels, held-back reviews."""
from __future__ import annotations

import json
import random
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.config import DEMO_DATA_DIR

LABELS_DIR = Path(__file__).resolve().parent / "data" / "review_labels"
LABELS_FILE = LABELS_DIR / "labels.jsonl"
REVIEWS_CSV = DEMO_DATA_DIR / "womens_clothing_reviews.csv.gz"
SENTIMENTS = ("negative", "neutral", "positive")
DEFAULT_TOPICS = ("quality", "fit_size", "appearance", "comfort", "price_value", "delivery_packaging",
                  "customer_service", "effectiveness")
SPLIT_SEED = 20261128
TEST_FRACTION = 0.25
HELDBACK_SEED = 7
HELDBACK_N = 2000


def rating_sentiment(rating) -> str | None:
    """1-2 stars negative, 3 neutral, 4-5 positive (the weak stand-in for what a text says)."""
    try:
        r = int(rating)
    except (TypeError, ValueError):
        return None
    return {1: "negative", 2: "negative", 3: "neutral", 4: "positive", 5: "positive"}.get(r)


@lru_cache(maxsize=1)
def clothing_reviews() -> pd.DataFrame:
    """The demo clothing reviews: id (row index), text ("Title. Body"), rating, title ("" when none); rows without
    text dropped."""
    from models.text import join

    df = pd.read_csv(REVIEWS_CSV)
    df = df.rename(columns={df.columns[0]: "id"})
    df = df[df["Review Text"].fillna("").str.strip() != ""].copy()
    df["text"] = [join(t, b) for t, b in zip(df["Title"], df["Review Text"], strict=True)]
    df["title"] = df["Title"].fillna("").astype(str).str.strip()
    return df[["id", "text", "rating" if "rating" in df else "Rating", "title"]].rename(columns={"Rating": "rating"})


def _stratum(rec: dict) -> str:
    rare = [t for t in ("effectiveness", "delivery_packaging", "customer_service", "price_value") if t in rec["topics"]]
    return rec["sentiment"] + "|" + (rare[0] if rare else "")


def merge_shards(out: Path = LABELS_FILE, seed: int = SPLIT_SEED, test_fraction: float = TEST_FRACTION) -> dict:
    """shard_*.jsonl → labels.jsonl with a seeded split stratified by sentiment and rarest topic; returns counts.

    Ids already in `out` keep their split; only new ids are split (test_fraction of each stratum)."""
    recs = [json.loads(line) for f in sorted(LABELS_DIR.glob("shard_*.jsonl")) for line in f.open() if line.strip()]
    by_id = {}
    for r in recs:
        by_id[int(r["id"])] = {"id": int(r["id"]), "sentiment": r["sentiment"], "topics": dict(r.get("topics") or {})}
    kept = {}  # a label already in a split stays there, so adding shards never moves a test review into training
    if out.exists():
        kept = {int(r["id"]): r["split"] for r in map(json.loads, filter(str.strip, out.open())) if "split" in r}
    groups = defaultdict(list)
    for rid in sorted(by_id):
        if rid in kept:
            by_id[rid]["split"] = kept[rid]
        else:
            groups[_stratum(by_id[rid])].append(rid)
    rnd = random.Random(seed)
    for key in sorted(groups):
        ids = groups[key]
        rnd.shuffle(ids)
        n_test = round(len(ids) * test_fraction)
        for i, rid in enumerate(ids):
            by_id[rid]["split"] = "test" if i < n_test else "train"
    with out.open("w") as f:
        for rid in sorted(by_id):
            f.write(json.dumps(by_id[rid]) + "\n")
    splits = [r["split"] for r in by_id.values()]
    return {"labels": len(by_id), "train": splits.count("train"), "test": splits.count("test"), "file": str(out)}


def load_labels(path: Path | str = LABELS_FILE) -> list[dict]:
    """Hand-read labels joined to their review text: id, text, rating, sentiment, topics {topic: polarity}, split."""
    path = Path(path)
    if not path.exists():
        merge_shards(path)
    recs = [json.loads(line) for line in path.open() if line.strip()]
    texts = clothing_reviews().set_index("id")
    out = []
    for r in recs:
        if r["id"] in texts.index:
            row = texts.loc[r["id"]]
            out.append({**r, "text": row["text"], "rating": int(row["rating"])})
    return out


def heldback(labelled_ids: set[int], n: int = HELDBACK_N, seed: int = HELDBACK_SEED) -> pd.DataFrame:
    """A fixed sample of unlabelled reviews kept out of every training set, for rating-derived evaluation."""
    df = clothing_reviews()
    pool = df[~df["id"].isin(labelled_ids)].sort_values("id")
    return pool.sample(n=min(n, len(pool)), random_state=seed)


def weak_sentiment(exclude_ids: set[int], per_class: dict[str, int], seed: int = 11) -> list[dict]:
    """Unlabelled reviews with rating-derived sentiment, sampled per class; never the labelled or held-back ones."""
    df = clothing_reviews()
    df = df[~df["id"].isin(exclude_ids)].copy()
    df["sentiment"] = df["rating"].map(rating_sentiment)
    return _weak_rows(df, per_class, seed)


def _weak_rows(df: pd.DataFrame, per_class: dict[str, int], seed: int) -> list[dict]:
    """Up to n rows of each class (seeded, independent of file order) as weak training records; a `confidence`
    column, when the source has one, goes along so the fit can weigh each row by it."""
    out = []
    for cls, n in per_class.items():
        part = df[df["sentiment"] == cls].sort_values("id")
        part = part.sample(n=min(n, len(part)), random_state=seed)
        conf = part["confidence"] if "confidence" in part else None
        for k, (i, text, r) in enumerate(zip(part["id"], part["text"], part["rating"], strict=True)):
            rec = {"id": int(i), "text": text, "rating": int(r), "sentiment": cls, "topics": None, "weak": True}
            out.append(rec if conf is None else {**rec, "confidence": float(conf.iloc[k])})
    return out


def with_titles(rows: list[dict], min_chars: int = 3) -> list[dict]:
    """The weak rows, each followed by its review's title alone as a second, short weak row with the same label.

    Why: the demo reviews are paragraphs, and a model that only ever saw paragraphs called most one-line reviews of
    other shops ("Great value.", "Bad choice.") neutral. A title is the reviewer's own one-line summary of the same
    opinion, so it teaches short texts without a single new label. Titles shorter than min_chars are skipped."""
    titles = clothing_reviews().set_index("id")["title"]
    out = []
    for r in rows:
        out.append(r)
        t = titles.get(int(r["id"]), "")
        if len(t) >= min_chars:
            out.append({**r, "text": t, "title_only": True})
    return out


def teacher_sentiment(exclude_ids: set[int], per_class: dict[str, int], min_confidence: float = 0.0,
                      seed: int = 11) -> list[dict]:
    """Unlabelled reviews labelled by the distillation teacher (models/distill.py): the teacher's most likely class,
    its probability as `confidence` (the fit weighs each row by it), sampled per class like weak_sentiment; never the
    labelled or held-back ones. Empty when no teacher file ships."""
    from models.distill import teacher_labels

    teacher = teacher_labels()
    if teacher is None:
        return []
    df = clothing_reviews().merge(teacher, on="id")
    df = df[~df["id"].isin(exclude_ids)].copy()
    probs = df[[f"p_{s}" for s in SENTIMENTS]].to_numpy()
    df["sentiment"] = [SENTIMENTS[k] for k in probs.argmax(1)]
    df["confidence"] = probs.max(1)
    return _weak_rows(df[df["confidence"] >= min_confidence], per_class, seed)


if __name__ == "__main__":
    print(json.dumps(merge_shards()))
