"""Who runs a `shoplens` command, and may they: the CLI side of the roles in analysis/users.py.

Credentials, first found wins:
1. an API token: `SHOPLENS_TOKEN`, or the first line of the file named by `SHOPLENS_TOKEN_FILE` (for batch jobs:
   keep it in a 0600 file or a secret store; create one with `shoplens users token NAME`, revoke with
   `shoplens users revoke-token ID`);
2. a user name (`--user` or `SHOPLENS_USER`) with the password from `SHOPLENS_PASSWORD` or, on a terminal, a prompt.
Without any, a command is refused (exit 2), except `shoplens demo` on a database that holds no data yet (a first
start), which has nothing to read or overwrite. Refusals are written to the audit log when the database exists.
"""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from analysis import store
from analysis.users import AuthError, FirstStartRefused, User, UserStore, allows, first_start_message, is_default_file

# Least role for each command; commands not listed need analyst (a new command is not open to marketers by default).
# A command can also say so itself: `subparser.set_defaults(min_role="marketer")`.
COMMAND_ROLES = {
    "demo": "analyst", "load": "analyst",            # uploads
    "train": "analyst", "score": "analyst", "classify": "analyst",
    "segments": "analyst", "recommend": "analyst",   # one row per customer: raw rows
    "draft": "marketer", "reply": "marketer",        # drafts
    "users": "admin", "audit": "admin",
}


def needed_role(args) -> str:
    return getattr(args, "min_role", None) or COMMAND_ROLES.get(args.command, "analyst")


def _token() -> str | None:
    tok = os.environ.get("SHOPLENS_TOKEN")
    if not tok and os.environ.get("SHOPLENS_TOKEN_FILE"):
        try:
            tok = Path(os.environ["SHOPLENS_TOKEN_FILE"]).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise AuthError(f"Cannot read the token file {os.environ['SHOPLENS_TOKEN_FILE']} ({exc})",
                            fix="check SHOPLENS_TOKEN_FILE") from exc
    return tok.strip() if tok else None


def _empty_database(db: str) -> bool:
    if not Path(db).exists():
        return True
    try:
        con = store.connect(db, read_only=True)
    except Exception:
        return False
    try:
        return con.execute("SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM uploads)").fetchone()[0] == 0
    except Exception:
        return False
    finally:
        con.close()


def _first_start(users: UserStore, empty_database: bool) -> str | None:
    """A CLI-first install gets its admin too (one-time password shown once), but only in the home's own users file
    and only while the database at hand holds no data: an environment variable pointing at a fresh file or home must
    not mint an admin for a shop that already has one."""
    if not (empty_database and is_default_file(users.path)):
        return None
    try:
        return users.ensure_admin()
    except FirstStartRefused:
        return None


def resolve(args) -> User:
    """The user running this command, or AuthError."""
    users = UserStore()
    users.check()  # a missing SHOPLENS_USERS file or a corrupt one is the first thing to say
    token = _token()
    if token:
        return users.verify_token(token)
    name = getattr(args, "user", None) or os.environ.get("SHOPLENS_USER")
    if name:
        password = os.environ.get("SHOPLENS_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                raise AuthError(f"No password for {name}", fix="set SHOPLENS_PASSWORD, or use SHOPLENS_TOKEN")
            password = getpass.getpass(f"Password for {name}: ")
        user = users.verify(name, password)
        if user.must_change and (args.command, getattr(args, "users_command", None)) != ("users", "passwd"):
            raise AuthError(f"{name} still has a one-time password",
                            fix="choose your own first: shoplens --user NAME users passwd")
        return user
    empty = _empty_database(args.db)
    pw = _first_start(users, empty)
    if args.command == "demo" and empty:
        if pw:
            print(first_start_message(pw), file=sys.stderr)
        return User("first-start", "analyst")
    first = (f" (first start: created the user admin with the one-time password {pw}; sign in with --user admin "
             "and set your own with `users passwd`)") if pw else ""
    raise AuthError("A signed-in user is needed" + first,
                    fix="set SHOPLENS_TOKEN (an admin creates one with `shoplens users token NAME`), or pass --user "
                        "NAME with the password in SHOPLENS_PASSWORD or typed at the prompt")


def check(args) -> User:
    """Resolve the user and check the command's role; AuthError (logged) when refused."""
    try:
        user = resolve(args)
    except AuthError as exc:
        log(args, getattr(args, "user", None) or os.environ.get("SHOPLENS_USER") or "(cli)", "sign_in_failed",
            {"reason": getattr(exc, "reason", "refused"), "command": args.command})
        raise
    needed = needed_role(args)
    if not allows(user.role, needed):
        log(args, user.username, "access_denied", {"command": args.command, "needs": needed, "role": user.role})
        raise AuthError(f"{user.username} is {user.role}; shoplens {args.command} needs {needed}",
                        fix="ask an admin for that role, or use a token of a user who has it")
    return user


def log(args, who: str, action: str, details: dict, target: str | None = None) -> None:
    """One audit_log row in the command's database; a missing or busy database only costs a note on stderr."""
    if not Path(args.db).is_file():
        return
    details = {"via": "cli", **details}
    if os.environ.get("SHOPLENS_USERS") and not is_default_file(os.environ["SHOPLENS_USERS"]):
        details["users_file"] = os.environ["SHOPLENS_USERS"]  # whose accounts vouched for `who`
    try:
        con = store.connect(args.db)
        try:
            store.audit(con, str(who)[:100], action, target or f"cli {args.command}", details)
        finally:
            con.close()
    except store.StoreError:
        return  # not a database: the command itself says so in its one line
    except Exception as exc:  # the command's own outcome stands; say why the log has no row for it
        print(f"shoplens: note: audit log not written ({type(exc).__name__})", file=sys.stderr)
