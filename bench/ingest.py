"""Ingest benchmark: load + validate the Online Retail CSV (541,909 rows) and a generated 10x file (5.4 M rows),
Shoplens vs a pandas baseline (read_csv + the same checks + insert into DuckDB) in the same run.
Each load runs in its own process so peak memory (max RSS) is that load's alone. Prints a table.

    python bench/ingest.py [--skip-10x]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

# ru_maxrss survives exec (it would report the parent's peak), so read this process's own high-water mark.
PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

SHOPLENS = PEAK + """
import json, sys, time
from analysis import store, ingest
con = store.connect(sys.argv[1])
t = time.perf_counter()
r = ingest.load_file(con, "orders", sys.argv[2], mode="replace", db_path=sys.argv[1])
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows_in": r.rows_in, "accepted": r.accepted, "rejected": r.rejected,
                  "peak_mb": peak_mb()}))
"""

PANDAS = PEAK + """
import json, sys, time
import duckdb, numpy as np, pandas as pd
t = time.perf_counter()
df = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
date = pd.to_datetime(df["InvoiceDate"], errors="coerce", format="ISO8601")
qty = pd.to_numeric(df["Quantity"], errors="coerce")
price = pd.to_numeric(df["UnitPrice"], errors="coerce")
cust = df["CustomerID"].str.replace(r"\\.0+$", "", regex=True).replace("", None)
cancel = df["InvoiceNo"].str.upper().str.startswith("C")
formula = pd.Series(False, index=df.index)
for c in ["InvoiceNo", "StockCode", "Description", "Country", "CustomerID"]:
    formula |= df[c].str.match(r"^\\s*(=|[+\\-@]\\s*[A-Za-z_][A-Za-z0-9_.]*\\s*\\()")
bad = date.isna() | qty.isna() | price.isna() | (price < 0) | ((qty < 0) & ~cancel) | formula
typed = pd.DataFrame({"order_id": df["InvoiceNo"], "customer_id": cust, "order_date": date,
                      "product_id": df["StockCode"], "product_name": df["Description"], "quantity": qty,
                      "unit_price": price, "line_total": qty * price, "country": df["Country"],
                      "status": np.where(cancel, "cancelled", "completed")})
dup = typed.duplicated(keep="first")
good = typed[~bad & ~dup]
con = duckdb.connect(sys.argv[1])
con.execute("CREATE OR REPLACE TABLE orders AS SELECT * FROM good")
con.execute("CHECKPOINT")
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows_in": len(df), "accepted": len(good), "rejected": int((bad | dup).sum()),
                  "peak_mb": peak_mb()}))
"""


def run(code: str, db: Path, csv: Path) -> dict:
    if db.exists():
        db.unlink()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SHOPLENS_HOME": str(db.parent)}
    out = subprocess.run([sys.executable, "-c", code, str(db), str(csv)], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_files(skip_10x: bool) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    plain = OUT / "online_retail.csv"
    if not plain.exists():
        with gzip.open(ROOT / "analysis" / "demo_data" / "online_retail.csv.gz", "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
    files = [plain]
    if not skip_10x:
        big = OUT / "online_retail_10x.csv"
        if not big.exists():
            import duckdb

            # ten copies; each copy gets its own invoice numbers (suffix -k) so the copies are not duplicates
            duckdb.sql(f"""COPY (SELECT InvoiceNo || '-' || k AS InvoiceNo, StockCode, Description, Quantity,
                                        InvoiceDate, UnitPrice, CustomerID, Country
                                 FROM read_csv('{plain}', all_varchar=true), range(10) t(k)
                                 ORDER BY k) TO '{big}' (HEADER)""")
        files.append(big)
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-10x", action="store_true")
    args = ap.parse_args()
    files = make_files(args.skip_10x)
    tmp = Path(tempfile.mkdtemp())
    print(f"{'file':28} {'engine':9} {'rows_in':>10} {'accepted':>10} {'rejected':>9} {'seconds':>8} {'rows/s':>11}"
          f" {'peak MB':>8}")
    for csv in files:
        results = {}
        for engine, code in (("shoplens", SHOPLENS), ("pandas", PANDAS)):
            r = run(code, tmp / f"{engine}.duckdb", csv)
            results[engine] = r
            print(f"{csv.name:28} {engine:9} {r['rows_in']:>10,} {r['accepted']:>10,} {r['rejected']:>9,} "
                  f"{r['seconds']:>8.2f} {r['rows_in'] / r['seconds']:>11,.0f} {r['peak_mb']:>8,.0f}")
        speedup = results["pandas"]["seconds"] / results["shoplens"]["seconds"]
        print(f"{csv.name:28} speed-up vs pandas: {speedup:.1f}x")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
