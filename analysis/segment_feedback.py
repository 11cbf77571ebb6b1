"""What each segment says: review count and average rating per segment once reviews carry a customer_id, and,
when reviews have been scored (review_labels), the sentiment and topic mix per segment (latest label per review)."""
from __future__ import annotations

import uuid

import pandas as pd

from analysis.rfm import SEGMENTS
from analysis.schema import LATEST_LABELS


def _with_segments(con, rfm: pd.DataFrame, sql: str, params: list | None = None) -> pd.DataFrame:
    name = f"_rfm_{uuid.uuid4().hex[:8]}"
    con.register(name, rfm[["customer_id", "segment"]])
    try:
        return con.execute(sql.replace("{rfm}", name), params or []).df()  # name: generated above, not user input
    finally:
        con.unregister(name)


def feedback_by_segment(con, rfm: pd.DataFrame) -> pd.DataFrame:
    """segment, customers, reviewers, reviews, avg_rating, and (0 when unscored) scored, positive/neutral/negative
    shares of the scored reviews. All eleven segments, in SEGMENTS order."""
    df = _with_segments(con, rfm, f"""
        SELECT s.segment, count(DISTINCT s.customer_id) AS customers, count(DISTINCT r.customer_id) AS reviewers,
               count(r.review_id) AS reviews, avg(r.rating) AS avg_rating, count(l.review_id) AS scored,
               avg((l.sentiment = 'positive')::INTEGER) AS positive, avg((l.sentiment = 'neutral')::INTEGER) AS neutral,
               avg((l.sentiment = 'negative')::INTEGER) AS negative
        FROM {{rfm}} s LEFT JOIN reviews r ON r.customer_id = s.customer_id
        LEFT JOIN {LATEST_LABELS} l ON l.review_id = r.review_id
        GROUP BY 1""")
    out = df.set_index("segment").reindex(list(SEGMENTS))
    for c in ("customers", "reviewers", "reviews", "scored"):
        out[c] = out[c].fillna(0).astype(int)
    return out.reset_index(names="segment")


def topic_mix(con, rfm: pd.DataFrame) -> pd.DataFrame:
    """segment, topic, reviews, share (of the segment's scored reviews); empty until reviews are scored."""
    return _with_segments(con, rfm, f"""
        WITH l AS (SELECT s.segment, l.review_id, l.topics FROM {{rfm}} s
                   JOIN reviews r ON r.customer_id = s.customer_id JOIN {LATEST_LABELS} l ON l.review_id = r.review_id),
             n AS (SELECT segment, count(*) AS scored FROM l GROUP BY 1)
        SELECT segment, topic, count(*) AS reviews, count(*) / any_value(n.scored) AS share
        FROM (SELECT segment, unnest(topics) AS topic FROM l) JOIN n USING (segment)
        GROUP BY 1, 2 ORDER BY 1, 3 DESC""")


def linked_share(con) -> tuple[int, int]:
    """(reviews with a customer_id, all reviews)."""
    return tuple(con.execute("SELECT count(customer_id), count(*) FROM reviews").fetchall()[0])
