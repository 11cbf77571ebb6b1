"""Monthly acquisition cohorts on a hand-checked example."""
import pytest

from analysis import cohorts
from tests.test_rfm import add_orders


def shop(con):
    add_orders(con, [
        ("1", "A", "2024-01-05", "1", 10.0), ("2", "A", "2024-02-10", "1", 20.0), ("3", "A", "2024-04-01", "1", 40.0),
        ("4", "B", "2024-01-20", "1", 5.0), ("C4", "B", "2024-03-03", "1", -5.0, "cancelled"),
        ("5", "C", "2024-02-02", "1", 7.0), ("6", "C", "2024-03-15", "1", 8.0),
        ("7", None, "2024-01-09", "1", 100.0),
    ])


def test_cohort_counts_and_revenue_by_hand(db):
    con, _ = db
    shop(con)
    t = cohorts.cohort_table(con, "2024-04-30")
    jan = t[t["cohort"].astype(str).str.startswith("2024-01")].set_index("month_offset")
    assert jan["cohort_size"].iloc[0] == 2
    assert jan["customers"].tolist() == [2, 1, 0, 1]  # A+B, A in Feb, nobody in Mar (B only cancelled), A in Apr
    assert jan["revenue"].tolist() == [15.0, 20.0, -5.0, 40.0]  # cancellations are subtracted in their month
    feb = t[t["cohort"].astype(str).str.startswith("2024-02")].set_index("month_offset")
    assert feb["customers"].tolist() == [1, 1, 0] and feb["retention"].tolist() == [1.0, 1.0, 0.0]
    assert t["cohort_size"].groupby(t["cohort"]).first().sum() == 3  # the line without a customer is left out


def test_average_retention_and_matrix(db):
    con, _ = db
    shop(con)
    t = cohorts.cohort_table(con, "2024-04-30")
    avg = cohorts.average_retention(t).set_index("month_offset")["retention"]
    assert avg[1] == pytest.approx(2 / 3) and avg[2] == 0 and avg[3] == pytest.approx(1 / 2)
    m = cohorts.retention_matrix(t)
    assert list(m.index) == ["2024-01", "2024-02", "2024-03", "2024-04"][: len(m)]
    assert m.loc["2024-01", 3] == pytest.approx(0.5)


def test_as_of_cuts_the_table(db):
    con, _ = db
    shop(con)
    t = cohorts.cohort_table(con, "2024-02-15")
    assert t["month_offset"].max() == 1 and t["customers"].sum() == 4  # Jan: A, B, then A; Feb: C
