"""Reading and writing the `drafts` table, and the queue of reviews that need a reply, so pages hold no SQL.

The table has no preheader or cta column (schema v1), so those two travel inside the facts JSON under COPY_KEY and
come back out in `get`, with what wrote the draft (`writer`: template, template + model, model; `model_parts`: the
lines a phrase model wrote) and the candidates held back while writing it (`held_back`: text and reasons); the rest
of the facts record is stored exactly as the draft was written from it.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime

import pandas as pd

from analysis.schema import LATEST_LABELS

STATUSES = ("new", "edited", "approved", "discarded")
COPY_KEY = "_copy"  # preheader, cta, writer, model_parts, held_back: kept with the facts (no schema change)
WRITTEN_BEFORE = "model"  # drafts stored before the writer was recorded all came from the copy model


def _copy_extra(draft: dict) -> dict:
    return {"preheader": draft.get("preheader"), "cta": draft.get("cta"), "writer": draft.get("writer"),
            "model_parts": draft.get("model_parts") or [], "held_back": draft.get("held_back") or []}


def _row(con, draft_id: str) -> tuple | None:
    return con.execute('SELECT draft_id, segment, channel, offer, subject, body, facts, checks, model_version, '
                       'status, who, "at" FROM drafts WHERE draft_id = ?', [draft_id]).fetchone()


def save(con, draft: dict, who: str, status: str = "new") -> str:
    """Store one draft object (DESIGN.md §3 shape) and return its new draft_id."""
    if status not in STATUSES:
        raise ValueError(f"unknown draft status {status!r}")
    draft_id = uuid.uuid4().hex[:12]
    facts = {**(draft.get("facts") or {}), COPY_KEY: _copy_extra(draft)}
    con.execute('INSERT INTO drafts (draft_id, segment, channel, offer, subject, body, facts, checks, model_version, '
                'status, who, "at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                [draft_id, draft.get("segment"), draft["channel"], draft.get("offer"), draft.get("subject"),
                 draft.get("body"), json.dumps(facts, default=str), json.dumps(draft.get("checks") or {}),
                 draft.get("model_version"), status, who, datetime.now()])
    return draft_id


def save_all(con, drafts: list[dict], who: str) -> list[str]:
    """Store one request's candidates in one transaction: a killed process leaves all of them or none."""
    from analysis import store

    with store.transaction(con):
        return [save(con, d, who) for d in drafts]


def update(con, draft_id: str, draft: dict, status: str, who: str) -> None:
    """Write back an edited draft's copy, its re-run checks and its new status (who and when change too)."""
    if status not in STATUSES:
        raise ValueError(f"unknown draft status {status!r}")
    row = _row(con, draft_id)
    if row is None:
        raise KeyError(draft_id)
    old = json.loads(row[6])
    facts = {**old, COPY_KEY: {**(old.get(COPY_KEY) or {}), "preheader": draft.get("preheader"),
                               "cta": draft.get("cta")}}  # an edit keeps who wrote it and what was held back
    con.execute('UPDATE drafts SET subject = ?, body = ?, facts = ?, checks = ?, status = ?, who = ?, "at" = ? '
                'WHERE draft_id = ?', [draft.get("subject"), draft.get("body"), json.dumps(facts, default=str),
                                       json.dumps(draft.get("checks") or {}), status, who, datetime.now(), draft_id])


def set_status(con, draft_id: str, status: str, who: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown draft status {status!r}")
    con.execute('UPDATE drafts SET status = ?, who = ?, "at" = ? WHERE draft_id = ?',
                [status, who, datetime.now(), draft_id])


def get(con, draft_id: str) -> dict | None:
    """The stored draft as a §3 draft object plus draft_id, status, who and at."""
    row = _row(con, draft_id)
    if row is None:
        return None
    facts = json.loads(row[6]) if row[6] else {}
    extra = facts.pop(COPY_KEY, None) or {}
    return {"draft_id": row[0], "segment": row[1], "channel": row[2], "offer": row[3], "subject": row[4],
            "preheader": extra.get("preheader"), "body": row[5], "cta": extra.get("cta"), "facts": facts,
            "checks": json.loads(row[7]) if row[7] else {}, "model_version": row[8], "status": row[9],
            "who": row[10], "at": row[11], "writer": extra.get("writer") or WRITTEN_BEFORE,
            "model_parts": extra.get("model_parts") or [], "held_back": extra.get("held_back") or []}


def recent(con, channel: str | None = None, limit: int = 200, exclude_channel: str | None = None) -> pd.DataFrame:
    """Latest drafts first, for the history tables (checks summarised as passed/failed names); the channel filters
    run before the limit, so a burst of replies never empties the campaign history."""
    df = con.execute('SELECT draft_id, "at", segment, channel, offer, subject, body, status, '
                     f"coalesce(facts->'{COPY_KEY}'->>'writer', '{WRITTEN_BEFORE}') AS writer, model_version, who, "
                     'checks FROM drafts WHERE (? IS NULL OR channel = ?) AND (? IS NULL OR channel <> ?) '
                     'ORDER BY "at" DESC LIMIT ?', [channel, channel, exclude_channel, exclude_channel, limit]).df()
    failed = [", ".join(k for k, v in json.loads(c or "{}").items() if not v) for c in df["checks"]]
    df["failed_checks"] = failed
    df["checks_passed"] = [not f for f in failed]
    return df.drop(columns=["checks"])


UNHAPPY_SENTIMENTS = ("negative", "urgent")  # labels that put a review in the reply queue whatever its rating


def reply_queue(con, limit: int | None = None) -> tuple[pd.DataFrame, str]:
    """(reviews that need a reply, basis): every review with text rated 1-2 stars OR whose sentiment (the latest
    label, or a marketer's correction of it) is negative/urgent; worst and newest first, with the status of the
    latest reply draft for each.

    Why both: a queue chosen by the classifier alone drops unclassified and mislabelled low-rated reviews (issue
    18: 2,370 rated 1-2 stars shrank to 445 once 2,000 reviews were classified). Columns beside the review: sentiment
    (None where the review has no label yet) and why ("rating", "label" or "rating and label")."""
    basis = "rated 1-2 stars or labelled " + "/".join(UNHAPPY_SENTIMENTS)
    df = con.execute(
        f"""WITH l AS {LATEST_LABELS},
                 c AS (SELECT review_id, new AS sentiment FROM label_corrections WHERE field = 'sentiment'
                       QUALIFY row_number() OVER (PARTITION BY review_id ORDER BY "at" DESC) = 1),
                 s AS (SELECT r.review_id, r.rating, r.created_at, r.title, r.text, l.topics, l.sentiment_score,
                              coalesce(c.sentiment, l.sentiment) AS sentiment
                       FROM reviews r LEFT JOIN l USING (review_id) LEFT JOIN c USING (review_id)
                       WHERE length(trim(coalesce(r.text, ''))) > 0),
                 q AS (SELECT *, CASE WHEN rating <= 2 AND sentiment IN (SELECT unnest(?)) THEN 'rating and label'
                                      WHEN rating <= 2 THEN 'rating' ELSE 'label' END AS why
                       FROM s WHERE rating <= 2 OR sentiment IN (SELECT unnest(?))),
                 d AS (SELECT facts->>'review_id' AS review_id, status FROM drafts WHERE channel = 'reply'
                       QUALIFY row_number() OVER (PARTITION BY facts->>'review_id'
                                                  ORDER BY (status = 'approved') DESC, "at" DESC) = 1)
            SELECT q.*, d.status AS reply_status FROM q LEFT JOIN d USING (review_id)
            ORDER BY q.rating NULLS LAST, q.created_at DESC NULLS LAST, q.review_id LIMIT ?""",
        [list(UNHAPPY_SENTIMENTS), list(UNHAPPY_SENTIMENTS), limit]).df()
    return df, basis


def unclassified_reviews(con) -> int:
    """Reviews with text and no label at all: any of them may be negative and join the reply queue once classified."""
    return int(con.execute("""SELECT count(*) FROM reviews r WHERE length(trim(coalesce(r.text, ''))) > 0
                              AND NOT EXISTS (SELECT 1 FROM review_labels l WHERE l.review_id = r.review_id)"""
                           ).fetchone()[0])
