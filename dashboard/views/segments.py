"""Segments: RFM segments as of a date (treemap, RFM grid, table), movement between two dates, drill into one
segment (customers, products that over-index, feedback) and export its customer list."""
from datetime import timedelta

import streamlit as st

from analysis import data_gaps, recommend, rfm, segment_feedback
from analysis.errors import ShoplensError
from dashboard import auth, shop_ui, state
from dashboard import segment_charts as charts


@st.cache_data(show_spinner="Scoring customers…")
def rfm_data(path: str, as_of):
    con = state.cursor()
    ctx = rfm.resolve_as_of(con, as_of)
    table = rfm.rfm_table(con, ctx)
    return ctx, table, rfm.segment_summary(table), rfm.rfm_grid(table)


@st.cache_data(show_spinner="Comparing the two dates…")
def movement_data(path: str, a, b):
    return rfm.movement(state.cursor(), a, b)


@st.cache_data(show_spinner=False)
def products_data(path: str, as_of, segment: str):
    con = state.cursor()
    return recommend.segment_products(con, rfm.rfm_table(con, as_of), segment)


@st.cache_data(show_spinner=False)
def feedback_data(path: str, as_of):
    con = state.cursor()
    table = rfm.rfm_table(con, as_of)
    return (segment_feedback.feedback_by_segment(con, table), segment_feedback.topic_mix(con, table),
            segment_feedback.linked_share(con))


auth.require_role("marketer")
st.title("Segments")
path = state.db_path()
try:
    base = rfm_data(path, None)
except ShoplensError as exc:
    st.info(f"No segments yet: {exc}")
    st.stop()
first, last = base[0].first_order, base[0].last_order
as_of = st.date_input("As of", value=last, min_value=first, max_value=max(last, first), key="segments_as_of",
                      help="Segments are computed from the orders up to and including this day")
ctx, table, summary, grid = rfm_data(path, as_of)
for note in ctx.notes:
    st.caption(note)

cols = st.columns(4)
cols[0].metric("Customers", f"{len(table):,}")
top = summary.sort_values("customers", ascending=False).iloc[0]
cols[1].metric("Largest segment", top["segment"], help=f"{top['customer_share']:.0%} of customers")
champ = summary.set_index("segment").loc["Champions"]
cols[2].metric("Champions' revenue share", f"{champ['revenue_share']:.0%}",
               help=f"Champions are {champ['customer_share']:.0%} of customers")
risk = summary.set_index("segment").loc[["At risk", "Cannot lose them"], "revenue"].sum()
cols[3].metric("Revenue at risk", shop_ui.fmt(risk, places=0), help="Lifetime net spend of At risk + Cannot lose them customers")
if len(table) < 5:
    st.warning(f"Only {len(table)} customer(s): quintile scores need at least five customers to mean much.")

left, right = st.columns(2)
left.plotly_chart(charts.segment_treemap(summary), width="stretch")
right.plotly_chart(charts.rfm_grid(grid), width="stretch")
st.plotly_chart(charts.segment_revenue(summary), width="stretch")
shown, money_cols = shop_ui.money_table(summary, {"revenue": ("Revenue", 0), "aov": ("Avg order value", None)})
st.dataframe(shown, hide_index=True, width="stretch", height=36 * (len(summary) + 1) + 4, column_config={
    **money_cols,
    "customer_share": st.column_config.ProgressColumn("Customers %", format="percent", min_value=0, max_value=1),
    "revenue_share": st.column_config.ProgressColumn("Revenue %", format="percent", min_value=0, max_value=1),
    "avg_recency_days": st.column_config.NumberColumn("Avg recency (days)", format="%.0f"),
    "avg_frequency": st.column_config.NumberColumn("Avg orders", format="%.1f"),
})

st.subheader("Movement between two dates")
default_from = max(first, as_of - timedelta(days=90))
picked = st.date_input("From → to", value=(default_from, as_of), min_value=first, max_value=max(last, first),
                       key="segments_movement")
if isinstance(picked, tuple) and len(picked) == 2 and picked[0] < picked[1]:
    try:
        moves = movement_data(path, picked[0], picked[1])
        st.plotly_chart(charts.movement_sankey(moves, str(picked[0]), str(picked[1])), width="stretch")
        stayed = moves.loc[moves["from_segment"] == moves["to_segment"], "customers"].sum()
        st.caption(f"{stayed:,} of {moves['customers'].sum():,} customers stayed in their segment; "
                   f"{moves.loc[moves['from_segment'] == rfm.NOT_YET, 'customers'].sum():,} are new since {picked[0]}.")
    except ShoplensError as exc:
        st.warning(str(exc))
else:
    st.caption("Pick two different dates to see how customers moved.")

st.subheader("Drill into a segment")
present = summary.loc[summary["customers"] > 0, "segment"].tolist()
segment = st.selectbox("Segment", present, key="segments_drill")
members = table[table["segment"] == segment].sort_values("monetary", ascending=False)
st.caption(f"{rfm.SEGMENTS[segment]}. {len(members):,} customers.")
left, right = st.columns([3, 2])
slug = f"{segment.lower().replace(' ', '_')}_{as_of}"
if auth.may("analyst"):  # the customer list is raw rows: analysts and admins only
    shown, money_cols = shop_ui.money_table(members, {"monetary": ("Net spend", None)})  # returns: -£12.50
    left.dataframe(shown, hide_index=True, width="stretch", height=320, column_config={
        **money_cols,
        "first_order": st.column_config.DatetimeColumn("First order", format="YYYY-MM-DD"),
        "last_order": st.column_config.DatetimeColumn("Last order", format="YYYY-MM-DD"),
    })
    with left:
        auth.export_button(f"Export {segment} customers (CSV)", auth.csv_with_provenance(
            members, "segment customers", {"segment": segment, "as_of": as_of, "currency": shop_ui.currency()}), file_name=f"segment_{slug}.csv",
            what="segment customers", filters={"segment": segment, "as_of": as_of}, rows=len(members),
            key="segments_export")
else:  # marketers: the segment's aggregate figures, never its customer list
    seg_row = summary[summary["segment"] == segment]
    left.dataframe(seg_row, hide_index=True, width="stretch")
    left.caption("Customer lists are for analysts; this is the segment's aggregate.")
    with left:
        auth.export_button("Export segment summary (CSV)", auth.csv_with_provenance(
            summary, "segment summary", {"as_of": as_of, "currency": shop_ui.currency()}), file_name=f"segment_summary_{as_of}.csv",
            what="segment summary", filters={"as_of": as_of}, rows=len(summary), key="segments_summary_export")
right.caption("Products that over-index in this segment (lift = share of the segment buying it ÷ share of all customers)")
gaps = state.gaps(path)
if gaps.lacks("orders.product_id"):
    right.info(gaps.explain("orders.product_id", "Products per segment"))
else:
    prods = products_data(path, as_of, segment)
    right.dataframe(prods[["product_name", "lift", "segment_buyers"]], hide_index=True, width="stretch",
                    column_config={"product_name": st.column_config.TextColumn("Product", width="large"),
                                   "lift": st.column_config.NumberColumn("Lift", format="%.1f×", width="small"),
                                   "segment_buyers": st.column_config.NumberColumn("Buyers", width="small")})

st.subheader("Feedback by segment")
feedback, topics, (linked, total_reviews) = feedback_data(path, as_of)
if linked == 0:
    st.info(data_gaps.explain("reviews.customer_id", "Feedback by segment"))
else:
    st.caption(f"{linked:,} of {total_reviews:,} reviews are linked to a customer.")
    if feedback["scored"].sum() == 0:
        feedback = feedback.drop(columns=["scored", "positive", "neutral", "negative"])
    st.dataframe(feedback, height=36 * (len(feedback) + 1) + 4, hide_index=True, width="stretch", column_config={
        "avg_rating": st.column_config.NumberColumn("Avg rating", format="%.2f ★"),
        "positive": st.column_config.NumberColumn(format="percent"),
        "neutral": st.column_config.NumberColumn(format="percent"),
        "negative": st.column_config.NumberColumn(format="percent")})
    if topics.empty:
        st.caption("Sentiment and topics per segment appear here once the reviews are classified: press "
                   "*Classify reviews* on the Feedback page.")
        st.page_link("views/feedback.py", label="Open Feedback to classify the reviews", icon=":material/reviews:")
    else:
        st.dataframe(topics.pivot(index="segment", columns="topic", values="share"), width="stretch")
