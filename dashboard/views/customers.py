"""Customers: look one customer up (history, segment, expected purchases, churn risk, CLV, recommendations, reviews),
and the model checks behind those numbers (purchase-model holdout, recommender time split)."""
from datetime import timedelta

import streamlit as st

from analysis import clv, recommend
from analysis.errors import ShoplensError
from dashboard import auth, shop_ui, state
from dashboard import segment_charts as charts
from dashboard.commands.segments import segment_frame


@st.cache_data(show_spinner="Fitting the purchase model (about a second)…")
def customer_data(path: str, horizon: int):
    df, ctx, model = segment_frame(state.cursor(), None, horizon)
    return df, ctx, model


@st.cache_data(show_spinner=False)
def history_data(path: str, customer_id: str):
    con = state.cursor()
    orders = con.execute(
        """SELECT order_id, min(order_date) AS order_date, any_value(status) AS status, count(*) AS lines,
                  sum(line_total) AS amount FROM orders WHERE customer_id = ? GROUP BY 1 ORDER BY 2""",
        [customer_id]).df()
    reviews = con.execute(
        """SELECT created_at, rating, title, text, product_id FROM reviews WHERE customer_id = ?
           ORDER BY created_at DESC LIMIT 50""", [customer_id]).df()
    return orders, reviews


@st.cache_data(show_spinner="Finding products bought together (once per database)…")
def recommender(path: str):
    return recommend.fit(state.cursor())


def recs_data(path: str, customer_id: str):
    return recommender(path).recommend([customer_id], k=10)


@st.cache_data(show_spinner="Running the holdout check…")
def holdout_data(path: str, cutoff, horizon: int):
    h = clv.holdout(state.cursor(), cutoff, horizon)
    return h.totals, h.by_group, h.notes


@st.cache_data(show_spinner="Checking recommendations on a time split…")
def rec_eval_data(path: str, cutoff, horizon: int):
    return recommend.evaluate(state.cursor(), cutoff, horizon)


auth.require_role("marketer")
st.title("Customers")
path = state.db_path()
horizon = st.number_input("Prediction horizon (days)", 7, 730, 90, step=30, key="customers_horizon")
try:
    df, ctx, model = customer_data(path, int(horizon))
except ShoplensError as exc:
    st.info(f"No customer figures yet: {exc}")
    st.stop()
for note in ctx.notes:
    st.caption(note)

query = st.text_input("Search customer id", key="customers_search", placeholder="e.g. 12347")
matches = df[df["customer_id"].str.contains(query.strip(), regex=False)] if query.strip() else df
matches = matches.sort_values("monetary", ascending=False)
if matches.empty:
    st.warning(f'No customer id contains "{query}".')
    st.stop()
customer = st.selectbox(f"Customer ({len(matches):,} match)", matches["customer_id"].head(500).tolist(),
                        key="customers_pick")
row = df.set_index("customer_id").loc[customer]

st.subheader(f"Customer {customer}: {row['segment']}")
cols = st.columns(5)
cols[0].metric("Orders", f"{int(row['frequency']):,}", help="Distinct completed orders")
spend = row["monetary"]
cols[1].metric("Net spend", shop_ui.fmt(spend, compact=True), help=shop_ui.fmt(spend))
days = int(row["recency_days"])
cols[2].metric("Since last order", "today" if days == 0 else f"{days:,} day{'s' if days != 1 else ''}")  # fits a 5th
cols[3].metric("RFM", f"{int(row['r_score'])}-{int(row['f_score'])}-{int(row['m_score'])}")
cols[4].metric("Segment", row["segment"])
cols = st.columns(4) if model is not None else []
if model is None:
    st.info("Expected purchases, churn risk and CLV need a purchase model, which could not be fitted (see the note above).")
else:
    cols[0].metric(f"Expected purchases, next {int(horizon)} d", f"{row['expected_purchases']:.2f}",
                   help=f"80 % interval: {int(row['purchases_low'])}–{int(row['purchases_high'])} purchase days")
    cols[1].metric(f"No order in next {int(horizon)} d", f"{row['p_no_purchase']:.0%}",
                   help="Chance this customer places no order in the horizon (BG/NBD predictive distribution). "
                        "It includes customers who are still active but buy rarely, so it can exceed "
                        "the churn risk.")
    cols[2].metric("Churn risk", f"{1 - row['p_alive']:.0%}",
                   help="Chance the customer has stopped buying for good (1 - P(alive), BG/NBD). A still-active "
                        "customer may simply not order within a short horizon.")
    cols[3].metric(f"Predicted CLV, next {int(horizon)} d", shop_ui.fmt(row['predicted_clv'], places=0),
                   help=f"80 % interval {shop_ui.fmt(row['clv_low'], places=0)}–{shop_ui.fmt(row['clv_high'], places=0)} "
                        "(purchase uncertainty only)")

orders, reviews = history_data(path, customer)
st.plotly_chart(charts.customer_history(orders, shop_ui.currency()), width="stretch")
gaps = state.gaps(path)
no_products = gaps.lacks("orders.product_id")
left, right = st.columns(2)
left.caption("Recommended next (already-bought products excluded)")
if no_products:
    left.info(gaps.explain("orders.product_id", "Recommendations"))
else:
    left.dataframe(recs_data(path, customer)[["rank", "product_name", "reason"]], hide_index=True, width="stretch",
                   column_config={"reason": st.column_config.TextColumn("reason", width="large")})
right.caption(f"Reviews ({len(reviews)})")
if reviews.empty:
    right.info("No reviews from this customer.")
else:
    right.dataframe(auth.masked_for_role(reviews), hide_index=True, width="stretch",  # marketers: PII masked
                    column_config={"text": st.column_config.TextColumn("text", width="large"),
                                   "rating": st.column_config.NumberColumn("rating", format="%d ★", width="small")})

st.divider()
st.subheader("Model checks")
if model is None:
    st.stop()
st.caption(f"Purchase model (BG/NBD, maximum likelihood): r={model.r:.3g}, α={model.alpha:.3g}, a={model.a:.3g}, "
           f"b={model.b:.3g}, fitted on {model.n_customers:,} customers ({model.n_repeaters:,} repeat buyers).")
default_cut = max(ctx.first_order + timedelta(days=30), ctx.last_order - timedelta(days=int(horizon)))
cutoff = st.date_input("Holdout cut-off", value=default_cut, min_value=ctx.first_order, max_value=ctx.last_order,
                       key="customers_cutoff", help="Fit on orders up to this day, predict the horizon after it")
try:
    totals, by_group, notes = holdout_data(path, cutoff, int(horizon))
    cols = st.columns(4)
    cols[0].metric("Actual purchases", f"{totals['actual_total']:,.0f}")
    cols[1].metric("Predicted (model)", f"{totals['predicted_total']:,.0f}",
                   f"{totals['predicted_total'] / totals['actual_total'] - 1:+.1%}" if totals["actual_total"] else None,
                   delta_color="off")
    cols[2].metric("MAE per customer, model", f"{totals['mae_model']:.3f}",
                   f"{totals['mae_model'] - totals['mae_naive']:+.3f} vs naive", delta_color="inverse")
    cols[3].metric("MAE per customer, naive", f"{totals['mae_naive']:.3f}",
                   help="Naive: each customer keeps the rate of repeat purchase days they had before the cut-off")
    st.plotly_chart(charts.holdout_groups(by_group), width="stretch")
    st.caption("Totals compare expected purchases; the model's per-customer MAE uses its median forecast "
               f"(with the mean forecast it is {totals['mae_model_mean']:.3f}). RMSE: model "
               f"{totals['rmse_model']:.3f}, naive {totals['rmse_naive']:.3f}. BG/NBD assumes a steady purchase "
               "rate, so a holdout window over a seasonal peak (a Christmas quarter, say) is under-predicted: try an "
               "earlier cut-off to see the model away from the peak.")
    for note in notes:
        st.caption(note)
except ShoplensError as exc:
    st.warning(str(exc))
if no_products:
    st.info(gaps.explain("orders.product_id", "recommendation check"))
    st.stop()
try:
    ev = rec_eval_data(path, cutoff, int(horizon))
    cols = st.columns(4)
    cols[0].metric("Hit-rate@10, co-purchase", f"{ev['hit_rate_copurchase']:.1%}")
    cols[1].metric("Hit-rate@10, popularity", f"{ev['hit_rate_popularity']:.1%}")
    cols[2].metric("Coverage, co-purchase", f"{ev['coverage_copurchase']:.1%}")
    cols[3].metric("Coverage, popularity", f"{ev['coverage_popularity']:.1%}")
    st.caption(f"Recommendations made from orders up to {ev['cutoff']}; a hit is a recommended product the customer "
               f"bought for the first time in the {ev['horizon_days']} days after ({ev['test_customers']:,} customers).")
except ShoplensError as exc:
    st.warning(str(exc))
