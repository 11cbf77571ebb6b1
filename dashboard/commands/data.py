"""`shoplens demo` and `shoplens load`: getting data into the store."""
from __future__ import annotations

from analysis import demo, ingest, schema, shop, store
from analysis.errors import ShoplensError


def parse_map(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for p in pairs or []:
        if "=" not in p:
            raise ShoplensError(f'--map "{p}" is not canonical=source', fix="write it like --map order_date=InvoiceDate")
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def cmd_demo(args) -> dict:
    con = store.connect(args.db)
    own = shop.own_counts(con)
    if any(own.values()) and not args.yes:  # the demo replaces both tables: a shop's own rows would be lost
        raise ShoplensError(f"The database holds your own {own['orders']:,} order lines and {own['reviews']:,} "
                            "reviews; the demo replaces the orders and reviews tables", where="shoplens demo",
                            fix="use another database for the demo (--db demo.duckdb), or pass --yes to replace them")
    return demo.build(con, args.db, who=args.who)


def load_mode(con, table: str, mode: str | None) -> str:
    """The mode asked for; without one, append, unless the demo is still stored: then the user must choose, since
    appending mixes a real shop's figures into the demo's and replacing keeps the demo's other tables."""
    if mode:
        return mode
    counts = shop.demo_counts(con)
    if not any(counts.values()):
        return "append"
    other = "reviews" if table == "orders" else "orders"
    raise ShoplensError(
        f"The database still holds the demo shop ({shop.describe_demo(counts)}); choose what loading this {table} "
        f"file does", where="--mode",
        fix=f"--mode replace swaps the whole {table} table for this file (the demo's {other} stay until you run "
            f"`shoplens start-shop --yes`); --mode append adds it to the demo's rows, so every figure mixes the two "
            "shops; or run `shoplens start-shop --yes` first to remove every demo row")


def cmd_load(args) -> dict:
    con = store.connect(args.db)
    mode = load_mode(con, args.table, args.mode)
    report = ingest.load_file(con, args.table, args.file, mode=mode, overrides=parse_map(args.map),
                              who=args.who, dry_run=args.dry_run, db_path=args.db, duplicates=args.duplicates)
    out = report.summary()
    if report.duplicates:
        out["duplicates"] = report.duplicates
    if args.dry_run:
        out["dry_run"] = True
    return out


def register(sub) -> None:
    s = sub.add_parser("demo", help="build the demo database from the bundled data")
    s.add_argument("--yes", action="store_true", help="replace the shop's own orders and reviews too")
    s.set_defaults(func=cmd_demo)
    s = sub.add_parser("load", help="validate a CSV/XLSX/Parquet file and load it")
    s.add_argument("table", choices=list(schema.LOADABLE))
    s.add_argument("file")
    s.add_argument("--mode", choices=ingest.MODES, default=None,
                   help="append (default) or replace; required while the demo shop is stored")
    s.add_argument("--map", nargs="*", metavar="CANONICAL=SOURCE", help="override the suggested column mapping")
    s.add_argument("--dry-run", action="store_true", help="validate and report, store nothing")
    s.add_argument("--duplicates", choices=ingest.DUPLICATES, default="auto",
                   help="identical order lines: keep them as repeat purchases, or reject all but the first; auto "
                        "keeps them when the file has no order id column (default: auto)")
    s.set_defaults(func=cmd_load)
