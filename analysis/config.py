"""Where Shoplens keeps its files and which limits apply; read from the environment so the app, CLI and tests agree."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_DATA_DIR = Path(__file__).resolve().parent / "demo_data"


def home() -> Path:
    """Folder for the database, rejects reports and model folders (outside git)."""
    return Path(os.environ.get("SHOPLENS_HOME", REPO_ROOT / ".shoplens"))


def default_db_path() -> Path:
    return Path(os.environ.get("SHOPLENS_DB", home() / "shoplens.duckdb"))


def rejects_dir(db_path: Path | str) -> Path:
    """Rejects reports sit next to the database they belong to."""
    return Path(db_path).resolve().parent / "rejects"


def max_upload_bytes() -> int:
    """Uploads above this are refused before a byte is parsed (SHOPLENS_MAX_UPLOAD_MB, default 1024)."""
    return int(float(os.environ.get("SHOPLENS_MAX_UPLOAD_MB", "1024")) * 1024 * 1024)
