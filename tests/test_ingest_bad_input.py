"""Every bad input named in the foundation issue: a specific message, and stored data exactly as before."""
from __future__ import annotations

import gzip
import io
import time
import zipfile

import pandas as pd
import pytest
from hostile.corpus import BILLION_LAUGHS, XXE, xlsx_patched

from analysis import ingest
from analysis.errors import IngestError, ShoplensError

GOOD_ORDERS = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
    "536366,71053,WHITE METAL LANTERN,2,2010-12-02 09:00:00,3.39,13047.0,France\n"
)
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def snapshot(con, table: str) -> list:
    return con.execute(f"SELECT * EXCLUDE (_upload_id) FROM {table} ORDER BY ALL").fetchall()


@pytest.fixture
def loaded(db, write):
    """A database that already holds two good order lines, with a snapshot to compare against."""
    con, path = db
    ingest.load_file(con, "orders", write("good.csv", GOOD_ORDERS), db_path=path)
    return con, path, snapshot(con, "orders")


def refused(loaded, file, table="orders", **kw) -> str:
    con, path, before = loaded
    with pytest.raises(IngestError) as err:
        ingest.load_file(con, table, file, db_path=path, **kw)
    assert snapshot(con, "orders") == before
    assert con.execute("SELECT count(*) FROM uploads").fetchone()[0] == 1
    return str(err.value)


def all_rejected(loaded, file, table="orders") -> ingest.LoadReport:
    """Row-level problems: the file is read, every row is rejected with a reason, nothing changes."""
    con, path, before = loaded
    before_t = snapshot(con, table)
    report = ingest.load_file(con, table, file, db_path=path)
    assert report.accepted == 0 and report.rejected == report.rows_in > 0
    assert snapshot(con, table) == before_t
    assert snapshot(con, "orders") == before if table == "orders" else True
    return report


def test_empty_file(loaded, write):
    assert "is empty (0 bytes)" in refused(loaded, write("empty.csv", b""))


def test_binary_file(loaded, write):
    msg = refused(loaded, write("data.csv", bytes(range(256)) * 50))
    assert "binary file" in msg and "data.csv" in msg


def test_not_a_table_format(loaded, write):
    msg = refused(loaded, write("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"))
    assert "PDF document" in msg and "not a CSV, XLSX or Parquet" in msg


def test_zip_that_is_not_a_workbook(loaded, write):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("orders.csv", GOOD_ORDERS)
    assert "ZIP archive, not an Excel workbook" in refused(loaded, write("orders.zip", buf.getvalue()))


def test_latin1_file_loads_with_correct_text(db, write):
    con, path = db
    text = HEADER + "1,A1,CAFÉ CRÈME MUG,1,2011-01-05 10:00:00,4.5,1,España\n"
    report = ingest.load_file(con, "orders", write("latin.csv", text, encoding="latin-1"), db_path=path)
    assert report.accepted == 1
    assert con.execute("SELECT product_name, country FROM orders").fetchone() == ("CAFÉ CRÈME MUG", "España")
    assert any("converted to UTF-8" in n for n in report.notes)


def test_utf8_bom_header_maps(db, write):
    con, path = db
    report = ingest.load_file(con, "orders", write("bom.csv", "\ufeff" + GOOD_ORDERS), db_path=path)
    assert report.accepted == 2 and report.mapping["order_id"] == "InvoiceNo"


@pytest.mark.parametrize("delim", [";", "\t"])
def test_semicolon_and_tab_delimiters(db, write, delim):
    con, path = db
    text = GOOD_ORDERS.replace(",", delim)
    if delim == ";":  # European export: decimal commas too
        text = text.replace("2.55", "2,55").replace("3.39", "3,39")
    report = ingest.load_file(con, "orders", write("d.csv", text), db_path=path)
    assert report.accepted == 2
    assert con.execute("SELECT sum(unit_price) FROM orders").fetchone()[0] == pytest.approx(5.94)


def test_missing_required_column(loaded, write):
    msg = refused(loaded, write("nodate.csv", "InvoiceNo,Quantity,UnitPrice\n1,2,3\n"))
    assert "Missing required column for orders: order_date" in msg and "--map" in msg


def test_duplicate_header(loaded, write):
    msg = refused(loaded, write("dup.csv", "InvoiceDate,Quantity,Quantity,UnitPrice\n2011-01-01,1,2,3\n"))
    assert 'Duplicate column name "Quantity" in columns 2 and 3' in msg


def test_unparseable_dates(loaded, write):
    r = all_rejected(loaded, write("dates.csv", HEADER + "9,A,X,1,2011-01-05 10:00,1,1,UK\n"
                                                        "10,A,X,1,not a date,1,1,UK\n"
                                                        "11,A,X,1,31/31/2011,1,1,UK\n"
                                                        .replace("9,A,X,1,2011-01-05 10:00,1,1,UK\n", "")))
    assert [s["line"] for s in r.sample_rejects] == [2, 3]
    assert 'order_date: "not a date" is not a date' in r.sample_rejects[0]["reason"]


def test_negative_and_non_numeric_quantity_and_price(loaded, write):
    r = all_rejected(loaded, write("nums.csv", HEADER + "20,A,X,-3,2011-01-05 10:00,1,1,UK\n"
                                                        "21,A,X,three,2011-01-05 10:00,1,1,UK\n"
                                                        "22,A,X,1,2011-01-05 10:00,-2.5,1,UK\n"
                                                        "23,A,X,1,2011-01-05 10:00,abc,1,UK\n"))
    reasons = [s["reason"] for s in r.sample_rejects]
    assert "quantity: -3.0 is negative but the line is not a cancellation" in reasons[0]
    assert 'quantity: "three" is not a number' in reasons[1]
    assert "unit_price: -2.5 is negative" in reasons[2]
    assert 'unit_price: "abc" is not a number' in reasons[3]


def test_cancellation_becomes_status(db, write):
    con, path = db
    ingest.load_file(con, "orders", write("c.csv", HEADER + "C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,UK\n"),
                     db_path=path)
    assert con.execute("SELECT status, customer_id, line_total FROM orders").fetchone() == ("cancelled", "14527", -27.5)


def test_rating_outside_1_to_5(loaded, write):
    con, path, _ = loaded
    r = all_rejected(loaded, write("r.csv", "Review Text,Rating\nnice,6\nbad,0\nok,4.5\n"), table="reviews")
    reasons = [s["reason"] for s in r.sample_rejects]
    assert reasons[0] == "rating: 6 is outside 1-5" and reasons[1] == "rating: 0 is outside 1-5"
    assert 'rating: "4.5" is not a whole number' in reasons[2]


def test_duplicate_rows_in_file_and_already_stored(loaded, write):
    con, path, before = loaded
    r = all_rejected(loaded, write("again.csv", GOOD_ORDERS))  # both lines are stored already
    assert all("already stored" in s["reason"] for s in r.sample_rejects)
    report = ingest.load_file(con, "orders", write("twice.csv", HEADER + "30,A,X,1,2011-01-05 10:00,1,1,UK\n" * 2),
                              db_path=path)
    assert (report.accepted, report.rejected) == (1, 1)
    assert "duplicate: every field equals an earlier line (first at line 2)" in report.sample_rejects[0]["reason"]


def test_unterminated_quote(loaded, write):
    msg = refused(loaded, write("q.csv", HEADER + '40,A,"BROKEN DESCRIPTION,1,2011-01-05 10:00,1,1,UK\n'
                                                  "41,A,X,1,2011-01-05 10:00,1,1,UK\n"))
    assert "never closed" in msg and "line 2" in msg


def test_file_larger_than_limit(loaded, write, monkeypatch):
    monkeypatch.setenv("SHOPLENS_MAX_UPLOAD_MB", "0.0001")  # 100 bytes
    msg = refused(loaded, write("big.csv", GOOD_ORDERS * 3))
    assert "above the upload limit" in msg and "SHOPLENS_MAX_UPLOAD_MB" in msg


def test_formula_text_refused(loaded, write):
    r = all_rejected(loaded, write("f.csv", HEADER + '50,A,"=HYPERLINK(""http://x"",""click"")",1,2011-01-05 10:00,1,1,UK\n'
                                                     "51,A,@SUM(A1:A9),1,2011-01-05 10:00,1,1,UK\n"))
    assert all("spreadsheet formula text" in s["reason"] for s in r.sample_rejects)
    rejects = pd.read_csv(r.rejects_file)
    assert not rejects["raw"].astype(str).str.match(r"^[=+\-@]").any()  # the report itself is safe to open


def test_rows_in_is_accepted_plus_rejected_with_parser_rejects(db, write):
    con, path = db
    text = HEADER + "60,A,X,1,2011-01-05 10:00,1,1,UK\n61,A,X,1,2011-01-05 10:00\n62,A,X,1,2011-01-06 10:00,1,1,UK\n"
    report = ingest.load_file(con, "orders", write("short.csv", text), db_path=path)
    assert report.rows_in == report.accepted + report.rejected == 3
    assert report.rejected == 1 and report.sample_rejects[0]["line"] == 3


def test_xlsx_and_parquet_load(db, tmp_path):
    con, path = db
    frame = pd.read_csv(io.StringIO(GOOD_ORDERS))
    frame.to_excel(tmp_path / "o.xlsx", index=False)
    frame.to_parquet(tmp_path / "o.parquet")
    assert ingest.load_file(con, "orders", tmp_path / "o.xlsx", db_path=path).accepted == 2
    r = ingest.load_file(con, "orders", tmp_path / "o.parquet", mode="replace", db_path=path)
    assert (r.accepted, r.rejected) == (2, 0)
    assert con.execute("SELECT customer_id FROM orders ORDER BY 1").fetchall() == [("13047",), ("17850",)]


def test_gzip_csv(db, write):
    con, path = db
    assert ingest.load_file(con, "orders", write("o.csv.gz", gzip.compress(GOOD_ORDERS.encode())), db_path=path).accepted == 2


def test_xlsx_zip_bomb_refused(loaded, tmp_path, monkeypatch):
    import analysis.sniff as sniff_mod

    frame = pd.read_csv(io.StringIO(GOOD_ORDERS))
    frame.to_excel(tmp_path / "b.xlsx", index=False)
    monkeypatch.setattr(sniff_mod, "MAX_XLSX_UNCOMPRESSED", 1000)
    assert "zip bomb" in refused(loaded, tmp_path / "b.xlsx")


def test_dry_run_stores_nothing(loaded, write):
    con, path, before = loaded
    report = ingest.load_file(con, "orders", write("n.csv", HEADER + "70,A,X,1,2011-01-05 10:00,1,1,UK\n"),
                              db_path=path, dry_run=True)
    assert report.accepted == 1 and snapshot(con, "orders") == before


# ---------------------------------------------------------------- issue 17, finding 3: XLSX dimension, XML bomb, XXE
def test_xlsx_with_too_small_dimension_loads_every_row(loaded, tmp_path):
    con, path, _ = loaded
    file = xlsx_patched(rows=10, dimension="A1:H2")(tmp_path)  # openpyxl read-only used to stop after row 2
    report = ingest.load_file(con, "orders", file, db_path=path)
    assert (report.rows_in, report.accepted) == (10, 10)


def test_xlsx_declaring_the_whole_sheet_reads_only_real_cells(db, tmp_path):
    con, path = db
    file = xlsx_patched(rows=3, dimension="A1:XFD1048576")(tmp_path)
    t = time.perf_counter()
    pv = ingest.preview(con, "orders", file)
    report = ingest.load_file(con, "orders", file, db_path=path)
    assert len(pv.headers) == 8  # not 16,384 columns padded from the declared XFD
    assert (report.rows_in, report.accepted) == (3, 3)
    assert time.perf_counter() - t < 10  # was 22 s (bench/results/load_limits.txt)


@pytest.mark.parametrize("dtd, entity, pad", [(BILLION_LAUGHS, "l9", 0), (XXE, "xxe", 0),
                                              (BILLION_LAUGHS, "l9", 100_000), (XXE, "xxe", 100_000)],
                         ids=["billion_laughs", "xxe", "billion_laughs_padded", "xxe_padded"])
def test_xlsx_xml_bomb_and_xxe_refused_in_one_line(loaded, tmp_path, dtd, entity, pad):
    """Padded: the DTD sits past the sniffer's 64 KB head scan, so openpyxl's parser (defusedxml) meets it."""
    file = xlsx_patched(dtd=dtd, entity=entity, pad=pad)(tmp_path)
    msg = refused(loaded, file)
    assert "possible XML bomb or external-entity (XXE) attack" in msg and "save it again" in msg
    assert "\n" not in msg and str(tmp_path) not in msg and "/tmp" not in msg


def test_xlsx_damaged_sheet_message_has_no_server_path(loaded, tmp_path):
    file = xlsx_patched(dtd="<!-- unclosed")(tmp_path)  # invalid XML in the sheet itself
    msg = refused(loaded, file)
    assert file.name in msg and str(tmp_path) not in msg and "\n" not in msg


# ---------------------------------------------------------------- finding 4: row and memory budget
def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"InvoiceNo": [str(600 + i) for i in range(n)], "Quantity": 1,
                         "InvoiceDate": "2011-01-05 10:00:00", "UnitPrice": 2.5})


def _budget_file(fmt: str, n: int, tmp_path):
    frame, p = _frame(n), tmp_path / f"b{n}.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(p)
    elif fmt == "xlsx":
        frame.to_excel(p, index=False)
    elif fmt == "csv.gz":
        p.write_bytes(gzip.compress(frame.to_csv(index=False).encode()))
    else:
        p.write_text(frame.to_csv(index=False))
    return p


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet", "xlsx"])
def test_row_budget_refuses_a_file_above_it_and_loads_one_at_it(loaded, tmp_path, monkeypatch, fmt):
    con, path, _ = loaded
    monkeypatch.setenv("SHOPLENS_MAX_ROWS", "5")
    msg = refused(loaded, _budget_file(fmt, 6, tmp_path))
    assert "above the limit of 5 rows per load" in msg and "SHOPLENS_MAX_ROWS" in msg
    assert ingest.load_file(con, "orders", _budget_file(fmt, 5, tmp_path), db_path=path).accepted == 5


def test_row_budget_counts_rows_not_line_ends(db, write, monkeypatch):
    """Blank lines and newlines inside quotes push the line count over the budget; the real rows are within it."""
    con, path = db
    monkeypatch.setenv("SHOPLENS_MAX_ROWS", "3")
    text = HEADER + '80,A,"TWO\nLINES",1,2011-01-05 10:00,1,1,UK\n\n\n\n81,A,X,1,2011-01-05 10:00,1,1,UK\n'
    assert ingest.load_file(con, "orders", write("blank.csv", text), db_path=path).accepted == 2


def test_row_budget_20m_constant_parquet_refused_from_metadata(loaded, tmp_path):
    """343 KB of run-length-encoded Parquet held 20 M rows: 2 minutes and 10 GB before; the footer now decides."""
    import duckdb

    p = tmp_path / "20m.parquet"
    duckdb.sql(f"COPY (SELECT '1' AS InvoiceNo, 1 AS Quantity, '2011-01-05' AS InvoiceDate, 2.5 AS UnitPrice "
               f"FROM range(20000000)) TO '{p}' (FORMAT parquet)")
    t = time.perf_counter()
    msg = refused(loaded, p)
    assert "has 20,000,000 data rows, above the limit of 6,000,000 rows" in msg
    assert time.perf_counter() - t < 5


def test_memory_budget_is_set_during_the_load_and_restored(db, write, monkeypatch):
    con, path = db
    before = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    seen = []
    real = ingest.build_staged

    def spy(con_, *a, **kw):
        seen.append(con_.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return real(con_, *a, **kw)

    monkeypatch.setattr(ingest, "build_staged", spy)
    monkeypatch.setenv("SHOPLENS_MAX_LOAD_MEMORY", "300MB")
    ingest.load_file(con, "orders", write("m.csv", GOOD_ORDERS), db_path=path)
    assert seen == ["286.1 MiB"]  # DuckDB's rendering of 300,000,000 bytes
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == before


def test_out_of_memory_is_one_line_and_stores_nothing(loaded, write, monkeypatch):
    import duckdb

    def boom(*a, **kw):
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB")

    monkeypatch.setattr(ingest, "build_staged", boom)
    msg = refused(loaded, write("oom.csv", HEADER + "90,A,X,1,2011-01-05 10:00,1,1,UK\n"))
    assert "needs more memory to load than the limit of" in msg and "SHOPLENS_MAX_LOAD_MEMORY" in msg


@pytest.mark.parametrize("name, value", [("SHOPLENS_MAX_ROWS", "lots"), ("SHOPLENS_MAX_LOAD_MEMORY", "1KB")])
def test_bad_limit_settings_are_one_line(loaded, write, monkeypatch, name, value):
    con, path, before = loaded
    monkeypatch.setenv(name, value)
    with pytest.raises(ShoplensError, match=name):
        ingest.load_file(con, "orders", write("s.csv", GOOD_ORDERS), db_path=path)
    assert snapshot(con, "orders") == before


# ---------------------------------------------------------------- finding 8 (ingest): caps and NUL bytes
def test_derived_line_total_above_the_cap_rejected(loaded, write):
    r = all_rejected(loaded, write("big.csv", HEADER + "95,A,X,6,2011-01-05 10:00,999999999999,1,UK\n"))
    reason = r.sample_rejects[0]["reason"]
    assert "line_total: quantity 6 x unit_price 999999999999 = 5999999999994" in reason
    assert "per-line limit of 1,000,000,000,000" in reason and "fix:" in reason


def test_quantity_above_the_cap_rejected_and_largest_real_one_kept(loaded, write):
    con, path, _ = loaded
    r = all_rejected(loaded, write("q.csv", HEADER + "96,A,X,1e9,2011-01-05 10:00,1,1,UK\n"
                                                     "C97,A,X,-2000000,2011-01-05 10:00,1,1,UK\n"))
    assert [s["reason"].split(" is above")[0] for s in r.sample_rejects] == ["quantity: 1e9", "quantity: -2000000"]
    assert all("limit of 1,000,000 units per order line" in s["reason"] for s in r.sample_rejects)
    ok = ingest.load_file(con, "orders", write("bulk.csv", HEADER + "98,A,X,80995,2011-12-09 09:15,2.08,16446,UK\n"),
                          db_path=path)
    assert ok.accepted == 1  # the demo's largest real order line


def test_nul_byte_after_the_sniffed_head_refused(loaded, write):
    rows = "".join(f"{1000 + i},A,X,1,2011-01-05 10:00,1,1,UK\n" for i in range(8000))  # > 256 KB
    msg = refused(loaded, write("nul.csv", HEADER + rows + "9999,A,A\x00B,1,2011-01-05 10:00,1,1,UK\n"))
    assert "NUL bytes" in msg and "line 8002" in msg


def test_nul_byte_after_the_head_of_a_gzip_csv_refused(loaded, write):
    rows = "".join(f"{1000 + i},A,X,1,2011-01-05 10:00,1,1,UK\n" for i in range(8000))
    data = gzip.compress((HEADER + rows + "9999,A,A\x00B,1,2011-01-05 10:00,1,1,UK\n").encode())
    assert "line 8002" in refused(loaded, write("nul.csv.gz", data))


def test_nul_byte_in_parquet_text_refused(loaded, tmp_path):
    frame = _frame(3)
    frame["Description"] = ["A", "B\x00C", "D"]
    frame.to_parquet(tmp_path / "nul.parquet")
    msg = refused(loaded, tmp_path / "nul.parquet")
    assert "NUL byte" in msg and "row 2, column Description" in msg


# ---------------------------------------------------------------- formula payloads (issue 17, finding 2)
def _reviews_csv(rows: list[list], header=("Review Text", "Rating", "Clothing ID")) -> str:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL)  # quoted fields, as a spreadsheet saves "=1+1"
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _cr_as_lf(t: str) -> str:
    """DuckDB's CSV reader reads a CR inside a quoted field as LF."""
    return t.replace("\r\n", "\n").replace("\r", "\n")


def test_formula_payloads_refused_or_loaded_by_the_export_rule(db, write):
    """Every payload of the corpus is refused (row rejected, saying what, where and how to fix) or loads and is
    neutralised on export, decided by export_safety.is_formula; legitimate text such as "- love it" loads as is."""
    from analysis import export_safety
    from tests.hostile.formulas import LEGIT, PAYLOADS

    con, path = db
    texts = [p.value for p in PAYLOADS] + LEGIT
    r = ingest.load_file(con, "reviews", write("f.csv", _reviews_csv([[t, 5, i] for i, t in enumerate(texts)])),
                         db_path=path)
    refused = [p.value for p in PAYLOADS if p.refused]
    assert (r.rejected, r.accepted) == (len(refused), len(texts) - len(refused))
    for s in r.sample_rejects:
        assert s["column"] == "text" and "is spreadsheet formula text" in s["reason"] and "fix: remove the" in s["reason"]
    # each reject names its source line and carries the refused row's raw values
    assert sorted(s["raw"].split(" | ")[0] for s in r.sample_rejects) == sorted(map(_cr_as_lf, refused))
    assert all(s["line"] >= 2 for s in r.sample_rejects)
    stored = {t for (t,) in con.execute("SELECT text FROM reviews").fetchall()}
    assert stored == {t for t in texts if not export_safety.is_formula(t)}
    assert set(LEGIT) <= stored and not stored & set(refused)
    report = pd.read_csv(r.rejects_file, keep_default_na=False)
    assert not report["raw"].map(export_safety.is_dangerous).any()


def test_formula_header_refuses_the_file_and_plain_extras_load(loaded, write):
    """A header of an unmapped review column becomes a key of `extra` and a column name on export: formula text
    there refuses the file whole, naming the column; a formula in such a column's value rejects the row."""
    con = loaded[0]
    msg = refused(loaded, write("h.csv", _reviews_csv([["Lovely", 5, 1, "x"]],
                                                      ("Review Text", "Rating", "Clothing ID", "+cmd|' /C calc'!A0"))),
                  table="reviews")
    assert 'Column header "+cmd|\' /C calc\'!A0" is spreadsheet formula text' in msg
    assert "header line, column 4" in msg and "rename the column" in msg
    assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    r = ingest.load_file(con, "reviews", write("x.csv", _reviews_csv(
        [["Lovely", 5, 1, "- soft"], ["Fine", 4, 2, "@SUM(1+1)*cmd|' /C calc'!A0"]],
        ("Review Text", "Rating", "Clothing ID", "- notes"))), db_path=loaded[1])
    assert (r.accepted, r.rejected) == (1, 1) and r.sample_rejects[0]["line"] == 3
    assert r.sample_rejects[0]["reason"].startswith('- notes: "@SUM(1+1)') and "fix:" in r.sample_rejects[0]["reason"]
    assert con.execute("SELECT extra->>'- notes' FROM reviews").fetchall() == [("- soft",)]


@pytest.mark.parametrize("content", [b"PAR1" + bytes(range(256)) * 4 + b"PAR1", b"PAR1" + b"\x00" * 300],
                         ids=["garbage-between-magic", "no-footer"])
def test_damaged_parquet_message_names_the_upload_not_the_server_path(db, tmp_path, content):
    """DuckDB's Parquet errors quote the file's full path; the Data page shows the message, so the server-side temp
    path becomes the upload's name (bench/hostile.py's browser run found '/tmp/...' on the page)."""
    con, path = db
    f = tmp_path / "server-side-folder" / "p.parquet"
    f.parent.mkdir()
    f.write_bytes(content)
    with pytest.raises(IngestError) as e:
        ingest.load_file(con, "orders", f, display_name="export.parquet", db_path=path, dry_run=True)
    assert "could not be read as Parquet" in str(e.value) and "export.parquet" in str(e.value)
    assert "server-side-folder" not in str(e.value) and str(tmp_path) not in str(e.value), str(e.value)
