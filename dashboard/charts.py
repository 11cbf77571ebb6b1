"""Plotly figures as pure functions of DataFrames: no queries, no Streamlit, easy to test and reuse."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from analysis import money

ACCENT = "#2f6f8f"


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, annotations=[dict(text="No data in this date range", showarrow=False)],
                      xaxis_visible=False, yaxis_visible=False, height=320)
    return fig


def money_axis(fig: go.Figure, axis: str, currency: str | None, places: int = 0) -> go.Figure:
    """Ticks and hover of the money axis in the shop's currency ("€1,234" ticks, "€1,234.50" on hover)."""
    pre, fmt = money.d3_format(currency)
    getattr(fig, f"update_{axis}axes")(tickprefix=pre, tickformat=f",.{places}f")
    for trace in fig.data:
        trace.hovertemplate = (trace.hovertemplate or "").replace(f"%{{{axis}}}", f"{pre}%{{{axis}:{fmt}}}") or None
    return fig


def revenue_by_month(df: pd.DataFrame, currency: str | None = None) -> go.Figure:
    if df.empty:
        return _empty("Net revenue by month")
    fig = px.bar(df, x="month", y="revenue", title="Net revenue by month", color_discrete_sequence=[ACCENT],
                 hover_data={"orders": True})
    fig.update_layout(yaxis_title=f"Revenue ({money.label(currency)})", xaxis_title=None, height=340,
                      margin=dict(t=50, b=10))
    return money_axis(fig, "y", currency)


def revenue_by_country(df: pd.DataFrame, currency: str | None = None) -> go.Figure:
    if df.empty:
        return _empty("Revenue by country")
    fig = px.bar(df.iloc[::-1], x="revenue", y="country", orientation="h", title="Revenue by country (top 15)",
                 color_discrete_sequence=[ACCENT])
    fig.update_layout(xaxis_title=f"Revenue ({money.label(currency)}), log scale", yaxis_title=None, xaxis_type="log",
                      height=420, margin=dict(t=50, b=10))
    return money_axis(fig, "x", currency)


def top_products(df: pd.DataFrame, currency: str | None = None) -> go.Figure:
    if df.empty:
        return _empty("Top products")
    d = df.assign(label=df["product_name"].str.slice(0, 40)).iloc[::-1]
    fig = px.bar(d, x="revenue", y="label", orientation="h", title="Top 10 products by revenue (postage and fees excluded)",
                 color_discrete_sequence=[ACCENT], hover_data={"product_id": True, "units": True})
    fig.update_layout(xaxis_title=f"Revenue ({money.label(currency)})", yaxis_title=None, height=420,
                      margin=dict(t=50, b=10))
    return money_axis(fig, "x", currency)


def rating_distribution(df: pd.DataFrame) -> go.Figure:
    if df["reviews"].sum() == 0:
        return _empty("Review ratings")
    colors = ["#c0392b", "#e67e22", "#f1c40f", "#7fb77e", "#2e8b57"]
    fig = go.Figure(go.Bar(x=df["rating"].astype(str) + "★", y=df["reviews"], marker_color=colors))
    fig.update_layout(title="Review ratings", yaxis_title="Reviews", height=340, margin=dict(t=50, b=10))
    return fig


# negative red, positive green, the middle and the unusable greys: what a marketer reads at a glance
SENTIMENT_COLORS = {"negative": "#c0392b", "neutral": "#95a5a6", "positive": "#27ae60", "unknown": "#d5d8dc"}
SENTIMENT_ORDER = ["negative", "neutral", "positive", "unknown"]


def sentiment_mix(df: pd.DataFrame, x: str, title: str) -> go.Figure:
    """Stacked reviews per `x` and sentiment (columns x, sentiment, reviews)."""
    return px.bar(df, x=x, y="reviews", color="sentiment", title=title, color_discrete_map=SENTIMENT_COLORS,
                  category_orders={"sentiment": SENTIMENT_ORDER}, custom_data=[x, "sentiment"])  # click → reviews


def topic_share(df: pd.DataFrame, x: str) -> go.Figure:
    """Share of reviews naming each topic per `x`: lines over months, grouped bars over categories or products (and
    over a single month, where a line has nothing to join and the date axis would tick in fractions of a second)."""
    if x == "month" and df[x].nunique() > 1:
        fig = px.line(df, x=x, y="share", color="topic", markers=True, title="Topic share", custom_data=[x, "topic"])
        fig.update_xaxes(tickformat="%b %Y")
    else:
        if x == "month":
            df = df.assign(month=pd.to_datetime(df[x]).dt.strftime("%b %Y"))
        fig = px.bar(df, x=x, y="share", color="topic", barmode="group", title="Topic share",
                     custom_data=[x, "topic"])
    return fig.update_yaxes(tickformat=".0%")
