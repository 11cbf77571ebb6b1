"""`shoplens` command line: the same jobs as the app, for analysts and batch runs. Each command prints one JSON
line on success and exits 0; a fatal error prints one line to stderr and exits 2, leaving stored data unchanged."""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from analysis.config import default_db_path
from analysis.errors import ShoplensError

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Each module registers its subcommands; add a module here to add commands.
COMMAND_MODULES = ["dashboard.commands.data", "dashboard.commands.models", "dashboard.commands.segments",
                   "dashboard.commands.drafts"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shoplens", description="Shoplens marketing insights (CLI)")
    p.add_argument("--db", default=str(default_db_path()), help="database file (default: the app's)")
    p.add_argument("--who", default=os.environ.get("USER", "cli"), help="name recorded in the audit log")
    sub = p.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
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
