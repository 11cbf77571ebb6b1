"""Feedback-page widgets for the review classifier: classify reviews, correct one label, Retrain with before/after."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, state
from models import feedback, registry


def classify_section(has_labels: bool) -> None:
    """Classify every waiting review in the background (dashboard/classify_job.py) with progress; the page stays
    usable and its charts refresh as batches land. The shipped starter model is installed when none is active."""
    from dashboard import classify_job
    from models.scoring import pending_reviews

    path = state.db_path()
    job = classify_job.current(path)
    if job is not None and job.running:
        _job_progress()
        return
    if job is not None and st.session_state.get("fb_job_seen") != (job.started, job.batches):
        st.session_state["fb_job_seen"] = (job.started, job.batches)  # finished since this page last looked:
        state.invalidate()  # the cached labels and charts predate its last batches
        st.rerun()
    if job is not None:
        _job_outcome(job)
    total, pending = pending_reviews(state.cursor())
    if not total or not pending:
        return
    if not has_labels:
        st.info(f"{total:,} reviews are not classified yet. Classifying runs in the background with the active "
                "model (a starter model ships with Shoplens; Retrain below improves it): the charts fill in as "
                "batches land and the rest of the app stays usable.")
    rate = job.rate() if job is not None else None
    eta = f" (about {_duration(pending / rate)} at the last run's {rate:.0f} reviews/s)" if rate else ""
    st.caption(f"{pending:,} of {total:,} reviews have no label from the active model yet{eta}.")
    if st.button(f"Classify reviews ({pending:,} waiting)", key="fb_classify",
                 type="primary" if not has_labels else "secondary"):
        start_classifying()
        st.rerun()


def start_classifying(restart: bool = False) -> None:
    """Start the background run (restart: stop a running one first, as after a Retrain activated a new model)."""
    from dashboard import classify_job

    go = classify_job.restart if restart else classify_job.start
    go(state.connection(), state.write_lock(), state.db_path(), auth.username())


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _job_outcome(job) -> None:
    """What the last background run did (shown until the next run starts)."""
    took = (job.finished or job.started) - job.started
    rate = job.rate()
    speed = f" in {_duration(took)} ({rate:.1f} reviews/s)" if rate else ""
    if job.phase == "done":
        st.success(f"Classified {job.written:,} reviews with {job.model_version}{speed}; {job.unknown:,} unusable "
                   "texts labelled 'unknown'.")
    elif job.phase == "stopped":
        st.warning(f"Stopped: {job.written:,} of {job.total:,} reviews were classified{speed} and are kept; "
                   "the button below goes on with the rest.")
    elif job.phase == "failed":
        st.error(f"Classifying stopped with an error after {job.written:,} reviews: {job.error}")


REFRESH_EVERY = 15.0  # seconds: charts are rebuilt at most this often while batches land


@st.fragment(run_every=2)
def _job_progress() -> None:
    """Progress of the background run; reruns the whole page when new batches landed (charts fill in) and at the end."""
    import time

    from dashboard import classify_job

    path = state.db_path()
    job = classify_job.current(path)
    if job is None:
        return
    seen = st.session_state.get("fb_job_seen")
    landed = (job.started, job.batches)
    if not job.running or (landed != seen and job.batches and
                           time.time() - st.session_state.get("fb_job_refreshed", 0) >= REFRESH_EVERY):
        st.session_state["fb_job_seen"] = landed
        st.session_state["fb_job_refreshed"] = time.time()
        state.invalidate()
        st.rerun(scope="app")
    rate, eta = job.rate(), job.eta_seconds()
    if job.phase == "loading the model":
        text = "Loading the model…"
    else:
        text = (f"Classifying in the background: {job.done:,} of {job.total:,} reviews"
                + (f" · {rate:.1f} reviews/s · about {_duration(eta)} left" if rate and eta is not None else "")
                + f" · {job.written:,} saved")
    c1, c2 = st.columns([5, 1], vertical_alignment="bottom")
    c1.progress(min(1.0, job.done / max(job.total, 1)), text=text)
    c2.button("Stop", key="fb_classify_stop", on_click=classify_job.stop, args=(path,),
              help="Batches already classified are kept; the button goes on with the rest later.")


def correction_form(view: pd.DataFrame, topics: list[str]) -> None:
    """Correct one review's sentiment and topics (the table above takes bulk edits)."""
    if view.empty:
        return
    st.markdown("**Correct one review**")
    texts = view.set_index("review_id")
    rid = st.selectbox("Review", view["review_id"].tolist(), key="fb_fix_id",
                       format_func=lambda r: f"{r}: {str(texts.at[r, 'text'])[:90]}")
    row = texts.loc[rid]
    st.caption(f"Now: sentiment **{row['sentiment']}**, topics **{row['topics'] or 'none'}**")
    from models.data import DEFAULT_TOPICS, SENTIMENTS

    options = sorted(set(topics) | set(DEFAULT_TOPICS))
    now = [t for t in str(row["topics"] or "").split("|") if t in options]
    # keyed per review, each starting from its current labels: saving a sentiment fix never also wipes the topics
    c1, c2 = st.columns([1, 2])
    sent = c1.selectbox("Correct sentiment", list(SENTIMENTS), key=f"fb_fix_sentiment:{rid}",
                        index=SENTIMENTS.index(row["sentiment"]) if row["sentiment"] in SENTIMENTS else 0)
    tops = c2.multiselect("Correct topics", options, default=now, key=f"fb_fix_topics:{rid}")
    if st.button("Save correction", key="fb_fix_save"):
        changes = [{"review_id": rid, "field": "sentiment", "old": row["sentiment"], "new": sent},
                   {"review_id": rid, "field": "topics", "old": row["topics"], "new": "|".join(tops)}]
        with state.write_lock():
            n = feedback.save_corrections(state.cursor(), changes, who=auth.username())
        state.invalidate()
        st.session_state["fb_fix_saved"] = n
        st.rerun()
    if st.session_state.get("fb_fix_saved") is not None:
        st.success(f"Saved {st.session_state['fb_fix_saved']} correction(s). They are used by the next Retrain.")


def _metrics(card: dict | None) -> dict:
    m = (card or {}).get("metrics", {})
    return {"sentiment macro-F1": (m.get("sentiment") or {}).get("macro_f1"),
            "topic macro-F1": (m.get("topics") or {}).get("macro_f1"),
            "held-back balanced accuracy": (m.get("heldback_binary") or {}).get("balanced_accuracy")}


@st.cache_data(show_spinner=False, ttl=120)
def _estimate(path: str, mode: str, n_corrections: int) -> dict | None:
    """Expected duration of a Fast retrain from measured speeds (models/retrain_report.py); None if it cannot run."""
    from analysis.errors import ShoplensError
    from models.retrain_report import estimate_fast
    from models.train import config_defaults

    try:
        return estimate_fast(config_defaults(mode=mode), _training_labels()[0])
    except ShoplensError:
        return None


def _training_labels() -> tuple[list[dict], int]:
    """(hand-read labels with the marketers' corrections in place, number of corrections)."""
    from models.data import load_labels

    labels = load_labels()
    test_ids = {int(r["id"]) for r in labels if r["split"] == "test"}
    extra = feedback.corrections_as_labels(state.cursor(), test_ids)
    corrected = {e["id"] for e in extra}
    return [r for r in labels if r["id"] not in corrected] + extra, len(extra)  # a correction overrides a label


def retrain_section() -> None:
    """Retrain on the hand-read labels plus the marketer's corrections: expected time from measured speed, progress
    through every phase, before/after metrics, and in words why the new model was or was not activated."""
    import json
    import time
    from pathlib import Path

    from models.retrain_report import expected_time_line, outcome

    st.subheader("Retrain")
    act = registry.active("sentiment")
    before = json.loads((Path(act["path"]) / "metrics.json").read_text()) if act else None
    st.caption(f"Active model: {act['version']} (sentiment test macro-F1 {act['metric']:.3f})"
               if act and act.get("metric") is not None else
               "No model is active yet: the shipped starter model becomes active on the first classification, "
               "or train one here.")
    mode = st.radio("Training", ["fast", "finetune"], horizontal=True, key="fb_mode",
                    format_func={"fast": "Fast: linear heads on the starter's frozen encoder (a minute or two)",
                                 "finetune": "Full fine-tune: more accurate (minutes on a GPU; about 20 min on 2 CPU "
                                             "cores for 3 epochs)"}.get)
    epochs = st.number_input("Epochs", 1, 6, 3, key="fb_epochs", disabled=mode == "fast")
    n_corr = len(feedback.latest_corrections(state.cursor()))
    if mode == "fast":
        est = _estimate(state.db_path(), mode, n_corr)
        if est is not None:
            st.caption(expected_time_line(est))
    if st.button("Retrain", key="fb_retrain", type="primary"):
        from models.train import config_defaults, train

        labels, n_extra = _training_labels()
        bar = st.progress(0.0, text="starting")
        with st.status(f"Training ({mode}) on {len(labels) - n_extra:,} hand-read labels + {n_extra} "
                       "corrections…", expanded=True) as box:
            phase, log = {"name": None, "t": time.time()}, []

            def finish_phase() -> None:
                if phase["name"]:
                    log.append(f"✓ {phase['name']} — {time.time() - phase['t']:.0f} s")
                    box.write(log[-1])

            def progress(d: int, t: int, msg: str) -> None:
                name = msg.split(":")[0]
                if name != phase["name"]:
                    finish_phase()
                    phase.update(name=name, t=time.time())
                bar.progress(min(1.0, d / max(t, 1)), text=msg)

            res = train(config_defaults(mode=mode, epochs=int(epochs)), labels=labels, progress=progress)
            finish_phase()
            box.update(label=f"Training finished in {res['train_seconds']:.0f} s", state="complete")
        bar.empty()
        after = json.loads((Path(res["path"]) / "metrics.json").read_text())
        auth.audit("train", "review classifier", {"mode": mode, "epochs": int(epochs), "version": res["version"],
                                                  "activated_for": res["activated_for"], "corrections": n_extra})
        st.session_state["fb_retrained"] = {"before": _metrics(before), "after": _metrics(after),
                                            "version": res["version"], "activated": res["activated_for"],
                                            "corrections": n_extra, "seconds": res["train_seconds"], "phases": log,
                                            "why": outcome(res, after, feedback.correction_rows(state.cursor()))}
        if res["activated_for"]:  # every label should come from the model now active
            start_classifying(restart=True)
            st.rerun()
    done = st.session_state.get("fb_retrained")
    if done:
        with st.status(f"Training finished in {done['seconds']:.0f} s", state="complete", expanded=False):
            for line in done["phases"]:
                st.write(line)
        table = pd.DataFrame({"before (active)": done["before"], "after (new)": done["after"]})
        st.dataframe(table, column_config={c: st.column_config.NumberColumn(format="%.3f") for c in table.columns})
        st.write(f"New version {done['version']} (trained with {done['corrections']} correction(s) in "
                 f"{done['seconds']:.0f} s): "
                 + (f"activated for {', '.join(done['activated'])}; every review is being relabelled with it in the "
                    "background." if done["activated"] else "not activated."))
        for line in done["why"]:
            st.markdown(line)
