"""Cohorts: customers grouped by the month of their first order, and how many come back (and spend) each month after."""
import streamlit as st

from analysis import cohorts, money
from analysis.errors import ShoplensError
from analysis.overview import month_to_date
from analysis.rfm import resolve_as_of
from dashboard import auth, shop_ui, state
from dashboard import segment_charts as charts


@st.cache_data(show_spinner="Building cohorts…")
def cohort_data(path: str, as_of):
    con = state.cursor()
    ctx = resolve_as_of(con, as_of)
    return ctx, cohorts.cohort_table(con, ctx)


auth.require_role("marketer")
st.title("Cohorts")
path = state.db_path()
try:
    ctx, table = cohort_data(path, None)
except ShoplensError as exc:
    st.info(f"No cohorts yet: {exc}")
    st.stop()
as_of = st.date_input("As of", value=ctx.last_order, min_value=ctx.first_order,
                      max_value=max(ctx.last_order, ctx.first_order), key="cohorts_as_of")
ctx, table = cohort_data(path, as_of)
for note in ctx.notes:
    st.caption(note)

measure = st.segmented_control("Show", ["Customer retention", "Revenue per customer"], default="Customer retention",
                               key="cohorts_measure") or "Customer retention"
sizes = table[table["month_offset"] == 0]
cols = st.columns(3)
cols[0].metric("Cohorts", f"{len(sizes):,}")
cols[1].metric("Customers", f"{int(sizes['cohort_size'].sum()):,}")
m1 = cohorts.average_retention(table)
r1 = m1.loc[m1["month_offset"] == 1, "retention"]
cols[2].metric("Back in month 1", f"{r1.iloc[0]:.1%}" if len(r1) else "–",
               help="Customer-weighted share of each cohort buying again in the month after their first")

if measure == "Customer retention":
    fig = charts.retention_heatmap(cohorts.retention_matrix(table, "retention"), "Share of each cohort buying, by month")
else:
    cur = shop_ui.currency()
    fig = charts.retention_heatmap(cohorts.retention_matrix(table, "revenue_per_customer"),
                                   f"Net revenue per cohort customer, by month ({money.label(cur)})", pct=False,
                                   currency=cur)
st.plotly_chart(fig, width="stretch")
st.plotly_chart(charts.average_retention(m1), width="stretch")
with st.expander("Cohort table"):
    shown, money_cols = shop_ui.money_table(table, {"revenue": ("revenue", 0),
                                                    "revenue_per_customer": ("revenue_per_customer", None)})
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        **money_cols,
        "cohort": st.column_config.DateColumn("Cohort", format="YYYY-MM"),
        "retention": st.column_config.NumberColumn(format="percent")})
mtd = month_to_date(ctx.as_of)
st.caption("A cohort is the month of a customer's first completed order; a customer counts in a later month when "
           "they complete an order in it. Revenue is net of cancellations."
           + (f" \\* {mtd:%B %Y} is month to date (orders up to {ctx.as_of:%d %B %Y}): its cells, the last of each "
              "cohort's row, cover part of a month, so a lower figure there is not a drop." if mtd else ""))
