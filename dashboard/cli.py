"""`shoplens` command line: the same jobs as the app, for analysts and batch runs. Each command prints one JSON
line on success and exits 0; a fatal error prints one line to stderr and exits 2, leaving stored data unchanged."""
from __future__ import annotations

import argparse
import json
import os
import sys

from analysis import demo, ingest, schema, store
from analysis.config import default_db_path
from analysis.errors import ShoplensError

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _parse_map(pairs: list[str]) -> dict[str, str]:
    out = {}
    for p in pairs or []:
        if "=" not in p:
            raise ShoplensError(f'--map "{p}" is not canonical=source', fix="write it like --map order_date=InvoiceDate")
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def cmd_demo(args) -> dict:
    con = store.connect(args.db)
    return demo.build(con, args.db, who=args.who)


def cmd_load(args) -> dict:
    con = store.connect(args.db)
    report = ingest.load_file(con, args.table, args.file, mode=args.mode, overrides=_parse_map(args.map),
                              who=args.who, dry_run=args.dry_run, db_path=args.db)
    out = report.summary()
    if args.dry_run:
        out["dry_run"] = True
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shoplens", description="Shoplens marketing insights (CLI)")
    p.add_argument("--db", default=str(default_db_path()), help="database file (default: the app's)")
    p.add_argument("--who", default=os.environ.get("USER", "cli"), help="name recorded in the audit log")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("demo", help="build the demo database from the bundled data")
    s.set_defaults(func=cmd_demo)
    s = sub.add_parser("load", help="validate a CSV/XLSX/Parquet file and load it")
    s.add_argument("table", choices=list(schema.LOADABLE))
    s.add_argument("file")
    s.add_argument("--mode", choices=ingest.MODES, default="append")
    s.add_argument("--map", nargs="*", metavar="CANONICAL=SOURCE", help="override the suggested column mapping")
    s.add_argument("--dry-run", action="store_true", help="validate and report, store nothing")
    s.set_defaults(func=cmd_load)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except ShoplensError as exc:
        print(f"shoplens {args.command}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
