"""One long-lived thread for the app's model work (loading and drafting with the copy model).

Why: Streamlit runs every script rerun in a fresh thread, and each thread that calls PyTorch on CPU gets its own
OpenMP worker team; teams from several threads (or two sessions drafting at once) compete for the same two cores.
Measured on the 2-core box, the same three At risk email candidates (460 tokens, fixed seed) in one process: 10.3 and
11.2 s from the thread that used torch first, 17.0 and 24.4 s from two later threads. Here every job runs on one
thread, and requests from several sessions queue instead of splitting two cores. What it did not fix: in the app
(headless Chromium on the same cores) the model still took 13-30 s per request, mean about 20 s over 10 requests,
against 18-33 s (mean about 24 s) over 9 before; sampled lengths vary too much to call that a gain.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def submit(fn: Callable[..., T], *args, **kwargs) -> Future:
    """fn(*args, **kwargs) queued on the model thread; the Future, so a page can show progress while it runs."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shoplens-model")
    return _executor.submit(fn, *args, **kwargs)


def run(fn: Callable[..., T], *args, **kwargs) -> T:
    """fn(*args, **kwargs) on the model thread; its result, or its exception raised here."""
    return submit(fn, *args, **kwargs).result()
