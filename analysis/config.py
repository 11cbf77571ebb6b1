"""Where Shoplens keeps its files and which limits apply; read from the environment so the app, CLI and tests agree.

Everything under SHOPLENS_HOME holds personal data (raw order lines, rejects reports, users file), so it is kept
owner-only: the home and the folders Shoplens creates are 0700, the files 0600 (`private_umask`, set by
store.connect and the CLI, makes every later file of the process owner-only too)."""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from analysis.errors import ShoplensError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_DATA_DIR = Path(__file__).resolve().parent / "demo_data"
PRIVATE_UMASK = 0o077


def home() -> Path:
    """Folder for the database, rejects reports and model folders (outside git)."""
    return Path(os.environ.get("SHOPLENS_HOME", REPO_ROOT / ".shoplens"))


def default_db_path() -> Path:
    return Path(os.environ.get("SHOPLENS_DB", home() / "shoplens.duckdb"))


def private_umask() -> None:
    """Files and folders this process creates from now on are owner-only (0600 / 0700): exports, rejects reports,
    the database and its WAL all carry raw rows."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path | str) -> Path:
    """Create `path` (and missing parents) as 0700; an existing folder we own that others can read is tightened
    to 0700 too (an install from before this rule had a 0755 home)."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner_only(path, 0o700)
    return path


def owner_only(path: Path | str, mode: int = 0o600) -> None:
    """chmod `path` to `mode` when we own it and group or others have any access; leaves other owners' files alone
    (e.g. a shared folder such as /tmp)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, mode)


def rejects_dir(db_path: Path | str) -> Path:
    """The owner-only folder for the rejects reports of the database at `db_path`: `$SHOPLENS_HOME/rejects` for a
    database in the home; for one elsewhere (`--db /tmp/x.duckdb`) `$SHOPLENS_HOME/rejects/<name>-<hash of its
    path>`, so raw rejected rows never land in a shared folder next to it and two databases never share a folder."""
    db = Path(db_path).resolve()
    base = home().resolve()
    folder = base / "rejects"
    if db.parent != base:
        folder = folder / f"{db.stem[:40]}-{hashlib.sha256(str(db).encode()).hexdigest()[:10]}"
    for p in (base, base / "rejects", folder):
        private_dir(p)
    return folder


def max_upload_bytes() -> int:
    """Uploads above this are refused before a byte is parsed (SHOPLENS_MAX_UPLOAD_MB, default 1024)."""
    return int(float(os.environ.get("SHOPLENS_MAX_UPLOAD_MB", "1024")) * 1024 * 1024)


DEFAULT_MAX_ROWS = 6_000_000  # the demo export (541,909 lines) ten times over, with headroom
DEFAULT_MAX_LOAD_MEMORY = "25%"


def max_rows() -> int:
    """Data rows one load may hold (SHOPLENS_MAX_ROWS, default 6 M): counted before the file is materialised, so a
    few-MB file that expands to tens of millions of rows is refused in seconds instead of eating the machine."""
    value = os.environ.get("SHOPLENS_MAX_ROWS", str(DEFAULT_MAX_ROWS))
    try:
        rows = int(float(value.replace("_", "").replace(",", "")))
    except ValueError:
        rows = 0
    if rows < 1:
        raise ShoplensError(f'SHOPLENS_MAX_ROWS="{value[:40]}" is not a positive number of rows',
                            fix=f"set it to a whole number such as {DEFAULT_MAX_ROWS}, or unset it")
    return rows


def max_load_memory_bytes() -> int:
    """DuckDB memory_limit while a file loads (SHOPLENS_MAX_LOAD_MEMORY: "4GB", "512MB", "25%" of RAM, or a bare
    number of MB; default 25%). Past it DuckDB spills to disk or the load is refused, never other users' memory."""
    value = os.environ.get("SHOPLENS_MAX_LOAD_MEMORY", DEFAULT_MAX_LOAD_MEMORY)
    try:
        limit = _memory_bytes(value.strip().upper().replace(" ", ""))
    except ValueError:
        limit = 0
    if limit < 64 * 2**20:
        raise ShoplensError(f'SHOPLENS_MAX_LOAD_MEMORY="{value[:40]}" is not a memory size of at least 64 MB',
                            fix='set it like "4GB", "512MB" or "25%" (of RAM), or unset it for 25%')
    return limit


def _memory_bytes(value: str) -> int:
    if value.endswith("%"):
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return int(ram * float(value[:-1]) / 100)
    units = {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
             "B": 1}
    for unit, factor in units.items():
        if value.endswith(unit):
            return int(float(value[: -len(unit)]) * factor)
    return int(float(value) * 1e6)  # a bare number is MB, like SHOPLENS_MAX_UPLOAD_MB
