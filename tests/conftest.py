"""Shared fixtures: a fresh database per test in a temp folder, and small files written on the fly."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402

from analysis import store  # noqa: E402


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
