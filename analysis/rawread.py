"""Read any accepted file into a temporary all-text table `_raw` (columns c0..cN plus _row and _line), so that
validation is one SQL path whatever the format. Parser-level problems come back as line-level rejects."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field

import pandas as pd

from analysis.errors import IngestError
from analysis.sniff import SourceInfo, find_unterminated_quote, open_text

MAX_LINE_BYTES = 10_000_000
DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16": "utf-16"}


@dataclass
class RawTable:
    headers: list[str]
    parse_rejects: list[dict] = field(default_factory=list)  # {line, column, reason, raw}
    rows_read: int = 0


def read_raw(con, info: SourceInfo) -> RawTable:
    con.execute("DROP VIEW IF EXISTS _rawv")
    con.execute("DROP TABLE IF EXISTS _raw")
    if info.format == "csv":
        return _read_csv(con, info)
    if info.format == "xlsx":
        return _read_xlsx(con, info)
    return _read_parquet(con, info)


def _names(headers: list[str]) -> list[str]:
    return [h.strip() or f"column_{i}" for i, h in enumerate(headers, start=1)]


def _read_csv(con, info: SourceInfo) -> RawTable:
    bad_line = find_unterminated_quote(info)
    if bad_line is not None:
        raise IngestError(
            "A quoted field is opened with \" and never closed, so the rest of the file cannot be split into rows",
            where=f"{info.name}, line {bad_line}",
            fix='close the quote on that line, or double any " inside a quoted value ("")',
        )
    path, cleanup, compression = str(info.path), None, "gzip" if info.compressed else "none"
    encoding = DUCKDB_ENCODINGS.get(info.encoding)
    if encoding is None or info.decode_errors != "replace" or info.mixed_newlines:  # any other codec: transcode once to UTF-8 so DuckDB's parallel reader can take it
        fd, cleanup = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out, open_text(info) as src:
            for chunk in iter(lambda: src.read(1 << 20), ""):
                out.write(chunk)
        path, encoding, compression = cleanup, "utf-8", "none"
    headers = _names(info.headers)
    ncols = len(headers)
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols)) + "}"
    try:
        con.execute(
            f"""CREATE TEMP TABLE _raw AS
                SELECT *
                FROM read_csv(?, header = true, delim = ?, quote = '"', escape = '"', columns = {cols},
                              encoding = ?, store_rejects = true, rejects_table = '_csv_rejects',
                              rejects_scan = '_csv_scans', strict_mode = true, null_padding = false,
                              compression = ?, max_line_size = {MAX_LINE_BYTES})""",
            [path, info.delimiter, encoding, compression],
        )
        rejects = con.execute(
            """SELECT line, any_value(column_name), string_agg(DISTINCT error_type || ': ' || error_message, '; '),
                      any_value(csv_line)
               FROM _csv_rejects GROUP BY line ORDER BY line"""
        ).fetchall()
    except Exception as exc:  # duckdb raises subclasses of duckdb.Error with the parser's own wording
        if "Maximum line size" in str(exc):
            raise IngestError(
                f"{info.name} could not be read as CSV: one line is longer than {MAX_LINE_BYTES // 1_000_000} MB "
                "(a single text field that large is not a real order or review)", where=info.name,
                fix="check that every quote is closed; cut oversized text fields to a few thousand characters") from exc
        raise IngestError(f"{info.name} could not be read as CSV: {str(exc).splitlines()[0]}", where=info.name,
                          fix="check the delimiter and quoting, or save it again from your spreadsheet as CSV UTF-8") from exc
    finally:
        if cleanup:
            os.unlink(cleanup)
    parse_rejects = [
        {"line": int(line), "column": col or "", "reason": _short_parse_reason(reason), "raw": raw or ""}
        for line, col, reason, raw in rejects
    ]
    _add_line_numbers(con, ncols, [r["line"] for r in parse_rejects])
    return RawTable(headers=headers, parse_rejects=parse_rejects)


def _short_parse_reason(reason: str) -> str:
    return reason.split("\n")[0][:300]


def _add_line_numbers(con, ncols: int, reject_lines: list[int]) -> None:
    """View `_rawv` adds each row's file line: header + rows before it + newlines inside earlier quoted fields +
    bad lines the parser skipped (the i-th skipped line R_i shifts every row k with k + 1 >= R_i - i)."""
    # flat concat() calls, not chains of + / OR: wide exports (500+ columns) would exceed the expression depth
    joined = "concat(" + ", ".join(f"c{i}" for i in range(ncols)) + ")"
    nl = f"(length({joined}) - length(replace({joined}, chr(10), '')))"
    has_nl = con.execute(f"SELECT bool_or(contains({joined}, chr(10))) FROM _raw").fetchone()[0]
    line = "_row + 1"
    row = "rowid + 1 AS _row, "  # insertion order is file order, so the table's rowid numbers the data rows
    if has_nl:
        line += f" + coalesce(sum({nl}) OVER (ORDER BY _row ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
    if reject_lines:
        rl = sorted(reject_lines)
        con.execute("CREATE OR REPLACE TEMP TABLE _shift AS SELECT unnest(?) AS t, unnest(?) AS n",
                    [[r - i for i, r in enumerate(rl)], list(range(1, len(rl) + 1))])
        con.execute(f"""CREATE OR REPLACE TEMP VIEW _rawv AS
                        SELECT r.*, {line} + coalesce(s.n, 0) AS _line
                        FROM (SELECT {row} * FROM _raw) r ASOF LEFT JOIN _shift s ON r._row + 1 >= s.t""")
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _rawv AS SELECT *, {line} AS _line FROM (SELECT {row} * FROM _raw)")


def _cell(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _read_xlsx(con, info: SourceInfo) -> RawTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(info.path, read_only=True, data_only=False)
    except Exception as exc:
        raise IngestError(f"{info.name} could not be opened as an Excel workbook ({exc})", where=info.name,
                          fix="open it in your spreadsheet program and save it again as .xlsx") from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(v is None for v in header):
            raise IngestError(f"{info.name} has no header row in its first sheet", where=f"{info.name}, row 1",
                              fix="put the column names in the first row of the first sheet")
        headers = _names([_cell(v) or "" for v in header])
        info.headers = headers
        data = []
        for i, r in enumerate(rows, start=2):
            if r is None or all(v is None for v in r):
                continue
            cells = [_cell(v) for v in r[: len(headers)]]
            cells += [None] * (len(headers) - len(cells))
            data.append([i - 1, i] + cells)
    finally:
        wb.close()
    if len(wb.worksheets) > 1:
        info.notes.append(f"read the first sheet only ({wb.worksheets[0].title}) of {len(wb.worksheets)}")
    frame = pd.DataFrame(data, columns=["_row", "_line"] + [f"c{i}" for i in range(len(headers))], dtype=object)
    frame["_row"] = frame["_row"].astype("int64")
    frame["_line"] = frame["_line"].astype("int64")
    for i in range(len(headers)):
        frame[f"c{i}"] = frame[f"c{i}"].astype("string")
    con.register("_xlsx_frame", frame)
    try:
        cols = ", ".join(f"CAST(c{i} AS VARCHAR) AS c{i}" for i in range(len(headers)))
        con.execute(f"CREATE TEMP TABLE _raw AS SELECT _row, {cols}, _line AS _xline FROM _xlsx_frame")
        con.execute("CREATE OR REPLACE TEMP VIEW _rawv AS SELECT * EXCLUDE (_xline), _xline AS _line FROM _raw")
    finally:
        con.unregister("_xlsx_frame")
    return RawTable(headers=headers)


def _read_parquet(con, info: SourceInfo) -> RawTable:
    try:
        # top-level columns only: list/struct/map columns come through as their text form, never their leaves
        cols = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(info.path)]).fetchall()
        names = [c[0] for c in cols]
        info.headers = names
        select = ", ".join(f'CAST("{n.replace(chr(34), chr(34) * 2)}" AS VARCHAR) AS c{i}' for i, n in enumerate(names))
        con.execute(f"""CREATE TEMP TABLE _raw AS SELECT row_number() OVER () AS _row, {select},
                        FROM read_parquet(?)""", [str(info.path)])
        con.execute("CREATE OR REPLACE TEMP VIEW _rawv AS SELECT *, _row AS _line FROM _raw")
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(f"{info.name} could not be read as Parquet: {str(exc).splitlines()[0]}", where=info.name,
                          fix="write the file again from its source; it may be truncated") from exc
    return RawTable(headers=names)
