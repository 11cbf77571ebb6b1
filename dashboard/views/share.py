"""Share: differentially private aggregates for people outside the team. The user picks the release, ε and the
bounds, sees what the dataset's privacy budget has left, releases (which spends it), and downloads the noisy table
with its privacy statement. Marketers may use it: only noisy aggregates leave; an admin sets each dataset's budget."""
from datetime import datetime

import streamlit as st

from analysis import data_gaps, dp, dp_releases, money
from analysis.errors import ShoplensError
from dashboard import auth, shop_ui, state

BY_LABEL = {r.label: r for r in dp_releases.RELEASES.values()}
BOUND_KEYS = {"revenue_bound": ("share_revenue_bound", float), "max_reviews": ("share_max_reviews", int),
              "max_topics": ("share_max_topics", int)}


def _release() -> None:
    """Button callback, so the budget shown below already includes this release when the page draws. It reads the
    widgets' current values, not ones bound when the button was drawn: the ε spent must be the ε on screen."""
    st.session_state.pop("share_error", None)
    rel = BY_LABEL[st.session_state["share_what"]]
    params = {"epsilon": float(st.session_state["share_epsilon"])}
    for name in rel.bounds:
        key, kind = BOUND_KEYS[name]
        if key in st.session_state:
            params[name] = kind(st.session_state[key])
    try:
        with state.write_lock():
            res = dp_releases.release(state.cursor(), rel.what, rel.by, who=auth.username(), **params)
    except ShoplensError as exc:  # BudgetExceeded included: the message says what is left and what to do
        st.session_state["share_error"] = str(exc)
        return
    st.session_state["share_result"] = (res, rel.what, rel.by, datetime.now().isoformat(timespec="seconds"))
    auth.audit("dp_release", res.query, {"epsilon": res.epsilon, "delta": res.delta, "bounds": res.bounds,
                                         "groups": len(res.frame), "suppressed": res.suppressed})


def _set_budget(dataset: str, key: str, delta_total: float) -> None:
    """Admins only; the widget is not drawn for anyone else, and this checks again."""
    if not auth.may("admin"):
        st.session_state["share_error"] = "Only an admin can change a dataset's privacy budget."
        return
    total = float(st.session_state[key])
    try:
        with state.write_lock():
            dp.set_budget(state.cursor(), dataset, total, delta_total, who=auth.username())
    except ShoplensError as exc:
        st.session_state["share_error"] = str(exc)
        return
    auth.audit("dp_budget_set", dataset, {"epsilon_total": total, "delta_total": delta_total})


def _clipped_note(res, by: str) -> None:
    """What the per-customer cap took off each released group before noise, for the team only: the exact totals are
    not private, so they are shown here and kept out of the released table and its download."""
    cur_ = shop_ui.currency()
    cap = money.format_money(float(res.bounds["revenue per customer per group"].strip("[]").split(",")[1]), cur_,
                             places=0)
    t = res.team_only
    lines = [f"{g}: actual {money.format_money(a, cur_, compact=True)}, the {cap} cap clips "
             f"{money.format_money(c, cur_, compact=True)} before noise" for g, a, c in
             zip(t[by], t["actual_revenue"], t["clipped_by_cap"], strict=True) if c > 0]
    with st.expander("For the team only: revenue the per-customer cap clipped", expanded=bool(lines)):
        st.caption("Exact figures from the stored orders; they are **not** differentially private, so they are not "
                   "in the released table or its CSV. Do not pass them on. A higher cap clips less but adds more "
                   "noise.")
        if lines:
            st.markdown("\n".join(f"- {x}" for x in lines))
        else:
            st.caption(f"No customer's revenue in a released group reached the {cap} cap: nothing was clipped.")


auth.require_role("marketer")
st.title("Share")
st.caption("Aggregates meant for people outside the team, made differentially private: each customer's contribution "
           "is bounded, noise is added, small groups are suppressed, and every export states ε, δ and the bounds. "
           "Each release spends part of the dataset's privacy budget, for good.")
cur = state.cursor()
with state.write_lock():
    dp.ensure_tables(cur)

label = st.selectbox("What to release", list(BY_LABEL), key="share_what")
rel = BY_LABEL[label]
cols = st.columns(4)
cols[0].number_input("ε (epsilon)", min_value=0.01, max_value=float(dp.MAX_EPSILON), value=1.0, step=0.1,
                     key="share_epsilon", help="Smaller ε: more noise and more privacy. It is spent from the budget "
                                               "below.")
if "revenue_bound" in rel.bounds:
    cols[1].number_input(
        f"Revenue bound per customer ({money.label(shop_ui.currency())})", min_value=1.0, value=dp_releases.DEFAULT_REVENUE_BOUND, step=100.0,
        key="share_revenue_bound", help="Each customer's revenue in a group is clamped to [0, this]")
if "max_reviews" in rel.bounds:
    cols[2].number_input(
        "Reviews per customer", min_value=1, max_value=100, value=dp_releases.DEFAULT_MAX_REVIEWS, step=1,
        key="share_max_reviews", help="Reviews beyond this many per customer are left out")
if "max_topics" in rel.bounds:
    cols[3].number_input(
        "Topics per review", min_value=1, max_value=20, value=dp_releases.DEFAULT_MAX_TOPICS, step=1,
        key="share_max_topics", help="Only a review's highest-scoring topics up to this many count")

st.subheader("Privacy budget")
for dataset, b in dp_releases.budgets(cur, rel).items():
    m = st.columns(4)
    m[0].metric(f"{dataset}: total ε", f"{b['epsilon_total']:g}")
    m[1].metric("Spent", f"{b['epsilon_spent']:g}")
    m[2].metric("Left", f"{max(b['epsilon_left'], 0):g}")
    m[3].metric("Releases", f"{b['releases']:,}")
    if auth.may("admin"):
        with st.expander(f"Change the {dataset} budget (admin)"):
            key = f"share_budget_{dataset}"
            st.number_input("Total ε", min_value=0.01, value=float(b["epsilon_total"]), step=1.0, key=key)
            st.button("Set budget", key=f"share_set_budget_{dataset}", on_click=_set_budget,
                      args=(dataset, key, float(b["delta_total"])))
if len(rel.datasets) > 1:
    st.caption(f"This release reads {' and '.join(rel.datasets)}, so it is charged to each of their budgets.")
if not auth.may("admin"):
    st.caption("Only an admin can change a dataset's budget.")

gap = dp_releases.needs(cur, rel)
if gap:
    st.info(data_gaps.explain(gap, rel.label) + " Nothing is charged to the budget.")
st.button("Release", type="primary", key="share_release", on_click=_release, disabled=gap is not None,
          help="Computes the noisy table and charges ε to the budget")
if err := st.session_state.pop("share_error", None):
    st.error(err)

if done := st.session_state.get("share_result"):
    res, what, by, at = done
    st.subheader(f"Released: {res.query}")
    st.info(res.statement)
    shown, money_cols = shop_ui.money_table(res.frame, {"revenue": ("revenue", None)})  # noisy sums may dip below 0
    st.dataframe(shown, hide_index=True, width="stretch", column_config=money_cols)
    st.caption(f"{len(res.frame):,} groups released, {res.suppressed:,} suppressed.")
    if res.team_only is not None and not res.team_only.empty:
        _clipped_note(res, by)
    header = (f"Shoplens shared export: {res.query}; released by {auth.username()} at {at}; money in "
              f"{shop_ui.currency()}")
    data = dp_releases.export_csv(res, header).encode("utf-8")
    auth.export_button("Download CSV with its privacy statement", data, file_name=f"shared_{what}_per_{by}.csv",
                       what="dp release", filters={"release": res.query, "epsilon": res.epsilon, "delta": res.delta,
                                                   **res.bounds}, rows=len(res.frame), key="share_download")

st.subheader("Releases so far")
log = dp.ledger(cur)
if log.empty:
    st.caption("Nothing has been released yet.")
else:
    st.dataframe(log, hide_index=True, width="stretch", column_config={
        "at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
        "who": "Who", "query": "Release", "epsilon": st.column_config.NumberColumn("ε"),
        "delta": st.column_config.NumberColumn("δ", format="scientific")})
