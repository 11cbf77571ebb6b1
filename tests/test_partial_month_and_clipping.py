"""Issue 18 small things: the partial last month is marked (not an unexplained drop) on the Overview and Cohorts pages,
and a revenue release says, for the team only, how much the per-customer cap clipped before noise."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis import dp_releases, overview
from dashboard import charts
from tests.app_pages import open_app


def test_month_to_date():
    assert overview.month_to_date(dt.date(2011, 12, 9)) == dt.date(2011, 12, 1)
    assert overview.month_to_date(dt.date(2011, 11, 30)) is None  # the data runs to the month's last day
    assert overview.month_to_date(dt.date(2024, 2, 29)) is None and overview.month_to_date(dt.date(2024, 2, 28))
    assert overview.month_to_date(None) is None


def test_revenue_by_month_marks_only_the_partial_last_month(demo_con):
    df = overview.revenue_by_month(demo_con)
    assert df["partial"].tolist() == [False] * (len(df) - 1) + [True]  # the demo ends on 9 December 2011
    assert df["last_day"].iloc[-1] == pd.Timestamp(2011, 12, 9)
    cut = overview.revenue_by_month(demo_con, dt.date(2011, 1, 1), dt.date(2011, 6, 30))
    assert not cut["partial"].any()  # a range that ends on a month's last day has no partial month
    fig = charts.revenue_by_month(df)
    assert list(fig.data[0].marker.opacity)[-2:] == [1.0, 0.35]
    assert any("month to date" in a.text for a in fig.layout.annotations)


def test_overview_and_cohorts_say_month_to_date(demo_db):
    at = open_app()
    assert any("December 2011 is month to date (orders up to 09 December 2011)" in c.value for c in at.caption)
    at = open_app("views/cohorts.py")
    assert any("December 2011 is month to date" in c.value for c in at.caption)


def _orders(con, rows):
    df = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_date", "country", "line_total", "status"])
    con.register("o_df", df)
    con.execute("INSERT INTO orders (order_id, customer_id, order_date, country, line_total, status) "
                "SELECT order_id, customer_id, CAST(order_date AS TIMESTAMP), country, line_total, status FROM o_df")
    con.unregister("o_df")


def test_revenue_release_reports_what_the_cap_clipped_for_the_team_only(db):
    con, _ = db
    # 200 customers in GB spending 50 each, and two big spenders of 9,000 and 12,000: a cap of 5,000 clips 11,000
    _orders(con, [(f"o{i}", f"c{i}", "2024-01-01", "GB", 50.0, "ok") for i in range(200)]
            + [("w1", "w1", "2024-01-02", "GB", 9000.0, "ok"), ("w2", "w2", "2024-01-02", "GB", 12000.0, "ok")])
    res = dp_releases.release(con, "revenue", "country", 1.0, revenue_bound=5000.0)
    team = res.team_only.set_index("country")
    assert team.loc["GB", "actual_revenue"] == 200 * 50 + 21000
    assert team.loc["GB", "clipped_by_cap"] == 4000 + 7000
    assert "actual_revenue" not in res.frame.columns and "clipped_by_cap" not in res.frame.columns
    text = dp_releases.export_csv(res)
    assert "31000" not in text and "11000" not in text  # the exact figures never reach the shared file


def test_share_page_shows_the_clipped_revenue(demo_db):
    at = open_app("views/share.py")
    at.selectbox(key="share_what").set_value("Revenue per segment").run()
    at.button(key="share_release").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    text = " ".join(m.value for m in at.markdown)
    assert "the £5,000 cap clips £" in text and "Champions: actual £" in text
    assert any("not** differentially private" in c.value for c in at.caption)
