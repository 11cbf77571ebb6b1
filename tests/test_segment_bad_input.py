"""Bad input for segments, cohorts, CLV and recommendations: a clear message or an empty, explained result."""
import json
from datetime import date

import pandas as pd
import pytest

from analysis import clv, cohorts, recommend, rfm
from analysis.errors import ShoplensError
from dashboard import cli
from tests.test_rfm import add_orders


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def every_analysis(con):
    """Each entry point on the same data; returns the ShoplensErrors raised (none for the happy path)."""
    errors = []
    for fn in (lambda: rfm.rfm_table(con), lambda: cohorts.cohort_table(con),
               lambda: clv.customer_values(con), lambda: recommend.recommend(con, None, k=3)):
        try:
            fn()
        except ShoplensError as exc:
            errors.append(exc)
    return errors


def test_no_orders(db, capsys, tmp_path):
    con, path = db
    errors = every_analysis(con)
    assert len(errors) == 4 and all("no orders" in str(e) for e in errors)
    assert errors[0].fix
    con.close()
    code, out, err = run_cli(capsys, "--db", str(path), "segments", "--out", str(tmp_path / "s.csv"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "no orders" in err and "Fix:" in err
    code, _, err = run_cli(capsys, "--db", str(path), "recommend", "--all", "--out", str(tmp_path / "r.csv"))
    assert code == 2 and "no orders" in err


def test_one_customer(db, capsys, tmp_path):
    con, path = db
    add_orders(con, [("1", "A", "2024-01-05", "1", 10.0), ("2", "A", "2024-02-05", "2", 12.0),
                     ("3", "A", "2024-03-05", "1", 8.0)])
    t = rfm.rfm_table(con)
    assert len(t) == 1 and t["segment"].iloc[0] in rfm.SEGMENTS
    r = recommend.recommend(con, ["A"], k=3)
    assert r.empty  # bought every product there is: nothing left to recommend
    con.close()
    code, out, err = run_cli(capsys, "--db", str(path), "segments", "--out", str(tmp_path / "s.csv"))
    assert code == 0, err
    summary = json.loads(out)
    assert summary["customers"] == 1
    assert len(pd.read_csv(tmp_path / "s.csv")) == 1


def test_all_orders_on_one_day(db, capsys, tmp_path):
    con, path = db
    add_orders(con, [(str(i), f"c{i % 4}", "2024-03-01 10:00", str(i % 3), 10.0) for i in range(12)])
    assert len(rfm.rfm_table(con)) == 4
    assert cohorts.cohort_table(con)["month_offset"].max() == 0
    with pytest.raises(ShoplensError, match="two different days|one day"):
        clv.customer_values(con)
    con.close()
    code, out, err = run_cli(capsys, "--db", str(path), "segments", "--out", str(tmp_path / "s.csv"))
    assert code == 0, err
    summary = json.loads(out)
    assert any("No purchase-model figures" in n for n in summary["notes"])  # RFM written, CLV explained as empty
    assert pd.read_csv(tmp_path / "s.csv")["expected_purchases"].isna().all()


def test_only_cancellations(db, capsys, tmp_path):
    con, path = db
    add_orders(con, [("C1", "A", "2024-01-05", "1", -10.0, "cancelled"), ("C2", "B", "2024-01-06", "1", -5.0, "cancelled")])
    errors = every_analysis(con)
    assert len(errors) == 4 and all("cancelled" in str(e) for e in errors)
    con.close()
    code, _, err = run_cli(capsys, "--db", str(path), "segments", "--out", str(tmp_path / "s.csv"))
    assert code == 2 and "cancelled" in err


def test_customers_without_ids(db):
    con, _ = db
    add_orders(con, [("1", None, "2024-01-05", "1", 10.0), ("2", None, "2024-02-05", "1", 10.0)])
    errors = every_analysis(con)
    assert len(errors) == 4 and all("customer_id" in str(e) for e in errors)
    add_orders(con, [("3", "A", "2024-01-07", "1", 10.0), ("4", "B", "2024-01-20", "2", 10.0)])
    ctx = rfm.resolve_as_of(con)
    assert set(rfm.rfm_table(con, ctx)["customer_id"]) == {"A", "B"}  # NULL rows excluded from customer analytics
    assert any("2 order lines have no customer_id" in n for n in ctx.notes)
    assert cohorts.cohort_table(con, ctx)["cohort_size"].iloc[0] == 2


def test_dates_in_the_future(db):
    con, _ = db
    add_orders(con, [("1", "A", "2024-01-05", "1", 10.0), ("2", "B", "2024-02-05", "1", 10.0),
                     ("3", "A", "2099-06-01", "1", 10.0)])
    ctx = rfm.resolve_as_of(con, today=date(2024, 6, 1))
    assert ctx.as_of == date(2024, 2, 5)  # the default as-of date ignores the impossible future order
    assert any("after today" in n for n in ctx.notes)
    t = rfm.rfm_table(con, ctx).set_index("customer_id")
    assert t.loc["A", "frequency"] == 1
    later = rfm.resolve_as_of(con, "2100-01-01", today=date(2024, 6, 1))
    assert any("in the future" in n for n in later.notes)
    add_orders(con, [("9", "Z", "2099-01-01", "1", 1.0)])
    con.execute("DELETE FROM orders WHERE order_date < '2030-01-01'")
    with pytest.raises(ShoplensError, match="dated after today"):
        rfm.resolve_as_of(con, today=date(2024, 6, 1))


def test_as_of_before_first_order(db, capsys, tmp_path):
    con, path = db
    add_orders(con, [("1", "A", "2024-01-05", "1", 10.0), ("2", "B", "2024-02-05", "1", 10.0)])
    for fn in (rfm.rfm_table, cohorts.cohort_table, clv.customer_values):
        with pytest.raises(ShoplensError, match="before the first order") as exc:
            fn(con, "2023-12-31")
        assert "2024-01-05" in exc.value.fix
    with pytest.raises(ShoplensError, match="before the first order"):
        recommend.recommend(con, None, as_of="2023-12-31")
    con.close()
    code, _, err = run_cli(capsys, "--db", str(path), "segments", "--as-of", "2023-12-31", "--out", str(tmp_path / "s.csv"))
    assert code == 2 and "before the first order" in err
    code, _, err = run_cli(capsys, "--db", str(path), "segments", "--as-of", "yesterday", "--out", str(tmp_path / "s.csv"))
    assert code == 2 and "not a date" in err
    code, _, err = run_cli(capsys, "--db", str(path), "segments", "--out", str(tmp_path / "nowhere" / "s.csv"))
    assert code == 2 and "does not exist" in err
