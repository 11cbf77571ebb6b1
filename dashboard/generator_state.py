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


def writer(name: str, device: str = "auto", show=None):
    """(models.copy_writer.CopyWriter for `name`, None) or (None, message): the template writer loads no model; the
    model writer uses the one cached copy model; "template + model" uses the Qwen phrase model when installed (one
    per process; with `show`, a container such as st, its first load shows a progress bar there), else the SmolLM2
    fine-tune (phrase_note says so)."""
    from models import phrase_choice
    from models.copy_writer import CopyWriter, check_writer

    try:
        name = check_writer(name)
        if name == "template":
            return CopyWriter("template"), None
        if name == "template+model" and phrase_choice.qwen_available():
            from dashboard import phrase_state

            qwen = phrase_state.loaded_qwen(show) if show is not None else phrase_state._qwen()
            return CopyWriter("template+model", phrases=phrase_choice.phrase_model(qwen=qwen)[0]), None
    except ShoplensError as exc:  # a bad shop templates file or missing weights: one message, the page keeps working
        return None, str(exc)
    except Exception as exc:  # the phrase model failed to load: one message, never a traceback
        return None, f"The Qwen phrase model could not be loaded ({type(exc).__name__}: {exc})"
    gen, err = generator(device)
    if err:
        return None, err
    try:
        if name == "model":
            return CopyWriter("model", generator=gen), None
        return CopyWriter("template+model", phrases=phrase_choice.phrase_model(lambda d: gen, device)[0]), None
    except ShoplensError as exc:
        return None, str(exc)


def phrase_note(name: str) -> str | None:
    """For "template + model" without the Qwen phrase model: why SmolLM2 proposes instead (shown on the page)."""
    from models import phrase_choice

    if name.replace(" ", "") == "template+model" and not phrase_choice.qwen_available():
        return phrase_choice.FALLBACK_NOTE
    return None


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
    if key == "template+model":
        from models import phrase_choice

        return f"{t} + {phrase_choice.name() if phrase_choice.qwen_available() else active_version()}"
    return t if key == "template" else active_version()


def active_version() -> str:
    """The version drafts will come from (models.generator.active_source), without loading the model."""
    from models.generator import active_source

    try:
        return active_source()[1]
    except (OSError, ValueError):
        return "unknown (active.json unreadable)"


def clear() -> None:
    _generator.clear()
