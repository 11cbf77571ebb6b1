"""Hostile-input suite for ingest (issue 6): every case in tests/hostile/corpus.py gets its expected outcome, stored
data stays exactly as it was, and the same connection still loads a good file afterwards.

Cases marked xfail are real ingest bugs found by this suite (strict: the test starts failing once fixed, so the
mark gets removed)."""
from __future__ import annotations

import pytest
from hostile.corpus import CASES, HEADER

from analysis import ingest
from analysis.errors import IngestError

GOOD_ORDERS = HEADER + "\n1,A,GOOD MUG,2,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
GOOD_REVIEWS = "Review Text,Rating,Clothing ID,Age\nLovely fabric,5,1,30\n"
LATER = HEADER + "\n2,B,LATER MUG,1,2010-12-02 08:26:00,1.5,17851,France\n"


def snapshot(con, table: str) -> list:
    return con.execute(f"SELECT * FROM {table} WHERE _upload_id IN (1, 2) ORDER BY ALL").fetchall()


def test_corpus_is_large_enough():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=c.xfail, strict=True)] if c.xfail else [])
    for c in CASES])
def test_hostile_input(case, db, write, tmp_path):
    con, path = db
    ingest.load_file(con, "orders", write("good.csv", GOOD_ORDERS), db_path=path)
    ingest.load_file(con, "reviews", write("good_reviews.csv", GOOD_REVIEWS), db_path=path)
    before = {t: snapshot(con, t) for t in ("orders", "reviews")}
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("orders", "reviews", "uploads")}
    folder = tmp_path / "case"
    folder.mkdir()
    file = case.build(folder)

    report, err = None, None
    try:
        report = ingest.load_file(con, case.table, file, db_path=path, **case.kwargs)
    except IngestError as exc:  # anything else (a crash) fails the test
        err = str(exc)

    for t in ("orders", "reviews"):
        assert snapshot(con, t) == before[t], f"previously stored {t} changed"
    if not case.any_outcome:
        if case.refused is not None:
            assert err is not None, f"expected a refusal, got {report}"
            assert case.refused in err, err
            for t, n in counts.items():
                assert con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == n, f"{t} changed on a refusal"
        else:
            assert err is None, err
            assert (report.accepted, report.rejected) == (case.accepted, case.rejected), report.sample_rejects[:3]
            assert report.rows_in == report.accepted + report.rejected
            if case.reason:
                assert report.sample_rejects and all(case.reason in s["reason"] for s in report.sample_rejects), \
                    report.sample_rejects
            table = case.table
            added = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - counts[table]
            assert added == case.accepted
            if case.check:
                case.check(con, report)
    # the connection is still healthy: a good file loads after the hostile one
    assert ingest.load_file(con, "orders", write("later.csv", LATER), db_path=path).accepted == 1
