"""Overview: headline KPIs and four charts, all obeying one date range."""
import streamlit as st

from dashboard import auth, shop_ui, state

auth.require_role("marketer")
st.title("Overview")
path = state.db_path()
lo, hi = state.date_bounds(path)
if lo is None:
    st.info("No orders loaded yet. Upload an orders export on the **Data** page (analysts)."
            + ("" if shop_ui.settings()["started_at"] else " `shoplens demo` builds the demo shop to look around."))
    st.stop()

picked = st.date_input("Date range", value=(lo, hi), min_value=lo, max_value=hi, key="overview_range")
start, end = (picked if isinstance(picked, tuple) and len(picked) == 2 else (lo, hi))
data = state.overview_data(path, start, end)
k = data["kpis"]

row1 = st.columns(4)
row1[0].metric("Net revenue", shop_ui.fmt(k["revenue"], compact=True),
               help=f"{shop_ui.fmt(k['revenue'])}: order lines summed, cancellations subtracted")
row1[1].metric("Orders", f"{k['orders']:,}", help="Distinct non-cancelled orders")
row1[2].metric("Customers", f"{k['customers']:,}", help="Distinct customers with a non-cancelled order")
row1[3].metric("Avg order value", shop_ui.fmt(k["aov"], compact=True),
               help=f"{shop_ui.fmt(k['aov'])}: revenue of non-cancelled lines / orders")
row2 = st.columns(4)
row2[0].metric("Repeat customers", f"{k['repeat_rate']:.1%}" if k["repeat_rate"] is not None else "–",
               help="Share of customers with two or more orders in the range")
row2[1].metric("Reviews", f"{k['reviews']:,}")
row2[2].metric("Avg rating", f"{k['avg_rating']:.2f} ★" if k["avg_rating"] is not None else "–")

notes = []
if k["anonymous_lines"]:
    notes.append(f"{k['anonymous_lines']:,} order lines have no customer: counted in revenue, not in customer figures.")
if data["demo_linked"]:
    notes.append(f"Demo linkage: {data['demo_linked']:,} reviews come from a different shop and were attached to "
                 "demo customers by a seeded rule (see README), so review dates and customers are illustrative.")
if k["undated_reviews"]:
    notes.append(f"{k['undated_reviews']:,} reviews have no date and are outside every date range.")
for n in notes:
    st.caption(n)

figs = state.overview_figures(path, start, end, shop_ui.currency())
left, right = st.columns(2)
left.plotly_chart(figs["by_month"], width="stretch")
if (partial := data["by_month"].query("partial")).shape[0]:
    left.caption(f"\\* {partial['month'].iloc[-1]:%B %Y} is month to date (orders up to "
                 f"{partial['last_day'].iloc[-1]:%d %B %Y}): its lighter bar covers part of a month, not a drop in sales.")
if k["undated_reviews"] and k["undated_reviews"] == state.table_counts(path)["reviews"]:  # an empty chart would
    # read "no data in this date range" while every stored review has no date at all
    right.info(f"No review ratings by date: none of the {k['undated_reviews']:,} stored reviews has a date. Load "
               "reviews with a created_at column on the Data page; the Feedback page shows them all meanwhile.")
else:
    right.plotly_chart(figs["ratings"], width="stretch")
gaps = state.gaps(path)
left, right = st.columns(2)
if gaps.lacks("orders.country"):
    left.info(gaps.explain("orders.country", "Revenue by country"))
else:
    left.plotly_chart(figs["by_country"], width="stretch")
if gaps.lacks("orders.product_id"):
    right.info(gaps.explain("orders.product_id", "Top products"))
else:
    right.plotly_chart(figs["top_products"], width="stretch")
