"""Load limits benchmark (issue 17, findings 3 and 4): small files that used to cost minutes or gigabytes.

Builds the hostile files under bench/out/load_limits/, then dry-runs each through ingest.load_file in its own
process (so peak RSS is that load's alone), under an address-space cap and a wall-clock timeout so a blow-up
cannot take the machine down. Prints one line per file: outcome, rows read, seconds, peak RSS.

    python bench/load_limits.py                       # the working tree's code
    python bench/load_limits.py --code /tmp/before    # another checkout's analysis/ (e.g. `git archive HEAD~3`)
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "load_limits"
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
LINE = "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom"

# VmHWM is this process's own peak (ru_maxrss of a child would survive exec from the parent)
CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
from analysis import store, ingest
from analysis.errors import IngestError
con = store.connect(sys.argv[2])
t = time.perf_counter()
try:
    r = ingest.load_file(con, "orders", sys.argv[3], dry_run=True, db_path=sys.argv[2])
    out = {"outcome": "loaded", "rows_in": r.rows_in, "accepted": r.accepted}
except IngestError as exc:
    out = {"outcome": "refused", "message": str(exc)}
out.update(seconds=time.perf_counter() - t, peak_mb=peak_mb())
print(json.dumps(out))
"""


def parquet_20m(path: Path) -> None:
    """20 M identical order lines: DuckDB's run-length encoding makes them a few hundred KB."""
    import duckdb

    cols = ", ".join(f"'{v}' AS \"{h}\"" for h, v in zip(HEADER.split(","), LINE.split(","), strict=True))
    duckdb.sql(f"COPY (SELECT {cols} FROM range(20000000)) TO '{path}' (FORMAT parquet)")


def gzip_10m(path: Path) -> None:
    """10 M identical lines compress to a few MB."""
    block = ((LINE + "\n") * 100_000).encode()
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write((HEADER + "\n").encode())
        for _ in range(100):
            f.write(block)


def _xlsx(path: Path, rows: int, dimension: str) -> None:
    """A real workbook whose sheet XML then declares `dimension` (openpyxl read-only trusts it)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    for i in range(rows):
        ws.append([str(536365 + i)] + LINE.split(",")[1:])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<dimension ref=\"")
                end = data.index(b"\"", start + 16)
                data = data[:start] + b"<dimension ref=\"" + dimension.encode() + data[end:]
            dst.writestr(item, data)
    tmp.unlink()


def xlsx_small_dimension(path: Path) -> None:
    _xlsx(path, 10, "A1:H2")


def xlsx_huge_dimension(path: Path) -> None:
    _xlsx(path, 3, "A1:XFD1048576")


def demo_csv(path: Path) -> None:
    shutil.copy(ROOT / "analysis" / "demo_data" / "online_retail.csv.gz", path)


def demo_10x(path: Path) -> None:
    """A real few-million-line export (5,419,090 lines: the demo ten times, each copy with its own invoice numbers)
    that the default row budget must still let through."""
    import duckdb

    src = ROOT / "analysis" / "demo_data" / "online_retail.csv.gz"
    duckdb.sql(f"""COPY (SELECT InvoiceNo || '-' || k AS InvoiceNo, * EXCLUDE (InvoiceNo)
                         FROM read_csv('{src}', all_varchar=true), range(10) t(k) ORDER BY k)
                   TO '{path}' (HEADER, COMPRESSION gzip)""")


FILES = {
    "orders_20m_constant.parquet": parquet_20m,
    "orders_10m_lines.csv.gz": gzip_10m,
    "xlsx_10_rows_dimension_A1-H2.xlsx": xlsx_small_dimension,
    "xlsx_3_rows_dimension_A1-XFD1048576.xlsx": xlsx_huge_dimension,
    "online_retail_demo.csv.gz": demo_csv,
    "online_retail_10x.csv.gz": demo_10x,
}


def run(code: Path, file: Path, cap_gb: float, timeout: int) -> dict:
    """One dry run in a child process with an address-space cap; a kill or crash is reported, not raised."""
    tmp = Path(tempfile.mkdtemp())
    cap = int(cap_gb * 2**30)
    env = {**os.environ, "SHOPLENS_HOME": str(tmp), "PYTHONPATH": str(code)}
    t = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(code), str(tmp / "b.duckdb"), str(file)],
                              capture_output=True, text=True, env=env, timeout=timeout,
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))
    except subprocess.TimeoutExpired:
        return {"outcome": f"killed after {timeout} s timeout", "seconds": time.perf_counter() - t}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1][:120]
        return {"outcome": f"crashed rc={proc.returncode}: {last}", "seconds": time.perf_counter() - t}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--code", type=Path, default=ROOT, help="folder holding the analysis/ package to measure")
    ap.add_argument("--cap-gb", type=float, default=12.0, help="address-space cap per load (GiB)")
    ap.add_argument("--timeout", type=int, default=180, help="seconds before a load is killed")
    ap.add_argument("--only", nargs="*", help="file names to run (default: all)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    names = args.only or list(FILES)
    for name in names:
        path = OUT / name
        if not path.exists():
            FILES[name](path)
    limits = {k: os.environ[k] for k in ("SHOPLENS_MAX_ROWS", "SHOPLENS_MAX_LOAD_MEMORY") if k in os.environ}
    print(f"# code: {args.code}; cap {args.cap_gb} GiB address space, {args.timeout} s timeout; env {limits or 'defaults'}")
    print(f"{'file':42} {'size':>9} {'outcome':8} {'rows_in':>11} {'seconds':>8} {'peak MB':>8}  message")
    for name in names:
        path = OUT / name
        r = run(args.code, path, args.cap_gb, args.timeout)
        outcome = r["outcome"] if r["outcome"] in ("loaded", "refused") else "FAILED"
        rows = f"{r['rows_in']:,}" if "rows_in" in r else "-"
        peak = f"{r['peak_mb']:,.0f}" if "peak_mb" in r else "-"
        msg = r.get("message", "" if outcome != "FAILED" else r["outcome"])
        print(f"{name:42} {path.stat().st_size / 1e3:>7,.0f}KB {outcome:8} {rows:>11} {r['seconds']:>8.1f} {peak:>8}"
              f"  {msg[:150]}", flush=True)


if __name__ == "__main__":
    main()
