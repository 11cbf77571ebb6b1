"""The Replies queue holds every review rated 1-2 stars OR labelled negative (issue 18): unclassified and mislabelled
low-rated reviews stay in, a correction counts, and the page says how many are not classified yet."""
from __future__ import annotations

from datetime import datetime

from analysis import drafts_store, store
from models import feedback

REVIEWS = [("a", "Broke in a day", 1), ("b", "Looks fine but I want my money back now", 5),
           ("c", "Too small and flimsy", 2), ("d", "Lovely", 4), ("e", "Fine I guess", 3), ("f", "", 1),
           ("g", "Never arrived", None)]
LABELS = {"b": "negative", "c": "positive", "d": "positive", "e": "positive", "g": "negative"}  # a: not classified


def _fill(con) -> None:
    con.executemany("INSERT INTO reviews (review_id, text, rating) VALUES (?, ?, ?)", REVIEWS)
    now = datetime(2026, 1, 1)
    con.executemany("INSERT INTO review_labels (review_id, model_version, sentiment, sentiment_score, topics, "
                    "scored_at) VALUES (?, 'm1', ?, 0.9, [], ?)", [(k, v, now) for k, v in LABELS.items()])
    feedback.save_corrections(con, [{"review_id": "e", "field": "sentiment", "old": "positive", "new": "negative"}],
                              who="t")


def test_queue_is_low_ratings_or_negative_labels(db):
    con, _ = db
    _fill(con)
    q, basis = drafts_store.reply_queue(con)
    why = dict(zip(q["review_id"], q["why"], strict=True))
    # a: 1 star, unclassified; c: 2 stars though labelled positive; b, g: labelled negative; e: corrected to negative
    assert why == {"a": "rating", "c": "rating", "b": "label", "e": "label", "g": "label"}
    assert list(q["review_id"][:2]) == ["a", "c"]  # worst rating first, unrated last
    assert q.set_index("review_id")["sentiment"].isna().to_dict() == {"a": True, "c": False, "b": False,
                                                                       "e": False, "g": False}
    assert "1-2 stars" in basis and "negative" in basis
    assert drafts_store.unclassified_reviews(con) == 1  # a ("f" has no text)


def test_replies_page_says_how_many_are_unclassified(tmp_path_factory, monkeypatch):
    from tests.app_pages import open_app

    home = tmp_path_factory.mktemp("replies_home")
    monkeypatch.setenv("SHOPLENS_HOME", str(home))
    monkeypatch.setenv("SHOPLENS_DB", str(home / "r.duckdb"))
    con = store.connect(home / "r.duckdb")
    con.execute("INSERT INTO orders (order_id, customer_id, order_date, quantity, unit_price, line_total) "
                "VALUES ('o1', 'c1', TIMESTAMP '2024-01-01', 1, 10, 10)")  # not empty: no demo shop is built
    _fill(con)
    con.close()
    at = open_app("views/replies.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reviews in the queue"] == "5"
    assert metrics["In the queue, not classified yet"] == "1"
    assert any("1 reviews in the shop are not classified yet" in c.value for c in at.caption)
