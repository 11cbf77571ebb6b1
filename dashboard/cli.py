"""`shoplens` command line: the same jobs as the app, for analysts and batch runs. Each command prints one JSON
line on success and exits 0; a fatal error prints one line to stderr and exits 2, leaving stored data unchanged."""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from analysis import store
from analysis.config import default_db_path, private_umask
from analysis.errors import ShoplensError
from dashboard import cli_auth

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Each module registers its subcommands; add a module here to add commands.
COMMAND_MODULES = ["dashboard.commands.data", "dashboard.commands.models", "dashboard.commands.segments",
                   "dashboard.commands.drafts", "dashboard.commands.fairness", "dashboard.commands.users",
                   "dashboard.commands.share", "dashboard.commands.shop"]


# What the audit log calls a successful command; load, demo, score, users and share write their own, more detailed
# rows.
AUDIT_ACTION = {"segments": "export", "recommend": "export", "classify": "export", "train": "train", "draft": "draft",
                "reply": "draft"}
SELF_AUDITED = {"load", "demo", "score", "users", "share", "shop", "start-shop"}


def one_line(message: str) -> str:
    """The refusal as one line whatever the input it quotes: a newline or other control character from a name, a
    header or a path is shown escaped, so a script reading stderr line by line gets the whole message."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in message)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shoplens", description="Shoplens marketing insights (CLI)")
    p.add_argument("--db", default=str(default_db_path()), help="database file (default: the app's)")
    p.add_argument("--user", default=None, help="sign in as this user (default: SHOPLENS_TOKEN, else SHOPLENS_USER); "
                   "the password comes from SHOPLENS_PASSWORD or a prompt")
    p.add_argument("--who", default=None, help=argparse.SUPPRESS)  # old flag: the signed-in user is recorded instead
    sub = p.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    private_umask()  # outputs, rejects reports and the database carry raw rows: owner-only from the start
    try:
        user = cli_auth.check(args)  # every command checks the role (dashboard/cli_auth.py)
        args.who, args.auth_role = user.username, user.role
        result = args.func(args)
    except ShoplensError as exc:
        print(f"shoplens {args.command}: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except store.READ_ERRORS as exc:  # a database that opened but is damaged further in (e.g. a truncated copy)
        print(f"shoplens {args.command}: {one_line(str(store.unreadable(args.db, exc)))}", file=sys.stderr)
        return 2
    if args.command not in SELF_AUDITED:
        cli_auth.log(args, user.username, AUDIT_ACTION.get(args.command, args.command), {
            "args": {k: v for k, v in vars(args).items() if k not in ("func", "db", "who", "auth_role", "user")},
            "result": {k: v for k, v in result.items() if k in ("out", "rows", "customers", "drafts", "version")}
            if isinstance(result, dict) else None})
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
