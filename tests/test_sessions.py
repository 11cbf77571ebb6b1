"""Session tokens (analysis/sessions.py) and the cookie routes (dashboard/session_cookie.py): a token signs in only
its own user, only until it expires, only while that user's password and role are unchanged and the install secret
is the same, and never after sign-out; the routes set an HttpOnly, SameSite=Strict cookie for same-origin requests
with a one-time ticket only."""
from __future__ import annotations

import base64
import json
import os
import stat
import time

import pytest

from analysis import sessions
from analysis.errors import ShoplensError
from analysis.users import UserStore


@pytest.fixture
def users(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPLENS_SESSION_HOURS", raising=False)
    monkeypatch.delenv("SHOPLENS_USERS", raising=False)  # the routes read the home's own users file, as the app does
    store = UserStore(tmp_path / "users.json")
    store.add("ana", "analyst", password="ana-password-1", must_change=False)
    store.add("boss", "admin", password="boss-password-1", must_change=False)
    return store


def _refused(token, users, reason, now=None):
    with pytest.raises(sessions.SessionRefused) as exc:
        sessions.verify(token, users, now=now)
    assert exc.value.reason == reason, (exc.value.reason, str(exc.value))
    return exc.value


def _claims(token):
    payload = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _with_claims(token, claims):
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{payload}.{token.split('.')[1]}"


def test_a_token_signs_in_its_user_until_it_expires(users, tmp_path):
    now = 1_800_000_000.0
    token, sess = sessions.issue("ana", users, now=now)
    assert sess.expires == now + 12 * 3600 and _claims(token)["exp"] == sess.expires  # default 12 hours
    got = sessions.verify(token, users, now=now + 11.9 * 3600)
    assert (got.username, got.sid) == ("ana", sess.sid)
    _refused(token, users, "expired", now=now + 12 * 3600)
    secret = tmp_path / "session.key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(secret.read_bytes()) == 32


def test_session_hours_setting(users, monkeypatch):
    monkeypatch.setenv("SHOPLENS_SESSION_HOURS", "0.5")
    token, sess = sessions.issue("ana", users, now=1000.0)
    assert sess.expires == 1000 + 1800
    for bad in ("abc", "0", "-3", "nan", "inf", "100000"):
        monkeypatch.setenv("SHOPLENS_SESSION_HOURS", bad)
        with pytest.raises(ShoplensError, match="SHOPLENS_SESSION_HOURS.*not a number of hours from 0.1 to 2160"):
            sessions.session_hours()
    # a token issued under a longer setting than today's lasts no longer than today's setting allows
    monkeypatch.setenv("SHOPLENS_SESSION_HOURS", "24")
    long_token, _ = sessions.issue("ana", users)
    monkeypatch.setenv("SHOPLENS_SESSION_HOURS", "1")
    _refused(long_token, users, "too long-lived")


def test_tampered_and_forged_tokens_are_refused(users):
    token, _ = sessions.issue("ana", users)
    claims = _claims(token)
    _refused(_with_claims(token, {**claims, "u": "boss"}), users, "signature")  # someone else's name
    _refused(_with_claims(token, {**claims, "exp": claims["exp"] + 3600}), users, "signature")  # a longer life
    payload, mac = token.split(".")
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    _refused(f"{payload}.{flipped}", users, "signature")
    _refused(_with_claims(token, {**claims, "u": "nobody"}), users, "unknown user")
    for junk in ("", "abc", "a.b.c", "###.###", "x" * 5000, f"{payload}.", "e30.AAAA"):
        _refused(junk, users, "malformed")
    assert sessions.verify(token, users).username == "ana"  # the untouched one still works


def test_rotation_password_and_role_changes_end_sessions(users):
    token, sess = sessions.issue("ana", users)
    name = sessions.cookie_name()
    sessions.rotate_secret()
    assert sessions.cookie_name() != name  # per install: two homes on one host never share a cookie
    _refused(token, users, "signature")  # a new install secret: every earlier token is dead
    assert sessions.still_valid(sess, users) == "signature"  # and every open tab ends at its next run

    token, sess = sessions.issue("ana", users)
    users.reset_password("ana")
    _refused(token, users, "signature")
    assert sessions.still_valid(sess, users) == "signature"  # a live tab with that session ends too

    users.set_new_password("ana", "ana-new-password-2")
    token, sess = sessions.issue("ana", users)
    assert sessions.still_valid(sess, users) is None
    users.set_role("ana", "marketer")
    _refused(token, users, "signature")
    assert sessions.still_valid(sess, users) == "signature"

    token, sess = sessions.issue("ana", users)
    users.remove("ana")
    _refused(token, users, "unknown user")
    assert sessions.still_valid(sess, users) == "unknown user"
    with pytest.raises(ShoplensError, match='No local user "ana"'):
        sessions.issue("ana", users)


def test_sign_out_revokes_only_that_session(users, tmp_path):
    t1, s1 = sessions.issue("ana", users)
    t2, _ = sessions.issue("ana", users)
    resumed = sessions.verify(t1, users)  # the same cookie opened in a second tab
    sessions.revoke(s1)
    _refused(t1, users, "revoked")
    assert sessions.still_valid(resumed, users) == "revoked"  # signing out in one tab ends the other too
    assert sessions.verify(t2, users).username == "ana"
    path = tmp_path / "sessions_revoked.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # entries are dropped once their token would have expired anyway
    listed = json.loads(path.read_text())
    path.write_text(json.dumps({**listed, "stale": time.time() - 1}))
    _, s3 = sessions.issue("ana", users)
    sessions.revoke(s3)
    assert set(json.loads(path.read_text())) == {s1.sid, s3.sid}
    # a damaged list refuses every token rather than letting signed-out ones back in
    path.write_text("{not json")
    with pytest.raises(ShoplensError, match="revocation list .* cannot be read"):
        sessions.verify(t2, users)


def test_damaged_secret_is_a_clear_error(users, tmp_path):
    (tmp_path / "session.key").write_bytes(b"short")
    with pytest.raises(ShoplensError, match="session secret .* is damaged.*delete it"):
        sessions.issue("ana", users)


# ---------------------------------------------------------------- the HTTP routes
@pytest.fixture
def client(users):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from dashboard import session_cookie

    return TestClient(Starlette(routes=session_cookie.routes()), base_url="http://127.0.0.1:8501")


SAME = {"sec-fetch-site": "same-origin"}


def test_ticket_route_sets_an_httponly_strict_cookie_once(users, client):
    from dashboard import session_cookie

    token, sess = sessions.issue("ana", users)
    ticket = session_cookie.new_ticket(token)
    r = client.post("/auth/session", data={"ticket": ticket}, headers=SAME)
    assert r.status_code == 204, r.text
    header = r.headers["set-cookie"]
    parts = [p.strip() for p in header.split(";")]
    assert parts[0] == f"{sessions.cookie_name()}={token}" and parts[0].startswith("shoplens_session_")
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(parts) and "Secure" not in parts
    max_age = int(next(p for p in parts if p.startswith("Max-Age=")).split("=")[1])
    assert 12 * 3600 - 60 <= max_age <= 12 * 3600
    again = client.post("/auth/session", data={"ticket": ticket}, headers=SAME)
    assert again.status_code == 400 and "unknown, used or older" in again.text  # one use only
    https = client.post("/auth/session", data={"ticket": session_cookie.new_ticket(token)},
                        headers={**SAME, "x-forwarded-proto": "https"})
    assert "Secure" in https.headers["set-cookie"]


def test_routes_refuse_other_sites(users, client):
    from dashboard import session_cookie

    token, _ = sessions.issue("ana", users)
    for headers in ({"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"}, {},
                    {"origin": "http://evil.example"}):
        ticket = session_cookie.new_ticket(token)
        r = client.post("/auth/session", data={"ticket": ticket}, headers=headers)
        assert r.status_code == 403 and "set-cookie" not in r.headers, headers
        assert client.post("/auth/sign-out", headers=headers).status_code == 403
    ok = client.post("/auth/session", data={"ticket": session_cookie.new_ticket(token)},
                     headers={"origin": "http://127.0.0.1:8501"})  # a browser without Fetch Metadata
    assert ok.status_code == 204


def test_late_ticket_and_stale_token_are_refused(users, client, monkeypatch):
    from dashboard import session_cookie

    token, _ = sessions.issue("ana", users)
    ticket = session_cookie.new_ticket(token)
    real = time.monotonic
    monkeypatch.setattr(session_cookie.time, "monotonic", lambda: real() + session_cookie.TICKET_SECONDS + 1)
    assert client.post("/auth/session", data={"ticket": ticket}, headers=SAME).status_code == 400
    monkeypatch.undo()
    ticket = session_cookie.new_ticket(token)
    users.reset_password("ana")  # between sign-in and the cookie: the token is already dead
    r = client.post("/auth/session", data={"ticket": ticket}, headers=SAME)
    assert r.status_code == 400 and "set-cookie" not in r.headers


def test_sign_out_route_clears_the_cookie_and_revokes_its_token(users, client):
    token, _ = sessions.issue("ana", users)
    client.cookies.set(sessions.cookie_name(), token)
    r = client.post("/auth/sign-out", headers=SAME)
    assert r.status_code == 204
    parts = [p.strip() for p in r.headers["set-cookie"].split(";")]
    assert parts[0] == f"{sessions.cookie_name()}=" and "Max-Age=0" in parts and "HttpOnly" in parts
    _refused(token, users, "revoked")
    client.cookies.set(sessions.cookie_name(), "junk")
    assert client.post("/auth/sign-out", headers=SAME).status_code == 204  # a junk cookie is simply cleared


def test_secret_file_is_never_in_git():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ignored = open(os.path.join(root, ".gitignore")).read().split()
    assert ".shoplens/" in ignored  # session.key lives in the home, which git ignores


def test_server_refuses_to_start_on_a_bad_session_setting(tmp_path):
    """`make run` with SHOPLENS_SESSION_HOURS=abc stops at once with one line naming the setting, not a traceback."""
    import subprocess
    import sys

    from tests.browser_app import ROOT, free_port

    env = {**os.environ, "SHOPLENS_HOME": str(tmp_path), "SHOPLENS_SESSION_HOURS": "abc", "HF_HUB_OFFLINE": "1"}
    env.pop("SHOPLENS_USERS", None)
    done = subprocess.run([sys.executable, "-m", "streamlit", "run", "dashboard/server.py", "--server.port",
                           str(free_port()), "--server.headless", "true"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert 'Shoplens cannot start: SHOPLENS_SESSION_HOURS is "abc"' in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "users.json").exists()  # nothing was set up
