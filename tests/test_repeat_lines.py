"""Identical lines in an export without order ids are real repeat purchases: `--duplicates auto|keep|reject` on
`shoplens load` and the Data page, explained in the load report."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from analysis import ingest
from analysis.errors import IngestError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NO_IDS = ("CustomerID,InvoiceDate,Quantity,Amount\n"
          "7,2024-01-05 10:00,1,4.50\n"
          "7,2024-01-05 10:00,1,4.50\n"  # the same coffee bought twice at the till
          "8,2024-01-06 11:00,2,9.00\n")
WITH_IDS = ("InvoiceNo,CustomerID,InvoiceDate,Quantity,Amount\n"
            "A1,7,2024-01-05 10:00,1,4.50\n"
            "A1,7,2024-01-05 10:00,1,4.50\n"
            "A2,8,2024-01-06 11:00,2,9.00\n")


def revenue(con) -> float:
    return con.execute("SELECT round(sum(line_total), 2) FROM orders").fetchone()[0]


def test_auto_keeps_identical_lines_without_order_ids(db, write):
    con, path = db
    r = ingest.load_file(con, "orders", write("o.csv", NO_IDS), db_path=path)
    assert (r.accepted, r.rejected) == (3, 0) and revenue(con) == 18.0
    assert r.duplicates["rule"] == "keep" and r.duplicates["kept"] == 1 and r.duplicates["identical_lines"] == 1
    assert any("1 line of the file repeat" in n and "no order id column" in n for n in r.notes)


def test_auto_rejects_identical_lines_with_order_ids(db, write):
    con, path = db
    r = ingest.load_file(con, "orders", write("o.csv", WITH_IDS), db_path=path)
    assert (r.accepted, r.rejected) == (2, 1) and revenue(con) == 13.5
    assert r.duplicates == {"rule": "reject", "asked": "auto", "identical_lines": 1, "rejected": 1,
                            "why": r.duplicates["why"]}
    assert "has an order id column" in r.duplicates["why"]
    assert "duplicate: every field equals an earlier line" in r.sample_rejects[0]["reason"]


@pytest.mark.parametrize("rule, text, accepted", [("reject", NO_IDS, 2), ("keep", WITH_IDS, 3)])
def test_rule_given_overrides_auto(db, write, rule, text, accepted):
    con, path = db
    r = ingest.load_file(con, "orders", write("o.csv", text), db_path=path, duplicates=rule)
    assert r.accepted == accepted and r.rows_in == 3 and r.duplicates["asked"] == rule


def test_appending_the_same_file_again_adds_nothing_but_a_new_repeat_lands(db, write):
    con, path = db
    f = write("o.csv", NO_IDS)
    ingest.load_file(con, "orders", f, db_path=path)
    again = ingest.load_file(con, "orders", f, db_path=path)
    assert (again.accepted, again.rejected) == (0, 3) and again.duplicates["kept"] == 0
    assert "already stored (2 identical lines in orders)" in again.sample_rejects[0]["reason"]
    # a third identical purchase, exported later: the table holds two, the file three, so one lands
    more = ingest.load_file(con, "orders", write("o3.csv", NO_IDS + "7,2024-01-05 10:00,1,4.50\n"), db_path=path)
    assert (more.accepted, more.rejected) == (1, 3)
    assert con.execute("SELECT count(*) FROM orders WHERE customer_id = '7'").fetchone()[0] == 3


def test_keep_is_refused_for_tables_with_ids(db, write):
    con, path = db
    with pytest.raises(IngestError, match="only be kept in orders"):
        ingest.load_file(con, "reviews", write("r.csv", "text,rating\nok,4\nok,4\n"), db_path=path, duplicates="keep")
    assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0


def test_cli_reports_the_rule(tmp_path, write):
    f = write("o.csv", NO_IDS)
    env = {**os.environ, "PYTHONPATH": ROOT, "SHOPLENS_HOME": str(tmp_path)}
    run = [sys.executable, "-m", "dashboard.cli", "--db", str(tmp_path / "c.duckdb"), "load", "orders", str(f)]
    r = subprocess.run(run, capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["accepted"] == 3 and out["duplicates"]["kept"] == 1 and out["duplicates"]["rule"] == "keep"
    r = subprocess.run(run[:-3] + ["load", "orders", str(f), "--duplicates", "sometimes"], capture_output=True,
                       text=True, env=env, cwd=ROOT)
    assert r.returncode == 2 and "--duplicates" in r.stderr

