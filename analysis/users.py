"""Local user accounts: a JSON file of users (argon2id password hashes), their roles, and API tokens for batch jobs.

Roles are ordered: marketer < analyst < admin; `allows(role, needed)` answers whether a role may do what needs another.
- marketer: dashboards, drafts, aggregate exports; never raw personal data.
- analyst: also uploads, training, raw-row exports.
- admin: also users, settings and the audit log.

The file lives at $SHOPLENS_HOME/users.json (SHOPLENS_USERS overrides), mode 0600, rewritten atomically under a file
lock. Who may create it (see `first_start_allowed`): the first admin, with a random one-time password that must be
changed at first sign-in, is only ever created in the home's own users file; a file named by SHOPLENS_USERS must
already exist, belong to this OS account and be owner-only, so an environment variable cannot conjure a fresh admin.
Sign-in checks (lock, password, failure count) run inside the file lock, so parallel wrong passwords are counted one
by one. Tokens (`slk_<id>_<secret>`) are stored as SHA-256 of the secret, may expire, and carry the role of their
user at the time of use. No Streamlit and no database here: callers write the audit log.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analysis.atomic_file import write_text_atomic
from analysis.config import home, owner_only, private_dir
from analysis.errors import ShoplensError

ROLES = ("marketer", "analyst", "admin")
_RANK = {r: i for i, r in enumerate(ROLES)}
MIN_PASSWORD = 10
MAX_FAILURES = 5  # consecutive wrong passwords before the account waits LOCK_MINUTES
LOCK_MINUTES = 5
MAX_TOKEN_DAYS = 3650
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY = _HASHER.hash("shoplens-timing-equaliser")


class AuthError(ShoplensError):
    """Sign-in refused or a role is too low."""


class FirstStartRefused(AuthError):
    """No admin exists and this users file may not get one automatically."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    must_change: bool = False
    auth: str = "local"  # "local" (password here) or "oidc" (identity from the OIDC provider, role from here)

    def as_session(self) -> dict:
        """The `st.session_state["auth_user"]` contract."""
        return {"username": self.username, "role": self.role}


def allows(role: str | None, needed: str) -> bool:
    """True when `role` may do what needs `needed` (admin > analyst > marketer)."""
    return role in _RANK and _RANK[role] >= _RANK[needed]


def check_role(role: str) -> str:
    if role not in _RANK:
        raise ShoplensError(f'"{role}" is not a role', fix=f"use one of {', '.join(ROLES)}")
    return role


def check_username(name: str) -> str:
    if not isinstance(name, str) or not _USERNAME.fullmatch(name):
        raise ShoplensError(f'"{str(name)[:40]}" is not a valid user name',
                            fix="use letters, digits and . _ @ + - (at most 100 characters)")
    return name


def check_password(pw: str) -> str:
    if not isinstance(pw, str) or len(pw) < MIN_PASSWORD:
        raise ShoplensError(f"The password is shorter than {MIN_PASSWORD} characters", fix="choose a longer one")
    if len(pw) > 1024:
        raise ShoplensError("The password is longer than 1024 characters", fix="choose a shorter one")
    return pw


def default_users_file() -> Path:
    return home() / "users.json"


def users_file() -> Path:
    return Path(os.environ.get("SHOPLENS_USERS") or default_users_file())


def is_default_file(path: Path | str) -> bool:
    """True for the home's own users file, the only one a first start may create."""
    return Path(path).resolve() == default_users_file().resolve()


def new_password() -> str:
    """A random password for first start and resets (about 96 bits)."""
    return secrets.token_urlsafe(12)


class UserStore:
    """The users file. Every change re-reads, edits and atomically replaces it while holding an exclusive lock."""

    def __init__(self, path: Path | str | None = None):
        """`path` given: the caller chose the file (tests, set-up scripts) and may create it. Without it the file
        comes from the environment; one named by SHOPLENS_USERS must exist already (`_check_override`)."""
        self.path = Path(path) if path else users_file()
        self.override = path is None and not is_default_file(self.path)

    # ------------------------------------------------------------------ file
    def _read(self) -> dict:
        if self.override:
            _check_override(self.path)
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": 1, "users": {}, "tokens": {}}
        except (OSError, UnicodeDecodeError) as exc:
            raise _unusable(self.path, type(exc).__name__) from exc
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise _unusable(self.path, "not JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.setdefault("users", {}), dict) \
                or not isinstance(data.setdefault("tokens", {}), dict) \
                or not all(isinstance(r, dict) and r.get("role") in _RANK for r in data["users"].values()):
            raise _unusable(self.path, "not a Shoplens users file")
        return data

    @contextlib.contextmanager
    def _editing(self):
        """Read, let the caller edit, write back atomically, all under an exclusive lock; an exception inside
        leaves the file as it was."""
        if self.override:
            _check_override(self.path)
        if not self.path.parent.exists():
            private_dir(self.path.parent)
        lock = self.path.with_name(self.path.name + ".lock")
        with open(lock, "a") as lf:
            owner_only(lock)
            fcntl.flock(lf, fcntl.LOCK_EX)
            data = self._read()
            yield data
            write_text_atomic(self.path, json.dumps(data, indent=1, sort_keys=True), mode=0o600)

    def check(self) -> None:
        """ShoplensError now, with its one line, when the file cannot be used (missing override, corrupt, foreign)."""
        self._read()

    # ------------------------------------------------------------------ users
    def get(self, username: str) -> User | None:
        rec = self._read()["users"].get(username)
        return _user(username, rec) if rec else None

    def list(self) -> list[dict]:
        """One dict per user (no hashes): username, role, auth, must_change, created_at, last_sign_in."""
        users = self._read()["users"]
        return [{"username": n, "role": r["role"], "auth": r.get("auth", "local"), "must_change": r.get("must_change",
                 False), "created_at": r.get("created_at"), "last_sign_in": r.get("last_sign_in")}
                for n, r in sorted(users.items())]

    def add(self, username: str, role: str, password: str | None = None, must_change: bool = True,
            auth: str = "local") -> str | None:
        """Add a user; returns the one-time password when none was given (local users only)."""
        check_username(username)
        check_role(role)
        if auth not in ("local", "oidc"):
            raise ShoplensError(f'"{auth}" is not a sign-in kind', fix="use local or oidc")
        generated = None
        if auth == "local":
            if password is None:
                password = generated = new_password()
            else:
                check_password(password)
        with self._editing() as data:
            if username in data["users"]:
                raise ShoplensError(f'The user "{username}" exists already', fix="pick another name or change its role")
            data["users"][username] = {"role": role, "auth": auth, "created_at": _now(),
                                       "hash": _HASHER.hash(password) if auth == "local" else None,
                                       "must_change": bool(must_change and auth == "local"), "failures": 0}
        return generated

    def set_role(self, username: str, role: str) -> None:
        check_role(role)
        with self._editing() as data:
            rec = _need(data, username)
            if rec["role"] == "admin" and role != "admin" and _admins(data) == [username]:
                raise ShoplensError("This is the only admin", fix="make another user admin first")
            rec["role"] = role

    def remove(self, username: str) -> None:
        with self._editing() as data:
            rec = _need(data, username)
            if rec["role"] == "admin" and _admins(data) == [username]:
                raise ShoplensError("This is the only admin", fix="make another user admin first")
            del data["users"][username]
            data["tokens"] = {k: t for k, t in data["tokens"].items() if t["user"] != username}

    def reset_password(self, username: str) -> str:
        """A new one-time password (must be changed at next sign-in); unlocks the account."""
        pw = new_password()
        with self._editing() as data:
            rec = _need(data, username)
            if rec.get("auth", "local") != "local":
                raise ShoplensError(f'"{username}" signs in through the OIDC provider', fix="reset it there")
            rec.update(hash=_HASHER.hash(pw), must_change=True, failures=0, locked_until=None)
        return pw

    def set_new_password(self, username: str, new: str) -> None:
        """Replace a one-time password right after a successful sign-in with it (the new one must differ)."""
        check_password(new)
        with self._editing() as data:
            rec = _need(data, username)
            if rec.get("hash") and _safe_verify(rec["hash"], new):
                raise ShoplensError("The new password is the same as the old one", fix="choose a different one")
            rec.update(hash=_HASHER.hash(new), must_change=False)

    def session_fingerprint(self, username: str) -> str | None:
        """A digest of what a signed-in session depends on: password hash, role, sign-in kind. It changes when the
        password is changed or reset, the role changes or the user is removed (None), so session tokens keyed on it
        (analysis/sessions.py) stop working. Only local users with a password have one."""
        rec = self._read()["users"].get(username) if isinstance(username, str) else None
        if rec is None or rec.get("auth", "local") != "local" or not rec.get("hash"):
            return None
        return hashlib.sha256(f"{rec['hash']}\0{rec['role']}\0{rec.get('auth', 'local')}".encode()).hexdigest()

    # ------------------------------------------------------------------ sign-in
    def verify(self, username: str, password: str) -> User:
        """The user when the password is right; AuthError (with a reason kept in .reason) otherwise.

        The lock check, the password check and the failure count happen while holding the file lock, so N parallel
        guesses are checked one after another and at most MAX_FAILURES of them before the account locks."""
        known = self._read()["users"].get(username) if isinstance(username, str) else None
        if known is None or known.get("auth", "local") != "local" or not known.get("hash"):
            _safe_verify(_DUMMY, password)  # same work as a real check: no timing hint that the name is unknown
            raise _refused("unknown user")
        refusal = None
        with self._editing() as d:
            rec = d["users"].get(username)
            if rec is None or not rec.get("hash"):
                raise _refused("unknown user")
            if rec.get("locked_until") and rec["locked_until"] > _now():
                raise _refused("locked", f"Too many wrong passwords: try again after {rec['locked_until'][11:16]}")
            if _safe_verify(rec["hash"], password):
                rec.update(failures=0, locked_until=None, last_sign_in=_now())
                if _HASHER.check_needs_rehash(rec["hash"]):
                    rec["hash"] = _HASHER.hash(password)
                user = _user(username, rec)
            else:
                refusal = _count_failure(rec)
        if refusal:
            raise refusal
        return user

    # ------------------------------------------------------------------ tokens
    def create_token(self, username: str, label: str = "", expires_days: int | None = None) -> str:
        """A new API token for `username`, shown once: `slk_<id>_<secret>`; only a hash of the secret is kept.
        With `expires_days` it is refused from that many days on (a leaked batch token stops working by itself)."""
        expires = None
        if expires_days is not None:
            if isinstance(expires_days, bool) or not isinstance(expires_days, int) \
                    or not 1 <= expires_days <= MAX_TOKEN_DAYS:
                raise ShoplensError(f"--expires-days must be a whole number from 1 to {MAX_TOKEN_DAYS}, got "
                                    f"{expires_days!r}", fix="pass the number of days the token stays valid")
            expires = (datetime.now() + timedelta(days=expires_days)).isoformat(timespec="seconds")
        tid, secret = secrets.token_hex(4), secrets.token_urlsafe(24)
        with self._editing() as data:
            _need(data, username)
            data["tokens"][tid] = {"user": username, "sha256": _sha(secret), "label": str(label)[:100],
                                   "created_at": _now(), "expires_at": expires}
        return f"slk_{tid}_{secret}"

    def tokens(self) -> list[dict]:
        """Every token (no secrets) with its expiry (None: never) and whether it has expired."""
        now = _now()
        return [{"id": k, "user": t["user"], "label": t.get("label", ""), "created_at": t.get("created_at"),
                 "expires_at": t.get("expires_at"), "expired": bool(t.get("expires_at") and t["expires_at"] <= now)}
                for k, t in sorted(self._read()["tokens"].items())]

    def revoke_token(self, token_id: str) -> None:
        with self._editing() as data:
            if data["tokens"].pop(token_id, None) is None:
                raise ShoplensError(f'No token with id "{token_id}"', fix="see `shoplens users list`")

    def verify_token(self, token: str) -> User:
        m = re.fullmatch(r"slk_([0-9a-f]{8})_([A-Za-z0-9_-]{20,64})", (token or "").strip())
        data = self._read()
        rec = data["tokens"].get(m.group(1)) if m else None
        if rec is None or not hmac.compare_digest(rec["sha256"], _sha(m.group(2))):
            raise _refused("bad token", "The token is not valid (revoked, mistyped or from another Shoplens home)")
        if rec.get("expires_at") and rec["expires_at"] <= _now():
            err = AuthError(f"The token {m.group(1)} expired at {rec['expires_at'].replace('T', ' ')}",
                            fix="ask an admin for a new one (`shoplens users token NAME --expires-days N`)")
            err.reason = "token expired"
            raise err
        user = data["users"].get(rec["user"])
        if user is None:
            raise _refused("bad token", "The token's user no longer exists")
        return _user(rec["user"], user)

    # ------------------------------------------------------------------ first start
    def ensure_admin(self) -> str | None:
        """On a first start (no users file, or no admin in it), create "admin" with a one-time password and return
        it for the caller to print once; None when an admin exists. Only the home's own users file gets one: a file
        named by SHOPLENS_USERS is never given an admin this way (FirstStartRefused)."""
        if not is_default_file(self.path):
            if self._read()["users"] and _admins(self._read()):
                return None
            raise FirstStartRefused(
                f"The users file {self.path} has no admin, and Shoplens creates the first admin only in the home's "
                f"own users file ({default_users_file()})", where="SHOPLENS_USERS",
                fix="unset SHOPLENS_USERS, or point it at a users file that has an admin")
        with self._editing() as data:
            if _admins(data):
                return None
            name = "admin" if "admin" not in data["users"] else f"admin-{secrets.token_hex(2)}"
            pw = new_password()
            data["users"][name] = {"role": "admin", "auth": "local", "created_at": _now(), "hash": _HASHER.hash(pw),
                                   "must_change": True, "failures": 0}
        return pw


def _check_override(path: Path) -> None:
    """A users file named by SHOPLENS_USERS is trusted only when it exists, is a file of this OS account and only
    its owner may read or write it; anything else could hand out roles nobody here granted."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ShoplensError(f"The users file {path} named by SHOPLENS_USERS does not exist", where="SHOPLENS_USERS",
                            fix=f"unset SHOPLENS_USERS to use {default_users_file()}, or name an existing users "
                                "file; Shoplens never creates one from an environment variable") from None
    except OSError as exc:
        raise _unusable(path, type(exc).__name__) from exc
    if not stat.S_ISREG(st.st_mode):
        raise _unusable(path, "not a file")
    if st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) & 0o077:
        raise ShoplensError(f"The users file {path} named by SHOPLENS_USERS belongs to another account or others "
                            "may read or change it", where="SHOPLENS_USERS", fix=f"chmod 600 {path} as its owner")


def _unusable(path: Path, why: str) -> ShoplensError:
    return ShoplensError(f"The users file {path} cannot be read ({why})", where="users file",
                         fix="restore it from a backup; or, with the app stopped, move it away and start the app "
                             "to create a new admin (this drops every local account and token)")


def _count_failure(rec: dict) -> AuthError:
    """One more wrong password on `rec` (edited in place, under the lock): the fifth locks the account."""
    rec["failures"] = int(rec.get("failures") or 0) + 1
    if rec["failures"] >= MAX_FAILURES:
        rec["locked_until"] = (datetime.now() + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")
        rec["failures"] = 0
    return _refused("wrong password")


def first_start_message(password: str, username: str = "admin") -> str:
    return (f"\n  Shoplens first start: created the user '{username}' with the one-time password\n\n"
            f"      {password}\n\n  Sign in with it; you will be asked to choose a new password. It is not stored "
            f"anywhere in plain text.\n")


def _user(username: str, rec: dict) -> User:
    return User(username, rec["role"], bool(rec.get("must_change")), rec.get("auth", "local"))


def _need(data: dict, username: str) -> dict:
    rec = data["users"].get(username)
    if rec is None:
        raise ShoplensError(f'No user "{str(username)[:60]}"', fix="see `shoplens users list`")
    return rec


def _admins(data: dict) -> list[str]:
    return [n for n, r in data["users"].items() if r.get("role") == "admin"]


def _refused(reason: str, message: str = "Wrong user name or password") -> AuthError:
    err = AuthError(message, fix="check them, or ask an admin to reset your password")
    err.reason = reason
    return err


def _safe_verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password if isinstance(password, str) else "")
    except (VerificationError, InvalidHashError):
        return False


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
