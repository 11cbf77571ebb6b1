"""Hostile-input corpus for ingest: malformed or malicious files, names and arguments, each built on the fly.

`CASES` is a list of `Case`; `case.build(folder)` writes the file(s) and returns the path to load. The expected
outcome lives with the case: `refused` (a substring of the IngestError message) or `accepted`/`rejected` counts,
plus an optional `check(con, report)` for what must (not) be stored. `python tests/hostile/corpus.py OUT_DIR`
writes every file to OUT_DIR to look at by hand.
"""
from __future__ import annotations

import gzip
import io
import os
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
ROW = "900,H1,HOSTILE MUG,1,2011-03-01 10:00:00,2.5,99999,France"
SQL = "'; DROP TABLE orders; --"


@dataclass
class Case:
    id: str
    build: Callable[[Path], Path]
    table: str = "orders"
    kwargs: dict = field(default_factory=dict)
    refused: str | None = None          # substring of the IngestError message
    accepted: int | None = None
    rejected: int | None = None
    reason: str | None = None           # substring of every sample reject's reason
    check: Callable | None = None       # check(con, report) -> None, asserts what was stored
    any_outcome: bool = False           # either refused or loaded is fine, as long as nothing else is raised
    xfail: str | None = None            # a real bug, reported; the test is xfail(strict=True)


def text(name: str, content: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        p = folder / name
        p.write_bytes(content.encode(encoding))
        return p
    return build


def raw(name: str, content: bytes | Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        p = folder / name
        p.write_bytes(content() if callable(content) else content)
        return p
    return build


def row(**over) -> str:
    cols = HEADER.split(",")
    vals = dict(zip(cols, ROW.split(","), strict=True))
    vals.update(over)
    return ",".join(vals[c] for c in cols)


def csv_of(*rows: str, header: str = HEADER, nl: str = "\n") -> str:
    return nl.join([header, *rows]) + nl


def q(v: str) -> str:
    """A CSV-quoted value."""
    return '"' + v.replace('"', '""') + '"'


def stored(col: str, value, table: str = "orders"):
    def check(con, report):
        got = [r[0] for r in con.execute(f"SELECT {col} FROM {table} WHERE _upload_id = ?",
                                         [report.upload_id]).fetchall()]
        assert got == [value], got
    return check


def rejects_inside_folder(con, report):
    """The rejects file lands in the rejects folder whatever the display name says."""
    from analysis.config import rejects_dir
    db = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    folder = rejects_dir(db).resolve()
    assert report.rejects_file and Path(report.rejects_file).resolve().parent == folder, report.rejects_file


def display_name_kept(name: str):
    def check(con, report):
        rejects_inside_folder(con, report)
        got = con.execute("SELECT file_name FROM uploads WHERE upload_id = ?", [report.upload_id]).fetchone()[0]
        assert got == name, got
    return check


def xlsx(rows: list[list], name: str = "x.xlsx", formulas: bool = False) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        from openpyxl import Workbook
        wb = Workbook()
        ws = wb.active
        for r in rows:
            ws.append(r)
        p = folder / name
        wb.save(p)
        return p
    return build


BILLION_LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY l0 "lol">'
                  + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)) + "]>")
XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def xlsx_patched(rows: int = 3, dimension: str | None = None, dtd: str | None = None, entity: str | None = None,
                 pad: int = 0, name: str = "x.xlsx") -> Callable[[Path], Path]:
    """A real workbook (HEADER plus `rows` order lines) whose sheet XML is then edited as an attacker or a buggy
    exporter would: another <dimension>, a DTD (after `pad` bytes of comment, to get past a head-only scan), and a
    cell that references `entity`."""
    def build(folder: Path) -> Path:
        base = xlsx([HEADER.split(","), *[row(InvoiceNo=str(900 + i)).split(",") for i in range(rows)]],
                    name="base_" + name)(folder)
        p = folder / name
        with zipfile.ZipFile(base) as src, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = _patch_sheet(data, dimension, dtd, entity, pad)
                dst.writestr(item, data)
        base.unlink()
        return p
    return build


def _patch_sheet(data: bytes, dimension: str | None, dtd: str | None, entity: str | None, pad: int) -> bytes:
    if dimension:
        start = data.index(b'<dimension ref="') + len(b'<dimension ref="')
        data = data[:start] + dimension.encode() + data[data.index(b'"', start):]
    if entity:  # row 2's description becomes the entity's expansion
        cell = b'<c r="C2" t="inlineStr"><is><t>'
        start = data.index(cell) + len(cell)
        data = data[:start] + f"&{entity};".encode() + data[data.index(b"</t>", start):]
    if dtd:
        data = (b"<?xml version='1.0' encoding='UTF-8'?>" + (b"<!--" + b"x" * pad + b"-->" if pad else b"")
                + dtd.encode() + data)
    return data


def parquet(frame_fn: Callable, name: str = "p.parquet", cut: int | None = None) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        buf = io.BytesIO()
        frame_fn().to_parquet(buf)
        data = buf.getvalue()
        p = folder / name
        p.write_bytes(data[:cut] if cut else data)
        return p
    return build


def _good_frame():
    import pandas as pd
    return pd.read_csv(io.StringIO(csv_of(ROW)))


def _nested_parquet(folder: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq
    t = pa.Table.from_pandas(_good_frame())
    t = t.append_column("Nested", pa.array([{"a": [1, 2], "b": {"c": "d"}}]))
    t = t.append_column("Tags", pa.array([["x", "y"]]))
    p = folder / "nested.parquet"
    pq.write_table(t, p)
    return p


def _symlink(target: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        p = folder / "link.csv"
        os.symlink(target, p)
        return p
    return build


def _dir(folder: Path) -> Path:
    d = folder / "adir.csv"
    d.mkdir()
    return d


def _zip_with(files: dict[str, bytes], name: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for n, b in files.items():
                z.writestr(n, b)
        p = folder / name
        p.write_bytes(buf.getvalue())
        return p
    return build


def _truncated_xlsx(folder: Path) -> Path:
    p = xlsx([HEADER.split(","), ROW.split(",")])(folder)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p


def _names_are(con, report, names: list[str]) -> None:
    got = [r[0] for r in con.execute("SELECT product_name FROM orders WHERE _upload_id = ? ORDER BY order_id",
                                     [report.upload_id]).fetchall()]
    assert got == names, got


def _deep_json(n: int) -> str:
    return "[" * n + "]" * n


REVIEW_HEADER = "Review Text,Rating,Clothing ID,Age"

CASES: list[Case] = [
    # ---------------------------------------------------------------- SQL text everywhere
    Case("sql_in_every_text_field", text("sql.csv", csv_of(row(InvoiceNo=q(SQL), StockCode=q(SQL), Description=q(SQL),
                                                                   CustomerID=q(SQL), Country=q(SQL)))),
         accepted=1, rejected=0, check=stored("product_name", SQL)),
    Case("sql_in_numeric_fields", text("sqln.csv", csv_of(row(Quantity=q(SQL)), row(UnitPrice=q("1; DROP TABLE orders")))),
         accepted=0, rejected=2, reason="is not a number"),
    Case("sql_in_date_field", text("sqld.csv", csv_of(row(InvoiceDate=q("2011-01-01'); DROP TABLE orders; --")))),
         accepted=0, rejected=1, reason="is not a date"),
    Case("sql_union_select_text", text("u.csv", csv_of(row(Description=q("x' UNION SELECT * FROM uploads --")))),
         accepted=1, rejected=0, check=stored("product_name", "x' UNION SELECT * FROM uploads --")),
    Case("sql_in_header_name", text("h.csv", csv_of(ROW, header=HEADER.replace("Country", q("Country\"; DROP TABLE orders; --")))),
         accepted=1, rejected=0),
    Case("sql_in_display_name", text("d.csv", csv_of(ROW)), kwargs={"display_name": "x'; DROP TABLE orders; --.csv"},
         accepted=1, rejected=0),
    Case("sql_in_override_source", text("o.csv", csv_of(ROW)),
         kwargs={"overrides": {"country": "Country\"; DROP TABLE orders; --"}}, refused="Country\"; DROP TABLE orders"),
    Case("sql_in_override_target", text("o2.csv", csv_of(ROW)),
         kwargs={"overrides": {"country; DROP TABLE orders": "Country"}}, refused="country; DROP TABLE orders"),
    Case("sql_in_table_name", text("t.csv", csv_of(ROW)), table="orders; DROP TABLE orders", refused="Unknown table"),
    Case("sql_in_mode", text("m.csv", csv_of(ROW)), kwargs={"mode": "replace; DROP TABLE orders"}, refused="Unknown mode"),
    Case("sql_in_review_text", text("r.csv", csv_of(f"{q(SQL)},5,1,30", header=REVIEW_HEADER)), table="reviews",
         accepted=1, rejected=0, check=stored("text", SQL, "reviews")),
    Case("sql_in_rating", text("rr.csv", csv_of("nice,5 OR 1=1,1,30", header=REVIEW_HEADER)), table="reviews",
         accepted=0, rejected=1, reason="rating"),
    Case("duckdb_function_text", text("fn.csv", csv_of(row(Description=q("read_csv('/etc/passwd')")))),
         accepted=1, rejected=0, check=stored("product_name", "read_csv('/etc/passwd')")),
    # ---------------------------------------------------------------- path names
    Case("traversal_display_name_with_rejects", text("p.csv", csv_of(ROW, row(Quantity="x"))),
         kwargs={"display_name": "../../etc/passwd"}, accepted=1, rejected=1, check=display_name_kept("../../etc/passwd")),
    Case("windows_traversal_display_name", text("p2.csv", csv_of(ROW, row(Quantity="x"))),
         kwargs={"display_name": "..\\..\\Windows\\system32\\config.csv"}, accepted=1, rejected=1, check=display_name_kept("..\\..\\Windows\\system32\\config.csv")),
    Case("absolute_display_name", text("p3.csv", csv_of(ROW, row(Quantity="x"))),
         kwargs={"display_name": "/etc/cron.d/evil.csv"}, accepted=1, rejected=1, check=display_name_kept("/etc/cron.d/evil.csv")),
    Case("nul_in_display_name", text("p4.csv", csv_of(ROW, row(Quantity="x"))),
         kwargs={"display_name": "a\x00b.csv"}, accepted=1, rejected=1, check=rejects_inside_folder),
    Case("newline_in_display_name", text("p5.csv", csv_of(ROW, row(Quantity="x"))),
         kwargs={"display_name": "evil\r\nINFO forged log line.csv"}, accepted=1, rejected=1, check=display_name_kept("evil\r\nINFO forged log line.csv")),
    Case("very_long_display_name", text("p6.csv", csv_of(ROW, row(Quantity="x"))),
         kwargs={"display_name": "A" * 5000 + ".csv"}, accepted=1, rejected=1, check=rejects_inside_folder),
    Case("empty_display_name", text("p7.csv", csv_of(ROW)), kwargs={"display_name": ""}, accepted=1, rejected=0),
    Case("quote_and_unicode_in_real_path", text("it's résumé 😀 ; x.csv", csv_of(ROW, row(Quantity="x"))),
         accepted=1, rejected=1, check=rejects_inside_folder),
    Case("symlink_to_etc_passwd", _symlink("/etc/passwd"), refused="Missing required column"),
    Case("directory_instead_of_file", _dir, refused="adir.csv"),
    Case("missing_file", lambda folder: folder / "nope.csv", refused="File not found"),
    Case("dev_zero", lambda folder: Path("/dev/zero"), refused="not a file"),
    # ---------------------------------------------------------------- nested JSON and odd values in fields
    Case("deep_json_in_text_field", text("j.csv", csv_of(row(Description=q(_deep_json(20000))))),
         accepted=1, rejected=0, check=stored("length(product_name)", 40000)),
    Case("deep_json_in_review_extra_column", text("rj.csv", csv_of(f"nice,5,1,30,{q(_deep_json(5000))}",
                                                                   header=REVIEW_HEADER + ",Meta")), table="reviews",
         accepted=1, rejected=0),
    Case("json_object_text_in_extra_column", text("rj2.csv", csv_of('nice,5,1,30,"{""__proto__"": {""x"": 1}}"',
                                                                    header=REVIEW_HEADER + ",Meta")), table="reviews",
         accepted=1, rejected=0),
    Case("quotes_and_backslashes_in_extra_header", text("rj3.csv", csv_of("nice,5,1,30,v",
                                                                          header=REVIEW_HEADER + ',"a""b\\c\'d"')),
         table="reviews", accepted=1, rejected=0),
    Case("nan_and_infinite_numbers", text("n.csv", csv_of(row(Quantity="NaN"), row(Quantity="inf"),
                                                          row(UnitPrice="-inf"), row(Quantity="1e308"))),
         accepted=0, rejected=4),
    Case("hex_and_underscore_numbers", text("hx.csv", csv_of(row(Quantity="0x10"), row(InvoiceNo="901", Quantity="1_000"))),
         accepted=1, rejected=1, reason='quantity: "0x10" is not a number', check=stored("quantity", 1000.0)),
    Case("impossible_dates", text("dt.csv", csv_of(row(InvoiceDate="0000-00-00"), row(InvoiceNo="901", InvoiceDate="2011-02-30"),
                                                   row(InvoiceNo="902", InvoiceDate="2011-13-01"))),
         accepted=0, rejected=3, reason="is not a date"),
    Case("implausible_year_99999", text("dty.csv", csv_of(row(InvoiceDate="99999-01-01"))), accepted=0, rejected=1),
    Case("ten_thousand_char_customer_id", text("cid.csv", csv_of(row(CustomerID="9" * 10000))), accepted=1, rejected=0),
    # ---------------------------------------------------------------- unicode tricks
    Case("rtl_override_in_fields", text("rtl.csv", csv_of(row(Description=q("\u202eGUM ELITSOH"), Country="\u202eecnarF"))),
         accepted=1, rejected=0, check=stored("country", "\u202eecnarF")),
    Case("zero_width_in_values", text("zw.csv", csv_of(row(Quantity="1\u200b"), row(InvoiceNo="901", Description="MU\u200bG"))),
         accepted=1, rejected=1, reason="is not a number", check=stored("product_name", "MU\u200bG")),
    Case("zero_width_in_header", text("zwh.csv", csv_of(ROW, header=HEADER.replace("Quantity", "Quan\u200btity"))),
         accepted=1, rejected=0, check=stored("quantity", 1.0)),
    Case("homoglyph_header", text("hg.csv", csv_of(ROW, header=HEADER.replace("Quantity", "Qu\u0430ntity")
                                                  .replace("UnitPrice", "UnitPr\u0456ce"))),
         refused="Missing required column for orders: line_total or quantity + unit_price"),
    Case("nul_inside_quoted_field", raw("nul.csv", (csv_of(row(Description=q("A\x00B")))).encode()),
         refused="binary file"),
    Case("nul_deep_in_file", raw("nuld.csv", lambda: (csv_of(*[ROW.replace("900", str(i)) for i in range(3000)])
                                                      + row(Description=q("A\x00B")) + "\n").encode()),
         refused="binary file"),
    Case("nul_after_first_256kb", raw("nul256.csv", lambda: (csv_of(*[ROW.replace("900", str(i)) for i in range(6000)])
                                                           + row(Description=q("A\x00B")) + "\n").encode()),
         refused="binary file"),
    Case("nul_in_parquet_text", parquet(lambda: _good_frame().assign(Description="A\x00B"), name="nul.parquet"),
         refused="NUL byte"),
    Case("unicode_line_separators_in_field", text("ls.csv", csv_of(row(Description=q("A\u2028B\u2029C\x85D")))),
         accepted=1, rejected=0, check=stored("product_name", "A\u2028B\u2029C\x85D")),
    Case("fullwidth_digits", text("fw.csv", csv_of(row(Quantity="１２", UnitPrice="３.５"))),
         accepted=0, rejected=1, reason="is not a number"),
    Case("emoji_and_combining_marks", text("em.csv", csv_of(row(Description=q("MUG 😀👩‍👩‍👧 Z̴̡̛a̷l̶g̵o̸"), Country="Fr\u0301ance"))),
         accepted=1, rejected=0),
    Case("invalid_utf8_surrogates", raw("sur.csv", (csv_of(row(Description="MUG")).replace("MUG", "M\udcedG")
                                                  ).encode("utf-8", "surrogateescape")),
         accepted=1, rejected=0),
    Case("overlong_utf8", raw("ovl.csv", csv_of(row(Description="MUG")).encode().replace(b"MUG", b"M\xc0\xafG")),
         accepted=1, rejected=0),
    Case("utf16_le_with_bom", raw("u16.csv", b"\xff\xfe" + csv_of(ROW).encode("utf-16-le")), accepted=1, rejected=0),
    Case("utf16_without_bom", raw("u16n.csv", csv_of(ROW).encode("utf-16-le")), refused="binary file"),
    Case("utf32", raw("u32.csv", csv_of(ROW).encode("utf-32")), refused="does not contain readable text"),
    Case("mixed_utf8_and_latin1_rows", raw("mix.csv", csv_of(row(Description="CAFÉ")).encode("utf-8")
                                           + row(InvoiceNo="901", Description="CRÈME").encode("latin-1") + b"\n"),
         accepted=2, rejected=0, check=lambda con, r: _names_are(con, r, ["CAFÉ", "CRÈME"])),
    # ---------------------------------------------------------------- size and shape
    Case("huge_single_field_20mb", text("big.csv", csv_of(row(Description=q("A" * 20_000_000)))),
         refused="one line is longer than 10 MB"),
    Case("ten_thousand_columns", text("wide.csv", csv_of(ROW + "," + ",".join(["x"] * 9992),
                                                         header=HEADER + "," + ",".join(f"extra{i}" for i in range(9992)))),
         any_outcome=True),
    Case("five_hundred_columns", text("w500.csv", csv_of(ROW + "," + ",".join(["x"] * 500),
                                                         header=HEADER + "," + ",".join(f"e{i}" for i in range(500)))),
         accepted=1, rejected=0),
    Case("header_only", text("ho.csv", HEADER + "\n"), accepted=0, rejected=0,
         check=lambda con, r: any("no data rows" in n for n in r.notes) or pytest.fail(f"no note: {r.notes}")),
    Case("header_only_no_newline", text("ho2.csv", HEADER), accepted=0, rejected=0),
    Case("crlf_line_endings", text("crlf.csv", csv_of(ROW, row(InvoiceNo="901"), nl="\r\n")), accepted=2, rejected=0),
    Case("cr_only_line_endings", text("cr.csv", csv_of(ROW, row(InvoiceNo="901"), nl="\r")), accepted=2, rejected=0),
    Case("crlf_header_then_lf_rows", text("cl.csv", HEADER + "\r\n" + ROW + "\n" + row(InvoiceNo="901") + "\n"),
         accepted=2, rejected=0),
    Case("mixed_line_endings", text("mle.csv", HEADER + "\r\n" + ROW + "\n" + row(InvoiceNo="901") + "\r"
                                    + row(InvoiceNo="902") + "\r\n"),
         accepted=3, rejected=0),
    Case("blank_lines_between_rows", text("bl.csv", csv_of(ROW, "", "", row(InvoiceNo="901"), "")), accepted=2, rejected=0),
    Case("many_empty_lines", text("el.csv", HEADER + "\n" + ROW + "\n" + "\n" * 200_000), accepted=1, rejected=0),
    Case("extra_fields_in_row", text("ef.csv", csv_of(ROW + ",EXTRA,MORE", row(InvoiceNo="901"))), accepted=1, rejected=1),
    Case("whitespace_header_cells", text("ws.csv", csv_of(ROW + ",1,2", header=HEADER + ",  ,\t")), accepted=1, rejected=0),
    Case("sql_keywords_as_headers", text("kw.csv", csv_of(ROW + ",1,2,3", header=HEADER + ",select,from,where")),
         accepted=1, rejected=0),
    Case("hundred_k_char_header", text("lh.csv", csv_of(ROW + ",1", header=HEADER + "," + "H" * 100_000)),
         accepted=1, rejected=0),
    Case("million_commas_in_quoted_field", text("mc.csv", csv_of(row(Description=q("," * 1_000_000)))),
         accepted=1, rejected=0, check=stored("length(product_name)", 1_000_000)),
    Case("quote_in_unquoted_field", text("qu.csv", csv_of(row(Description='MUG "BIG" ONE'))),
         accepted=1, rejected=0, check=stored("product_name", 'MUG "BIG" ONE')),
    # ---------------------------------------------------------------- compressed and binary containers
    Case("truncated_gzip", raw("t.csv.gz", lambda: gzip.compress(csv_of(*[ROW] * 200).encode())[:60]),
         refused="damaged gzip"),
    Case("gzip_of_binary", raw("b.csv.gz", lambda: gzip.compress(bytes(range(256)) * 40)), refused="binary"),
    Case("double_gzip", raw("dd.csv.gz", lambda: gzip.compress(gzip.compress(csv_of(ROW).encode()))), refused="binary file"),
    Case("gzip_named_csv", raw("g.csv", lambda: gzip.compress(csv_of(ROW).encode())), accepted=1, rejected=0),
    Case("truncated_parquet", parquet(_good_frame, cut=200), refused="Parquet"),
    Case("csv_named_parquet", text("c.parquet", csv_of(ROW)), accepted=1, rejected=0),
    Case("parquet_magic_then_garbage", raw("pg.parquet", b"PAR1" + os.urandom(1000) + b"PAR1"), refused="Parquet"),
    Case("parquet_nested_columns", _nested_parquet, accepted=1, rejected=0),
    Case("parquet_zero_rows", parquet(lambda: _good_frame().iloc[:0], name="zero.parquet"), accepted=0, rejected=0),
    Case("xlsx_with_formulas", xlsx([HEADER.split(","), ["=1+1", "A", "=HYPERLINK(\"http://evil.example\",\"x\")", 1,
                                                         "2011-03-01 10:00:00", 2.5, "99999", "France"]]),
         accepted=0, rejected=1, reason="spreadsheet formula text"),
    Case("truncated_xlsx", _truncated_xlsx, refused="damaged"),
    Case("xlsx_first_sheet_empty", xlsx([]), refused="no header row"),
    Case("zip_with_xml_bomb_entry", _zip_with({"[Content_Types].xml": b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a "
                                                                       b"'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><x>&b;</x>",
                                               "xl/workbook.xml": b"<workbook/>"}, "bomb.xlsx"),
         refused="possible XML bomb"),
    # issue 17, finding 3: the sheet's own XML, which openpyxl parses lazily while rows are read
    Case("xlsx_sheet_billion_laughs", xlsx_patched(dtd=BILLION_LAUGHS, entity="l9"), refused="possible XML bomb"),
    Case("xlsx_sheet_xxe_etc_passwd", xlsx_patched(dtd=XXE, entity="xxe"), refused="external-entity (XXE)"),
    Case("xlsx_sheet_dtd_after_padding", xlsx_patched(dtd=BILLION_LAUGHS, entity="l9", pad=100_000),
         refused="possible XML bomb"),
    Case("xlsx_dimension_too_small", xlsx_patched(rows=10, dimension="A1:H2"), accepted=10, rejected=0),
    Case("xlsx_dimension_whole_sheet", xlsx_patched(rows=3, dimension="A1:XFD1048576"), accepted=3, rejected=0),
    Case("xlsx_named_csv", lambda folder: (xlsx([HEADER.split(","), ROW.split(",")])(folder)).rename(folder / "x.csv")
         or folder / "x.csv", refused="could not be opened as an Excel workbook"),
]


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for c in CASES:
        sub = folder / c.id
        sub.mkdir(exist_ok=True)
        try:
            print(c.id, c.build(sub))
        except OSError as exc:
            print(c.id, "not written:", exc)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "hostile_corpus")
