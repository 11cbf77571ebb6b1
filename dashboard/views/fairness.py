"""Fairness: does the review classifier err more for some customer groups (age, product class, review length), can
per-group thresholds close the gap and at what accuracy cost; do CLV errors and recommendation hit-rates differ by
country."""
import pandas as pd
import streamlit as st

from analysis import fairness_segments
from analysis.data_gaps import DataGapError
from analysis.errors import ShoplensError
from dashboard import auth, state
from dashboard import fairness_charts as charts
from models import fairness, registry

DATASETS = {"test": "Hand-read test split (3 classes)", "heldback": "Held-back reviews (1-2 vs 4-5 stars)"}
PCT = st.column_config.NumberColumn(format="percent")
NUM = st.column_config.NumberColumn(format="%.3f")


def _can_change() -> bool:
    """Re-running the audit and switching the mitigation change how reviews are labelled: analysts and admins."""
    return auth.may("analyst")


@st.cache_data(show_spinner=False)
def audit_of(folder: str, stamp: float) -> dict | None:
    return fairness.load_audit(folder)


@st.cache_data(show_spinner="Comparing countries on the holdout split (about 10 s)…")
def segments_data(path: str, horizon: int) -> dict:
    return fairness_segments.audit(state.cursor(), horizon_days=horizon)


def _stamp(folder: str) -> float:
    import os

    p = os.path.join(folder, fairness.AUDIT_FILE)
    return os.path.getmtime(p) if os.path.exists(p) else 0.0


def _run_audit(folder: str) -> None:
    with st.status("Auditing the classifier (scores about 2,100 reviews: 2-3 minutes on CPU)…", expanded=True) as s:
        bar = st.progress(0.0)
        fairness.audit_model(folder, progress=lambda d, n, m: bar.progress(min(1.0, d / max(n, 1)), text=m))
        s.update(label="Audit saved beside the model and written into its card", state="complete")
    audit_of.clear()


def classifier_section() -> None:
    st.subheader("Review classifier")
    act = registry.active("sentiment")
    if act is None:
        st.info("No sentiment model is active yet: classify reviews on the Feedback page (the shipped starter model becomes active) or retrain there, then audit it here.")
        return
    folder = act["path"]
    audit = audit_of(folder, _stamp(folder))
    c1, c2 = st.columns([3, 1])
    if audit is None:
        c1.info(f"Model {act['version']} has not been audited yet.")
    else:
        c1.caption(f"Model **{audit.get('model_version')}** audited {audit.get('audited_at')} · groups under "
                   f"{audit['min_group']} reviews are shown (pale, flagged) but left out of the gaps · "
                   "negative vs rest: TPR = negatives caught, FPR = others called negative")
    if c2.button("Run the audit" if audit is None else "Re-run the audit", key="fair_run",
                 disabled=not _can_change(), help="admins and analysts"):
        _run_audit(folder)
        st.rerun()
    if audit is None:
        return

    dataset = st.radio("Data", list(DATASETS), format_func=DATASETS.get, horizontal=True, key="fair_dataset")
    gaps = pd.DataFrame([{"feature": fairness.FEATURE_LABELS.get(f, f), **{k: v for k, v in g.items()
                                                                         if k != "small_groups"},
                          "small groups": ", ".join(map(str, g["small_groups"]))}
                         for f, g in audit["gaps"].get(dataset, {}).items()])
    st.markdown("**Gaps between groups** (p: share of random regroupings with a gap at least as large)")
    st.dataframe(gaps[["feature", "groups", "groups_reliable_dp", "dp_diff", "dp_chance", "dp_p", "eo_diff", "eo_chance",
                       "eo_p", "accuracy_gap", "small groups"]], hide_index=True, width="stretch",
                 column_config={"groups_reliable_dp": st.column_config.NumberColumn("groups ≥ min"),
                                "dp_diff": st.column_config.NumberColumn("DP diff", format="%.3f"),
                                "dp_chance": st.column_config.NumberColumn("DP by chance", format="%.3f"),
                                "dp_p": st.column_config.NumberColumn("DP p", format="%.2f"),
                                "eo_diff": st.column_config.NumberColumn("EO diff", format="%.3f"),
                                "eo_chance": st.column_config.NumberColumn("EO by chance", format="%.3f"),
                                "eo_p": st.column_config.NumberColumn("EO p", format="%.2f"),
                                "accuracy_gap": st.column_config.NumberColumn("accuracy gap", format="%.3f")})

    feature = st.selectbox("Group by", audit["features"], format_func=lambda f: fairness.FEATURE_LABELS.get(f, f),
                           key="fair_feature")
    groups = fairness.groups_frame(audit, dataset)
    groups = groups[groups["feature"] == feature].drop(columns="feature")
    left, right = st.columns(2)
    left.plotly_chart(charts.group_accuracy(groups, audit["overall"][dataset]["accuracy"]), width="stretch")
    right.plotly_chart(charts.group_rates(groups), width="stretch")
    st.dataframe(groups, hide_index=True, width="stretch",
                 column_config={"accuracy": PCT, "macro_f1": NUM, "selection_rate": PCT, "tpr": PCT, "fpr": PCT,
                                "small": st.column_config.CheckboxColumn("small (flag)")})
    mitigation_section(audit, dataset)


def mitigation_section(audit: dict, dataset: str) -> None:
    st.subheader("Mitigation: per-group thresholds")
    st.caption(f"Each group gets its own threshold on P(negative), fitted on the held-back reviews so that its "
               f"error rates match the overall ones ({audit['constraint'].replace('_', ' ')}); only groups that "
               f"stray by more than {audit.get('gate', 0):g} standard errors get one. 'Forced' fits every group "
               "regardless, to show what chasing noise costs. Held-back figures after mitigation are cross-fitted.")
    gated = fairness.mitigation_frame(audit, dataset)
    forced = fairness.mitigation_frame(audit, dataset, "mitigation_forced")
    left, right = st.columns(2)
    left.plotly_chart(charts.gaps_before_after(gated, title="EO difference: before / after (gated)"),
                      width="stretch")
    right.plotly_chart(charts.gaps_before_after(forced, title="EO difference: before / after (forced)"),
                       width="stretch")
    table = pd.concat([gated.assign(rule="gated"), forced[forced["stage"] == "after"].assign(rule="forced")])
    table["accuracy cost"] = table["accuracy"] - table["feature"].map(
        gated[gated["stage"] == "before"].set_index("feature")["accuracy"])
    st.dataframe(table[["feature", "rule", "stage", "groups_mitigated", "accuracy", "accuracy cost", "macro_f1",
                        "dp_diff", "eo_diff", "eo_chance", "eo_p"]], hide_index=True, width="stretch",
                 column_config={"accuracy": PCT, "accuracy cost": st.column_config.NumberColumn(format="%.3f"),
                                "macro_f1": NUM, "dp_diff": NUM, "eo_diff": NUM, "eo_chance": NUM, "eo_p": NUM})
    thr = {f: m["thresholds"] for f, m in audit.get("mitigation", {}).items()}
    st.caption("Thresholds in use when switched on: " + "; ".join(
        f"{fairness.FEATURE_LABELS[f]}: " + (", ".join(f"{g} {t:.2f}" for g, t in t_.items()) or "none (no group "
                                             "strays beyond chance)") for f, t_ in thr.items()))

    s = fairness.load_settings()
    c1, c2 = st.columns([2, 2])
    on = c1.toggle("Use per-group thresholds when classifying reviews", value=s["enabled"], key="fair_on",
                   disabled=not _can_change())
    feat = c2.selectbox("Groups", list(fairness.MITIGABLE), index=list(fairness.MITIGABLE).index(s["feature"]),
                        format_func=fairness.FEATURE_LABELS.get, key="fair_mit_feature", disabled=not _can_change())
    if _can_change() and (on != s["enabled"] or feat != s["feature"]):
        saved = fairness.save_settings(on, feat, who=auth.username())
        auth.audit("fairness_setting", "review_labels", saved)
        st.toast("Saved: reviews classified from now on use " + (f"per-{fairness.FEATURE_LABELS[feat].lower()} "
                                                                  "thresholds" if on else "the model's own rule"))
    if s["enabled"] and not thr.get(s["feature"]):
        st.caption("Switched on, but no group of this kind has its own threshold, so labels do not change.")


def _plain(exc: ShoplensError) -> str:
    """What is missing and how to fix it, without exc.where (the audit's code path means nothing on this page)."""
    fix = exc.fix.rstrip(".")
    return f"{exc.what.rstrip('.')}." + (f" {fix[:1].upper()}{fix[1:]}." if fix else "")


def segments_section() -> None:
    st.subheader("Segments by country")
    st.caption("Fit on orders before the cut-off (the last order date minus the horizon), compare with what "
               f"happened after. Countries under {fairness_segments.MIN_GROUP} customers are pale and left out of the "
               "gaps; all of them together form the pooled bar. Intervals: 90 %.")
    horizon = st.number_input("Horizon (days)", 30, 365, 90, step=30, key="fair_horizon")
    try:
        res = segments_data(state.db_path(), int(horizon))
    except DataGapError as exc:
        st.info(_plain(exc))
        return
    except ShoplensError as exc:
        st.info("No segment audit: " + _plain(exc))
        return
    clv_df, clv_info = res["clv"]
    rec_df, rec_info = res["recommend"] or (None, None)  # None: the shop's orders carry no product ids
    g1 = clv_info["mae_gap"]
    c = st.columns(3)
    c[0].metric("CLV error gap (MAE, purchase days)", f"{g1['gap']:.2f}" if g1["gap"] is not None else "–",
                help=f"largest minus smallest MAE over {g1['countries_reliable']} countries + pooled; worst: "
                     f"{g1['worst']}")
    c[1].metric("Relative CLV error gap", f"{clv_info['mae_per_purchase_gap']['gap'] or 0:.2f}",
                help="MAE divided by the country's mean purchase days")
    if rec_info is not None:
        g2 = rec_info["hit_rate_gap"]
        c[2].metric("Hit-rate gap (co-purchase)", f"{g2['gap']:.1%}" if g2["gap"] is not None else "–",
                    help=f"lowest: {g2['worst']}")
    left, right = st.columns(2)
    left.plotly_chart(charts.country_metric(clv_df, "mae", "CLV holdout error (MAE of purchase days)", se="mae_se"),
                      width="stretch")
    if rec_df is None:
        right.info(res["unavailable"]["recommend"])
        st.dataframe(clv_df, hide_index=True, width="stretch",
                     column_config={c: NUM for c in ("actual", "predicted", "mae", "mae_se", "mae_naive", "bias",
                                                     "mae_per_purchase")})
    else:
        right.plotly_chart(charts.country_metric(rec_df, "hit_rate", f"Recommendation hit-rate@{rec_info['k']}",
                                                 low="hit_rate_low", high="hit_rate_high", fmt=".1%"), width="stretch")
        t1, t2 = st.tabs(["CLV by country", "Recommendations by country"])
        t1.dataframe(clv_df, hide_index=True, width="stretch",
                     column_config={c: NUM for c in ("actual", "predicted", "mae", "mae_se", "mae_naive", "bias",
                                                     "mae_per_purchase")})
        t2.dataframe(rec_df, hide_index=True, width="stretch",
                     column_config={c: PCT for c in ("hit_rate", "hit_rate_popularity", "hit_rate_low",
                                                     "hit_rate_high")})
    for note in clv_info.get("notes", []):
        st.caption(note)


auth.require_role("marketer")
st.title("Fairness")
classifier_section()
st.divider()
segments_section()
