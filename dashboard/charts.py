"""Plotly figures as pure functions of DataFrames: no queries, no Streamlit, easy to test and reuse."""
from __future__ import annotations

import math

import numpy as np
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
    """Ticks and hover of the money axis in the shop's currency ("€1,234" ticks, "€1,234.50" on hover).

    Hover text is analysis.money.format_money's own string (carried in customdata), so a return reads "-£12.50"
    as on every page; plotly's tickprefix would write "£-12.50" there. For the same reason an axis that goes
    below zero gets its ticks written out ("-£500", "£0", "£500") instead of a prefix."""
    values = []
    for trace in fig.data:
        v = pd.to_numeric(pd.Series(getattr(trace, axis) if getattr(trace, axis) is not None else []), errors="coerce")
        values.append(v)
        if "%{" + axis + "}" not in (trace.hovertemplate or ""):
            continue
        shown = np.array([money.format_money(x, currency) for x in v], dtype=object).reshape(-1, 1)
        extra = np.asarray(trace.customdata, dtype=object) if trace.customdata is not None else None
        k = 0 if extra is None else extra.reshape(len(v), -1).shape[1]
        trace.customdata = shown if extra is None else np.hstack([extra.reshape(len(v), -1), shown])
        trace.hovertemplate = trace.hovertemplate.replace("%{" + axis + "}", f"%{{customdata[{k}]}}")
    allv = pd.concat(values) if values else pd.Series(dtype=float)
    lo = allv.min() if allv.notna().any() else 0.0
    if lo < 0:
        getattr(fig, f"update_{axis}axes")(tickmode="array", **money_ticks(lo, max(allv.max(), 0.0), currency, places))
    else:
        getattr(fig, f"update_{axis}axes")(tickprefix=money.prefix(currency), tickformat=f",.{places}f")
    return fig


def money_ticks(lo: float, hi: float, currency: str | None, places: int = 0, n: int = 5) -> dict:
    """Round ticks (1, 2, 2.5 or 5 times a power of ten, n to 2n of them) from min(lo, 0) to max(hi, 0), written by
    format_money: {"tickvals", "ticktext"}."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    raw = (hi - lo) / n or 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    step = max(m * power for m in (1, 2, 2.5, 5) if m * power <= raw)
    places = max(places, math.ceil(-math.log10(step))) if step < 1 else places  # 0.5 shows as £0.50, not £1
    vals = [round(i * step, 12) for i in range(math.floor(lo / step), math.ceil(hi / step) + 1)]
    return {"tickvals": vals, "ticktext": [money.format_money(v, currency, places=places) for v in vals]}


def revenue_by_month(df: pd.DataFrame, currency: str | None = None) -> go.Figure:
    """Bars per month; a partial last month (df.partial) is drawn lighter and labelled "month to date", so it does
    not read as a drop."""
    if df.empty:
        return _empty("Net revenue by month")
    partial = df["partial"] if "partial" in df else pd.Series(False, index=df.index)
    fig = px.bar(df, x="month", y="revenue", title="Net revenue by month", color_discrete_sequence=[ACCENT],
                 hover_data={"orders": True})
    fig.update_traces(marker_opacity=[0.35 if p else 1.0 for p in partial])
    for m, rev in zip(df.loc[partial, "month"], df.loc[partial, "revenue"], strict=True):
        fig.add_annotation(x=m, y=rev, text="month to date*", showarrow=False, yshift=10, font=dict(size=11))
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
