"""Monthly acquisition cohorts: customers grouped by the month of their first completed order, and how many of them
buy (and how much they spend, net of cancellations) in each later month."""
from __future__ import annotations

import pandas as pd

from analysis.rfm import AsOf, _day_end, resolve_as_of

COHORT_COLUMNS = ["cohort", "month_offset", "cohort_size", "customers", "retention", "revenue", "revenue_per_customer"]


def cohort_table(con, as_of=None) -> pd.DataFrame:
    """Long table (COHORT_COLUMNS): one row per cohort month and months since it (0 = the first month)."""
    ctx = as_of if isinstance(as_of, AsOf) else resolve_as_of(con, as_of)
    return con.execute(
        """WITH l AS (
               SELECT customer_id, date_trunc('month', order_date)::DATE AS m, line_total,
                      status IS DISTINCT FROM 'cancelled' AS ok
               FROM orders WHERE customer_id IS NOT NULL AND order_date < ?),
           f AS (SELECT customer_id, min(m) FILTER (WHERE ok) AS cohort FROM l GROUP BY 1 HAVING bool_or(ok)),
           a AS (SELECT f.cohort, date_diff('month', f.cohort, l.m) AS month_offset, l.customer_id,
                        sum(l.line_total) AS revenue, bool_or(l.ok) AS active
                 FROM l JOIN f USING (customer_id) WHERE l.m >= f.cohort GROUP BY ALL),
           agg AS (SELECT cohort, month_offset, count(*) FILTER (WHERE active) AS customers, sum(revenue) AS revenue
                   FROM a GROUP BY ALL),
           sizes AS (SELECT cohort, count(*) AS cohort_size FROM f GROUP BY 1),
           grid AS (SELECT cohort, cohort_size, unnest(range(date_diff('month', cohort, ?::DATE) + 1)) AS month_offset
                    FROM sizes)
           SELECT g.cohort, g.month_offset, g.cohort_size, coalesce(agg.customers, 0) AS customers,
                  coalesce(agg.customers, 0) / g.cohort_size AS retention, coalesce(agg.revenue, 0) AS revenue,
                  coalesce(agg.revenue, 0) / g.cohort_size AS revenue_per_customer
           FROM grid g LEFT JOIN agg USING (cohort, month_offset) ORDER BY 1, 2""",
        [_day_end(ctx.as_of), ctx.as_of],
    ).df()


def retention_matrix(cohorts: pd.DataFrame, value: str = "retention") -> pd.DataFrame:
    """Cohorts as rows (labelled YYYY-MM with their size), months since first order as columns."""
    if cohorts.empty:
        return pd.DataFrame()
    m = cohorts.pivot(index="cohort", columns="month_offset", values=value)
    m = m.reindex(columns=range(int(cohorts["month_offset"].max()) + 1))
    m.index = [pd.Timestamp(c).strftime("%Y-%m") for c in m.index]
    return m


def average_retention(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Customer-weighted retention by month offset across the cohorts old enough to have that month."""
    if cohorts.empty:
        return pd.DataFrame(columns=["month_offset", "retention"])
    g = cohorts.groupby("month_offset").agg(customers=("customers", "sum"), base=("cohort_size", "sum"))
    return (g["customers"] / g["base"]).rename("retention").reset_index()
