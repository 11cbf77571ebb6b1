"""One draft on screen (copy, checks with reasons, edit / approve / regenerate / discard), shared by Campaigns and
Replies so both pages treat a draft the same way: every edit re-runs the checks, and only a draft whose checks all
pass can be approved.
"""
from __future__ import annotations

import os
from collections.abc import Callable

import streamlit as st

from analysis import drafts_store
from analysis.draft_checks import CHECKS, explain, run_checks
from dashboard import auth, state

LABELS = {"subject": "Subject", "preheader": "Preheader", "cta": "Call to action", "body": "Body"}
FIELDS = {"email": ("subject", "preheader", "body", "cta"), "ad": ("subject", "body", "cta"), "sms": ("body",),
          "reply": ("body",)}
WRITERS = {"template": "template", "template+model": "template + model", "model": "model (experimental)"}
# Measured, not assumed: bench/results/drafts_rating.txt (311 + 80 drafts read blind, 2026-12-06). The free-writing copy
# model is opt-in, for comparison and fine-tuning work, never a quiet default.
MODEL_WRITER_WARNING = ("Experimental writer: in a blind reading of 155 of its drafts, 10% were sendable after light "
                        "edits and half were wrong or harmful (invented offers, replies that mock the complaint), "
                        "and most bad drafts still passed every automatic check. Read every word before approving; "
                        "the template writer's drafts were rated sendable 94% of the time.")
PHRASES_NOTE = ("Read these closely: in the same blind reading, drafts whose subject lines and openings the local "
                "model proposed were rated sendable 74% of the time (emails 36%), against 94% for the templates "
                "alone; the model's lines pass every check yet some read oddly (\"Your loyal customer, thank you!\").")
WRITER_HELP = ("template: vetted sentences filled from the facts (instant, the default). template + model: the copy "
               "model proposes subject lines and openings; each is kept only if every check passes, else the "
               "template's line is used. model: the copy model writes the whole draft. The two model writers are "
               "offered only when SHOPLENS_EXPERIMENTAL_WRITERS=1 (README: Draft quality).")
WRITER_NOTES = {"model": ("warning", MODEL_WRITER_WARNING), "template+model": ("info", PHRASES_NOTE)}


def writers() -> dict[str, str]:
    """The writers the pickers offer. The two with a model in them are opt-in (SHOPLENS_EXPERIMENTAL_WRITERS=1): in
    the blind reading their drafts rated 1-2 still passed every check (11 and 78 of 156 and 155), so by default no
    such draft reaches a marketer; the template writer had none."""
    if os.environ.get("SHOPLENS_EXPERIMENTAL_WRITERS", "").strip().lower() in ("1", "true", "yes", "on"):
        return dict(WRITERS)
    return {"template": WRITERS["template"]}


def writer_note(writer: str) -> None:
    """The blind-reading figures of the chosen writer, under the picker, before anything is generated."""
    if writer in WRITER_NOTES:
        kind, text = WRITER_NOTES[writer]
        getattr(st, kind)(text, icon=":material/science:")


STATUS_COLOR = {"new": "blue", "edited": "orange", "approved": "green", "discarded": "gray"}


def store_new(drafts: list[dict]) -> list[dict]:
    """Save freshly generated drafts (status new) and return them with their draft_id."""
    with state.write_lock():
        ids = drafts_store.save_all(state.cursor(), drafts, auth.username())
    state.invalidate_drafts()
    return [{**d, "draft_id": i, "status": "new"} for d, i in zip(drafts, ids, strict=True)]


def _label(field: str, channel: str) -> str:
    return "Headline" if (field == "subject" and channel == "ad") else LABELS[field]


def checks_summary(d: dict) -> None:
    """Badges for the result, then the reason behind each failed check (from analysis.draft_checks.explain)."""
    failed = [k for k in CHECKS if d["checks"].get(k) is False]
    if not failed:
        st.badge(f"All {len(d['checks'])} checks passed", icon=":material/check_circle:", color="green")
        return
    st.badge(f"{len(failed)} of {len(d['checks'])} checks failed", icon=":material/error:", color="red")
    why = explain(d, d["facts"])
    st.markdown("\n".join(f"- **{k}**: {'; '.join(why.get(k) or ['failed'])}" for k in failed))


def written_by(d: dict) -> None:
    """What wrote the draft: the templates, the templates with model lines (which ones), or the model."""
    w = d.get("writer") or "model"
    parts = d.get("model_parts") or []
    extra = ""
    if w == "template + model":
        extra = (" · model wrote the " + " and ".join("opening" if p == "hook" else p for p in parts)) if parts else \
            " · every model line was held back; template lines used"
    st.caption(f"Written by **{w}**{extra} · `{d.get('model_version')}`")


def held_back(d: dict) -> None:
    """The candidates and model lines held back while writing this draft, each with why."""
    items = d.get("held_back") or []
    if not items:
        return
    with st.expander(f"Held back ({len(items)})"):
        for h in items:
            what = {"hook": "Opening", "subject": "Subject", "draft": "Candidate", "model": "Model"}.get(h.get("part"),
                                                                                                      "Candidate")
            st.markdown(f"**{what}**")
            if h.get("text"):
                st.text(h["text"])  # the model's words as plain text, never rendered as markdown
            st.caption("; ".join(h.get("reasons") or []))


def draft_card(items: list[dict], i: int, regenerate: Callable[[dict], dict | None] | None = None) -> None:
    """Card for items[i]; edits, approval, regeneration and discarding write to the drafts table and to `items`."""
    d = items[i]
    did, ch = d["draft_id"], d["channel"]
    flash = st.session_state.pop(f"flash_{did}", None)
    with st.container(border=True):
        # the badge on the title line: in a column of its own a narrow card cut "approved" to "appro…"
        st.markdown(f"**Draft {i + 1}** · {ch} :{STATUS_COLOR.get(d['status'], 'gray')}-badge[{d['status']}]")
        written_by(d)
        checks_summary(d)
        held_back(d)
        if flash:
            getattr(st, flash[0])(flash[1])
        with st.form(f"draft_form_{did}", border=False):
            values = {}
            for f in FIELDS[ch]:
                if f == "body":
                    values[f] = st.text_area(_label(f, ch), d.get(f) or "", key=f"draft_{f}_{did}",
                                             height=90 if ch == "sms" else 220)
                else:
                    values[f] = st.text_input(_label(f, ch), d.get(f) or "", key=f"draft_{f}_{did}")
            cols = st.columns(2)
            save = cols[0].form_submit_button("Save edits", key=f"draft_save_{did}", width="stretch")
            approve = cols[1].form_submit_button("Approve", key=f"draft_approve_{did}", type="primary",
                                                 width="stretch", disabled=d["status"] == "approved")
        cols = st.columns(2)
        regen = regenerate is not None and cols[0].button("Regenerate", key=f"draft_regen_{did}",
                                                          icon=":material/refresh:", width="stretch")
        discard = cols[1].button("Discard", key=f"draft_discard_{did}", icon=":material/delete:", width="stretch")
    if save or approve:
        _save(items, i, values, approve)
    elif regen:
        _regenerate(items, i, regenerate)
    elif discard:
        with state.write_lock():
            drafts_store.set_status(state.cursor(), did, "discarded", auth.username())
        state.invalidate_drafts()
        items.pop(i)
        st.rerun()


def _save(items: list[dict], i: int, values: dict, approve: bool) -> None:
    d = items[i]
    edited = {**d, **{k: (v.strip() or None) for k, v in values.items()}}
    edited["checks"] = run_checks(edited, d["facts"])
    changed = any(edited.get(k) != d.get(k) for k in values)
    ok = all(edited["checks"].values())
    status = "approved" if approve and ok else ("edited" if changed or d["status"] == "edited" else d["status"])
    with state.write_lock():
        drafts_store.update(state.cursor(), d["draft_id"], edited, status, auth.username())
    state.invalidate_drafts()
    items[i] = {**edited, "status": status}
    if approve and not ok:
        failed = ", ".join(k for k, v in edited["checks"].items() if not v)
        st.session_state[f"flash_{d['draft_id']}"] = ("error", f"Not approved: fix the failed checks first ({failed}).")
    elif approve:
        st.session_state[f"flash_{d['draft_id']}"] = ("success", "Approved and saved.")
    else:
        st.session_state[f"flash_{d['draft_id']}"] = ("info", "Edits saved; checks re-run.")
    st.rerun()


def _regenerate(items: list[dict], i: int, regenerate: Callable[[dict], dict | None]) -> None:
    old = items[i]
    with st.spinner("Writing a new candidate…"):
        new = regenerate(old["facts"])
    if new is None:
        return  # the page has shown why (e.g. the model failed to load)
    [stored] = store_new([new])
    with state.write_lock():
        drafts_store.set_status(state.cursor(), old["draft_id"], "discarded", auth.username())
    items[i] = stored
    st.rerun()
