"""The retrain's expected-time line: short, total first, honest where nothing was measured yet."""
from __future__ import annotations

from models.retrain_report import expected_time_line

BASE = {"texts": 3549, "to_embed": 0, "texts_per_second": 14.0, "embed_seconds": 0.0, "fit_seconds": 21.0,
        "evaluate_seconds": 6.0, "total_seconds": 27.0}


def test_cached_run_states_total_and_two_parts():
    line = expected_time_line(BASE)
    assert line == "Expected time: **27 s** (fit 21 s, evaluate 6 s; measured here)."


def test_uncached_texts_name_the_reading_time_and_speed():
    line = expected_time_line({**BASE, "to_embed": 1200, "embed_seconds": 85.7, "total_seconds": 112.7})
    assert "**1.9 min**" in line and "reading 1,200 new texts 86 s at 14/s" in line


def test_nothing_measured_says_so_instead_of_a_guess():
    line = expected_time_line({**BASE, "to_embed": 3549, "texts_per_second": None, "embed_seconds": None,
                               "fit_seconds": None, "evaluate_seconds": None, "total_seconds": None})
    assert line.startswith("Expected time: not measured on this machine yet") and "**" not in line
