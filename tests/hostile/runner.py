"""Run one hostile ingest case and say what went wrong, if anything: shared by tests/test_hostile_inputs.py and
bench/hostile.py, so the suite and the benchmark judge a case by the same rule.

`check_load_case(con, path, case, folder)`: the caller has loaded some good data first; this loads the case's file,
compares what is stored with what the case expects, and returns None when the input was held (refused cleanly, or
rows rejected with their reasons, earlier rows untouched) or a one-line description of the failure."""
from __future__ import annotations

import hashlib

from analysis import ingest
from analysis.errors import IngestError

DATA_TABLES_SKIP = {"audit_log"}  # a refusal may rightly be recorded there; every other table must stay the same


def data_checksum(con) -> str:
    """md5 over every table's rows in a fixed order (audit_log aside): equal before and after means nothing stored
    changed, which is the promise made for every refused input."""
    h = hashlib.md5()
    for t, digest in table_checksums(con).items():
        h.update(f"{t}:{digest};".encode())
    return h.hexdigest()


def table_checksums(con) -> dict[str, str]:
    """Table name -> 'rows:md5' for every table but audit_log, to say which table a refused input changed."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary "
        "ORDER BY table_name").fetchall()]
    out = {}
    for t in tables:
        if t in DATA_TABLES_SKIP:
            continue
        rows = con.execute(f'SELECT md5(coalesce(string_agg(CAST(x AS VARCHAR), chr(10) ORDER BY CAST(x AS VARCHAR)),'
                           f" '')), count(*) FROM \"{t}\" AS x").fetchone()
        out[t] = f"{rows[1]}:{rows[0]}"
    return out


def earlier_rows(con) -> list:
    """Every stored order and review line, to compare after a load that adds rows: none may change or go."""
    return [{repr(r) for r in con.execute(f"SELECT * FROM {t}").fetchall()} for t in ("orders", "reviews")]


def check_load_case(con, path, case, folder) -> str | None:
    """None if the case was held as it expects; otherwise what failed. A crash other than IngestError is a failure."""
    earlier = earlier_rows(con)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("orders", "reviews", "uploads")}
    before = data_checksum(con)
    file = case.build(folder)
    report, err = None, None
    try:
        report = ingest.load_file(con, case.table, file, db_path=path, **case.kwargs)
    except IngestError as exc:
        err = str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash is exactly what this reports
        return f"crashed: {type(exc).__name__}: {str(exc)[:200]}"
    if err is not None:
        if "Traceback" in err or "\n" in err.strip():
            return f"refusal is not one line: {err[:200]!r}"
        if data_checksum(con) != before:
            return "stored data changed on a refusal"
        if case.any_outcome:
            return None
        if case.refused is None:
            return f"refused, expected a load: {err[:200]}"
        return None if case.refused in err else f"refused with another message: {err[:200]}"
    if case.any_outcome:
        return None
    if case.refused is not None:
        return f"expected a refusal, got accepted={report.accepted} rejected={report.rejected}"
    if (report.accepted, report.rejected) != (case.accepted, case.rejected):
        return f"accepted/rejected {report.accepted}/{report.rejected}, expected {case.accepted}/{case.rejected}"
    if report.rows_in != report.accepted + report.rejected:
        return "rows_in != accepted + rejected"
    if case.reason and not (report.sample_rejects and all(case.reason in s["reason"] for s in report.sample_rejects)):
        return f"reject reason lacks {case.reason!r}: {report.sample_rejects[:1]}"
    after = earlier_rows(con)
    if any(not old <= now for old, now in zip(earlier, after, strict=True)):
        return "a row stored before the load changed or went"
    added = con.execute(f"SELECT count(*) FROM {case.table}").fetchone()[0] - counts[case.table]
    if added != case.accepted:
        return f"{added} rows stored, report says {case.accepted}"
    if case.check:
        try:
            case.check(con, report)
        except AssertionError as exc:
            return f"stored wrongly: {str(exc)[:200]}"
    return None
