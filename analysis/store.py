"""The DuckDB file: opening it, creating and migrating its schema, and running writes as one transaction."""
from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import datetime
from pathlib import Path

import duckdb

from analysis import schema
from analysis.config import DEMO_DATA_DIR, default_db_path, home, owner_only, private_dir, private_umask
from analysis.errors import ShoplensError, StoreBusyError


class StoreError(ShoplensError):
    """The database path is not a usable DuckDB file (a folder, another kind of file, truncated or corrupt)."""


def connect(path: Path | str | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create or migrate) the database; a lock held by another process, a folder, or a damaged file
    becomes a one-line message. The file (and its WAL) is owner-only: it holds raw rows."""
    private_umask()
    path = Path(path) if path else default_db_path()
    if read_only and not path.exists():
        raise StoreBusyError(f"No database at {path}", fix="run `shoplens demo` or load a file first")
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file", where="--db",
                         fix="pass the path of a .duckdb file (a new name creates an empty database)")
    _make_parent(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreBusyError(
                f"The database {path} is open for writing in another process",
                fix="close the Shoplens app or other job using it, or pass --db with another file",
            ) from exc
        raise _unreadable(path, exc) from exc
    except duckdb.Error as exc:
        raise _unreadable(path, exc) from exc
    for p in (path, path.with_name(path.name + ".wal")):
        owner_only(p)
    if not read_only:
        try:
            migrate(con)
        except duckdb.Error as exc:
            con.close()
            raise _unreadable(path, exc) from exc
    return con


def _make_parent(path: Path) -> None:
    """The home and folders Shoplens creates are 0700; an existing folder outside the home (e.g. /tmp) is left as
    it is."""
    parent, base = path.parent.resolve(), home().resolve()
    if parent == base or base in parent.parents or not parent.exists():
        private_dir(parent)


# What DuckDB raises when a file that opened turns out damaged part-way through a read (a truncated copy, a disk
# error): callers outside a load turn these into the same one-line message as a file that does not open at all.
READ_ERRORS = (duckdb.IOException, duckdb.FatalException, duckdb.InternalException)


def unreadable(path: Path | str, exc: Exception) -> StoreError:
    """The one-line StoreError for a damaged database file (public: the CLI uses it for damage found mid-command)."""
    return _unreadable(Path(path), exc)


def _unreadable(path: Path, exc: Exception) -> StoreError:
    """One line for a file DuckDB cannot open: not a database, truncated, or damaged. Nothing is written to it."""
    first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return StoreError(f"{path} is not a readable Shoplens database ({first})", where="--db",
                      fix="restore it from a backup, or pass --db with another file (a new name creates an empty "
                          "database)")


def schema_version(con) -> int:
    try:
        row = con.execute("SELECT max(version) FROM schema_info").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0] or 0)


def migrate(con) -> None:
    """Create what is missing and record the version; later versions add their steps here, in order."""
    current = schema_version(con)
    if current >= schema.SCHEMA_VERSION:
        return
    with transaction(con):
        for ddl in schema.SUPPORT_DDL:
            con.execute(ddl)
        for table in schema.LOADABLE:
            con.execute(schema.table_ddl(table))
        if current < 2:  # cheap on a new file: no uploads yet
            _v2_mark_demo_uploads(con)
        con.execute("INSERT INTO schema_info VALUES (?, ?)", [schema.SCHEMA_VERSION, datetime.now()])


def _v2_mark_demo_uploads(con) -> None:
    """A version-1 database did not record which uploads were the demo's: those whose file is the bundled demo file
    (same name and SHA-256) are marked now, so the pages can say "Demo data" and start-shop can remove them."""
    names = {p.name: p for p in sorted(DEMO_DATA_DIR.glob("*.csv.gz"))}
    rows = con.execute("SELECT upload_id, table_name, file_name, file_sha256 FROM uploads "
                       "WHERE file_name IN (SELECT unnest(?::VARCHAR[]))", [list(names)]).fetchall()
    digests: dict[str, str] = {}
    for upload_id, table, name, sha in rows:
        if name not in digests:
            digests[name] = hashlib.sha256(names[name].read_bytes()).hexdigest() if names[name].is_file() else ""
        if sha == digests[name]:
            con.execute("INSERT OR IGNORE INTO demo_uploads VALUES (?, ?, ?)", [upload_id, table, datetime.now()])


@contextlib.contextmanager
def transaction(con):
    """All or nothing: a failure (or a killed process) leaves the file as it was before BEGIN."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def audit(con, who: str, action: str, target: str, details: dict | None = None) -> None:
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?)",
        [datetime.now(), who, action, target, json.dumps(details or {}, default=str)],
    )


def table_counts(con) -> dict[str, int]:
    """Row counts of the user-facing tables, for the Data page and the sidebar."""
    names = list(schema.LOADABLE) + ["review_labels", "label_corrections", "drafts", "uploads"]
    return {n: int(con.execute(f"SELECT count(*) FROM {n}").fetchone()[0]) for n in names}  # names: whitelist above


def upload_history(con, limit: int = 200):
    return con.execute(
        """SELECT upload_id, "at", who, table_name, file_name,
                  upload_id IN (SELECT upload_id FROM demo_uploads) AS demo,
                  file_format, mode, rows_in, accepted, rejected, rejects_file, file_sha256
           FROM uploads ORDER BY upload_id DESC LIMIT ?""",
        [limit],
    ).df()
