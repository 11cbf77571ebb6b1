"""Scoring with the active model(s): texts, CSV files, and every review in the database into review_labels."""
from __future__ import annotations

import json
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import pandas as pd

from analysis import export_safety, store
from analysis.errors import ShoplensError
from models import registry
from models.classifier import ReviewClassifier


def version_label(versions: list[str]) -> str:
    """The model_version review_labels rows carry: sentiment then topics version, once when they are the same."""
    return "+".join(dict.fromkeys(v for v in versions if v))


class ActiveModels:
    """Sentiment from the active sentiment model and topics from the active topics model (one pass if the same)."""

    def __init__(self, path: Path | str | None = None, device: str = "auto"):
        if path is not None:
            self.sentiment = self.topics = ReviewClassifier.from_pretrained(path, device)
        else:
            from models import starter

            starter.ensure_active()  # a fresh install classifies with the shipped starter model at once
            s, t = registry.active("sentiment"), registry.active("topics")
            if s is None and t is None:
                raise ShoplensError("No trained model is active", fix="run `shoplens train all` first")
            self.sentiment = ReviewClassifier.from_pretrained(s["path"], device) if s else None
            same = s and t and s["path"] == t["path"]
            self.topics = self.sentiment if same else (ReviewClassifier.from_pretrained(t["path"], device) if t else None)
        self.version = version_label([c.config.version for c in (self.sentiment, self.topics) if c]) or "unversioned"
        self.topic_names = list(self.topics.config.topics) if self.topics else []

    def predict(self, texts: list[str], batch_size: int | None = None, progress=None) -> list[dict]:
        main = self.sentiment or self.topics
        out = main.predict(texts, batch_size, progress)
        if self.topics is not None and self.topics is not main:
            for o, t in zip(out, self.topics.predict(texts, batch_size), strict=True):
                o["topics"], o["topic_scores"] = t["topics"], t["topic_scores"]
        if self.sentiment is None:
            for o in out:
                o["sentiment"], o["score"] = ("unknown", None) if not o["reason"] else (o["sentiment"], None)
        if self.topics is None:
            for o in out:
                o["topics"], o["topic_scores"] = [], {}
        return out


def classify_csv(path: Path | str, text_column: str, out: Path | str, models: ActiveModels,
                 title_column: str | None = None) -> dict:
    """Input columns plus sentiment, sentiment_score, topics (pipe-separated), topic_<name> scores and reason."""
    path = Path(path)
    if not path.exists():
        raise ShoplensError(f"No file at {path}", fix="check the path")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ShoplensError(f"Could not read {path.name} as CSV ({str(exc)[:120]})", fix="save it as UTF-8 CSV") from exc
    for col in [text_column] + ([title_column] if title_column else []):
        if col not in df.columns:
            raise ShoplensError(f'Column "{col}" is not in {path.name}',
                                fix="pass --text-column with one of: " + ", ".join(map(str, df.columns[:20])))
    from models.text import join

    texts = [join(t, b) for t, b in zip(df[title_column] if title_column else [""] * len(df), df[text_column],
                                        strict=True)]
    preds = models.predict(texts)
    res = df.copy()
    res["sentiment"] = [p["sentiment"] for p in preds]
    res["sentiment_score"] = [None if p["score"] is None else round(p["score"], 4) for p in preds]
    res["topics"] = ["|".join(p["topics"]) for p in preds]
    for t in models.topic_names:
        res[f"topic_{t}"] = [p["topic_scores"].get(t) for p in preds]
    res["reason"] = [p["reason"] for p in preds]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    export_safety.to_csv(res, out)  # input columns are copied through: neutralise any formula in them
    unknown = sum(p["sentiment"] == "unknown" for p in preds)
    return {"rows": len(df), "classified": len(df) - unknown, "unknown": unknown, "out": str(out),
            "model_version": models.version}


def pending_reviews(con) -> tuple[int, int]:
    """(reviews in the database, reviews without a label from the active model version), without loading a model."""
    total = int(con.execute("SELECT count(*) FROM reviews").fetchone()[0])
    version = version_label([a["version"] for a in map(registry.active, registry.TASKS) if a])
    if not version:
        return total, total
    done = int(con.execute("SELECT count(*) FROM review_labels WHERE model_version = ?", [version]).fetchone()[0])
    return total, max(0, total - done)


_HASH = "hash(coalesce(r.title, '') || chr(31) || coalesce(r.text, ''))"


def _write(con, rows: list[tuple]) -> None:
    frame = pd.DataFrame(rows, columns=["review_id", "model_version", "sentiment", "sentiment_score", "topics",
                                        "topic_scores", "text_hash", "scored_at"])
    with store.transaction(con):
        con.register("_new_labels", frame)
        con.execute("DELETE FROM review_labels WHERE review_id IN (SELECT review_id FROM _new_labels)")
        con.execute("""INSERT INTO review_labels SELECT review_id, model_version, sentiment, sentiment_score,
                       topics, CAST(topic_scores AS JSON), CAST(text_hash AS UBIGINT), scored_at FROM _new_labels""")
        con.unregister("_new_labels")


def score_database(con, models: ActiveModels, who: str = "cli", batch: int = 2048, progress=None,
                   limit: int | None = None, lock=None, on_batch=None) -> dict:
    """Classify reviews that have no label from this model version for their current text; replace their old rows.

    Newest reviews first; each batch is committed as it finishes (an interrupted run keeps what it scored), and
    limit scores only that many now (the rest on the next call). lock: held only while a batch is written (the app's
    write lock, so a background run never blocks other writers while the model works); on_batch(written so far) is
    called after each commit. With the fairness mitigation switched on (Fairness
    page), sentiment follows its per-group thresholds (models/fairness.py)."""
    from models.fairness import scoring_mitigation

    mitigation = scoring_mitigation(models.sentiment)
    todo = con.execute(
        f"""SELECT r.review_id, r.title, r.text, r.customer_age, r.category, {_HASH} AS h FROM reviews r
            WHERE NOT EXISTS (SELECT 1 FROM review_labels l WHERE l.review_id = r.review_id
                              AND l.model_version = ? AND l.text_hash = {_HASH})
            ORDER BY r.created_at DESC NULLS LAST, r.review_id""", [models.version]).df()  # _HASH: a constant
    total = int(con.execute("SELECT count(*) FROM reviews").fetchone()[0])
    pending = len(todo)
    if limit is not None:
        todo = todo.iloc[:max(0, int(limit))]
    from models.text import join

    done = scored = unknown = 0
    try:
        for start in range(0, len(todo), batch):
            part = todo.iloc[start:start + batch]
            inner = (lambda d, t, base=done: progress(base + d, len(todo))) if progress else None
            texts = [join(t, b) for t, b in zip(part["title"], part["text"], strict=True)]
            preds = models.predict(texts, progress=inner)
            if mitigation:
                preds = mitigation.apply(texts, part, preds)
            now = datetime.now()
            rows = [(rid, models.version, p["sentiment"], p["score"], p["topics"], json.dumps(p["topic_scores"]),
                     int(h), now) for rid, h, p in zip(part["review_id"], part["h"], preds, strict=True)]
            with lock or nullcontext():
                _write(con, rows)
            scored += len(rows)
            unknown += sum(r[2] == "unknown" for r in rows)
            done += len(part)
            if progress:
                progress(done, len(todo))
            if on_batch:
                on_batch(scored)
    finally:  # a stopped or failed run still records the batches it committed
        if scored:
            with lock or nullcontext(), store.transaction(con):
                store.audit(con, who, "score_reviews", "review_labels", {
                    "model_version": models.version, "scored": scored,
                    "fairness_thresholds": mitigation.feature if mitigation else None})
    return {"reviews": total, "scored": scored, "skipped_unchanged": total - pending, "unknown": unknown,
            "remaining": pending - scored, "model_version": models.version}
