"""Read any accepted file into a temporary all-text table `_raw` (columns c0..cN plus _row and _line), so that
validation is one SQL path whatever the format. Parser-level problems come back as line-level rejects."""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analysis.config import max_load_memory_bytes, max_rows
from analysis.errors import IngestError
from analysis.sniff import SourceInfo, find_unterminated_quote, open_text, scan_bytes, xml_declarations_refused

MAX_LINE_BYTES = 10_000_000
XLSX_CHUNK_ROWS = 50_000
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


def too_many_rows(info: SourceInfo, rows: str, limit: int) -> IngestError:
    """The one message for a file over the row budget, whatever the format: the count, the limit, the way out."""
    return IngestError(
        f"{info.name} has {rows} data rows, above the limit of {limit:,} rows per load; refused before loading so "
        "one file cannot take the memory and time every user shares", where=info.name,
        fix="split the file into parts below the limit (append them one by one), or raise SHOPLENS_MAX_ROWS")


def out_of_memory(info: SourceInfo) -> IngestError:
    """DuckDB hit the load's memory_limit (SHOPLENS_MAX_LOAD_MEMORY) and could not spill: say so, not the engine's
    own multi-line text."""
    limit = max_load_memory_bytes()
    return IngestError(
        f"{info.name} needs more memory to load than the limit of {limit / 1e9:,.1f} GB per load", where=info.name,
        fix="split the file into smaller parts, or raise SHOPLENS_MAX_LOAD_MEMORY (e.g. 8GB or 50%)")


def _read_csv(con, info: SourceInfo) -> RawTable:
    scan = scan_bytes(info)
    if scan.nul_line is not None:
        raise IngestError(f"{info.name} is a binary file, or has binary data pasted into it: it contains NUL bytes, "
                          "which no CSV export writes", where=f"{info.name}, line {scan.nul_line}",
                          fix="remove the NUL characters (export the data again from its source)")
    bad_line = find_unterminated_quote(info, scan)
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
    args = [path, info.delimiter, encoding, compression]
    try:
        if scan.max_rows > max_rows():
            _check_csv_rows(con, info, _csv_source(ncols, "_count"), args)
        con.execute(f"CREATE TEMP TABLE _raw AS SELECT * FROM {_csv_source(ncols, '_csv')}", args)
        rejects = con.execute(
            """SELECT line, any_value(column_name), string_agg(DISTINCT error_type || ': ' || error_message, '; '),
                      any_value(csv_line)
               FROM _csv_rejects GROUP BY line ORDER BY line"""
        ).fetchall()
    except IngestError:
        raise
    except duckdb.OutOfMemoryException as exc:
        raise out_of_memory(info) from exc
    except Exception as exc:  # duckdb raises subclasses of duckdb.Error with the parser's own wording
        if "Maximum line size" in str(exc):
            raise IngestError(
                f"{info.name} could not be read as CSV: one line is longer than {MAX_LINE_BYTES // 1_000_000} MB "
                "(a single text field that large is not a real order or review)", where=info.name,
                fix="check that every quote is closed; cut oversized text fields to a few thousand characters") from exc
        raise IngestError(f"{info.name} could not be read as CSV: {error_detail(exc, info)}", where=info.name,
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


def _csv_source(ncols: int, rejects: str) -> str:
    """The one read_csv call (parameters: path, delimiter, encoding, compression); rejects land in <rejects>_rejects."""
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols)) + "}"
    return f"""read_csv(?, header = true, delim = ?, quote = '"', escape = '"', columns = {cols},
                        encoding = ?, store_rejects = true, rejects_table = '{rejects}_rejects',
                        rejects_scan = '{rejects}_scans', strict_mode = true, null_padding = false,
                        compression = ?, max_line_size = {MAX_LINE_BYTES})"""


def _check_csv_rows(con, info: SourceInfo, source: str, args: list) -> None:
    """The line count says the file may be over the row budget (blank lines and newlines inside quotes inflate it):
    let DuckDB count real rows, streaming and stopping at limit + 1, so nothing is materialised."""
    limit = max_rows()
    try:
        n = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {source} LIMIT {limit + 1})", args).fetchone()[0]
    finally:
        con.execute("DROP TABLE IF EXISTS _count_rejects")
        con.execute("DROP TABLE IF EXISTS _count_scans")
    if n > limit:
        raise too_many_rows(info, f"more than {limit:,}", limit)


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
    """The first sheet, streamed in chunks into `_raw`. Any XML problem inside (a DTD that defusedxml refuses, a
    damaged part) becomes one line naming the file, never a parser traceback."""
    wb = _open_workbook(info)
    try:
        ws = wb.worksheets[0]
        sheets = len(wb.worksheets)
        # read-only mode trusts the sheet's <dimension>: too small a one drops rows silently, A1:XFD1048576 pads
        # every row to 16,384 cells and the sheet to a million rows. Forget it and read the cells that exist.
        ws.reset_dimensions()
        headers = _xlsx_headers(ws, info)
        _create_xlsx_raw(con, len(headers))
        n = 0
        for chunk in _xlsx_chunks(ws, len(headers)):
            n += len(chunk)
            if n > max_rows():
                raise too_many_rows(info, f"more than {max_rows():,}", max_rows())
            _append_xlsx_chunk(con, chunk, len(headers))
    except IngestError:
        raise
    except duckdb.OutOfMemoryException as exc:
        raise out_of_memory(info) from exc
    except Exception as exc:
        raise _xlsx_error(info, exc) from exc
    finally:
        wb.close()
    if sheets > 1:
        info.notes.append(f"read the first sheet only ({ws.title}) of {sheets}")
    con.execute("CREATE OR REPLACE TEMP VIEW _rawv AS SELECT * EXCLUDE (_xline), _xline AS _line FROM _raw")
    return RawTable(headers=headers)


def _open_workbook(info: SourceInfo):
    import openpyxl

    try:
        return openpyxl.load_workbook(info.path, read_only=True, data_only=False)
    except Exception as exc:
        raise _xlsx_error(info, exc, opening=True) from exc


def error_detail(exc: BaseException, info: SourceInfo) -> str:
    """The first line of a reader's error, with the upload's server-side path shown as its name and any other path
    as <path>: messages reach the page, and where the server keeps files is nobody's business there."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return re.sub(r"(?<![\w.])(?:[A-Za-z]:)?[/\\][^\s'\"]+", "<path>", first.replace(str(info.path), info.name))[:200]


def _xlsx_error(info: SourceInfo, exc: Exception, opening: bool = False) -> IngestError:
    """defusedxml's refusals get the XML-bomb/XXE message; anything else is a damaged workbook. The message keeps
    only the exception's first line and type, so no server path or stack reaches the page."""
    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps parser errors in a ValueError that names the server path
        if type(cause).__module__.startswith("defusedxml"):
            return xml_declarations_refused(info.name, "a workbook part")
        cause = cause.__cause__ or cause.__context__
    detail = error_detail(exc, info)
    what = "could not be opened as an Excel workbook" if opening else "has a sheet that could not be read"
    return IngestError(f"{info.name} {what} ({detail})", where=info.name,
                       fix="open it in your spreadsheet program and save it again as .xlsx")


def _xlsx_headers(ws, info: SourceInfo) -> list[str]:
    """Row 1, without the empty cells a sheet may carry after its last column."""
    header = list(next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ()) or ())
    while header and header[-1] is None:
        header.pop()
    if not header:
        raise IngestError(f"{info.name} has no header row in its first sheet", where=f"{info.name}, row 1",
                          fix="put the column names in the first row of the first sheet")
    headers = _names([_cell(v) or "" for v in header])
    info.headers = headers
    return headers


def _xlsx_chunks(ws, ncols: int):
    """Lists of [_row, _line, c0..] of XLSX_CHUNK_ROWS non-empty rows; cells right of the header are never built."""
    chunk = []
    for line, r in enumerate(ws.iter_rows(min_row=2, max_col=ncols, values_only=True), start=2):
        if not r or all(v is None for v in r):
            continue
        cells = [_cell(v) for v in r]
        cells += [None] * (ncols - len(cells))
        chunk.append([line - 1, line] + cells)
        if len(chunk) == XLSX_CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _create_xlsx_raw(con, ncols: int) -> None:
    cols = ", ".join(f"c{i} VARCHAR" for i in range(ncols))
    con.execute(f"CREATE TEMP TABLE _raw (_row BIGINT, {cols}, _xline BIGINT)")


def _append_xlsx_chunk(con, chunk: list[list], ncols: int) -> None:
    """One chunk through pandas into `_raw`, so memory holds one chunk of Python objects, not the whole sheet."""
    frame = pd.DataFrame(chunk, columns=["_row", "_line"] + [f"c{i}" for i in range(ncols)], dtype=object)
    frame["_row"] = frame["_row"].astype("int64")
    frame["_line"] = frame["_line"].astype("int64")
    for i in range(ncols):
        frame[f"c{i}"] = frame[f"c{i}"].astype("string")
    con.register("_xlsx_frame", frame)
    try:
        cols = ", ".join(f"CAST(c{i} AS VARCHAR)" for i in range(ncols))
        con.execute(f"INSERT INTO _raw SELECT _row, {cols}, _line FROM _xlsx_frame")
    finally:
        con.unregister("_xlsx_frame")


def _read_parquet(con, info: SourceInfo) -> RawTable:
    try:
        # the footer says how many rows the file holds: a few hundred KB of run-length-encoded Parquet can expand
        # to tens of millions of rows, so refuse before a single row is decoded
        rows = con.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)", [str(info.path)]).fetchone()[0] or 0
        if rows > max_rows():
            raise too_many_rows(info, f"{rows:,}", max_rows())
        # top-level columns only: list/struct/map columns come through as their text form, never their leaves
        cols = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(info.path)]).fetchall()
        names = [c[0] for c in cols]
        info.headers = names
        select = ", ".join(f'CAST("{n.replace(chr(34), chr(34) * 2)}" AS VARCHAR) AS c{i}' for i, n in enumerate(names))
        con.execute(f"""CREATE TEMP TABLE _raw AS SELECT row_number() OVER () AS _row, {select},
                        FROM read_parquet(?)""", [str(info.path)])
        _refuse_nul(con, info, names)
        con.execute("CREATE OR REPLACE TEMP VIEW _rawv AS SELECT *, _row AS _line FROM _raw")
    except IngestError:
        raise
    except duckdb.OutOfMemoryException as exc:
        raise out_of_memory(info) from exc
    except Exception as exc:
        raise IngestError(f"{info.name} could not be read as Parquet: {error_detail(exc, info)}", where=info.name,
                          fix="write the file again from its source; it may be truncated") from exc
    return RawTable(headers=names)


def _refuse_nul(con, info: SourceInfo, names: list[str]) -> None:
    """A NUL byte in a Parquet text value is refused like one anywhere in a CSV: no real order or review holds
    one, and it truncates the value in C-string consumers (exports, e-mail drafts)."""
    if not names:
        return
    flags = "[" + ", ".join(f"contains(c{i}, chr(0))" for i in range(len(names))) + "]"
    hit = con.execute(f"SELECT _row, f FROM (SELECT _row, {flags} AS f FROM _raw) WHERE list_contains(f, true) "
                      "ORDER BY _row LIMIT 1").fetchone()
    if hit:
        column = names[hit[1].index(True)]
        raise IngestError(f"{info.name} has a NUL byte (binary data) in a text value, which no real order or review "
                          "holds", where=f"{info.name}, row {hit[0]}, column {column}",
                          fix="remove the NUL characters at the source and write the file again")
