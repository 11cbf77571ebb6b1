"""Signed session tokens for the app's sign-in cookie: who signed in and until when, with nothing kept per session
on the server but the ids of tokens signed out before they expired.

A token is `<payload>.<mac>`: payload = base64url(JSON {"u": user name, "exp": unix seconds, "sid": random id}),
mac = HMAC-SHA256(user key, payload). The user key is HMAC(install secret, user name + the user's fingerprint: a hash
of their password hash, role and sign-in kind, see UserStore.session_fingerprint). So
- a forged or edited token fails the MAC (the install secret never leaves $SHOPLENS_HOME/session.key, 0600);
- a password change or reset, a role change or the user's removal changes the key and every token of that user fails;
- `rotate_secret()` (`shoplens users sign-out-all`, or deleting session.key) signs everyone out;
- sign-out puts the token's sid on a revocation list (SHOPLENS_HOME/sessions_revoked.json), kept only until the token
  would have expired anyway.
Lifetime: SHOPLENS_SESSION_HOURS (default 12). No Streamlit here; dashboard/session_cookie.py sets the cookie.
"""
from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from analysis.atomic_file import write_text_atomic
from analysis.config import home, owner_only, private_dir
from analysis.errors import ShoplensError
from analysis.users import UserStore

COOKIE_PREFIX = "shoplens_session_"  # + an id of the install secret: see cookie_name()
DEFAULT_HOURS = 12.0
MAX_HOURS = 24.0 * 90  # a quarter: longer-lived access is what API tokens (`shoplens users token`) are for
SECRET_BYTES = 32
MAX_TOKEN_CHARS = 1024  # a real token is about 130 characters; anything far longer is refused before parsing


class SessionRefused(ShoplensError):
    """A session token that must not sign anyone in; `.reason` is one of REASONS."""

    REASONS = ("malformed", "signature", "expired", "revoked", "unknown user", "too long-lived")

    def __init__(self, reason: str, what: str):
        super().__init__(what, fix="sign in again")
        self.reason = reason


@dataclass(frozen=True)
class Session:
    """A verified (or freshly issued) session: `expires` is unix seconds; `fingerprint` the user's and `secret_id`
    the install secret's (a digest, never the secret) when it was issued, so a live tab notices either changing."""

    username: str
    sid: str
    expires: float
    fingerprint: str
    secret_id: str = ""

    def seconds_left(self, now: float | None = None) -> int:
        return max(0, int(self.expires - (time.time() if now is None else now)))


# ---------------------------------------------------------------- settings and the install secret
def session_hours() -> float:
    """SHOPLENS_SESSION_HOURS as a number of hours (default 12); a clear error naming the setting when it is not a
    number from 0.1 to MAX_HOURS."""
    raw = os.environ.get("SHOPLENS_SESSION_HOURS", "").strip()
    if not raw:
        return DEFAULT_HOURS
    try:
        hours = float(raw)
    except ValueError:
        hours = float("nan")
    if not (0.1 <= hours <= MAX_HOURS):  # also refuses nan and inf
        raise ShoplensError(f'SHOPLENS_SESSION_HOURS is "{raw[:40]}", not a number of hours from 0.1 to '
                            f"{MAX_HOURS:g}", where="SHOPLENS_SESSION_HOURS",
                            fix=f"set it to how long a sign-in lasts, e.g. 12, or unset it for {DEFAULT_HOURS:g}")
    return hours


def secret_path() -> Path:
    return home() / "session.key"


def install_secret() -> bytes:
    """This install's signing secret, created (32 random bytes, 0600) on first use; outside git under the home."""
    path = secret_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        private_dir(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it a moment ago: use theirs
            raw = path.read_bytes()
        else:
            raw = secrets.token_bytes(SECRET_BYTES)
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
                f.flush()
                os.fsync(f.fileno())
    owner_only(path)
    if len(raw) < SECRET_BYTES:
        raise ShoplensError(f"The session secret {path} is damaged ({len(raw)} bytes)", where="session secret",
                            fix="with the app stopped, delete it; the next start makes a new one and everyone signs "
                                "in again")
    return raw


def rotate_secret() -> None:
    """A new install secret: every session token issued so far stops working at once."""
    private_dir(secret_path().parent)
    tmp = secret_path().with_name(f".session.key.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(SECRET_BYTES))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, secret_path())


def _secret_id(secret: bytes) -> str:
    return hashlib.sha256(b"session-secret-id\0" + secret).hexdigest()[:16]


def cookie_name() -> str:
    """The cookie's name: per install (a digest of its secret), because browsers share cookies between ports of one
    host, and two Shoplens homes served on localhost:8501 and :8502 must not keep overwriting each other's."""
    return COOKIE_PREFIX + _secret_id(install_secret())[:12]


def _user_key(username: str, fingerprint: str) -> bytes:
    return hmac.new(install_secret(), f"session-key\0{username}\0{fingerprint}".encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------- tokens
def issue(username: str, users: UserStore | None = None, hours: float | None = None,
          now: float | None = None) -> tuple[str, Session]:
    """(token, session) for a user who has just signed in; lasts `hours` (default: session_hours())."""
    users = users or UserStore()
    fp = users.session_fingerprint(username)
    if fp is None:
        raise ShoplensError(f'No local user "{str(username)[:60]}" to sign in', fix="see `shoplens users list`")
    now = time.time() if now is None else now
    session = Session(username, secrets.token_urlsafe(12), int(now + 3600 * (hours or session_hours())), fp,
                      _secret_id(install_secret()))
    payload = _b64(json.dumps({"u": username, "exp": session.expires, "sid": session.sid},
                              separators=(",", ":")).encode())
    mac = hmac.new(_user_key(username, fp), payload.encode("ascii"), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}", session


def verify(token: str, users: UserStore | None = None, now: float | None = None) -> Session:
    """The session a token stands for; SessionRefused (with .reason) when it is malformed, forged or edited, for a
    user who no longer exists or has changed, expired, signed out, or claims a life longer than the setting allows."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise SessionRefused("malformed", "The sign-in cookie is not a Shoplens session")
    payload, mac = token.split(".")
    try:
        claims = json.loads(_unb64(payload))
        given = _unb64(mac)
        username, exp, sid = str(claims["u"]), int(claims["exp"]), str(claims["sid"])
    except (ValueError, KeyError, TypeError):
        raise SessionRefused("malformed", "The sign-in cookie is not a Shoplens session") from None
    if len(given) != hashlib.sha256().digest_size:
        raise SessionRefused("malformed", "The sign-in cookie is not a Shoplens session")
    users = users or UserStore()
    fp = users.session_fingerprint(username)
    # unknown users get the same MAC work as known ones: no timing hint about which names exist
    expected = hmac.new(_user_key(username, fp or "-"), payload.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given) or fp is None:
        if fp is None:
            raise SessionRefused("unknown user", "The account of this session no longer exists")
        raise SessionRefused("signature", "The sign-in cookie was not issued for this account as it is now "
                                          "(password or role changed, forged, or from another Shoplens home)")
    now = time.time() if now is None else now
    if exp <= now:
        raise SessionRefused("expired", "Your session expired")
    if exp - now > 3600 * session_hours() + 60:  # issued under a longer setting than today's: honour today's
        raise SessionRefused("too long-lived", "Your session was issued for longer than sessions now last")
    if is_revoked(sid):
        raise SessionRefused("revoked", "This session was signed out")
    return Session(username, sid, exp, fp, _secret_id(install_secret()))


def still_valid(session: Session, users: UserStore | None = None, now: float | None = None) -> str | None:
    """None while a live session may go on; otherwise the SessionRefused reason: expired, unknown user, signature
    (the account changed, or the install secret was replaced) or revoked (signed out in another tab). The app asks
    this on every run of a signed-in page."""
    now = time.time() if now is None else now
    if session.expires <= now:
        return "expired"
    fp = (users or UserStore()).session_fingerprint(session.username)
    if fp is None:
        return "unknown user"
    if not hmac.compare_digest(fp, session.fingerprint) or session.secret_id != _secret_id(install_secret()):
        return "signature"
    if is_revoked(session.sid):
        return "revoked"
    return None


# ---------------------------------------------------------------- sign-out before expiry
def _revoked_path() -> Path:
    return home() / "sessions_revoked.json"


@contextlib.contextmanager
def _revocations(write: bool):
    """The revocation list {sid: exp}, pruned of entries past their expiry; rewritten atomically under a lock."""
    path = _revoked_path()
    private_dir(path.parent)
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a") as lf:
        owner_only(lock)
        fcntl.flock(lf, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                data = {}
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError):
            # a damaged list must not let signed-out tokens back in: refuse every token until it is fixed
            raise ShoplensError(f"The session revocation list {path} cannot be read", where="sessions_revoked.json",
                                fix="with the app stopped, delete it and session.key beside it (everyone signs in "
                                    "again)") from None
        now = time.time()
        data = {k: v for k, v in data.items() if isinstance(v, (int, float)) and v > now}
        yield data
        if write:
            write_text_atomic(path, json.dumps(data, sort_keys=True), mode=0o600)


def revoke(session: Session) -> None:
    """Sign one session out for good: its token is refused from now on, even if a copy of the cookie survives."""
    if session.expires <= time.time():
        return  # expired already: refused without being listed
    with _revocations(write=True) as data:
        data[session.sid] = session.expires


def is_revoked(sid: str) -> bool:
    if not _revoked_path().exists():
        return False
    with _revocations(write=False) as data:
        return sid in data
