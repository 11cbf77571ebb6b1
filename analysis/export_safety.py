"""Spreadsheet-safe files: the one rule for text a spreadsheet would run as a formula ("CSV injection").

Export rule (`is_dangerous`), for every CSV/XLSX the project writes: a text cell or column name that starts with
a tab, CR or LF, or that after leading blanks starts with = + - @ (or a full-width, small, super- or subscript form
of them, which some spreadsheets also accept) gets a leading apostrophe, so `=HYPERLINK(...)` or
`=cmd|' /C calc'!A0` is shown as text, never evaluated. Plain numbers stored as text ("-12.5") are left alone: they
cannot run anything, and numeric columns are never touched. XLSX cells are also written as explicit strings with
Excel's quote-prefix style, so openpyxl does not turn "=..." into a formula.

Ingest rule (`is_formula`), for refusing rows: narrower, because refusing data costs the analyst a row while an
apostrophe costs nothing. Text is refused when, after leading blanks, it starts with = (any form), or with + - @
followed by a first word holding a DDE pipe `|`, an `=`, or a function call `name(`: `+cmd|' /C calc'!A0`,
`-2+3+cmd|...`, `@SUM(1+1)*cmd|...`. Reviews such as "- love it", "+1 for the colour" and numbers such as "-12.5"
load; anything else that starts with a trigger ("-2+3", "@me") loads and is neutralised on the way out.

Both rules are regular expressions built from the character sets below, written in the syntax Python's `re` and
DuckDB's RE2 share, so the SQL the ingest and the rejects writer run (`sql_is_formula`, `sql_neutralise`) is the
same rule as the Python one (tests/test_export_safety.py checks them on the payload corpus).

    export_safety.to_csv(df, "out.csv"); export_safety.to_xlsx(df, "out.xlsx")
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

EQUALS = "=\u207c\u208c\u2a75\u2a76\ufe66\uff1d"  # = ⁼ ₌ ⩵ ⩶ ﹦ ＝: every character whose NFKC form starts with =
PLUS = "+\u207a\u208a\ufb29\ufe62\uff0b"  # + ⁺ ₊ ﬩ ﹢ ＋
MINUS = "-\u2212\ufe63\uff0d"  # - − ﹣ －  (the typographic minus is not NFKC "-", but prefixing it costs nothing)
AT = "@\ufe6b\uff20"  # @ ﹫ ＠
SIGNS = PLUS + MINUS + AT
TRIGGERS = EQUALS + SIGNS
LINE_CONTROLS = "\t\r\n"  # OWASP: a cell starting with one of these is prefixed whatever follows
SPACES = (" \x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
          + "\u2028\u2029\u202f\u205f\u3000"  # everything str.isspace() knows besides LINE_CONTROLS ...
          + "\u200b\u200c\u200d\u2060\ufeff")  # ... and the zero-width characters, which hide a trigger as well
BLANKS = LINE_CONTROLS + SPACES


def _cls(chars: str, negate: bool = False) -> str:
    """A regex character class both Python `re` and RE2 read the same way: the class's own metacharacters escaped
    with a backslash, control and Latin-1 characters as \\xhh, everything else literal (RE2 has no \\u escape)."""
    out = []
    for ch in chars:
        if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ch in "\\[]^-":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "[" + ("^" if negate else "") + "".join(out) + "]"


DANGER_RE = f"^(?:{_cls(LINE_CONTROLS)}|{_cls(BLANKS)}*{_cls(TRIGGERS)})"
NUMBER_RE = f"{_cls(SPACES)}*[+\\-]?(?:[0-9]+(?:[.,][0-9]+)*|\\.[0-9]+)(?:[eE][+\\-]?[0-9]+)?"  # whole value
FORMULA_RE = (f"^{_cls(BLANKS)}*(?:{_cls(EQUALS)}|{_cls(SIGNS)}{_cls(BLANKS)}*{_cls(BLANKS, negate=True)}*"
              f"(?:{_cls('|' + EQUALS)}|[A-Za-z0-9_.]\\())")
_DANGER, _NUMBER, _FORMULA = re.compile(DANGER_RE), re.compile(NUMBER_RE), re.compile(FORMULA_RE)


def is_dangerous(value: object) -> bool:
    """True for text a spreadsheet could treat as a formula: every export prefixes it with an apostrophe."""
    if not isinstance(value, str) or not value:
        return False
    return bool(_DANGER.match(value)) and not _NUMBER.fullmatch(value)


def is_formula(value: object) -> bool:
    """True for text the ingest refuses as formula text (a subset of is_dangerous; see the module docstring)."""
    return isinstance(value, str) and bool(_FORMULA.match(value))


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_is_dangerous(expr: str) -> str:
    """is_dangerous as a DuckDB boolean expression over the SQL text `expr` (NULL for NULL)."""
    return f"(regexp_matches({expr}, {_sql_str(DANGER_RE)}) AND NOT regexp_full_match({expr}, {_sql_str(NUMBER_RE)}))"


def sql_is_formula(expr: str) -> str:
    """is_formula as a DuckDB boolean expression over the SQL text `expr` (NULL for NULL)."""
    return f"regexp_matches({expr}, {_sql_str(FORMULA_RE)})"


def sql_neutralise(expr: str) -> str:
    """neutralise as a DuckDB expression: the rejects report is written by COPY, without a round trip through pandas."""
    return f"(CASE WHEN {sql_is_dangerous(expr)} THEN '''' || {expr} ELSE {expr} END)"


def neutralise(value: object) -> object:
    """The value, with a leading apostrophe if it is text that a spreadsheet could run."""
    return "'" + value if is_dangerous(value) else value


# Money columns are written to the cent; every other float to SCORE_DECIMALS places. Sums of binary floats carry
# artefacts ("100.50000000000001") that a spreadsheet shows and a marketer reads as a bug; six places keep every
# probability and score Shoplens computes (p_alive of 0.000123 stays) while dropping them.
MONEY_WORDS = ("revenue", "monetary", "amount", "line_total", "unit_price", "price", "spend", "clv", "order_value",
               "aov")
SCORE_DECIMALS = 6


def is_money_column(name: object) -> bool:
    n = str(name).lower()
    return any(w in n for w in MONEY_WORDS)


def tidy_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Float columns rounded for people: money to cents, other floats to SCORE_DECIMALS places (a copy)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col].dtype):
            out[col] = out[col].round(2 if is_money_column(col) else SCORE_DECIMALS)
    return out


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells and column names are neutralised and whose floats are rounded (tidy_numbers);
    dates and NULLs are unchanged."""
    out = tidy_numbers(df)
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
