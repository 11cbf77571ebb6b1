"""Load one file into one canonical table: sniff, read, map, validate, then swap the accepted rows in atomically.
Either the whole accepted set lands with its upload record, or nothing changes."""
from __future__ import annotations

import contextlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from analysis import export_safety, schema, store
from analysis import mapping as mapping_mod
from analysis.config import max_load_memory_bytes, rejects_dir
from analysis.errors import IngestError
from analysis.rawread import out_of_memory, read_raw
from analysis.sniff import sniff
from analysis.validate import build_staged

MODES = ("append", "replace")
DUPLICATES = ("auto", "keep", "reject")


@dataclass
class LoadReport:
    table: str
    rows_in: int
    accepted: int
    rejected: int
    rejects_file: str | None
    upload_id: int | None = None
    file_format: str = ""
    mapping: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    sample_rejects: list[dict] = field(default_factory=list)
    duplicates: dict = field(default_factory=dict)  # the rule applied to identical lines, why, and how many

    def summary(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k in ("table", "rows_in", "accepted", "rejected", "rejects_file")}


def load_file(con, table: str, path: Path | str, mode: str = "append", overrides: dict[str, str] | None = None,
              who: str = "cli", display_name: str | None = None, dry_run: bool = False,
              db_path: Path | str | None = None, duplicates: str = "auto") -> LoadReport:
    """Validate `path` and (unless dry_run) store its accepted rows; raises IngestError for a file refused whole.
    duplicates: what identical order lines are (see duplicate_rule)."""
    if table not in schema.LOADABLE:
        raise IngestError(f'Unknown table "{table}"', fix=f"use one of: {', '.join(schema.LOADABLE)}")
    if mode not in MODES:
        raise IngestError(f'Unknown mode "{mode}"', fix="use append or replace")
    if duplicates not in DUPLICATES:
        raise IngestError(f'Unknown duplicates rule "{duplicates}"', where="--duplicates",
                          fix="use auto, keep or reject")
    if duplicates == "keep" and table != "orders":
        raise IngestError(f"Identical lines can only be kept in orders, not in {table}", where="--duplicates",
                          fix=f"leave --duplicates at auto for {table}: each row there has its own id")
    info = sniff(path, display_name)
    try:
        with memory_budget(con, info):
            raw = read_raw(con, info)
            mapping_mod.check_headers(raw.headers, info.name)
            remembered = mapping_mod.remembered(con, table, raw.headers)
            mapping = mapping_mod.resolve(table, raw.headers, overrides, remembered, info.name)
            keep, why = duplicate_rule(table, mapping, duplicates)
            notes = info.notes + build_staged(con, table, mapping, raw.headers, keep_repeats=keep)
            if mode == "append":
                _mark_already_stored(con, table, keep)
            report = _finish(con, table, info, raw, mapping, overrides, mode, who, dry_run, notes, db_path,
                             _duplicate_summary(con, table, keep, why, duplicates))
            return report
    finally:
        con.execute("DROP VIEW IF EXISTS _rawv")
        for t in ("_raw", "_staged", "_csv_rejects", "_csv_scans", "_shift"):
            con.execute(f"DROP TABLE IF EXISTS {t}")


@contextlib.contextmanager
def memory_budget(con, info):
    """DuckDB may use at most SHOPLENS_MAX_LOAD_MEMORY while a file loads (it spills to disk beyond that, or the
    load is refused with one line); the database's own limit comes back afterwards, for the app's queries."""
    before = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    con.execute(f"SET memory_limit = '{int(max_load_memory_bytes())}B'")  # an int: nothing user-typed in the SQL
    try:
        yield
    except duckdb.OutOfMemoryException as exc:
        raise out_of_memory(info) from exc
    finally:
        con.execute("RESET memory_limit")  # exact when the database ran on DuckDB's default (the app does)
        if con.execute("SELECT current_setting('memory_limit')").fetchone()[0] != before:
            con.execute(f"SET memory_limit = '{before.replace(chr(39), '')}'")  # DuckDB's own text, e.g. '18.6 GiB'


def duplicate_rule(table: str, mapping: dict[str, str], duplicates: str = "auto") -> tuple[bool, str]:
    """(keep identical lines?, why). In an export without order ids two identical lines (same customer, time,
    product, quantity, price) are two real purchases, often a repeat buy at the till; with order ids, an identical
    line repeats the same order line, an export glitch. auto decides by whether the file has an order id column."""
    if table != "orders":
        return False, f"each {table} row has its own id, so an identical row is the same row twice"
    if duplicates == "keep":
        return True, "the load was told to keep them (duplicates: keep), as separate purchases"
    if duplicates == "reject":
        return False, "the load was told to reject them (duplicates: reject), as the same line twice"
    if "order_id" in mapping:
        return False, ("the file has an order id column, so an identical line repeats the same order line "
                       "(choose keep if your shop writes one line per item bought)")
    return True, ("the file has no order id column, so identical lines are separate purchases of the same thing at "
                  "the same time (choose reject if the export repeats lines by mistake)")


def _duplicate_summary(con, table: str, keep: bool, why: str, asked: str) -> dict:
    """How many lines of the file repeat an earlier identical line, and what the rule did with them (orders only:
    elsewhere a repeated id is a conflict, reported line by line)."""
    if table != "orders":
        return {}
    repeats, kept = con.execute(
        """SELECT count(*) FILTER (WHERE nth > 1), count(*) FILTER (WHERE nth > 1 AND _reasons IS NULL)
           FROM (SELECT _reasons, row_number() OVER (PARTITION BY _row_hash ORDER BY _row) AS nth FROM _staged)"""
    ).fetchone()
    out = {"rule": "keep" if keep else "reject", "asked": asked, "identical_lines": int(repeats), "why": why}
    out["kept" if keep else "rejected"] = int(kept) if keep else int(repeats)
    return out


def _mark_already_stored(con, table: str, keep_repeats: bool = False) -> None:
    if table == "orders" and keep_repeats:
        # the n-th identical line of the file is already stored when the table holds n or more such lines: loading
        # the same export twice adds nothing, while a repeat purchase the table does not hold yet still lands
        con.execute(
            """UPDATE _staged SET _reasons = concat_ws('; ', _reasons, 'duplicate row: the same line is already '
                   || 'stored (' || s.stored || ' identical line' || CASE WHEN s.stored > 1 THEN 's' ELSE '' END
                   || ' in orders)')
               FROM (SELECT _row, row_number() OVER (PARTITION BY _row_hash ORDER BY _row) AS nth FROM _staged) n,
                    (SELECT _row_hash, count(*) AS stored FROM orders GROUP BY 1) s
               WHERE n._row = _staged._row AND s._row_hash = _staged._row_hash AND n.nth <= s.stored""")
        return
    if table == "orders":
        cond, msg = "_row_hash IN (SELECT _row_hash FROM orders)", "'duplicate row: the same line is already stored'"
    else:
        key = {"reviews": "review_id", "customers": "customer_id", "products": "product_id"}[table]
        cond = f"{key} IN (SELECT {key} FROM {table})"
        msg = f"'{key} ' || {key} || ' is already stored (load with mode replace to reload the table)'"
    con.execute(f"UPDATE _staged SET _reasons = concat_ws('; ', _reasons, {msg}) WHERE {cond}")


def _finish(con, table, info, raw, mapping, overrides, mode, who, dry_run, notes, db_path, dup: dict) -> LoadReport:
    accepted, invalid = con.execute(
        "SELECT count(*) FILTER (WHERE _reasons IS NULL), count(*) FILTER (WHERE _reasons IS NOT NULL) FROM _staged"
    ).fetchone()
    rejected = invalid + len(raw.parse_rejects)
    report = LoadReport(table=table, rows_in=accepted + rejected, accepted=accepted, rejected=rejected,
                        rejects_file=None, file_format=info.format, mapping=mapping, notes=notes, dry_run=dry_run,
                        duplicates=dup)
    if dup.get("identical_lines"):
        n = dup["identical_lines"]
        done = (f"{dup['kept']:,} kept as repeat purchases" + (f" ({n - dup['kept']:,} already stored or invalid)"
                                                               if dup["kept"] < n else "")
                if dup["rule"] == "keep" else f"{n:,} rejected as duplicates")
        report.notes.append(f"{n:,} line{'s' if n != 1 else ''} of the file repeat an earlier identical line: {done}, "
                            f"because {dup['why']}")
    if report.rows_in == 0:
        report.notes.append("the file has a header but no data rows; nothing was added")
    _collect_rejects(con, raw, len(raw.headers))
    report.sample_rejects = [
        dict(zip(("line", "column", "reason", "raw"), r, strict=False))
        for r in con.execute("SELECT line, column_name, reason, raw FROM _rejects ORDER BY line LIMIT 200").fetchall()
    ]
    if dry_run:
        con.execute("DROP TABLE IF EXISTS _rejects")
        return report
    upload_id = con.execute("SELECT nextval('upload_seq')").fetchone()[0]
    report.upload_id = upload_id
    if rejected:
        report.rejects_file = str(_write_rejects(con, db_path, upload_id, table, info.name))
    con.execute("DROP TABLE IF EXISTS _rejects")
    cols = ", ".join(c.name for c in schema.LOADABLE[table])
    extra_cols = ", linkage, extra" if table == "reviews" else ""
    extra_vals = ", NULL, extra" if table == "reviews" else ""
    with store.transaction(con):
        if mode == "replace":
            con.execute(f"DELETE FROM {table}")  # table is whitelisted above
        con.execute(
            f"""INSERT INTO {table} ({cols}, _upload_id, _line, _row_hash{extra_cols})
                SELECT {cols}, ?, _line, _row_hash{extra_vals} FROM _staged WHERE _reasons IS NULL""",
            [upload_id],
        )
        con.execute(
            "INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [upload_id, table, info.name, info.sha256, info.format, mode, report.rows_in, accepted, rejected,
             report.rejects_file, json.dumps(mapping), who, datetime.now()],
        )
        mapping_mod.remember(con, table, raw.headers, overrides or {})
        store.audit(con, who, "upload", table, {"file": info.name, "sha256": info.sha256, **report.summary()})
    con.execute("CHECKPOINT")
    return report


def _collect_rejects(con, raw, ncols: int) -> None:
    """One row per rejected source line: parser rejects from DuckDB plus validation reasons with the raw values."""
    # one flat call, not a chain of ||: a 500-column export would exceed DuckDB's expression depth
    raw_text = "concat_ws(' | ', " + ", ".join(f"coalesce(r.c{i}, '')" for i in range(ncols)) + ")"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _rejects AS
                    SELECT s._line AS line, regexp_extract(s._reasons, '^([^:]+):', 1) AS column_name,
                           s._reasons AS reason, {raw_text} AS raw
                    FROM _staged s JOIN _rawv r USING (_row) WHERE s._reasons IS NOT NULL""")
    if raw.parse_rejects:
        con.execute("INSERT INTO _rejects SELECT unnest(?), unnest(?), unnest(?), unnest(?)", [
            [r["line"] for r in raw.parse_rejects], [r["column"] for r in raw.parse_rejects],
            [r["reason"] for r in raw.parse_rejects], [r["raw"] for r in raw.parse_rejects]])


def _write_rejects(con, db_path, upload_id: int, table: str, file_name: str) -> Path:
    """CSV of rejected lines, neutralised by export_safety's rule, in SQL so a large report never goes through
    pandas: the raw values are exactly what was refused, often formulas."""
    folder = rejects_dir(db_path or con.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                                                "current_database()").fetchone()[0])
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(file_name).stem)[:60]
    out = folder / f"upload{upload_id}_{table}_{stem}_rejects.csv"
    cols = ", ".join(f"{export_safety.sql_neutralise(c)} AS {c}" for c in ("column_name", "reason", "raw"))
    con.execute(f"COPY (SELECT line, {cols} FROM _rejects ORDER BY line) TO '{_sql_path(out)}' (HEADER, DELIMITER ',')")
    return out


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


@dataclass
class Preview:
    headers: list[str]
    suggested: dict[str, str]
    sample: object  # pandas.DataFrame of the first rows, as text
    file_format: str
    notes: list[str]


def preview(con, table: str, path: Path | str, display_name: str | None = None, rows: int = 8) -> Preview:
    """Headers, the mapping Shoplens would use, and the first rows, so the analyst can check before loading."""
    info = sniff(path, display_name)
    try:
        with memory_budget(con, info):
            raw = read_raw(con, info)
        mapping_mod.check_headers(raw.headers, info.name)
        suggested = mapping_mod.suggest(table, raw.headers)
        suggested.update({k: v for k, v in mapping_mod.remembered(con, table, raw.headers).items()
                          if v in raw.headers})
        cols = ", ".join(f"c{i}" for i in range(len(raw.headers)))
        sample = con.execute(f"SELECT {cols} FROM _rawv ORDER BY _row LIMIT ?", [rows]).df()
        sample.columns = raw.headers
        return Preview(raw.headers, suggested, sample, info.format, info.notes)
    finally:
        con.execute("DROP VIEW IF EXISTS _rawv")
        for t in ("_raw", "_csv_rejects", "_csv_scans", "_shift"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
