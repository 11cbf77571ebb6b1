"""Feedback queries over review_labels (mix over time, what changed, evidence) and corrections as training labels."""
from __future__ import annotations

import json
import zlib
from datetime import datetime

import pandas as pd

from analysis import store

FIELDS = ("sentiment", "topics")


def labelled_reviews(con, start=None, end=None) -> pd.DataFrame:
    """One row per scored review: review_id, created_at, category, product_id, rating, title, text, sentiment,
    sentiment_score, topics (list), topic_scores (dict), with the latest marketer correction applied."""
    df = con.execute(
        """SELECT r.review_id, r.created_at, r.category, r.product_id, r.rating, r.title, r.text,
                  l.sentiment, l.sentiment_score, l.topics, CAST(l.topic_scores AS VARCHAR) AS topic_scores,
                  l.model_version
           FROM reviews r JOIN review_labels l USING (review_id)
           WHERE (CAST(? AS TIMESTAMP) IS NULL OR r.created_at >= ?) AND (CAST(? AS TIMESTAMP) IS NULL OR r.created_at < ?)
           ORDER BY r.created_at DESC NULLS LAST, r.review_id""", [start, start, end, end]).df()
    df["topic_scores"] = [json.loads(s) if s else {} for s in df["topic_scores"]]
    df["topics"] = [list(t) if t is not None else [] for t in df["topics"]]
    for (rid, field), new in latest_corrections(con).items():
        m = df["review_id"] == rid
        if field == "sentiment":
            df.loc[m, "sentiment"] = new
        elif m.any():
            df.loc[m, "topics"] = pd.Series([[t for t in new.split("|") if t]] * int(m.sum()), index=df.index[m])
    return df


MIN_GROUP_REVIEWS = 30  # fewer reviews than this in a month or category: its shares are noise, so charts leave it out


def topic_share(df: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Share of reviews mentioning each topic (optionally per group), with its negative share and the number of
    reviews it is a share of (group_reviews): a month holding three reviews shows topics at 0% or 100%."""
    rows = df.explode("topics").dropna(subset=["topics"])
    keys = [by, "topics"] if by else ["topics"]
    n = df.groupby(by).size() if by else len(df)
    out = rows.groupby(keys).agg(reviews=("review_id", "nunique"),
                                 negative=("sentiment", lambda s: float((s == "negative").mean()))).reset_index()
    out["group_reviews"] = out[by].map(n) if by else max(n, 1)
    out["share"] = out["reviews"] / out["group_reviews"]
    return out.rename(columns={"topics": "topic"})


def what_changed(df: pd.DataFrame, split_at) -> pd.DataFrame:
    """Topics whose share of reviews moved most between before and after split_at (percentage points)."""
    a, b = df[df["created_at"] < split_at], df[df["created_at"] >= split_at]
    sa = topic_share(a).set_index("topic")["share"] if len(a) else pd.Series(dtype=float)
    sb = topic_share(b).set_index("topic")["share"] if len(b) else pd.Series(dtype=float)
    out = pd.DataFrame({"before": sa, "after": sb}).fillna(0.0)
    out["change_pp"] = (out["after"] - out["before"]) * 100
    return out.reindex(out["change_pp"].abs().sort_values(ascending=False).index).reset_index(names="topic")


def latest_corrections(con) -> dict[tuple[str, str], str]:
    rows = con.execute("""SELECT review_id, field, new FROM label_corrections
                          QUALIFY row_number() OVER (PARTITION BY review_id, field ORDER BY "at" DESC) = 1""").fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def correction_rows(con) -> list[dict]:
    """The latest correction of each (review, field): review_id, field, old, new (what a Retrain will learn)."""
    rows = con.execute("""SELECT review_id, field, old, new FROM label_corrections
                          QUALIFY row_number() OVER (PARTITION BY review_id, field ORDER BY "at" DESC) = 1""").fetchall()
    return [{"review_id": r[0], "field": r[1], "old": r[2], "new": r[3]} for r in rows]


def save_corrections(con, changes: list[dict], who: str) -> int:
    """changes: [{review_id, field (sentiment|topics), old, new}]; stored with who and when in one transaction."""
    now = datetime.now()
    rows = [(c["review_id"], c["field"], c.get("old"), c["new"], who, now) for c in changes
            if c["field"] in FIELDS and c.get("old") != c["new"]]
    if rows:
        with store.transaction(con):
            con.executemany("INSERT INTO label_corrections VALUES (?, ?, ?, ?, ?, ?)", rows)
            store.audit(con, who, "correct_labels", "label_corrections", {"rows": len(rows)})
    return len(rows)


def _int_id(rid: str) -> int:
    return int(rid) if str(rid).isdigit() else -(zlib.crc32(str(rid).encode()) + 1)


def corrections_as_labels(con, test_ids: set[int]) -> list[dict]:
    """Marketer corrections as extra training records (split 'train'); reviews in the hand-read test split are
    left out so the test split is never trained on. Topic loss is masked unless topics were corrected."""
    from models.text import join

    corr = latest_corrections(con)
    ids = sorted({rid for rid, _ in corr})
    if not ids:
        return []
    base = con.execute("""SELECT r.review_id, r.title, r.text, l.sentiment FROM reviews r
                          LEFT JOIN review_labels l USING (review_id) WHERE r.review_id IN (SELECT unnest(?))""",
                       [ids]).fetchall()
    out = []
    for rid, title, body, sent in base:
        if _int_id(rid) in test_ids:
            continue
        s = corr.get((rid, "sentiment"), sent)
        t = corr.get((rid, "topics"))
        if s not in ("negative", "neutral", "positive"):
            continue
        out.append({"id": _int_id(rid), "text": join(title, body), "sentiment": s, "split": "train",
                    "topics": None if t is None else {x: "mixed" for x in t.split("|") if x}, "correction": True})
    return out
