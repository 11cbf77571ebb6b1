"""The Qwen phrase model for the Campaigns page: one per process, loaded on the app's model thread while the page
shows its progress (verifying or assembling the weights, loading, reading the prompt examples)."""
from __future__ import annotations

import queue
import time

import streamlit as st


@st.cache_resource(show_spinner=False)
def _qwen():
    """Made, not loaded: loading waits for the first request for drafts."""
    from models.llama_phrases import LlamaPhrases

    return LlamaPhrases()


def loaded_qwen(show=st):
    """The loaded LlamaPhrases; the first call shows a progress bar in `show` (a container or st) until it is loaded.
    Raises what loading raised (a ShoplensError names the fix)."""
    from dashboard import model_thread

    m = _qwen()
    if m.loaded:
        return m
    bar = show.progress(0.0, text=f"Loading {m.name}…")
    steps: queue.SimpleQueue = queue.SimpleQueue()
    fut = model_thread.submit(m.load, lambda f, msg: steps.put((f, msg)))
    while not fut.done():
        time.sleep(0.2)
        while not steps.empty():
            f, msg = steps.get()
            bar.progress(min(max(f, 0.0), 1.0), text=msg)
    fut.result()
    bar.progress(1.0, text=f"{m.name} ready ({m.load_seconds:.1f} s)")
    return m
