"""Spreadsheet-safe exports: text that a spreadsheet would run as a formula is neutralised ("CSV injection").

A text cell (or column name) that starts with = + - @, a tab or a carriage return (or their full-width forms,
which some spreadsheets also accept) gets a leading apostrophe, so `=HYPERLINK(...)` or `=cmd|' /C calc'!A0` is
shown as text, never evaluated. Plain numbers stored as text ("-12.5") are left alone: they cannot run anything,
and numeric columns are never touched. XLSX cells are also written as explicit strings with Excel's quote-prefix
style, so openpyxl does not turn "=..." into a formula.

    export_safety.to_csv(df, "out.csv"); export_safety.to_xlsx(df, "out.xlsx")
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][+-]?\d+)?")


def is_dangerous(value: object) -> bool:
    """True for text a spreadsheet could treat as a formula."""
    if not isinstance(value, str) or not value:
        return False
    return value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value)


def neutralise(value: object) -> object:
    """The value, with a leading apostrophe if it is text that a spreadsheet could run."""
    return "'" + value if is_dangerous(value) else value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells and column names are neutralised; numbers, dates and NULLs are unchanged."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            mask = s.map(is_dangerous).astype(bool)
            if mask.any():
                out[col] = s.astype(object).where(~mask, s[mask].map(neutralise))
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def to_csv(df: pd.DataFrame, path: str | Path | None = None, **kwargs) -> str | None:
    """`DataFrame.to_csv` on the neutralised frame (index off unless asked); returns the text when path is None.

    Lines end in CRLF (RFC 4180) unless asked otherwise: the csv writer then quotes any field holding a bare
    carriage return, which with "\n" endings it would leave unquoted, breaking the row for every reader."""
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\r\n")
    return safe_frame(df).to_csv(path, **kwargs)


def to_csv_with_comments(df: pd.DataFrame, comments: list[str]) -> str:
    """to_csv with `# ` comment lines first (each flattened to one line), so what the numbers are travels with them;
    read back with `pd.read_csv(f, comment="#")`."""
    head = "".join("# " + " ".join(c.split()) + "\r\n" for c in comments if c)
    return head + to_csv(df)


def to_xlsx(df: pd.DataFrame, path: str | Path | io.BytesIO, sheet_name: str = "data") -> None:
    """Write an .xlsx where every text cell is a plain string, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    safe = safe_frame(df)
    wb = Workbook()
    ws = wb.active
    ws.title = neutralise(sheet_name)[:31]
    ws.append([str(c) for c in safe.columns])
    for row in safe.itertuples(index=False):
        # control characters (NUL, ESC...) are not allowed in XLSX: replace them rather than fail the export
        ws.append([None if _missing(v) else ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v
                   for v in row])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl guesses "f" (formula) for text starting with "="
                if cell.value.startswith("'"):
                    cell.quotePrefix = True
    wb.save(path)


def _missing(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
