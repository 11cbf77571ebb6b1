"""`shoplens users ...`: accounts, roles, one-time passwords and API tokens (admins), and `users passwd` (anyone)."""
from __future__ import annotations

import getpass
import os
import sys

from analysis.errors import ShoplensError
from analysis.users import ROLES, UserStore
from dashboard import cli_auth


def _log(args, action: str, target: str, details: dict | None = None) -> None:
    cli_auth.log(args, args.who, action, details or {}, target=target)


def cmd_list(args) -> dict:
    s = UserStore()
    return {"users": s.list(), "tokens": s.tokens()}


def cmd_add(args) -> dict:
    pw = UserStore().add(args.name, args.role, auth="oidc" if args.oidc else "local")
    _log(args, "user_added", args.name, {"role": args.role, "auth": "oidc" if args.oidc else "local"})
    return {"user": args.name, "role": args.role, "one_time_password": pw}


def cmd_set_role(args) -> dict:
    UserStore().set_role(args.name, args.role)
    _log(args, "role_changed", args.name, {"role": args.role})
    return {"user": args.name, "role": args.role}


def cmd_reset(args) -> dict:
    pw = UserStore().reset_password(args.name)
    _log(args, "password_reset", args.name)
    return {"user": args.name, "one_time_password": pw}


def cmd_remove(args) -> dict:
    if args.name == args.who:
        raise ShoplensError("You cannot remove yourself", fix="ask another admin")
    UserStore().remove(args.name)
    _log(args, "user_removed", args.name)
    return {"user": args.name, "removed": True}


def cmd_token(args) -> dict:
    name = args.name or args.who
    if name != args.who and args.auth_role != "admin":
        raise ShoplensError(f"Only an admin can create a token for {name}", fix="create one for yourself")
    users = UserStore()
    token = users.create_token(name, args.label, expires_days=args.expires_days)
    tid = token.split("_")[1]
    expires = next(t["expires_at"] for t in users.tokens() if t["id"] == tid)
    _log(args, "token_created", name, {"label": args.label, "id": tid, "expires_at": expires})
    return {"user": name, "token": token, "expires_at": expires,
            "note": "shown once; keep it in a 0600 file for SHOPLENS_TOKEN_FILE"}


def cmd_revoke(args) -> dict:
    UserStore().revoke_token(args.id)
    _log(args, "token_revoked", args.id)
    return {"revoked": args.id}


def cmd_sign_out_all(args) -> dict:
    """A new session secret: every browser signed in to the app is signed out (at its next click or refresh)."""
    from analysis import sessions

    sessions.rotate_secret()
    _log(args, "sessions_ended", "all")
    return {"signed_out": "every browser session", "secret": str(sessions.secret_path())}


def cmd_passwd(args) -> dict:
    new = os.environ.get("SHOPLENS_NEW_PASSWORD")
    if new is None:
        if not sys.stdin.isatty():
            raise ShoplensError("No new password", fix="set SHOPLENS_NEW_PASSWORD or run it in a terminal")
        new = getpass.getpass("New password: ")
        if getpass.getpass("New password again: ") != new:
            raise ShoplensError("The two passwords differ", fix="type the same one twice")
    UserStore().set_new_password(args.who, new)
    _log(args, "password_changed", args.who, {"by": "self"})
    return {"user": args.who, "password_changed": True}


def register(sub) -> None:
    s = sub.add_parser("users", help="user accounts and API tokens (admins); `users passwd` for your own password")
    u = s.add_subparsers(dest="users_command", required=True)
    p = u.add_parser("list", help="users and tokens (no secrets; each token with its expiry)")
    p.set_defaults(func=cmd_list, min_role="admin")
    p = u.add_parser("add", help="add a user; prints a one-time password for local users")
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--oidc", action="store_true", help="signs in through the OIDC provider (name = e-mail address)")
    p.set_defaults(func=cmd_add, min_role="admin")
    p = u.add_parser("set-role", help="change a user's role")
    p.add_argument("name")
    p.add_argument("role", choices=ROLES)
    p.set_defaults(func=cmd_set_role, min_role="admin")
    p = u.add_parser("reset-password", help="a new one-time password for a user")
    p.add_argument("name")
    p.set_defaults(func=cmd_reset, min_role="admin")
    p = u.add_parser("remove", help="remove a user and their tokens")
    p.add_argument("name")
    p.set_defaults(func=cmd_remove, min_role="admin")
    p = u.add_parser("token", help="an API token for batch jobs (yours, or anyone's for an admin); shown once")
    p.add_argument("name", nargs="?", default=None)
    p.add_argument("--label", default="", help="what it is for, e.g. nightly-load")
    p.add_argument("--expires-days", type=int, default=None, metavar="N",
                   help="refuse the token N days from now (1 to 3650; default: until revoked)")
    p.set_defaults(func=cmd_token, min_role="marketer")
    p = u.add_parser("revoke-token", help="revoke an API token by its id")
    p.add_argument("id")
    p.set_defaults(func=cmd_revoke, min_role="admin")
    p = u.add_parser("sign-out-all", help="sign every browser out of the app (a new session secret)")
    p.set_defaults(func=cmd_sign_out_all, min_role="admin")
    p = u.add_parser("passwd", help="change your own password (new one from SHOPLENS_NEW_PASSWORD or a prompt)")
    p.set_defaults(func=cmd_passwd, min_role="marketer")
