"""Hostile-input suite for ingest (issue 6): every case in tests/hostile/corpus.py gets its expected outcome, stored
data stays exactly as it was, and the same connection still loads a good file afterwards.

Cases marked xfail are real ingest bugs found by this suite (strict: the test starts failing once fixed, so the
mark gets removed)."""
from __future__ import annotations

import pytest
from hostile.corpus import CASES, HEADER
from hostile.runner import check_load_case

from analysis import ingest

GOOD_ORDERS = HEADER + "\n1,A,GOOD MUG,2,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
GOOD_REVIEWS = "Review Text,Rating,Clothing ID,Age\nLovely fabric,5,1,30\n"
LATER = HEADER + "\n2,B,LATER MUG,1,2010-12-02 08:26:00,1.5,17851,France\n"


def test_corpus_is_large_enough():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=c.xfail, strict=True)] if c.xfail else [])
    for c in CASES])
def test_hostile_input(case, db, write, tmp_path):
    """Judged by tests/hostile/runner.py, the same rule bench/hostile.py applies."""
    con, path = db
    ingest.load_file(con, "orders", write("good.csv", GOOD_ORDERS), db_path=path)
    ingest.load_file(con, "reviews", write("good_reviews.csv", GOOD_REVIEWS), db_path=path)
    folder = tmp_path / "case"
    folder.mkdir()
    failure = check_load_case(con, path, case, folder)
    assert failure is None, failure
    # the connection is still healthy: a good file loads after the hostile one
    assert ingest.load_file(con, "orders", write("later.csv", LATER), db_path=path).accepted == 1
