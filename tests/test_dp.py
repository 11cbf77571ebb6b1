"""Differentially private exports: bounded contributions, suppression, stated parameters, and the budget ledger."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import dp
from analysis.errors import ShoplensError


@pytest.fixture
def shop(db):
    """300 customers in GB, 120 in FR, 3 in LU (too few to release); one whale; reviews in two categories."""
    con, _ = db
    rows = []
    for i in range(423):
        country = "GB" if i < 300 else "FR" if i < 420 else "LU"
        rows.append((f"o{i}", f"c{i}", "2024-01-01", country, 10.0 + i % 7, "ok"))
    rows.append(("whale", "c0", "2024-01-02", "GB", 1e9, "ok"))
    rows.append(("cx", "c1", "2024-01-02", "GB", 5e8, "cancelled"))
    rows += [(f"m{i}", "c5", "2024-01-03", c, 1.0, "ok") for i, c in enumerate(["FR", "LU", "DE"])]
    orders = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_date", "country", "line_total", "status"])
    con.register("orders_df", orders)
    con.execute("INSERT INTO orders (order_id, customer_id, order_date, country, line_total, status) "
                "SELECT order_id, customer_id, CAST(order_date AS TIMESTAMP), country, line_total, status FROM orders_df")
    reviews = pd.DataFrame([(f"r{i}", f"c{i % 400}", "Dresses" if i < 600 else "Tops", 5 if i % 2 else 4)
                            for i in range(900)], columns=["review_id", "customer_id", "category", "rating"])
    con.register("reviews_df", reviews)
    con.execute("INSERT INTO reviews (review_id, customer_id, category, rating) SELECT * FROM reviews_df")
    con.unregister("orders_df")
    con.unregister("reviews_df")
    return con


def test_counts_are_close_small_groups_suppressed_and_parameters_stated(shop):
    res = dp.group_counts(shop, "orders", by="country", epsilon=1.0)
    got = dict(zip(res.frame["country"], res.frame["customers"], strict=True))
    assert set(got) == {"GB", "FR"}  # LU (3 or 4 customers) and DE (1) fall under the threshold
    assert abs(got["GB"] - 300) < 25 and abs(got["FR"] - 120) < 25
    assert res.suppressed == 2 and res.threshold > 4
    s = res.statement
    assert "ε = 1" in s and "δ = 1e-07" in s and "groups per customer = 1" in s and "suppressed" in s


def test_each_customer_counts_in_at_most_max_groups(shop):
    # ε at its maximum makes the noise tiny (scale 0.05), so the bounded truth shows through.
    dp.set_budget(shop, "orders", 100.0, 0.01)
    res = dp.group_counts(shop, "orders", by="country", epsilon=20.0, delta=1e-3, min_count=0)
    got = dict(zip(res.frame["country"], res.frame["customers"], strict=True))
    # c5 appears in GB, FR, LU and DE (426 customer-country pairs) but counts in one of them only: 423 in all,
    # less DE's single customer if that group is suppressed.
    assert got["GB"] in (299, 300) and got["FR"] in (120, 121) and got["LU"] in (3, 4)
    assert sum(got.values()) in (422, 423)


def test_revenue_clamps_each_customer_and_skips_cancelled(shop):
    res = dp.revenue_by_group(shop, by="country", epsilon=2.0, revenue_bound=100.0)
    rev = dict(zip(res.frame["country"], res.frame["revenue"], strict=True))
    assert rev["GB"] < 300 * 100 + 2000  # the 1e9 whale adds at most 100; the cancelled 5e8 nothing
    assert abs(rev["GB"] - (299 * 13 + 100)) < 1500  # mean line 13 (10..16), whale clamped to 100
    assert "[0, 100]" in res.statement and "cancelled lines = excluded" in res.statement


def test_average_rating_is_bounded_and_close(shop):
    res = dp.average_rating(shop, by="category", epsilon=2.0)
    got = dict(zip(res.frame["category"], res.frame["avg_rating"], strict=True))
    assert all(1 <= v <= 5 for v in got.values())
    assert abs(got["Dresses"] - 4.5) < 0.2
    assert "reviews per customer = 5" in res.statement


def test_budget_refuses_an_export_past_the_total(shop):
    dp.set_budget(shop, "orders", 1.0)
    dp.group_counts(shop, "orders", by="country", epsilon=0.6)
    with pytest.raises(dp.BudgetExceeded) as err:
        dp.revenue_by_group(shop, by="country", epsilon=0.6)
    msg = str(err.value)
    assert "needs ε = 0.6" in msg and "has ε = 0.4," in msg and "total ε = 1" in msg and "Fix:" in msg
    b = dp.budget(shop, "orders")
    assert b["releases"] == 1 and math.isclose(b["epsilon_spent"], 0.6)
    dp.group_counts(shop, "orders", by="country", epsilon=0.4)  # exactly what is left still goes
    assert math.isclose(dp.budget(shop, "orders")["epsilon_left"], 0.0, abs_tol=1e-9)


def test_budgets_are_per_dataset_and_default(shop):
    dp.average_rating(shop, epsilon=1.0)
    assert dp.budget(shop, "reviews")["epsilon_spent"] == 1.0
    assert dp.budget(shop, "orders")["epsilon_spent"] == 0
    assert dp.budget(shop, "orders")["epsilon_total"] == dp.DEFAULT_TOTAL_EPSILON


@pytest.mark.parametrize("eps", [0, -1, float("nan"), float("inf"), 50])
def test_bad_epsilon_is_refused_before_spending(shop, eps):
    with pytest.raises(ShoplensError, match="ε must be"):
        dp.group_counts(shop, "orders", by="country", epsilon=eps)
    assert dp.budget(shop, "orders")["releases"] == 0


@pytest.mark.parametrize("table,by", [("orders", "country; DROP TABLE orders"), ("orders", "nope"),
                                      ("orders; DROP TABLE orders", "country"), ("missing", "country")])
def test_identifiers_come_from_the_catalog(shop, table, by):
    with pytest.raises(ShoplensError):
        dp.group_counts(shop, table, by=by, epsilon=1.0)
    assert shop.execute("SELECT count(*) FROM orders").fetchone()[0] == 428
    assert dp.budget(shop, "orders")["releases"] == 0


def test_the_hundredth_delta_release_fits_and_the_next_says_none_left(shop):
    """δ = 1e-7 a hundred times is exactly a 1e-5 budget; float sums made the 100th look short while the message
    said 1e-07 was left. The refusal after it states what is really left."""
    dp.set_budget(shop, "orders", 100.0)
    for _ in range(100):
        dp.charge(shop, "orders", 0.1, 1e-7, "customers per country", {})
    b = dp.budget(shop, "orders")
    assert b["releases"] == 100 and b["delta_left"] == 0 and b["epsilon_spent"] == 10.0
    with pytest.raises(dp.BudgetExceeded) as err:
        dp.charge(shop, "orders", 0.1, 1e-7, "customers per country", {})
    assert "needs ε = 0.1, δ = 1e-7 but dataset 'orders' has ε = 90, δ = 0 left" in str(err.value)
    assert dp.budget(shop, "orders")["releases"] == 100


@pytest.mark.parametrize("eps", [5e-324, 1e-4, True])
def test_epsilon_too_small_to_compute_is_refused_before_spending(shop, eps):
    with pytest.raises(ShoplensError, match="ε must be a number from 0.001 to 20"):
        dp.group_counts(shop, "orders", by="country", epsilon=eps)
    assert dp.budget(shop, "orders")["releases"] == 0
