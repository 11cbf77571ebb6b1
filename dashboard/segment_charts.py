"""Plotly figures for the Segments, Cohorts and Customers pages: pure functions of DataFrames (no queries, no Streamlit)."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from analysis import money
from dashboard.charts import ACCENT, _empty, money_axis

SEGMENT_COLORS = {
    "Champions": "#1b7837", "Loyal": "#5aae61", "Potential loyalist": "#a6dba0", "New": "#2f6f8f",
    "Promising": "#74add1", "Need attention": "#fee08b", "About to sleep": "#fdae61", "At risk": "#f46d43",
    "Cannot lose them": "#d73027", "Hibernating": "#9e9ac8", "Lost": "#8c8c8c", "Not yet a customer": "#d9d9d9",
}


def segment_treemap(summary: pd.DataFrame, value: str = "customers") -> go.Figure:
    d = summary[summary[value] > 0]
    if d.empty:
        return _empty("Segments")
    fig = px.treemap(d, path=["segment"], values=value, color="segment", color_discrete_map=SEGMENT_COLORS,
                     hover_data={"revenue_share": ":.1%", "customer_share": ":.1%"},
                     title=f"Segments by {value.replace('_', ' ')}")
    fig.update_traces(texttemplate="%{label}<br>%{value:,.0f}")
    fig.update_layout(height=380, margin=dict(t=50, b=10, l=10, r=10))
    return fig


def rfm_grid(grid: pd.DataFrame) -> go.Figure:
    """Recency score (rows) by combined frequency/monetary score (columns): customers per cell, labelled with the segment."""
    if grid["customers"].sum() == 0:
        return _empty("RFM grid")
    z = grid.pivot(index="r_score", columns="fm_score", values="customers").sort_index()  # R 1 at the bottom
    labels = grid.pivot(index="r_score", columns="fm_score", values="segment").sort_index()
    text = [[f"{labels.iloc[i, j]}<br>{int(z.iloc[i, j]):,}" for j in range(z.shape[1])] for i in range(z.shape[0])]
    fig = go.Figure(go.Heatmap(z=z.values, x=[f"FM {c}" for c in z.columns], y=[f"R {r}" for r in z.index],
                               text=text, texttemplate="%{text}", colorscale="Blues", showscale=False,
                               hovertemplate="%{y}, %{x}: %{z:,} customers<extra></extra>"))
    fig.update_layout(title="RFM grid (recency × frequency/monetary)", height=380, margin=dict(t=50, b=10))
    return fig


def segment_revenue(summary: pd.DataFrame) -> go.Figure:
    d = summary[summary["customers"] > 0]
    if d.empty:
        return _empty("Share of customers and revenue")
    long = d.melt(id_vars="segment", value_vars=["customer_share", "revenue_share"], var_name="measure")
    long["measure"] = long["measure"].map({"customer_share": "customers", "revenue_share": "revenue"})
    fig = px.bar(long, x="value", y="segment", color="measure", barmode="group", orientation="h",
                 color_discrete_sequence=[ACCENT, "#e67e22"], title="Share of customers and of revenue")
    fig.update_layout(xaxis_tickformat=".0%", yaxis_title=None, xaxis_title=None, height=380,
                      yaxis={"categoryorder": "array", "categoryarray": list(d["segment"])[::-1]},
                      margin=dict(t=50, b=10))
    return fig


def movement_sankey(moves: pd.DataFrame, from_label: str, to_label: str) -> go.Figure:
    if moves.empty:
        return _empty("Segment movement")
    left = sorted(moves["from_segment"].unique(), key=lambda s: list(SEGMENT_COLORS).index(s) if s in SEGMENT_COLORS else 99)
    right = sorted(moves["to_segment"].unique(), key=lambda s: list(SEGMENT_COLORS).index(s) if s in SEGMENT_COLORS else 99)
    nodes = [f"{s} ({from_label})" for s in left] + [f"{s} ({to_label})" for s in right]
    colors = [SEGMENT_COLORS.get(s, "#999") for s in left + right]
    src = [left.index(s) for s in moves["from_segment"]]
    dst = [len(left) + right.index(s) for s in moves["to_segment"]]
    fig = go.Figure(go.Sankey(node=dict(label=nodes, color=colors, pad=12), textfont=dict(color="#222", size=12),
                              link=dict(source=src, target=dst, value=moves["customers"].tolist())))
    fig.update_layout(title=f"Customers moving between segments, {from_label} → {to_label}", height=520,
                      margin=dict(t=50, b=10))
    return fig


def retention_heatmap(matrix: pd.DataFrame, title: str, pct: bool = True, currency: str | None = None) -> go.Figure:
    """Cohort x month cells: shares (pct) or money per customer in `currency` (ISO code)."""
    if matrix.empty:
        return _empty(title)
    # money cells carry format_money's own text ("-£12", not plotly's "£-12" for a month of returns)
    text = None if pct else [[money.format_money(v, currency, places=0) if pd.notna(v) else "" for v in row]
                     for row in matrix.values]
    shown = "%{z:.0%}" if pct else "%{text}"
    fig = go.Figure(go.Heatmap(z=matrix.values, x=[str(c) for c in matrix.columns], y=list(matrix.index), text=text,
                               colorscale="Blues", texttemplate=shown, hoverongaps=False,
                               hovertemplate=f"cohort %{{y}}, month %{{x}}: {shown}<extra></extra>"))
    fig.update_layout(title=title, xaxis_title="Months since first order", yaxis_title="Cohort",
                      yaxis_autorange="reversed", yaxis_type="category", xaxis_type="category", height=max(320, 28 * len(matrix) + 120), margin=dict(t=50, b=10))
    return fig


def average_retention(avg: pd.DataFrame) -> go.Figure:
    d = avg[avg["month_offset"] > 0]
    if d.empty:
        return _empty("Average retention")
    fig = px.line(d, x="month_offset", y="retention", markers=True, title="Average retention (customer-weighted)",
                  color_discrete_sequence=[ACCENT])
    fig.update_layout(yaxis_tickformat=".0%", xaxis_title="Months since first order", yaxis_title=None, height=320,
                      margin=dict(t=50, b=10))
    return fig


def holdout_groups(by_group: pd.DataFrame) -> go.Figure:
    """Predicted (model and naive) vs actual repeat purchases per group of calibration-period repeat purchases."""
    if by_group["customers"].sum() == 0:
        return _empty("Holdout check")
    long = by_group.melt(id_vars=["group", "customers"], value_vars=["actual", "predicted", "naive"],
                         var_name="series", value_name="purchases")
    long["series"] = long["series"].map({"actual": "actual", "predicted": "BG/NBD model", "naive": "naive (same rate)"})
    fig = px.bar(long, x="group", y="purchases", color="series", barmode="group", hover_data={"customers": True},
                 color_discrete_sequence=["#444444", ACCENT, "#e67e22"],
                 title="Holdout: purchase days after the cut-off, by repeat purchases before it")
    fig.update_layout(xaxis_title="Repeat purchase days before the cut-off", yaxis_title="Purchase days (sum)",
                      xaxis_type="category", height=360, margin=dict(t=50, b=10))
    return fig


def customer_history(history: pd.DataFrame, currency: str | None = None) -> go.Figure:
    if history.empty:
        return _empty("Order history")
    d = history.assign(kind=history["status"].where(history["status"] == "cancelled", "completed"))
    fig = px.bar(d, x="order_date", y="amount", color="kind", hover_data={"order_id": True, "lines": True},
                 color_discrete_map={"completed": ACCENT, "cancelled": "#c0392b"}, title="Orders")
    fig.update_layout(xaxis_title=None, yaxis_title=f"Amount ({money.label(currency)})", height=300,
                      margin=dict(t=50, b=10))
    return money_axis(fig, "y", currency)  # a cancelled order's -£12.50 reads as on every page, ticks too
