"""Access roles: every page for every role (a marketer never reaches raw rows or unmasked personal data), sign-in
with the one-time admin password, refused and logged sign-ins, and role checks on the command line."""
from __future__ import annotations

import ast
import json
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import store
from analysis.users import ROLES, UserStore, allows

ROOT = Path(__file__).resolve().parent.parent
VIEWS = sorted(p.name for p in (ROOT / "dashboard" / "views").glob("*.py") if p.name != "__init__.py")
PLANTED = ["jane.doe@example.com", "+44 7700 900123", "4111 1111 1111 1111", "Jane Doe"]
PII_TEXT = ("Bought it for my sister. Write to jane.doe@example.com or call +44 7700 900123; I paid with card "
            "4111 1111 1111 1111. Thanks, Jane Doe")


def page_roles() -> dict:
    """PAGE_ROLES as written in dashboard/app.py (the navigation's role table)."""
    tree = ast.parse((ROOT / "dashboard" / "app.py").read_text())
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "PAGE_ROLES")
    return ast.literal_eval(node.value)


def needed(page: str) -> str:
    return page_roles().get(page.removesuffix(".py"), "marketer")


@pytest.fixture(scope="module")
def home(demo_file, tmp_path_factory):
    """The demo shop plus one review full of planted personal data (labelled, so the Feedback page shows it),
    written by customer 12347; its own users file."""
    h = tmp_path_factory.mktemp("roles_home")
    db = h / "shoplens.duckdb"
    shutil.copy(demo_file, db)
    con = store.connect(db)
    con.execute("INSERT INTO reviews (review_id, title, text, rating, created_at, customer_id, category) VALUES "
                "('pii-1', 'Arrived late', ?, 2, TIMESTAMP '2011-12-01', '12347', 'Dresses')", [PII_TEXT])
    con.execute("INSERT INTO review_labels (review_id, model_version, sentiment, sentiment_score, topics, topic_scores, "
                "scored_at) VALUES ('pii-1', 'test', 'negative', 0.9, ['quality'], '{}', now())")
    con.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLENS_HOME", str(h))
    mp.setenv("SHOPLENS_DB", str(db))
    mp.setenv("SHOPLENS_USERS", str(h / "users.json"))
    UserStore(h / "users.json").add("boss", "admin", password="boss-password-1", must_change=False)
    yield h
    mp.undo()


def app(user: dict | None, page: str | None = None) -> AppTest:
    at = AppTest.from_file("../dashboard/app.py", default_timeout=180)
    if user:
        at.session_state["auth_user"] = user
    at.run()
    if page:
        at.switch_page(f"views/{page}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    """Everything a person could read on the page: text elements, table cells, widget options and labels."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "code", "info", "warning", "error",
                 "success", "metric"):
        parts += [str(getattr(e, "value", "")) for e in at.get(kind)]
    for df in at.dataframe:
        v = df.value
        parts.append(v.to_csv() if isinstance(v, pd.DataFrame) else str(v))
    for kind in ("selectbox", "multiselect", "radio"):
        for w in at.get(kind):
            parts += [str(o) for o in getattr(w, "options", [])]
    parts += [str(getattr(b, "label", "")) for b in at.get("download_button")]
    return "\n".join(parts)


def test_every_page_checks_its_own_role():
    """A page run directly must not leak: each calls auth.require_role(...) with the role the navigation uses."""
    for page in VIEWS:
        src = (ROOT / "dashboard" / "views" / page).read_text()
        m = re.search(r'require_role\("(\w+)"\)', src)
        assert m, f"{page} does not call auth.require_role(...)"
        assert m.group(1) == needed(page), f"{page}: require_role({m.group(1)!r}) but app.py shows it to {needed(page)}"
        assert src.index("require_role(") < src.index("st.title("), f"{page}: the check must come before any output"


@pytest.mark.parametrize("page", VIEWS)
def test_page_run_directly_without_sign_in_shows_nothing(home, page):
    at = AppTest.from_file(f"../dashboard/views/{page}", default_timeout=60).run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["Sign in to see this page."]
    assert not at.title and not at.dataframe and not at.get("download_button") and not at.get("file_uploader")


def test_not_signed_in_sees_only_the_sign_in_page(home):
    at = app(None)
    assert [t.value for t in at.title] == ["Sign in"]
    assert not at.dataframe and not at.metric and not at.get("plotly_chart")
    for page in VIEWS:
        with pytest.raises(ValueError):  # not registered with st.navigation: no way to switch to it
            at.switch_page(f"views/{page}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", VIEWS)
def test_page_for_role(home, page, role):
    """Every page for every role: hidden from the navigation and refused when run directly below its role; shown
    otherwise, and to a marketer never with raw rows, a raw export or unmasked personal data."""
    user = {"username": f"a-{role}", "role": role}
    if not allows(role, needed(page)):
        at = app(user)
        with pytest.raises(ValueError):
            at.switch_page(f"views/{page}")
        direct = AppTest.from_file(f"../dashboard/views/{page}", default_timeout=60)
        direct.session_state["auth_user"] = user
        direct.run()
        assert not direct.exception and not direct.title and not direct.dataframe
        assert "needs the" in direct.error[0].value
        return
    if page == "fairness.py" and role != "marketer":
        pytest.skip("the Fairness page shows aggregates only; its marketer run covers it")
    at = app(user, page)
    assert at.title, f"{page} rendered nothing for {role}"
    if page == "customers.py":
        at.text_input(key="customers_search").input("12347").run()
        assert not at.exception
    text = shown_text(at)
    buttons = [b.label for b in at.get("download_button")]
    if role == "marketer":
        for pii in PLANTED:
            assert pii not in text, f"{page} shows {pii!r} to a marketer"
        assert not any(isinstance(d.value, pd.DataFrame) and "customer_id" in d.value.columns for d in at.dataframe)
        assert not any("customers (CSV)" in b or "rejected rows" in b.lower() for b in buttons), buttons
        assert not at.get("file_uploader")
    if page == "segments.py":
        assert ("Export Champions customers (CSV)" in buttons) == allows(role, "analyst")
    if page == "feedback.py":
        assert "[EMAIL]" in text if role == "marketer" else "jane.doe@example.com" in text
        assert (at.button(key="fb_retrain") is not None) if role != "marketer" else not any(
            b.key == "fb_retrain" for b in at.button)
    if page == "customers.py":
        assert ("[EMAIL]" in text) == (role == "marketer")
    if page == "data.py":
        assert at.get("file_uploader") and at.dataframe[1].value["table_name"].tolist()


def test_one_time_admin_password_flow(tmp_path, monkeypatch, home, capsys):
    users_file = tmp_path / "users.json"
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))  # a first start: the home's own users file, no users yet
    monkeypatch.delenv("SHOPLENS_USERS")
    at = app(None)
    printed = capsys.readouterr().out
    pw = re.search(r"one-time password\s+(\S+)", printed).group(1)
    assert UserStore(users_file).get("admin").must_change and pw not in users_file.read_text()
    at.text_input(key="signin_user").input("admin")
    at.text_input(key="signin_password").input(pw)
    at.button(key="signin_submit").click().run()
    assert "auth_user" not in at.session_state and at.text_input(key="new_password")  # must choose a password first
    at.text_input(key="new_password").input(pw)
    at.text_input(key="new_password_again").input(pw)
    at.button(key="new_password_submit").click().run()
    assert "same as the old one" in at.error[0].value
    at.text_input(key="new_password").input("a-much-better-password")
    at.text_input(key="new_password_again").input("a-much-better-password")
    at.button(key="new_password_submit").click().run()
    assert not at.exception
    assert at.session_state["auth_user"] == {"username": "admin", "role": "admin", "via": "local"}
    assert [t.value for t in at.title] == ["Overview"]
    at.switch_page("views/admin.py").run()
    assert [t.value for t in at.title] == ["Admin"]
    store_ = UserStore(users_file)
    assert not store_.get("admin").must_change
    with pytest.raises(Exception, match="Wrong user name or password"):
        store_.verify("admin", pw)  # the one-time password is gone
    log = audit_rows(home, "password_changed")
    assert log and log[-1][0] == "admin"


def audit_rows(home, action):
    from dashboard import state

    return state._database(str(home / "shoplens.duckdb"))[0].cursor().execute('SELECT who, target, CAST(details AS VARCHAR) FROM audit_log WHERE action = ? '
                                  'ORDER BY "at"', [action]).fetchall()


def test_wrong_password_is_refused_and_logged(home):
    at = app(None)
    at.text_input(key="signin_user").input("boss")
    at.text_input(key="signin_password").input("not-the-password")
    at.button(key="signin_submit").click().run()
    assert "Wrong user name or password" in at.error[0].value
    assert "auth_user" not in at.session_state and [t.value for t in at.title] == ["Sign in"]
    failed = audit_rows(home, "sign_in_failed")
    assert failed[-1][0] == "boss" and json.loads(failed[-1][2])["reason"] == "wrong password"
    at.text_input(key="signin_password").input("boss-password-1")
    at.button(key="signin_submit").click().run()
    assert at.session_state["auth_user"]["role"] == "admin" and [t.value for t in at.title] == ["Overview"]
    assert audit_rows(home, "sign_in")[-1][0] == "boss"
    at.button(key="sign_out").click().run()
    assert "auth_user" not in at.session_state and [t.value for t in at.title] == ["Sign in"]


def test_a_signed_in_tab_ends_with_its_session(home):
    """A sign-in on the form starts a signed session; the tab is signed out (with a note saying why) when it
    expires, when the password is reset, and on sign-out, which also revokes the token (a kept cookie is refused)."""
    from analysis import sessions

    UserStore().add("sam", "analyst", password="sam-password-1", must_change=False)

    def signed_in() -> AppTest:
        at = app(None)
        at.text_input(key="signin_user").input("sam")
        at.text_input(key="signin_password").input(at_password[0])
        at.button(key="signin_submit").click().run()
        assert [t.value for t in at.title] == ["Overview"]
        return at

    at_password = ["sam-password-1"]
    at = signed_in()
    live = sessions.Session(**at.session_state["auth_session"])
    assert live.username == "sam" and 11.9 * 3600 < live.expires - time.time() <= 12 * 3600
    at.session_state["auth_session"] = {**at.session_state["auth_session"], "expires": time.time() - 1}  # 12 h on
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and "Your session expired (sign-ins last 12 hours)" in \
        at.info[0].value

    at = signed_in()
    at_password[0] = UserStore().reset_password("sam")  # an admin resets it: the open tab ends at its next run
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and "Your account changed" in at.info[0].value
    UserStore().set_new_password("sam", "sam-password-2")
    at_password[0] = "sam-password-2"

    at = signed_in()
    token_session = sessions.Session(**at.session_state["auth_session"])
    at.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in"] and sessions.is_revoked(token_session.sid)

    at = signed_in()
    revoked = home / "sessions_revoked.json"
    kept = revoked.read_text()
    revoked.write_text("{damaged")  # fails closed, in one line, with the fix
    at.run()
    revoked.write_text(kept)
    assert not at.exception and not at.title
    assert "revocation list" in at.error[0].value and "delete it" in at.error[0].value


def test_admin_page_manages_users_and_shows_the_log(home):
    at = app({"username": "boss", "role": "admin", "via": "local"}, "admin.py")
    at.text_input(key="admin_new_name").input("mia")
    at.selectbox(key="admin_new_role").set_value("marketer")
    at.button(key="admin_add").click().run()
    assert not at.exception
    assert UserStore().get("mia").role == "marketer" and at.code  # the one-time password, shown once
    at.selectbox(key="admin_pick").set_value("mia")
    at.selectbox(key="admin_role").set_value("analyst")
    at.button(key="admin_set_role").click().run()
    assert UserStore().get("mia").role == "analyst"
    at.multiselect(key="audit_actions").set_value(["user_added", "role_changed"]).run()
    log = next(d.value for d in at.dataframe if "action" in d.value.columns)
    assert set(log["action"]) == {"user_added", "role_changed"} and set(log["who"]) == {"boss"}
    # a signed-in user whose role changes gets the new role on the next run; a removed one is signed out
    mia = app({"username": "mia", "role": "analyst", "via": "local"})
    UserStore().set_role("mia", "marketer")
    mia.run()
    assert mia.session_state["auth_user"]["role"] == "marketer"
    UserStore().remove("mia")
    mia.run()
    assert [t.value for t in mia.title] == ["Sign in"]


def test_segment_export_is_logged_with_filters(home):
    at = app({"username": "ana", "role": "analyst"}, "segments.py")
    btn = next(b for b in at.get("download_button") if b.key == "segments_export")
    btn.click().run()  # the click runs the audit callback (the browser does the download itself)
    row = audit_rows(home, "export")[-1]
    details = json.loads(row[2])
    assert row[0] == "ana" and details["filters"]["segment"] == "Champions" and details["rows"] > 0
    assert details["exported_by"] == "ana" and details["sha256"]


# ---------------------------------------------------------------- command line
@pytest.fixture
def cli_db(demo_file, tmp_path, monkeypatch):
    """A copy of the demo database and a users file with one user per role, each with an API token."""
    db = tmp_path / "cli.duckdb"
    shutil.copy(demo_file, db)
    users = UserStore(tmp_path / "users.json")  # created by the caller; SHOPLENS_USERS only names existing files
    monkeypatch.setenv("SHOPLENS_USERS", str(tmp_path / "users.json"))
    monkeypatch.delenv("SHOPLENS_TOKEN", raising=False)
    tokens = {}
    for role in ROLES:
        users.add(f"{role}1", role, password=f"{role}-password", must_change=False)
        tokens[role] = users.create_token(f"{role}1")
    return db, tokens


def run_cli(capsys, *argv):
    from dashboard import cli

    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cli_audit(db, action):
    con = store.connect(db)
    try:
        return con.execute('SELECT who, CAST(details AS VARCHAR) FROM audit_log WHERE action = ? ORDER BY "at"',
                           [action]).fetchall()
    finally:
        con.close()


def test_cli_refuses_a_marketer_raw_rows(cli_db, capsys, monkeypatch, tmp_path):
    db, tokens = cli_db
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["marketer"])
    out = tmp_path / "s.csv"
    code, stdout, err = run_cli(capsys, "--db", db, "segments", "--out", out)
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1
    assert "marketer1 is marketer; shoplens segments needs analyst" in err and not out.exists()
    for argv in (["recommend", "--all", "--out", out], ["load", "orders", out], ["users", "list"]):
        assert run_cli(capsys, "--db", db, *argv)[0] == 2
    denied = cli_audit(db, "access_denied")
    assert len(denied) == 4 and {w for w, _ in denied} == {"marketer1"}


def test_cli_analyst_exports_and_is_logged(cli_db, capsys, monkeypatch, tmp_path):
    db, tokens = cli_db
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["analyst"])
    code, stdout, err = run_cli(capsys, "--db", db, "segments", "--as-of", "2011-06-30", "--out", tmp_path / "s.csv")
    assert code == 0, err
    assert json.loads(stdout)["customers"] > 0
    who, details = cli_audit(db, "export")[-1]
    assert who == "analyst1" and json.loads(details)["args"]["as_of"] == "2011-06-30"
    assert run_cli(capsys, "--db", db, "users", "list")[0] == 2  # admin only


def test_cli_needs_credentials(cli_db, capsys, monkeypatch, tmp_path):
    db, _ = cli_db
    code, stdout, err = run_cli(capsys, "--db", db, "segments", "--out", tmp_path / "s.csv")
    assert code == 2 and stdout == "" and "A signed-in user is needed" in err and len(err.strip().splitlines()) == 1
    # demo on a database that holds data would overwrite it: refused without a user too
    assert run_cli(capsys, "--db", db, "demo")[0] == 2
    monkeypatch.setenv("SHOPLENS_TOKEN", "slk_deadbeef_" + "x" * 32)
    code, _, err = run_cli(capsys, "--db", db, "segments", "--out", tmp_path / "s.csv")
    assert code == 2 and "token is not valid" in err
    assert cli_audit(db, "sign_in_failed")[-1][0] == "(cli)"


def test_cli_sign_out_all_ends_every_browser_session(cli_db, capsys, monkeypatch, tmp_path):
    from analysis import sessions

    db, tokens = cli_db
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    cookie, _ = sessions.issue("analyst1")
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["analyst"])
    code, _, err = run_cli(capsys, "--db", db, "users", "sign-out-all")
    assert code == 2 and "admin" in err and sessions.verify(cookie).username == "analyst1"
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["admin"])
    code, out, _ = run_cli(capsys, "--db", db, "users", "sign-out-all")
    assert code == 0 and json.loads(out)["signed_out"] == "every browser session"
    with pytest.raises(sessions.SessionRefused):
        sessions.verify(cookie)
    assert cli_audit(db, "sessions_ended")[-1][0] == "admin1"


def test_cli_demo_bootstrap_on_an_empty_database(capsys, monkeypatch, tmp_path):
    """`shoplens demo` on a fresh home works without a user (nothing to read or overwrite) and creates the admin."""
    from analysis import demo

    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))  # a fresh home: its own users file, created on first start
    monkeypatch.delenv("SHOPLENS_USERS")
    monkeypatch.delenv("SHOPLENS_TOKEN", raising=False)
    monkeypatch.setattr(demo, "build", lambda con, path, who="demo": {"built_by": who})
    code, stdout, err = run_cli(capsys, "--db", tmp_path / "fresh.duckdb", "demo")
    assert code == 0 and json.loads(stdout) == {"built_by": "first-start"}
    assert "one-time password" in err and UserStore().get("admin").must_change


def test_cli_password_sign_in_and_user_admin(cli_db, capsys, monkeypatch):
    db, tokens = cli_db
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["admin"])
    code, stdout, _ = run_cli(capsys, "--db", db, "users", "add", "sam", "--role", "analyst")
    one_time = json.loads(stdout)["one_time_password"]
    assert code == 0 and one_time and UserStore().get("sam").role == "analyst"
    monkeypatch.delenv("SHOPLENS_TOKEN")
    monkeypatch.setenv("SHOPLENS_PASSWORD", "wrong-password")
    code, _, err = run_cli(capsys, "--db", db, "--user", "sam", "users", "token")
    assert code == 2 and "Wrong user name or password" in err
    who, details = cli_audit(db, "sign_in_failed")[-1]
    assert who == "sam" and json.loads(details)["reason"] == "wrong password"
    monkeypatch.setenv("SHOPLENS_PASSWORD", one_time)
    code, _, err = run_cli(capsys, "--db", db, "--user", "sam", "users", "token")
    assert code == 2 and "one-time password" in err  # must choose a password first
    monkeypatch.setenv("SHOPLENS_NEW_PASSWORD", "sams-own-password")
    assert run_cli(capsys, "--db", db, "--user", "sam", "users", "passwd")[0] == 0
    monkeypatch.setenv("SHOPLENS_PASSWORD", "sams-own-password")
    code, stdout, _ = run_cli(capsys, "--db", db, "--user", "sam", "users", "token", "--label", "nightly")
    token = json.loads(stdout)["token"]
    monkeypatch.delenv("SHOPLENS_PASSWORD")
    monkeypatch.setenv("SHOPLENS_TOKEN", token)
    assert run_cli(capsys, "--db", db, "users", "token", "admin1")[0] == 2  # only admins mint tokens for others
    assert run_cli(capsys, "--db", db, "users", "list")[0] == 2
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["admin"])
    code, stdout, _ = run_cli(capsys, "--db", db, "users", "set-role", "sam", "marketer")
    assert code == 0
    monkeypatch.setenv("SHOPLENS_TOKEN", token)  # the token carries the user's current role
    assert run_cli(capsys, "--db", db, "segments", "--out", str(db) + ".csv")[0] == 2
    assert [w for w, _ in cli_audit(db, "user_added")] == ["admin1"]


# ---------------------------------------------------------------- hardening (issue 17: access)
def test_parallel_wrong_passwords_check_at_most_five_before_the_lock(tmp_path, monkeypatch):
    """40 guesses at once: the lock status is read and the failure counted under the file lock, so only the first
    five passwords are even checked; the rest are refused as locked."""
    import threading

    from analysis import users as users_mod

    store_ = UserStore(tmp_path / "users.json")
    store_.add("ana", "analyst", password="the-right-password", must_change=False)
    checked, guard = [], threading.Lock()
    real = users_mod._safe_verify

    def counting(hashed, password):
        if hashed != users_mod._DUMMY:
            with guard:
                checked.append(password)
        return real(hashed, password)

    monkeypatch.setattr(users_mod, "_safe_verify", counting)
    reasons, start = [], threading.Barrier(40)

    def guess(i):
        start.wait()
        try:
            UserStore(tmp_path / "users.json").verify("ana", f"wrong-password-{i}")
        except users_mod.AuthError as exc:
            with guard:
                reasons.append(exc.reason)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) <= users_mod.MAX_FAILURES, len(checked)
    assert reasons.count("wrong password") == len(checked) and reasons.count("locked") == 40 - len(checked)
    with pytest.raises(users_mod.AuthError, match="Too many wrong passwords"):
        store_.verify("ana", "the-right-password")  # locked even for the right one


def test_users_env_cannot_mint_an_admin(cli_db, capsys, monkeypatch, tmp_path):
    """SHOPLENS_USERS naming a file that does not exist is refused (nothing created), and a fresh home's own users
    file gets no first admin while the database at hand holds data: no admin, no budget change."""
    from analysis import dp

    db, _ = cli_db
    mine = tmp_path / "mine.json"
    monkeypatch.setenv("SHOPLENS_USERS", str(mine))
    code, stdout, err = run_cli(capsys, "--db", db, "share", "--set-budget", "1000", "--dataset", "orders")
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1
    assert "named by SHOPLENS_USERS does not exist" in err and not mine.exists()
    fresh = tmp_path / "fresh_home"
    monkeypatch.delenv("SHOPLENS_USERS")
    monkeypatch.setenv("SHOPLENS_HOME", str(fresh))
    code, _, err = run_cli(capsys, "--db", db, "share", "--set-budget", "1000", "--dataset", "orders")
    assert code == 2 and "one-time password" not in err and "A signed-in user is needed" in err
    assert not (fresh / "users.json").exists() or UserStore(fresh / "users.json").list() == []
    con = store.connect(db)
    try:
        assert dp.budget(con, "orders")["epsilon_total"] == dp.DEFAULT_TOTAL_EPSILON
    finally:
        con.close()


def test_users_file_named_by_env_needs_an_admin_and_its_owner_only(tmp_path, monkeypatch):
    from analysis.users import FirstStartRefused

    path = tmp_path / "team.json"
    UserStore(path).add("ana", "analyst", password="the-right-password", must_change=False)
    monkeypatch.setenv("SHOPLENS_USERS", str(path))
    with pytest.raises(FirstStartRefused):  # no admin in it, and it is not the home's own file: none is created
        UserStore().ensure_admin()
    assert [u["username"] for u in UserStore().list()] == ["ana"]
    path.chmod(0o644)
    with pytest.raises(Exception, match="others may read or change it"):
        UserStore().get("ana")


def test_corrupt_users_file_is_one_line(cli_db, capsys, tmp_path):
    db, _ = cli_db
    (tmp_path / "users.json").write_text("garbage\n")
    code, stdout, err = run_cli(capsys, "--db", db, "segments", "--out", tmp_path / "s.csv")
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1
    assert "cannot be read (not JSON)" in err and (tmp_path / "users.json").read_text() == "garbage\n"


def test_tokens_expire(cli_db, capsys, monkeypatch, tmp_path):
    from analysis import users as users_mod

    db, tokens = cli_db
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["admin"])
    code, stdout, err = run_cli(capsys, "--db", db, "users", "token", "analyst1", "--label", "nightly",
                                "--expires-days", "2")
    assert code == 0, err
    made = json.loads(stdout)
    assert made["expires_at"] > users_mod._now()
    listed = {t["id"]: t for t in json.loads(run_cli(capsys, "--db", db, "users", "list")[1])["tokens"]}
    tid = made["token"].split("_")[1]
    assert listed[tid]["expires_at"] == made["expires_at"] and listed[tid]["expired"] is False
    assert listed[tokens["admin"].split("_")[1]]["expires_at"] is None  # no expiry unless asked
    monkeypatch.setenv("SHOPLENS_TOKEN", made["token"])
    assert run_cli(capsys, "--db", db, "segments", "--out", tmp_path / "s.csv")[0] == 0
    monkeypatch.setattr(users_mod, "_now", lambda: "2999-01-01T00:00:00")
    code, stdout, err = run_cli(capsys, "--db", db, "segments", "--out", tmp_path / "t.csv")
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1
    assert f"The token {tid} expired at" in err and not (tmp_path / "t.csv").exists()
    assert json.loads(cli_audit(db, "sign_in_failed")[-1][1])["reason"] == "token expired"
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["admin"])
    for bad in ("0", "-1", "4000"):
        code, _, err = run_cli(capsys, "--db", db, "users", "token", "analyst1", "--expires-days", bad)
        assert code == 2 and "--expires-days must be a whole number" in err


def test_app_listens_on_localhost_unless_configured():
    import tomllib

    from streamlit import config as st_config

    from analysis.config import REPO_ROOT

    conf = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    assert conf["server"]["address"] == "localhost"
    assert "server.address" in st_config._config_options_template  # the option Streamlit 1.67 reads


CAMPAIGN_DRAFT = {"draft_id": 1, "status": "approved", "segment": "At risk", "channel": "email",
                  "offer": "15% off with code THANKS15", "subject": "A thank you", "preheader": "For your next order",
                  "body": "Hi {{ first_name }},\n\n15% off with code THANKS15.\n\nThe our shop team", "cta": "Shop now",
                  "facts": {"segment": "At risk"}, "checks": {"offer_exact": True}, "model_version": "t"}


def test_campaign_zip_download_is_logged(home):
    at = AppTest.from_file("../dashboard/app.py", default_timeout=180)
    at.session_state["auth_user"] = {"username": "ana", "role": "analyst"}
    at.session_state["campaign_items"] = [dict(CAMPAIGN_DRAFT)]
    at.run()
    at.switch_page("views/campaigns.py").run()
    assert not at.exception, [e.value for e in at.exception]
    before = len(audit_rows(home, "export"))
    btn = next(b for b in at.get("download_button") if b.key == "campaign_dl_campaign_zip")
    btn.click().run()
    rows = audit_rows(home, "export")
    assert len(rows) == before + 1
    who, target, details = rows[-1]
    details = json.loads(details)
    assert who == "ana" and target == "campaign package" and details["file"] == "campaign.zip"
    assert details["rows"] == 1 and details["customer_rows"]["At risk"] > 0 and len(details["sha256"]) == 64
    assert details["filters"]["segments"] == "At risk"
