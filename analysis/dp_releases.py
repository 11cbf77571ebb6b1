"""The differentially private releases the Share page and `shoplens share` offer, per RFM segment as well as per
country or category, and the shared-export file that carries each one's privacy statement.

dp.py groups by a column of a table; a customer's segment is not a column anywhere but the result of rfm.rfm_table,
so the per-segment releases first copy each customer's segment (exactly one each) into temporary tables on the
caller's connection (invisible to other connections, dropped afterwards) and group those. Segment releases read
orders, so they are charged to the orders budget; those that also read reviews, to both.

    rel = dp_releases.RELEASES[("customers", "segment")]
    res = dp_releases.release(con, "customers", "segment", epsilon=1.0, who="ana")
    text = dp_releases.export_csv(res)
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

from analysis import data_gaps, dp, export_safety, rfm
from analysis.errors import ShoplensError

# Temporary tables (per connection), so their names can be fixed; letters only, which dp's identifier check wants.
_SEGMENTS = "dp_customer_segment"
_ORDERS = "dp_order_segment"
_REVIEWS = "dp_review_segment"

DEFAULT_REVENUE_BOUND = 5000.0
DEFAULT_MAX_REVIEWS = 5
DEFAULT_MAX_TOPICS = 3


@dataclass(frozen=True)
class Release:
    what: str                    # customers | revenue | rating | topics
    by: str                      # country | category | segment
    label: str
    datasets: tuple[str, ...]    # budgets the release is charged to
    bounds: tuple[str, ...]      # the bound parameters it takes: revenue_bound, max_reviews, max_topics


RELEASES: dict[tuple[str, str], Release] = {(r.what, r.by): r for r in [
    Release("customers", "country", "Customers per country", ("orders",), ()),
    Release("customers", "segment", "Customers per segment", ("orders",), ()),
    Release("revenue", "country", "Revenue per country", ("orders",), ("revenue_bound",)),
    Release("revenue", "segment", "Revenue per segment", ("orders",), ("revenue_bound",)),
    Release("rating", "category", "Average rating per category", ("reviews",), ("max_reviews",)),
    Release("rating", "segment", "Average rating per segment", ("reviews", "orders"), ("max_reviews",)),
    Release("topics", "category", "Topic counts per category", ("reviews",), ("max_reviews", "max_topics")),
    Release("topics", "segment", "Topic counts per segment", ("reviews", "orders"), ("max_reviews", "max_topics")),
]}
WHAT = tuple(dict.fromkeys(w for w, _ in RELEASES))
DEFAULT_BY = {w: next(b for ww, b in RELEASES if ww == w) for w in WHAT}


def get(what: str, by: str | None = None) -> Release:
    by = by or DEFAULT_BY.get(what)
    rel = RELEASES.get((what, by))
    if rel is None:
        options = ", ".join(f"{w} by {b}" for w, b in RELEASES)
        raise ShoplensError(f"There is no release of {what} per {by}", fix=f"choose one of: {options}")
    return rel


def release(con, what: str, by: str | None = None, epsilon: float = 1.0, *,
            revenue_bound: float = DEFAULT_REVENUE_BOUND, max_reviews: int = DEFAULT_MAX_REVIEWS,
            max_topics: int = DEFAULT_MAX_TOPICS, as_of=None, delta: float = dp.DEFAULT_DELTA,
            who: str = "") -> dp.DPResult:
    """Run one release from RELEASES: checks, charges the budget(s), and returns the noisy result."""
    rel = get(what, by)
    if key := needs(con, rel):  # before any budget is charged: a release with no groups to show spends nothing
        raise data_gaps.DataGapError(data_gaps.sentence(key, rel.label), where=f"shoplens share {what} --by {rel.by}",
                                     fix=data_gaps.fix(key) + (", or release per segment" if rel.by != "segment"
                                                               else ", or release per category"))
    common = {"epsilon": epsilon, "delta": delta, "who": who}
    if rel.by != "segment":
        if what == "customers":
            return dp.group_counts(con, "orders", by=rel.by, **common)
        if what == "revenue":
            return dp.revenue_by_group(con, by=rel.by, revenue_bound=revenue_bound, **common)
        if what == "rating":
            return dp.average_rating(con, by=rel.by, max_reviews=max_reviews, **common)
        return dp.topic_counts(con, by=rel.by, max_reviews=max_reviews, max_topics=max_topics, **common)
    if what == "topics":
        _need_topic_labels(con)  # the more useful message before segmenting anyone
    with segment_tables(con, as_of) as ctx:
        if what == "customers":
            res = dp.group_counts(con, _SEGMENTS, by="segment", dataset=rel.datasets, **common)
        elif what == "revenue":
            res = dp.revenue_by_group(con, by="segment", revenue_bound=revenue_bound, table=_ORDERS,
                                      dataset=rel.datasets, **common)
        else:
            labelled = " JOIN review_labels USING (review_id)" if what == "topics" else ""
            if not con.execute(f"SELECT count(*) FROM {_REVIEWS}{labelled}").fetchone()[0]:  # fixed names
                raise ShoplensError(f"No {'scored ' if labelled else ''}review is linked to a segmented customer, so "
                                    "reviews cannot be told apart by segment", where="reviews.customer_id",
                                    fix="load reviews with a customer column, or release per category instead")
            if what == "rating":
                res = dp.average_rating(con, by="segment", max_reviews=max_reviews, table=_REVIEWS,
                                        dataset=rel.datasets, unknown_customer="exclude", **common)
            else:
                res = dp.topic_counts(con, by="segment", max_reviews=max_reviews, max_topics=max_topics,
                                      table=_REVIEWS, dataset=rel.datasets, unknown_customer="exclude", **common)
    res.notes.append(segment_note(ctx))
    return res


# The column each grouping reads; segments are computed from orders and need only customer ids.
GROUP_COLUMN = {"country": "orders.country", "category": "reviews.category"}


def needs(con, rel: Release) -> str | None:
    """The data_gaps key of a column the release groups by that no stored row carries (None: it can run)."""
    key = GROUP_COLUMN.get(rel.by)
    if key and data_gaps.check(con).lacks(key):
        return key
    if rel.by == "segment" and "reviews" in rel.datasets and data_gaps.check(con).lacks("reviews.customer_id"):
        return "reviews.customer_id"
    return None


def segment_note(ctx: rfm.AsOf) -> str:
    return (f"Segments are the RFM segments as of {ctx.as_of} (each customer in exactly one). Their quintile "
            "boundaries are computed from all customers and are not themselves noised, so the guarantee covers each "
            "customer's contribution given those boundaries.")


@contextlib.contextmanager
def segment_tables(con, as_of=None):
    """Each customer's segment, their order lines and their reviews as temporary tables; yields the as-of context."""
    ctx = rfm.resolve_as_of(con, as_of)
    seg = rfm.rfm_table(con, ctx)[["customer_id", "segment"]]
    con.register("_dp_segment_frame", seg)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_SEGMENTS} AS SELECT customer_id, segment FROM _dp_segment_frame")
    finally:
        con.unregister("_dp_segment_frame")
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {_ORDERS} AS
                        SELECT o.customer_id, s.segment, o.line_total, o.status
                        FROM orders o JOIN {_SEGMENTS} s USING (customer_id) WHERE o.order_date < ?""",
                    [rfm._day_end(ctx.as_of)])
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {_REVIEWS} AS
                        SELECT r.review_id, r.customer_id, s.segment, r.rating
                        FROM reviews r JOIN {_SEGMENTS} s USING (customer_id)""")
        yield ctx
    finally:
        for t in (_REVIEWS, _ORDERS, _SEGMENTS):
            con.execute(f"DROP TABLE IF EXISTS {t}")


def _need_topic_labels(con) -> None:
    if not con.execute("SELECT count(*) FROM review_labels").fetchone()[0]:
        raise ShoplensError("No review has topic labels yet, so there are no topic counts to release",
                            where="review_labels",
                            fix="score the reviews first: `shoplens score` (or Score reviews on the Models page)")


def budgets(con, rel: Release) -> dict[str, dict]:
    """The budget of each dataset the release would be charged to."""
    return {d: dp.budget(con, d) for d in rel.datasets}


def export_csv(res: dp.DPResult, header: str = "") -> str:
    """The noisy table as spreadsheet-safe CSV, the statement (and `header`) first as `# ` comment lines, so the
    privacy terms travel with the numbers (read it back with `pd.read_csv(f, comment="#")`)."""
    return export_safety.to_csv_with_comments(res.frame, [header, res.statement])


def summary(con, res: dp.DPResult) -> dict:
    """The one-line report of a release: what, groups released and suppressed, ε, δ and what each budget has left."""
    names = dp._datasets(res.dataset)
    return {"release": res.query, "datasets": list(names), "groups": len(res.frame), "suppressed": res.suppressed,
            "epsilon": res.epsilon, "delta": res.delta, "threshold": round(res.threshold, 2),
            "budget_left": {d: round(dp.budget(con, d)["epsilon_left"], 6) for d in names}}
