"""The copy model for the Campaigns and Replies pages: loaded once per process, only when someone asks for drafts.

Loading is lazy because the first load may convert the GGUF (about a minute) and a broken model must not stop a
page from rendering; a failed load is not cached, so fixing the model and pressing the button again retries it.
"""
from __future__ import annotations

import streamlit as st

from analysis.errors import ShoplensError


@st.cache_resource(show_spinner=False)
def _generator(device: str = "auto"):
    from dashboard import model_thread
    from dashboard.commands.drafts import load_generator  # the CLI's loader: one place turns failures into a message

    return model_thread.run(load_generator, device)


def generator(device: str = "auto"):
    """(generator, None) or (None, message a marketer can act on)."""
    try:
        return _generator(device), None
    except ShoplensError as exc:
        return None, str(exc)
    except Exception as exc:  # anything else: still one message, never a traceback on the page
        return None, f"The copy model could not be loaded ({type(exc).__name__}: {exc})"


def draft(gen, facts: dict, **kwargs) -> tuple[list[dict], list[dict], object]:
    """(gen.draft(facts, **kwargs), that call's candidates, its GenStats), run on the app's model thread
    (dashboard.model_thread: one thread for all torch work). Candidates and stats are taken there, before a request
    queued by another session can replace them."""
    from dashboard import model_thread

    def job():
        return gen.draft(facts, **kwargs), list(gen.last_candidates), gen.last_stats

    return model_thread.run(job)


def active_version() -> str:
    """The version drafts will come from (models.generator.active_source), without loading the model."""
    from models.generator import active_source

    try:
        return active_source()[1]
    except (OSError, ValueError):
        return "unknown (active.json unreadable)"


def clear() -> None:
    _generator.clear()
