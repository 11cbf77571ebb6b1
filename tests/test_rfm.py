"""RFM scoring and segment rules on small, hand-checked examples."""
from datetime import date, datetime, timedelta

import pytest

from analysis import rfm
from analysis.errors import ShoplensError


def add_orders(con, rows):
    """rows: (order_id, customer_id, order_date, product_id, line_total[, status]) -> orders table."""
    for r in rows:
        oid, cid, when, pid, total, *rest = r
        status = rest[0] if rest else "completed"
        con.execute(
            """INSERT INTO orders (order_id, customer_id, order_date, product_id, product_name, quantity, unit_price,
                                   line_total, status) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)""",
            [oid, cid, when, pid, f"P{pid}" if pid else None, total, total, status])


AS_OF = date(2024, 1, 31)


def ladder(con):
    """Ten customers: c{i} has i+1 orders of 10 each, the last one 3*(9-i) days before AS_OF."""
    rows = []
    for i in range(10):
        last = datetime(2024, 1, 31, 12) - timedelta(days=3 * (9 - i))
        for k in range(i + 1):
            rows.append((f"o{i}-{k}", f"c{i}", last - timedelta(days=k), "1", 10.0))
    add_orders(con, rows)


def test_quintile_scores_and_segments_by_hand(db):
    con, _ = db
    ladder(con)
    t = rfm.rfm_table(con, AS_OF).set_index("customer_id")
    # ten distinct values: 1 + floor(5 * percent_rank) gives two customers per quintile
    expected = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert t.loc[[f"c{i}" for i in range(10)], "r_score"].tolist() == expected
    assert t["f_score"].tolist() == expected and t["m_score"].tolist() == expected
    assert t.loc["c9", "recency_days"] == 0 and t.loc["c0", "recency_days"] == 27
    assert t.loc["c4", "frequency"] == 5 and t.loc["c4", "monetary"] == 50
    assert t["segment"].tolist() == ["Lost", "Lost", "Hibernating", "Hibernating", "Need attention",
                                     "Need attention", "Champions", "Champions", "Champions", "Champions"]


def test_ties_share_a_score(db):
    con, _ = db
    add_orders(con, [("a", "A", "2024-01-01", "1", 5.0), ("b", "B", "2024-01-01", "1", 5.0),
                     ("c", "C", "2024-01-01", "1", 5.0), ("d1", "D", "2024-01-01", "1", 5.0),
                     ("d2", "D", "2024-01-02", "1", 5.0)])
    t = rfm.rfm_table(con, "2024-01-10").set_index("customer_id")
    assert t["f_score"].to_dict() == {"A": 1, "B": 1, "C": 1, "D": 5}
    assert t["r_score"].to_dict() == {"A": 1, "B": 1, "C": 1, "D": 5}  # D bought a day later: the most recent


@pytest.mark.parametrize(("r", "fm", "segment"), [
    (5, 5, "Champions"), (4, 4, "Champions"), (5, 1, "New"), (4, 1, "Promising"), (5, 2, "Potential loyalist"),
    (4, 3, "Loyal"), (3, 5, "Loyal"), (3, 3, "Need attention"), (3, 1, "About to sleep"), (2, 3, "At risk"),
    (1, 3, "At risk"), (1, 5, "Cannot lose them"), (2, 5, "Cannot lose them"), (2, 1, "Hibernating"), (1, 1, "Lost"),
])
def test_segment_grid(r, fm, segment):
    assert rfm.SEGMENT_GRID[r][fm - 1] == segment


def test_grid_covers_every_cell_with_the_eleven_segments():
    cells = [name for names in rfm.SEGMENT_GRID.values() for name in names]
    assert len(cells) == 25 and set(cells) == set(rfm.SEGMENTS) and len(rfm.SEGMENTS) == 11


def test_cancellations_later_orders_and_anonymous_lines(db):
    con, _ = db
    add_orders(con, [("1", "A", "2024-01-05", "1", 100.0), ("C1", "A", "2024-01-06", "1", -30.0, "cancelled"),
                     ("2", "A", "2024-03-01", "1", 500.0),  # after the as-of date: ignored
                     ("3", "B", "2024-01-20", "1", 40.0), ("4", None, "2024-01-20", "1", 999.0),
                     ("C2", "Z", "2024-01-10", "1", -5.0, "cancelled")])  # only a cancellation: not a customer
    ctx = rfm.resolve_as_of(con, "2024-01-31", today=date(2024, 6, 1))
    t = rfm.rfm_table(con, ctx).set_index("customer_id")
    assert sorted(t.index) == ["A", "B"]
    assert t.loc["A", "monetary"] == 70.0 and t.loc["A", "frequency"] == 1 and t.loc["A", "recency_days"] == 26
    assert any("no customer_id" in n for n in ctx.notes)


def test_summary_shares_and_aov(db):
    con, _ = db
    ladder(con)
    s = rfm.segment_summary(rfm.rfm_table(con, AS_OF)).set_index("segment")
    assert len(s) == 11 and s["customers"].sum() == 10
    assert s.loc["Champions", "customers"] == 4
    assert s.loc["Champions", "revenue"] == pytest.approx(70 + 80 + 90 + 100)
    assert s.loc["Champions", "revenue_share"] == pytest.approx(340 / 550)
    assert s.loc["Champions", "aov"] == pytest.approx(10.0)
    assert s.loc["New", "customers"] == 0 and s["customer_share"].sum() == pytest.approx(1.0)
    grid = rfm.rfm_grid(rfm.rfm_table(con, AS_OF))
    assert len(grid) == 25 and grid["customers"].sum() == 10


def test_movement_between_dates(db):
    con, _ = db
    ladder(con)
    add_orders(con, [("n1", "NEW", "2024-01-30", "1", 10.0)])
    m = rfm.movement(con, "2024-01-20", AS_OF)
    assert m["customers"].sum() == 11
    new = m[m["from_segment"] == rfm.NOT_YET]
    assert new["customers"].sum() == 2  # c9 (first order 01-22) and NEW; c8 first bought on 01-20 itself
    with pytest.raises(ShoplensError, match="must be after"):
        rfm.movement(con, AS_OF, "2024-01-20")


def test_bad_date_text_is_explained(db):
    con, _ = db
    ladder(con)
    with pytest.raises(ShoplensError, match="not a date"):
        rfm.rfm_table(con, "31/01/2024x")


def test_feedback_by_segment_with_labels(db):
    from analysis import segment_feedback
    con, _ = db
    ladder(con)
    for rid, cid, rating in [("r1", "c9", 5), ("r2", "c9", 3), ("r3", "c0", 1), ("r4", None, 4)]:
        con.execute("INSERT INTO reviews (review_id, text, rating, customer_id) VALUES (?, 'x', ?, ?)", [rid, rating, cid])
    table = rfm.rfm_table(con, AS_OF)
    fb = segment_feedback.feedback_by_segment(con, table).set_index("segment")
    assert fb.loc["Champions", "reviews"] == 2 and fb.loc["Champions", "avg_rating"] == 4.0
    assert fb.loc["Lost", "reviews"] == 1 and fb.loc["New", "reviews"] == 0 and fb["scored"].sum() == 0
    assert segment_feedback.topic_mix(con, table).empty
    assert segment_feedback.linked_share(con) == (3, 4)
    con.execute("""INSERT INTO review_labels (review_id, model_version, sentiment, topics, scored_at) VALUES
                   ('r1', 'v1', 'negative', ['fit_size'], '2024-01-01'),
                   ('r1', 'v2', 'positive', ['quality', 'fit_size'], '2024-02-01'),
                   ('r2', 'v2', 'neutral', ['quality'], '2024-02-01')""")
    fb = segment_feedback.feedback_by_segment(con, table).set_index("segment")
    assert fb.loc["Champions", "scored"] == 2 and fb.loc["Champions", "positive"] == 0.5  # latest label of r1 only
    assert fb.loc["Champions", "negative"] == 0.0
    mix = segment_feedback.topic_mix(con, table).set_index("topic")
    assert mix.loc["quality", "reviews"] == 2 and mix.loc["quality", "share"] == 1.0 and mix.loc["fit_size", "share"] == 0.5
