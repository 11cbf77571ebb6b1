"""Sign-in for the app: the sign-in page, `current_user()`, `require_role(...)`, PII masking for marketers and
audited exports.

The signed-in user is `st.session_state["auth_user"] = {"username": ..., "role": "admin"|"analyst"|"marketer"}`
(AppTests set that key to sign in). With an `[auth]` section in `.streamlit/secrets.toml` sign-in goes through the
OIDC provider (`st.login`) and the role comes from the user file (an admin adds the e-mail address with a role) or
`[shoplens] oidc_default_role` (default marketer); otherwise through the local user file (analysis/users.py).

A local sign-in also gets a signed session (analysis/sessions.py): kept in `st.session_state["auth_session"]` and, when
the app runs through dashboard/server.py, in an HttpOnly cookie (dashboard/session_cookie.py), so a refresh, a new tab
or a bookmark opens signed in until the session expires (SHOPLENS_SESSION_HOURS), the user signs out, or their
password or role changes.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from datetime import datetime

import pandas as pd
import streamlit as st

from analysis import pii, sessions, store, users
from analysis.errors import ShoplensError
from analysis.users import AuthError, UserStore, allows
from dashboard import session_cookie

SHARED_AUTH_KEYS = {"redirect_uri", "cookie_secret", "expose_tokens", "client_id", "client_secret",
                    "server_metadata_url", "client_kwargs"}


# ---------------------------------------------------------------- first start and configuration
@st.cache_resource(show_spinner=False)
def ensure_admin(path: str) -> bool:
    """Once per process and user file: create the first admin and print its one-time password to the console.
    Only the home's own users file gets one (analysis/users.py); otherwise the console says why there is none."""
    try:
        pw = UserStore(path).ensure_admin()
    except ShoplensError as exc:
        print(f"\n  Shoplens: no first admin created: {exc}\n", flush=True)
        return False
    if pw:
        print(users.first_start_message(pw), flush=True)
    return bool(pw)


def oidc_providers() -> list[str | None]:
    """Providers configured under [auth] in secrets.toml ([None] for a single unnamed one); [] when not configured."""
    try:
        if not st.secrets.load_if_toml_exists():
            return []
        section = st.secrets.get("auth")
    except Exception:  # an unreadable secrets file means no OIDC, not a crash on the sign-in page
        return []
    if not section:
        return []
    named = [k for k, v in section.items() if k not in SHARED_AUTH_KEYS and hasattr(v, "items")]
    return named or [None]


def _setting(name: str, default):
    try:
        return (st.secrets.get("shoplens") or {}).get(name, default) if st.secrets.load_if_toml_exists() else default
    except Exception:
        return default


# ---------------------------------------------------------------- who is signed in
def _users_or_stop() -> UserStore:
    """The users file, or a one-line error on the page (and nothing below it) when it is missing or damaged."""
    users_ = UserStore()
    try:
        users_.check()
    except ShoplensError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    return users_


def current_user() -> dict | None:
    """The signed-in user (session contract above), or None. Sessions signed in here are re-checked against the
    user file on every run: a removed user is signed out; a local session whose password or role changed, or that
    expired, ends with a note on the sign-in page; an OIDC user's changed role applies at once."""
    user = st.session_state.get("auth_user")
    if user and user.get("via") in ("local", "oidc"):
        rec = _users_or_stop().get(user["username"])
        if rec is None and user["via"] == "local":
            _clear_session()
            return None
        live = st.session_state.get("auth_session")
        try:
            why = sessions.still_valid(sessions.Session(**live)) if live else None
        except ShoplensError as exc:  # a damaged session secret or revocation list: one line, nothing below it
            st.error(str(exc), icon=":material/error:")
            st.stop()
        if why:
            _end_session(why)
            return None
        role = rec.role if rec else _setting("oidc_default_role", "marketer")
        if role != user["role"]:
            user = {**user, "role": role}
            st.session_state["auth_user"] = user
    if not user:
        user = _resume_from_cookie()
    if not user and oidc_providers() and getattr(st.user, "is_logged_in", False):
        name = str(st.user.get("email") or st.user.get("sub") or "")[:100]
        rec = UserStore().get(name)
        user = {"username": name, "role": rec.role if rec else users.check_role(
            _setting("oidc_default_role", "marketer")), "via": "oidc"}
        st.session_state["auth_user"] = user
        audit("sign_in", "app", {"method": "oidc"}, who=name)
    return user or None


_ENDED = {
    "expired": "Your session expired (sign-ins last {hours:g} hours). Sign in again.",
    "signature": "Your account changed since you signed in (password or role), or the sign-in cookie was not "
                 "valid. Sign in again.",
    "unknown user": "The account you were signed in with no longer exists.",
    "revoked": "That session was signed out. Sign in again.",
    "too long-lived": "Sessions are now shorter than when you signed in. Sign in again.",
}


def _notice(reason: str) -> str | None:
    try:
        hours = sessions.session_hours()
    except ShoplensError:
        hours = sessions.DEFAULT_HOURS
    text = _ENDED.get(reason)
    return text.format(hours=hours) if text else None


def _end_session(reason: str) -> None:
    """Sign this tab out because its session may not go on; the sign-in page says why; the cookie is cleared."""
    _clear_session()
    st.session_state["auth_notice"] = _notice(reason)
    _forget_cookie()


def _forget_cookie() -> None:
    """The cookie this tab's connection arrived with must not sign it in again, and the browser should drop it."""
    st.session_state["auth_no_cookie"] = True
    st.session_state["auth_cookie_action"] = ["clear"]


def _resume_from_cookie() -> dict | None:
    """The user of a valid session cookie sent with this tab's connection (a refresh, a new tab, a bookmark), now
    signed in here; None without one. A refused cookie is dropped, and a forged or edited one is audited."""
    if st.session_state.get("auth_no_cookie") or not st.context.cookies or oidc_providers():
        return None
    token = st.context.cookies.get(sessions.cookie_name())
    if not token:
        return None
    try:
        sess = sessions.verify(token)
    except sessions.SessionRefused as exc:
        _forget_cookie()
        st.session_state["auth_notice"] = _notice(exc.reason)
        if exc.reason in ("malformed", "signature"):
            audit("session_refused", "app", {"reason": exc.reason}, who="(cookie)")
        return None
    except ShoplensError as exc:  # damaged secret or revocation list: say so on the sign-in page
        _forget_cookie()
        st.session_state["auth_notice"] = str(exc)
        return None
    rec = UserStore().get(sess.username)
    if rec is None or rec.must_change:
        _forget_cookie()
        return None
    user = {**rec.as_session(), "via": "local"}
    st.session_state["auth_user"] = user
    st.session_state["auth_session"] = asdict(sess)
    return user


def send_cookie_action() -> None:
    """Emit, once, the browser call that sets the HttpOnly session cookie after a sign-in or clears it after a
    sign-out (dashboard/session_cookie.py); nothing when the app runs without those routes."""
    action = st.session_state.pop("auth_cookie_action", None)
    if not action or not session_cookie.ROUTES_MOUNTED:
        return
    html = (session_cookie.set_cookie_script(action[1]) if action[0] == "set"
            else session_cookie.clear_cookie_script())
    st.html(html, unsafe_allow_javascript=True, width="content")


def role() -> str | None:
    user = current_user()
    return user["role"] if user else None


def may(needed: str) -> bool:
    """True when the signed-in user's role allows what needs `needed`."""
    return allows(role(), needed)


def username() -> str:
    user = current_user()
    return user["username"] if user else "anonymous"


def require_role(needed: str) -> dict:
    """Top of every page: stop the page (nothing below runs) unless the signed-in role allows `needed`."""
    user = current_user()
    if user is None:
        st.warning("Sign in to see this page.")
        st.stop()
    if not allows(user["role"], needed):
        st.error(f"This page needs the {needed} role; you are signed in as {user['role']}. Ask an admin for access.")
        audit("access_denied", needed, {"page": _page_name()})
        st.stop()
    return user


def _page_name() -> str:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return str(ctx.page_script_hash) if ctx else ""
    except Exception:
        return ""


def refused_page(page, needed: str):
    """A hidden stand-in for `page` (same URL) for a role below `needed`: a bookmark of it says plainly that this
    role cannot open it, instead of "Page not found"; the refusal is audited like require_role's."""
    def refused() -> None:
        user = current_user() or {}
        st.title(page.title)
        st.error(f"Your role ({user.get('role')}) cannot open {page.title}: it needs the {needed} role. Ask an "
                 "admin for access, or pick a page from the menu.", icon=":material/block:")
        audit("access_denied", needed, {"page": page.url_path})

    return st.Page(refused, title=page.title, icon=page.icon, url_path=page.url_path, visibility="hidden")


# ---------------------------------------------------------------- audit log
def audit(action: str, target: str, details: dict | None = None, who: str | None = None) -> None:
    """One audit_log row, written through the app's single database handle."""
    from dashboard import state

    with state.write_lock():
        store.audit(state.cursor(), (who if who is not None else username())[:100], action, target, details)


# ---------------------------------------------------------------- sign-in page
def sign_in_for(page):
    """A hidden stand-in for `page` (same URL) while signed out: the sign-in form, saying which page opens after it
    (a bookmark or a refreshed tab keeps its URL through the sign-in)."""
    def sign_in_then_page() -> None:
        sign_in_page(then=page.title)

    return st.Page(sign_in_then_page, title=page.title, icon=page.icon, url_path=page.url_path, visibility="hidden")


def sign_in_page(then: str | None = None) -> None:
    st.title("Sign in")
    if then:
        st.caption(f"{then} opens once you are signed in.")
    providers = oidc_providers()
    if providers:
        st.caption("Shoplens uses your organisation's sign-in.")
        for p in providers:
            if st.button(f"Sign in with {p or 'your provider'}", key=f"oidc_{p or 'default'}", type="primary"):
                st.login(p) if p else st.login()
        return
    notice = st.session_state.get("auth_notice")
    if notice:
        st.info(notice, icon=":material/info:")
    pending = st.session_state.get("auth_pending")
    if pending:
        _new_password_form(pending)
        return
    with st.form("sign_in_form"):
        name = st.text_input("User name", key="signin_user", autocomplete="username")
        pw = st.text_input("Password", type="password", key="signin_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", key="signin_submit")
    st.caption("On the first start Shoplens printed a one-time password for the user `admin` in the console that "
               "started the app. Ask an admin for an account.")
    if not submitted:
        return
    name = (name or "").strip()
    try:
        user = _users_or_stop().verify(name, pw or "")
    except AuthError as exc:
        audit("sign_in_failed", "app", {"reason": getattr(exc, "reason", "refused"), "method": "password"},
              who=name[:100] or "(empty)")
        st.error(exc.what)
        return
    if user.must_change:
        st.session_state["auth_pending"] = user.username
        audit("sign_in", "app", {"method": "password", "must_change": True}, who=user.username)
        st.rerun()
    _signed_in(user)


def _new_password_form(name: str) -> None:
    st.info(f"Signed in as **{name}** with a one-time password. Choose your own password to continue "
            f"(at least {users.MIN_PASSWORD} characters).")
    with st.form("new_password_form"):
        new = st.text_input("New password", type="password", key="new_password", autocomplete="new-password")
        again = st.text_input("New password again", type="password", key="new_password_again",
                              autocomplete="new-password")
        submitted = st.form_submit_button("Set password and continue", type="primary", key="new_password_submit")
    if st.button("Cancel", key="new_password_cancel"):
        _clear_session()
        st.rerun()
    if not submitted:
        return
    if new != again:
        st.error("The two passwords differ.")
        return
    try:
        UserStore().set_new_password(name, new)
    except ShoplensError as exc:
        st.error(str(exc))
        return
    audit("password_changed", name, {"by": "self"}, who=name)
    st.session_state.pop("auth_pending", None)
    _signed_in(UserStore().get(name))


def _signed_in(user: users.User) -> None:
    """Sign this tab in, start a session (analysis/sessions.py) and queue its cookie; the rerun keeps the page URL,
    so a bookmarked page opens once signed in."""
    try:
        token, sess = sessions.issue(user.username)
    except ShoplensError as exc:
        st.error(str(exc))
        return
    st.session_state["auth_user"] = {**user.as_session(), "via": "local"}
    st.session_state["auth_session"] = asdict(sess)
    st.session_state.pop("auth_notice", None)
    if session_cookie.ROUTES_MOUNTED:
        st.session_state["auth_cookie_action"] = ["set", session_cookie.new_ticket(token)]
    audit("sign_in", "app", {"method": "password", "session_hours": round((sess.expires - time.time()) / 3600, 2)},
          who=user.username)
    st.rerun()


def _clear_session() -> None:
    for k in list(st.session_state.keys()):
        del st.session_state[k]


def sign_out() -> None:
    """End the session for good: its token is revoked (a copy of the cookie is refused too) and the cookie cleared."""
    user = current_user() or {}
    live = st.session_state.get("auth_session")
    if live:
        try:
            sessions.revoke(sessions.Session(**live))
        except ShoplensError as exc:
            st.error(f"Could not record the sign-out: {exc}")
    audit("sign_out", "app", {}, who=user.get("username", "anonymous"))
    _clear_session()
    _forget_cookie()
    if user.get("via") == "oidc":
        st.logout()
    st.rerun()


def sidebar(user: dict) -> None:
    """Who is signed in, with which role, and a sign-out button."""
    st.caption("Signed in")
    st.markdown(f"**{user['username']}** · {user['role']}")
    if st.button("Sign out", key="sign_out", icon=":material/logout:"):
        sign_out()


# ---------------------------------------------------------------- personal data on screen
@st.cache_data(show_spinner=False, max_entries=64)
def _masked(texts: tuple) -> list:
    return pii.mask_many(texts)


def masked_for_role(df: pd.DataFrame, columns=("title", "text")) -> pd.DataFrame:
    """`df` as the signed-in user may see it: analysts and admins get it unchanged, anyone else gets the named text
    columns with emails, phones, cards, IBANs, addresses and names replaced by [TYPE]."""
    if may("analyst") or df.empty:
        return df
    out = df.copy()
    for c in columns:
        if c in out.columns:
            out[c] = _masked(tuple(None if pd.isna(v) else str(v) for v in out[c]))
    return out


# ---------------------------------------------------------------- exports
def provenance(what: str, filters: dict) -> dict:
    user = current_user() or {}
    return {"export": what, "exported_by": user.get("username", "anonymous"), "role": user.get("role"),
            "exported_at": datetime.now().isoformat(timespec="seconds"),
            "filters": {k: str(v) for k, v in filters.items()}}


def csv_with_provenance(df: pd.DataFrame, what: str, filters: dict) -> bytes:
    """Spreadsheet-safe CSV whose first line is a `#` comment saying who exported it, when, and with which filters
    (read it back with `pd.read_csv(f, comment="#")`)."""
    from analysis import export_safety

    meta = provenance(what, filters)
    head = (f"Shoplens export: {what}; by {meta['exported_by']} ({meta['role']}) at {meta['exported_at']}; "
            "filters: " + ", ".join(f"{k}={v}" for k, v in meta["filters"].items()))
    return export_safety.to_csv_with_comments(df, [head]).encode("utf-8")


def _log_export(what: str, filters: dict, rows: int, file_name: str, sha256: str, details: dict | None = None) -> None:
    audit("export", what, {**provenance(what, filters), "rows": rows, "file": file_name, "sha256": sha256,
                           **(details or {})})


def export_button(label: str, data: bytes | str, file_name: str, *, what: str, filters: dict, rows: int, key: str,
                  mime: str = "text/csv", details: dict | None = None, **kwargs) -> None:
    """A download button whose click is written to the audit log (who, when, filters, rows, file hash, and any
    `details`); the callback runs before the rerun that the click starts (Streamlit 1.67 `on_click=callable`)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    st.download_button(label, data, file_name=file_name, mime=mime, key=key, on_click=_log_export,
                       args=(what, json.loads(json.dumps(filters, default=str)), rows, file_name,
                             hashlib.sha256(raw).hexdigest(), json.loads(json.dumps(details or {}, default=str))),
                       **kwargs)
