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


def writer(name: str, device: str = "auto"):
    """(models.copy_writer.CopyWriter for `name`, None) or (None, message): the template writer loads no model; the
    model writers share the one cached copy model."""
    from models.copy_writer import CopyWriter, check_writer, default_phrase_model

    try:
        name = check_writer(name)
        if name == "template":
            return CopyWriter("template"), None
    except ShoplensError as exc:  # a bad shop templates file: one message, the page keeps working
        return None, str(exc)
    gen, err = generator(device)
    if err:
        return None, err
    try:
        if name == "model":
            return CopyWriter("model", generator=gen), None
        return CopyWriter("template+model", phrases=default_phrase_model(gen)), None
    except ShoplensError as exc:
        return None, str(exc)


def draft(gen, facts: dict, **kwargs) -> tuple[list[dict], list[dict], object]:
    """(gen.draft(facts, **kwargs), that call's candidates, its stats), run on the app's model thread (gen: a
    models.copy_writer.CopyWriter or a models.generator.Generator)
    (dashboard.model_thread: one thread for all torch work). Candidates and stats are taken there, before a request
    queued by another session can replace them."""
    from dashboard import model_thread

    def job():
        return gen.draft(facts, **kwargs), list(gen.last_candidates), gen.last_stats

    return model_thread.run(job)


def writer_version(name: str) -> str:
    """What a writer's drafts will carry as model_version, without loading a model."""
    from analysis import copy_templates

    try:
        t = copy_templates.load().version
    except ShoplensError as exc:
        return f"templates unusable ({exc.what})"
    key = name.replace(" ", "")
    return t if key == "template" else active_version() if key == "model" else f"{t} + {active_version()}"


def active_version() -> str:
    """The version drafts will come from (models.generator.active_source), without loading the model."""
    from models.generator import active_source

    try:
        return active_source()[1]
    except (OSError, ValueError):
        return "unknown (active.json unreadable)"


def clear() -> None:
    _generator.clear()
