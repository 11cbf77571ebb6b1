"""Feedback-page widgets for the review classifier: classify reviews, correct one label, Retrain with before/after."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, state
from models import feedback, registry

FIRST_BATCH = 2000  # newest reviews classified by the first click: about a minute on 2 CPU cores


def classify_section(has_labels: bool) -> None:
    """Score the newest reviews now (installing the shipped starter model when none is active), the rest on demand."""
    from models.scoring import pending_reviews

    total, pending = pending_reviews(state.cursor())
    if not total or not pending:
        return
    if not has_labels:
        st.info(f"{total:,} reviews are not classified yet. The first click classifies the newest ones with the "
                "active model (a starter model ships with Shoplens; Retrain below improves it).")
    c1, c2 = st.columns([1, 3])
    n = c1.number_input("Reviews to classify now", 1, max(1, pending), min(FIRST_BATCH, pending), step=500,
                        key="fb_classify_n", help="newest first; about 30-60 reviews per second on 2 CPU cores")
    c2.caption(f"{pending:,} of {total:,} reviews have no label from the active model yet.")
    if st.button(f"Classify reviews ({pending:,} waiting)", key="fb_classify", type="primary" if not has_labels
                 else "secondary"):
        from models.scoring import ActiveModels, score_database

        bar = st.progress(0.0, text="loading the model")
        models = ActiveModels()
        with state.write_lock():
            res = score_database(state.cursor(), models, who=auth.username(), limit=int(n),
                                 progress=lambda d, t: bar.progress(min(1.0, d / max(t, 1)),
                                                                    text=f"classified {d:,} of {t:,}"))
        state.invalidate()
        st.session_state["fb_classified"] = res
        st.rerun()
    if st.session_state.get("fb_classified"):
        r = st.session_state["fb_classified"]
        st.success(f"Classified {r['scored']:,} reviews with {r['model_version']} ({r['unknown']} unusable texts "
                   f"labelled 'unknown'); {r['remaining']:,} still waiting.")


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


def retrain_section() -> None:
    """Retrain on the hand-read labels plus the marketer's corrections; before/after metrics on the test split."""
    import json
    from pathlib import Path

    st.subheader("Retrain")
    act = registry.active("sentiment")
    before = json.loads((Path(act["path"]) / "metrics.json").read_text()) if act else None
    st.caption(f"Active model: {act['version']} (sentiment test macro-F1 {act['metric']:.3f})"
               if act and act.get("metric") is not None else
               "No model is active yet: the shipped starter model becomes active on the first classification, "
               "or train one here.")
    mode = st.radio("Training", ["fast", "finetune"], horizontal=True, key="fb_mode",
                    format_func={"fast": "Fast: linear heads on the frozen model (about a minute on CPU)",
                                 "finetune": "Full fine-tune (minutes on a GPU; up to 25 min on CPU)"}.get)
    epochs = st.number_input("Epochs", 1, 6, 2, key="fb_epochs", disabled=mode == "fast")
    if st.button("Retrain", key="fb_retrain", type="primary"):
        from models.data import load_labels
        from models.train import config_defaults, train

        labels = load_labels()
        test_ids = {int(r["id"]) for r in labels if r["split"] == "test"}
        extra = feedback.corrections_as_labels(state.cursor(), test_ids)
        corrected = {e["id"] for e in extra}
        labels = [r for r in labels if r["id"] not in corrected]  # a correction overrides a hand-read train label
        bar = st.progress(0.0, text="starting")
        with st.status(f"Training ({mode}) on {len(labels)} hand-read labels + {len(extra)} corrections…",
                       expanded=True) as box:
            res = train(config_defaults(mode=mode, epochs=int(epochs)), labels=labels + extra,
                        progress=lambda d, t, m: bar.progress(min(1.0, d / max(t, 1)), text=m))
            box.update(label=f"Training finished in {res['train_seconds']:.0f} s", state="complete")
        after = json.loads((Path(res["path"]) / "metrics.json").read_text())
        from dashboard import auth

        auth.audit("train", "review classifier", {"mode": mode, "epochs": int(epochs), "version": res["version"],
                                                  "activated_for": res["activated_for"], "corrections": len(extra)})
        st.session_state["fb_retrained"] = {"before": _metrics(before), "after": _metrics(after),
                                            "version": res["version"], "activated": res["activated_for"],
                                            "corrections": len(extra)}
    done = st.session_state.get("fb_retrained")
    if done:
        table = pd.DataFrame({"before (active)": done["before"], "after (new)": done["after"]})
        st.dataframe(table, column_config={c: st.column_config.NumberColumn(format="%.3f") for c in table.columns})
        st.write(f"New version {done['version']} (trained with {done['corrections']} correction(s)): "
                 + (f"activated for {', '.join(done['activated'])}." if done["activated"]
                    else "not activated (worse on the test split than the active model)."))
