"""dashboard.model_thread: every job runs on one long-lived thread (never the caller's), results and errors come back."""
from __future__ import annotations

import threading

import pytest

from dashboard import model_thread


def test_jobs_share_one_thread_that_is_not_the_callers():
    seen = [model_thread.run(threading.get_ident) for _ in range(3)]
    from_other = []
    t = threading.Thread(target=lambda: from_other.append(model_thread.run(threading.get_ident)))
    t.start()
    t.join()
    assert len(set(seen + from_other)) == 1 and seen[0] != threading.get_ident()


def test_result_and_exception_come_back():
    assert model_thread.run(lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(ValueError, match="bad"):
        model_thread.run(lambda: (_ for _ in ()).throw(ValueError("bad")))
