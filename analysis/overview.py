"""The numbers on the Overview page, each one filtered by the same date range.

Revenue is net: cancellation lines carry negative amounts and are summed in. Orders, customers and average order
value count completed (non-cancelled) orders only. Lines without a customer count for revenue, not for customers."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd


def _range(start: date | None, end: date | None) -> list:
    lo = datetime.combine(start, datetime.min.time()) if start else datetime(1900, 1, 1)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time()) if end else datetime(9999, 1, 1)
    return [lo, hi]


def date_bounds(con) -> tuple[date | None, date | None]:
    """Span of orders and dated reviews together, so the default range shows everything."""
    lo, hi = con.execute(
        """SELECT min(d)::DATE, max(d)::DATE FROM (SELECT order_date AS d FROM orders
           UNION ALL SELECT created_at FROM reviews WHERE created_at IS NOT NULL)"""
    ).fetchone()
    return lo, hi


def kpis(con, start: date | None = None, end: date | None = None) -> dict:
    rng = _range(start, end)
    row = con.execute(
        """WITH o AS (SELECT * FROM orders WHERE order_date >= ? AND order_date < ?),
                per_customer AS (SELECT customer_id, count(DISTINCT order_id) AS n FROM o
                                 WHERE customer_id IS NOT NULL AND status <> 'cancelled' GROUP BY customer_id)
           SELECT coalesce(sum(line_total), 0),
                  count(DISTINCT order_id) FILTER (WHERE status <> 'cancelled'),
                  coalesce(sum(line_total) FILTER (WHERE status <> 'cancelled'), 0),
                  (SELECT count(*) FROM per_customer),
                  (SELECT count(*) FILTER (WHERE n >= 2) FROM per_customer),
                  count(*) FILTER (WHERE customer_id IS NULL)
           FROM o""",
        rng,
    ).fetchone()
    revenue, orders, completed_revenue, customers, repeaters, anonymous_lines = row
    rev = con.execute(
        "SELECT count(*), avg(rating) FROM reviews WHERE created_at >= ? AND created_at < ?", rng
    ).fetchone()
    undated = con.execute("SELECT count(*) FROM reviews WHERE created_at IS NULL").fetchone()[0]
    return {
        "revenue": float(revenue),
        "orders": int(orders),
        "customers": int(customers),
        "aov": float(completed_revenue) / orders if orders else None,
        "repeat_rate": repeaters / customers if customers else None,
        "reviews": int(rev[0]),
        "avg_rating": float(rev[1]) if rev[1] is not None else None,
        "anonymous_lines": int(anonymous_lines),
        "undated_reviews": int(undated),
    }


def month_to_date(last_day: date | None) -> date | None:
    """The first day of `last_day`'s month when the data stops before that month ends (the month is partial and
    its bar a fraction of a month, not a drop); None when it covers the month to its last day."""
    if last_day is None:
        return None
    next_month = (last_day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return last_day.replace(day=1) if last_day < next_month - timedelta(days=1) else None


def revenue_by_month(con, start=None, end=None) -> pd.DataFrame:
    """month, revenue, orders, last_day (of orders in the month), partial: partial marks the last month when the
    orders (or the range) stop before its end."""
    df = con.execute(
        """SELECT date_trunc('month', order_date)::DATE AS month, sum(line_total) AS revenue,
                  count(DISTINCT order_id) FILTER (WHERE status <> 'cancelled') AS orders,
                  max(order_date)::DATE AS last_day
           FROM orders WHERE order_date >= ? AND order_date < ? GROUP BY 1 ORDER BY 1""",
        _range(start, end),
    ).df()
    last = con.execute("SELECT max(order_date)::DATE FROM orders").fetchone()[0]
    if end is not None and last is not None:
        last = min(last, end)
    mtd = month_to_date(last)
    df["partial"] = [mtd is not None and pd.Timestamp(m).date() == mtd for m in df["month"]]
    return df


def revenue_by_country(con, start=None, end=None, top: int = 15) -> pd.DataFrame:
    return con.execute(
        """SELECT coalesce(country, 'Unknown') AS country, sum(line_total) AS revenue
           FROM orders WHERE order_date >= ? AND order_date < ? GROUP BY 1 ORDER BY 2 DESC LIMIT ?""",
        _range(start, end) + [top],
    ).df()


# Lines that are money movements rather than merchandise (postage, fees, manual adjustments): they count for revenue
# but would crowd out real products in a "top products" list or a recommendation.
NON_MERCHANDISE = r"(?i)\b(postage|shipping|carriage|delivery charge|bank charges?|fees?|manual|adjust(ment)?|discount|samples?)\b"


def top_products(con, start=None, end=None, top: int = 10) -> pd.DataFrame:
    return con.execute(
        """SELECT pid AS product_id,
                  coalesce(any_value(display_name), any_value(product_name), pid) AS product_name,
                  sum(line_total) AS revenue, sum(quantity) AS units
           FROM (SELECT o.*, pn.display_name, coalesce(o.product_id, '?') AS pid
                 FROM orders o LEFT JOIN product_names pn ON pn.product_id = o.product_id
                 WHERE order_date >= ? AND order_date < ? AND status <> 'cancelled'
                   AND NOT regexp_matches(coalesce(product_name, ''), ?))
           GROUP BY pid ORDER BY revenue DESC LIMIT ?""",
        _range(start, end) + [NON_MERCHANDISE, top],
    ).df()


def rating_distribution(con, start=None, end=None) -> pd.DataFrame:
    return con.execute(
        """SELECT r.rating, coalesce(c.n, 0) AS reviews
           FROM (SELECT unnest([1, 2, 3, 4, 5]) AS rating) r
           LEFT JOIN (SELECT rating, count(*) AS n FROM reviews WHERE created_at >= ? AND created_at < ?
                      GROUP BY 1) c USING (rating) ORDER BY 1""",
        _range(start, end),
    ).df()


def demo_linkage_count(con) -> int:
    return int(con.execute("SELECT count(*) FROM reviews WHERE linkage = 'demo'").fetchone()[0])
