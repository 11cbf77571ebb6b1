"""RFM scores (quintiles) and the eleven named segments as of any date, with their summary and the movement
of customers between segments from one date to another.

Who counts: a non-empty customer_id with at least one completed (non-cancelled) order line on or before the as-of
date (the whole day). Lines without a customer, and lines dated after the as-of date, are left out.
- recency_days: days from the customer's last completed order to the as-of date.
- frequency: distinct completed orders.
- monetary: net spend, cancellations subtracted, floored at 0.
- r/f/m_score: quintiles 1-5 as 1 + floor(5 * percent_rank), capped at 5, so ties share a score (recency ranks the
  most recent highest). fm_score = round-half-up of (f + m) / 2. The segment is read off SEGMENT_GRID[r][fm]."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from analysis.errors import ShoplensError

# r_score -> the segment for fm_score 1..5 (a grid that covers every combination exactly once).
SEGMENT_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("New", "Potential loyalist", "Potential loyalist", "Champions", "Champions"),
    4: ("Promising", "Potential loyalist", "Loyal", "Champions", "Champions"),
    3: ("About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"),
    2: ("Hibernating", "Hibernating", "At risk", "At risk", "Cannot lose them"),
    1: ("Lost", "Lost", "At risk", "Cannot lose them", "Cannot lose them"),
}
SEGMENTS: dict[str, str] = {
    "Champions": "Bought recently, buy often and spend the most",
    "Loyal": "Buy regularly and spend well; responsive to promotions",
    "Potential loyalist": "Recent customers with a few orders; could become loyal",
    "New": "Bought very recently, once or little so far",
    "Promising": "Recent shoppers who have not spent much yet",
    "Need attention": "Average recency, frequency and spend; slipping",
    "About to sleep": "Below-average recency and spend; will be lost without a nudge",
    "At risk": "Spent well and often, but a while ago",
    "Cannot lose them": "Were among the best customers, but have not come back for long",
    "Hibernating": "Last bought long ago, few orders, little spend",
    "Lost": "Lowest recency, frequency and spend",
}

RFM_COLUMNS = ["customer_id", "first_order", "last_order", "recency_days", "frequency", "monetary",
               "r_score", "f_score", "m_score", "fm_score", "segment"]


@dataclass
class AsOf:
    """The date an analysis is computed for, the span of usable orders, and notes the user should see."""
    as_of: date
    first_order: date
    last_order: date
    notes: list[str] = field(default_factory=list)


def _day_end(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time()) + timedelta(days=1)


def _to_date(value, where: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ShoplensError(f'"{value}" is not a date', where=where, fix="write it as YYYY-MM-DD, e.g. 2011-09-30") from None


def resolve_as_of(con, as_of=None, today: date | None = None) -> AsOf:
    """Check there is something to segment and fix the as-of date (default: the last completed order, not after today).

    Raises ShoplensError for no orders, no customer ids, only cancellations, or an as-of date before the first order."""
    if isinstance(as_of, AsOf):
        return as_of
    today = today or date.today()
    as_of = _to_date(as_of, "as-of date")
    total, with_customer, completed, first, last, future, anonymous = con.execute(
        """SELECT count(*), count(customer_id),
                  count(*) FILTER (WHERE customer_id IS NOT NULL AND status IS DISTINCT FROM 'cancelled'),
                  min(order_date) FILTER (WHERE customer_id IS NOT NULL AND status IS DISTINCT FROM 'cancelled')::DATE,
                  max(order_date) FILTER (WHERE customer_id IS NOT NULL AND status IS DISTINCT FROM 'cancelled'
                                          AND order_date < ?)::DATE,
                  count(*) FILTER (WHERE order_date >= ?),
                  count(*) FILTER (WHERE customer_id IS NULL)
           FROM orders""",
        [_day_end(today), _day_end(today)],
    ).fetchone()
    if total == 0:
        raise ShoplensError("There are no orders to segment", where="orders table",
                            fix="load an orders export on the Data page (or `shoplens load orders FILE`), or run `shoplens demo`")
    if with_customer == 0:
        raise ShoplensError(f"None of the {total:,} order lines has a customer_id, so customers cannot be told apart",
                            where="orders.customer_id",
                            fix="reload the file mapping its customer column, e.g. --map customer_id=CustomerID")
    if completed == 0:
        raise ShoplensError(f"All {with_customer:,} order lines with a customer are cancelled; segments need completed orders",
                            where="orders.status", fix="load the completed orders too (only cancellations were found)")
    if last is None:  # every completed order is dated after today
        raise ShoplensError(f"Every completed order is dated after today ({today}); the earliest is {first}",
                            where="orders.order_date", fix="check the date column and its day/month order, then reload")
    notes = []
    if as_of is None:
        as_of = last
    if as_of < first:
        raise ShoplensError(f"The as-of date {as_of} is before the first order ({first})", where="as-of date",
                            fix=f"pick a date on or after {first}")
    if anonymous:
        notes.append(f"{anonymous:,} order lines have no customer_id and are left out of customer figures.")
    if future:
        notes.append(f"{future:,} order lines are dated after today ({today}) and look wrong; they are left out "
                     "unless the as-of date is later. Check the order_date column.")
    if as_of > today:
        notes.append(f"The as-of date {as_of} is in the future; recency is counted up to it.")
    return AsOf(as_of=as_of, first_order=first, last_order=last, notes=notes)


def _grid_values() -> str:
    # constants from SEGMENT_GRID above, not user input
    rows = [f"({r}, {fm + 1}, '{name}')" for r, names in SEGMENT_GRID.items() for fm, name in enumerate(names)]
    return ", ".join(rows)


def rfm_table(con, as_of=None, today: date | None = None) -> pd.DataFrame:
    """One row per customer as of the date (see module docstring): RFM_COLUMNS."""
    ctx = as_of if isinstance(as_of, AsOf) else resolve_as_of(con, as_of, today)
    return con.execute(
        f"""WITH c AS (
               SELECT customer_id,
                      min(order_date) FILTER (WHERE status IS DISTINCT FROM 'cancelled') AS first_order,
                      max(order_date) FILTER (WHERE status IS DISTINCT FROM 'cancelled') AS last_order,
                      count(DISTINCT order_id) FILTER (WHERE status IS DISTINCT FROM 'cancelled') AS frequency,
                      greatest(coalesce(sum(line_total), 0), 0) AS monetary
               FROM orders WHERE customer_id IS NOT NULL AND order_date < ?
               GROUP BY customer_id HAVING count(*) FILTER (WHERE status IS DISTINCT FROM 'cancelled') > 0),
           s AS (
               SELECT *, date_diff('day', last_order::DATE, ?::DATE) AS recency_days FROM c),
           q AS (
               SELECT *,
                      least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY recency_days DESC)))::INTEGER AS r_score,
                      least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY frequency)))::INTEGER AS f_score,
                      least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY monetary)))::INTEGER AS m_score
               FROM s)
           SELECT q.customer_id, q.first_order, q.last_order, q.recency_days, q.frequency, q.monetary,
                  q.r_score, q.f_score, q.m_score, (q.f_score + q.m_score + 1) // 2 AS fm_score, g.segment
           FROM q JOIN (VALUES {_grid_values()}) g(r, fm, segment)
                ON g.r = q.r_score AND g.fm = (q.f_score + q.m_score + 1) // 2
           ORDER BY q.customer_id""",
        [_day_end(ctx.as_of), ctx.as_of],
    ).df()


def segment_summary(rfm: pd.DataFrame) -> pd.DataFrame:
    """Per segment (all eleven, in SEGMENTS order): customers, share, revenue, revenue share, average order value,
    mean recency and frequency."""
    g = rfm.groupby("segment").agg(customers=("customer_id", "size"), revenue=("monetary", "sum"),
                                   orders=("frequency", "sum"), avg_recency_days=("recency_days", "mean"),
                                   avg_frequency=("frequency", "mean"))
    g = g.reindex(list(SEGMENTS)).fillna({"customers": 0, "revenue": 0.0, "orders": 0})
    n, rev = g["customers"].sum(), g["revenue"].sum()
    g["customer_share"] = g["customers"] / n if n else 0.0
    g["revenue_share"] = g["revenue"] / rev if rev else 0.0
    g["aov"] = (g["revenue"] / g["orders"]).where(g["orders"] > 0)
    g["description"] = [SEGMENTS[s] for s in g.index]
    g = g.reset_index(names="segment")
    g["customers"] = g["customers"].astype(int)
    g["orders"] = g["orders"].astype(int)
    return g[["segment", "customers", "customer_share", "revenue", "revenue_share", "aov", "avg_recency_days",
              "avg_frequency", "description"]]


def rfm_grid(rfm: pd.DataFrame) -> pd.DataFrame:
    """Customers in each (r_score, fm_score) cell with the cell's segment: 25 rows, empty cells as 0."""
    counts = rfm.groupby(["r_score", "fm_score"]).size()
    rows = [{"r_score": r, "fm_score": fm + 1, "segment": name, "customers": int(counts.get((r, fm + 1), 0))}
            for r, names in SEGMENT_GRID.items() for fm, name in enumerate(names)]
    return pd.DataFrame(rows)


NOT_YET = "Not yet a customer"


def movement(con, from_date, to_date, today: date | None = None) -> pd.DataFrame:
    """Customers moving from each segment at from_date to each segment at to_date (from_segment, to_segment,
    customers); people who first bought in between come from NOT_YET."""
    a = resolve_as_of(con, from_date, today)
    b = resolve_as_of(con, to_date, today)
    if b.as_of <= a.as_of:
        raise ShoplensError(f"The second date ({b.as_of}) must be after the first ({a.as_of})", where="segment movement",
                            fix="swap the dates or pick a later second date")
    before = rfm_table(con, a)[["customer_id", "segment"]].rename(columns={"segment": "from_segment"})
    after = rfm_table(con, b)[["customer_id", "segment"]].rename(columns={"segment": "to_segment"})
    m = after.merge(before, on="customer_id", how="left").fillna({"from_segment": NOT_YET})
    return (m.groupby(["from_segment", "to_segment"]).size().rename("customers").reset_index()
            .sort_values("customers", ascending=False, ignore_index=True))
