"""The sign-in cookie's two HTTP routes, and the one-time tickets that let a Streamlit script ask for the cookie.

A Streamlit script cannot set a cookie (it talks to the browser over a websocket), and a cookie JavaScript can set
could be read by JavaScript too. So, after a sign-in on the form, the script stores the session token here under a
random one-time ticket (60 s) and emits a small script that POSTs the ticket to `/auth/session`; that route answers
with `Set-Cookie: shoplens_session_<install id>=<token>; HttpOnly; SameSite=Strict; Path=/` (plus Secure over https). The next
page load or refresh opens the websocket with that cookie, and the app reads it (st.context.cookies). Sign-out
POSTs to `/auth/sign-out`, which expires the cookie and revokes the token it carried.

Both routes accept only same-origin requests (Sec-Fetch-Site / Origin), so another site can neither sign a visitor
in to an account of its choosing nor sign them out. dashboard/server.py mounts the routes (`st.App`); when the app is
run without them (`streamlit run dashboard/app.py`, AppTest) `ROUTES_MOUNTED` stays False and sign-in lasts as long
as the browser tab, as before.
"""
from __future__ import annotations

import secrets
import threading
import time

from analysis import sessions

TICKET_SECONDS = 60
SESSION_PATH = "/auth/session"
SIGN_OUT_PATH = "/auth/sign-out"
ROUTES_MOUNTED = False  # set by dashboard/server.py when it serves these routes in this process

_tickets: dict[str, tuple[str, float]] = {}  # ticket -> (session token, deadline)
_lock = threading.Lock()


def new_ticket(token: str) -> str:
    """A one-time ticket the browser exchanges for an HttpOnly cookie holding `token` (within TICKET_SECONDS)."""
    ticket = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for k in [k for k, (_, deadline) in _tickets.items() if deadline <= now]:
            del _tickets[k]
        _tickets[ticket] = (token, now + TICKET_SECONDS)
    return ticket


def redeem(ticket: str) -> str | None:
    """The token behind `ticket`, once; None when unknown, used or late."""
    with _lock:
        token, deadline = _tickets.pop(ticket, (None, 0.0))
    return token if token and deadline > time.monotonic() else None


def cookie_header(token: str, max_age: int, secure: bool) -> str:
    """The Set-Cookie value: HttpOnly (no script can read it), SameSite=Strict (no other site's request carries it)."""
    parts = [f"{sessions.cookie_name()}={token}", "Path=/", f"Max-Age={max(0, int(max_age))}", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


# ---------------------------------------------------------------- browser side (emitted by the app with st.html)
def set_cookie_script(ticket: str) -> str:
    return ("<script>fetch(" + repr(SESSION_PATH) + ", {method: 'POST', credentials: 'same-origin', headers: "
            "{'Content-Type': 'application/x-www-form-urlencoded'}, body: 'ticket=" + ticket + "'});</script>")


def clear_cookie_script() -> str:
    return "<script>fetch(" + repr(SIGN_OUT_PATH) + ", {method: 'POST', credentials: 'same-origin'});</script>"


# ---------------------------------------------------------------- server side (Starlette)
def _same_origin(request) -> bool:
    """True for a request this app's own page sent: browsers mark cross-site requests (Sec-Fetch-Site) and name
    their origin; a request naming another origin, or marked cross-site, is refused."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")  # a browser without Fetch Metadata still names the origin of a POST
    return origin is not None and origin.split("://", 1)[-1].rstrip("/") == request.headers.get("host", "")


def _secure(request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


async def session_route(request):
    """POST ticket=...: exchange a one-time ticket for the session cookie (204), or 400/403 with one line."""
    from starlette.responses import PlainTextResponse, Response

    if not _same_origin(request):
        return PlainTextResponse("Refused: not a request from this Shoplens page.", status_code=403)
    form = await request.form()
    token = redeem(str(form.get("ticket") or ""))
    if token is None:
        return PlainTextResponse("Refused: the sign-in ticket is unknown, used or older than "
                                 f"{TICKET_SECONDS} s. Sign in again.", status_code=400)
    try:
        left = sessions.verify(token).seconds_left()
    except sessions.SessionRefused as exc:
        return PlainTextResponse(f"Refused: {exc.what}.", status_code=400)
    resp = Response(status_code=204)
    resp.headers["Set-Cookie"] = cookie_header(token, left, _secure(request))
    resp.headers["Cache-Control"] = "no-store"
    return resp


async def sign_out_route(request):
    """POST: expire the cookie and revoke the token it held (so a copy of it is refused too)."""
    from starlette.responses import PlainTextResponse, Response

    if not _same_origin(request):
        return PlainTextResponse("Refused: not a request from this Shoplens page.", status_code=403)
    token = request.cookies.get(sessions.cookie_name())
    if token:
        try:
            sessions.revoke(sessions.verify(token))
        except sessions.SessionRefused:
            pass  # expired, forged or already revoked: nothing left to revoke
    resp = Response(status_code=204)
    resp.headers["Set-Cookie"] = cookie_header("", 0, _secure(request))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def routes() -> list:
    from starlette.routing import Route

    return [Route(SESSION_PATH, session_route, methods=["POST"]),
            Route(SIGN_OUT_PATH, sign_out_route, methods=["POST"])]
