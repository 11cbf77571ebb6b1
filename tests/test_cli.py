"""The `shoplens` command line contract: one JSON line and exit 0, or one stderr line and exit 2."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shoplens(*args, home):
    env = {**os.environ, "PYTHONPATH": ROOT, "SHOPLENS_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT)


def test_load_prints_summary(tmp_path, write):
    f = write("o.csv", "InvoiceDate,Quantity,UnitPrice,CustomerID\n2011-01-01,1,2,5\n2011-01-02,x,4,6\n")
    r = shoplens("--db", str(tmp_path / "c.duckdb"), "load", "orders", str(f), home=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["rows_in"] == 2 and out["accepted"] == 1 and out["rejected"] == 1
    assert os.path.exists(out["rejects_file"])


def test_fatal_error_is_one_line_exit_2(tmp_path, write):
    f = write("o.csv", "Foo,Bar\n1,2\n")
    r = shoplens("--db", str(tmp_path / "c.duckdb"), "load", "orders", str(f), "--map", "order_date=Nope", home=tmp_path)
    assert r.returncode == 2
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
    assert 'Column "Nope" is not in o.csv' in r.stderr


def test_demo_command(tmp_path):
    r = shoplens("--db", str(tmp_path / "d.duckdb"), "demo", home=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["orders"]["rows_in"] == 541909
    assert out["orders"]["accepted"] + out["orders"]["rejected"] == 541909
    assert out["reviews"]["accepted"] == 23486
