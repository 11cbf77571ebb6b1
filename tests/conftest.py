"""Shared fixtures: a fresh database per test in a temp folder, and small files written on the fly."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402

from analysis import store  # noqa: E402

# browser fixtures (app_home, app_url, page) for every test module that drives the real app in Chromium
pytest_plugins = ["tests.browser_app"]


@pytest.fixture(scope="session", autouse=True)
def cli_identity(tmp_path_factory):
    """Every `shoplens` command checks the caller's role: tests run the CLI as the analyst "tester", through a
    session users file (SHOPLENS_USERS) and an API token (SHOPLENS_TOKEN), as a batch job would. tests/test_roles.py
    overrides both to check refusals."""
    from analysis.users import UserStore

    path = tmp_path_factory.mktemp("users") / "users.json"
    users = UserStore(path)
    users.add("tester", "analyst", password="tester-password", must_change=False)
    users.add("test-admin", "admin", password="test-admin-password", must_change=False)  # no first-start banner
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLENS_USERS", str(path))
    mp.setenv("SHOPLENS_TOKEN", users.create_token("tester", "tests"))
    yield path
    mp.undo()


@pytest.fixture
def db(tmp_path, monkeypatch):
    """(connection, path) of an empty, migrated database that lives only for this test."""
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    path = tmp_path / "test.duckdb"
    con = store.connect(path)
    yield con, path
    con.close()


@pytest.fixture
def write(tmp_path):
    """write(name, text_or_bytes) -> path of a new file in the test's folder."""
    def _write(name: str, content, encoding: str = "utf-8"):
        p = tmp_path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding=encoding, newline="")
        return p
    return _write


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory):
    """The demo shop's database, built once per test session (about 5 s); modules work on copies of it."""
    from analysis import demo

    path = tmp_path_factory.mktemp("demo_build") / "demo.duckdb"
    con = store.connect(path)
    demo.build(con, path)
    con.close()
    return path


def _copy_of(demo_file, folder):
    import shutil

    path = folder / "demo.duckdb"
    shutil.copy(demo_file, path)
    return path


@pytest.fixture(scope="module")
def demo_db(demo_file, tmp_path_factory):
    """Path of this module's own copy of the demo database; the app and CLI default to it (SHOPLENS_HOME/DB)."""
    home = tmp_path_factory.mktemp("home")
    path = _copy_of(demo_file, home)
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLENS_HOME", str(home))
    mp.setenv("SHOPLENS_DB", str(path))
    yield path
    mp.undo()


@pytest.fixture(scope="module")
def demo_con(demo_file, tmp_path_factory):
    """An open connection to this module's own copy of the demo database."""
    con = store.connect(_copy_of(demo_file, tmp_path_factory.mktemp("demo")))
    yield con
    con.close()


@pytest.fixture(scope="module")
def model_home(tmp_path_factory):
    """SHOPLENS_HOME for a module that trains, activates and loads models, so its versions never mix with another
    module's (os.environ, not monkeypatch: module scope, and subprocesses inherit it)."""
    h = tmp_path_factory.mktemp("shoplens_home")
    old = os.environ.get("SHOPLENS_HOME")
    os.environ["SHOPLENS_HOME"] = str(h)
    yield h
    if old is None:
        os.environ.pop("SHOPLENS_HOME", None)
    else:
        os.environ["SHOPLENS_HOME"] = old
