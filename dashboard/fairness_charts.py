"""Plotly figures for the Fairness page: pure functions of DataFrames (no queries, no Streamlit)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import ACCENT, _empty

SMALL = "#bdbdbd"
RATES = {"tpr": ("Negatives caught (TPR)", ACCENT), "fpr": ("Others called negative (FPR)", "#d73027"),
         "selection_rate": ("Predicted negative (selection rate)", "#fdae61")}


def _labels(groups: pd.DataFrame) -> list[str]:
    return [f"{g} (n={n}{', small' if s else ''})" for g, n, s in
            zip(groups["group"], groups["n"], groups["small"], strict=True)]


def group_rates(groups: pd.DataFrame, title: str = "Error rates by group (negative vs rest)") -> go.Figure:
    """TPR, FPR and selection rate per group; small groups drawn pale and labelled with their n."""
    if groups.empty:
        return _empty(title)
    x = _labels(groups)
    fig = go.Figure()
    for col, (name, color) in RATES.items():
        fig.add_bar(x=x, y=groups[col], name=name, marker_color=[SMALL if s else color for s in groups["small"]],
                    marker_line_color=color, marker_line_width=1.5, customdata=groups[["n", "n_negative"]],
                    hovertemplate="%{x}<br>" + name + ": %{y:.1%}<br>negatives: %{customdata[1]}<extra></extra>")
    fig.update_layout(title=title, barmode="group", height=360, yaxis_tickformat=".0%", yaxis_range=[0, 1.05],
                      margin=dict(t=50, b=10), legend=dict(orientation="h", y=-0.25))
    return fig


def group_accuracy(groups: pd.DataFrame, overall: float | None = None, title: str = "Accuracy by group") -> go.Figure:
    """Accuracy and macro-F1 per group with the overall accuracy as a line; small groups pale."""
    if groups.empty:
        return _empty(title)
    x = _labels(groups)
    fig = go.Figure()
    fig.add_bar(x=x, y=groups["accuracy"], name="accuracy",
                marker_color=[SMALL if s else ACCENT for s in groups["small"]])
    fig.add_scatter(x=x, y=groups["macro_f1"], name="macro-F1", mode="markers", marker=dict(size=11, color="#222",
                                                                                               symbol="diamond"))
    if overall is not None:
        fig.add_hline(y=overall, line_dash="dot", annotation_text=f"overall accuracy {overall:.1%}",
                      annotation_position="bottom right", annotation_bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(title=title, height=340, yaxis_tickformat=".0%", yaxis_range=[0, 1.05],
                      margin=dict(t=50, b=10), legend=dict(orientation="h", y=-0.25))
    return fig


def gaps_before_after(mit: pd.DataFrame, metric: str = "eo_diff",
                      title: str = "Equalized-odds difference before and after mitigation") -> go.Figure:
    """One group of bars per feature: the gap before and after; a marker for the gap chance alone produces."""
    if mit.empty:
        return _empty(title)
    fig = go.Figure()
    for stage, color in (("before", "#8c8c8c"), ("after", ACCENT)):
        d = mit[mit["stage"] == stage]
        fig.add_bar(x=d["feature"], y=d[metric], name=stage, marker_color=color,
                    customdata=d[["accuracy", "groups_mitigated"]],
                    hovertemplate="%{x} " + stage + ": %{y:.3f}<br>accuracy %{customdata[0]:.1%}"
                                  "<br>groups with own threshold: %{customdata[1]}<extra></extra>")
    chance = "eo_chance" if metric == "eo_diff" else None
    if chance:
        d = mit[mit["stage"] == "before"]
        fig.add_scatter(x=d["feature"], y=d[chance], mode="markers", name="chance level (90th pct, shuffled groups)",
                        marker=dict(symbol="line-ew-open", size=34, color="#d73027", line_width=3))
    fig.update_layout(title=title, barmode="group", height=340, margin=dict(t=50, b=10),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def country_metric(df: pd.DataFrame, value: str, title: str, low: str | None = None, high: str | None = None,
                   se: str | None = None, fmt: str = ".2f", top: int = 10) -> go.Figure:
    """A bar per country (largest first; small countries pale, the pooled row last) with an interval when given."""
    if df.empty:
        return _empty(title)
    d = pd.concat([df[~df["pooled"]].head(top), df[df["pooled"]]])
    x = [f"{c} (n={n})" for c, n in zip(d["country"], d["customers"], strict=True)]
    err = None
    if low and high:
        err = dict(type="data", symmetric=False, array=d[high] - d[value], arrayminus=d[value] - d[low], color="#444")
    elif se:
        err = dict(type="data", array=1.645 * d[se].fillna(0), color="#444")
    fig = go.Figure(go.Bar(x=x, y=d[value], error_y=err,
                           marker_color=[SMALL if s else ("#74add1" if p else ACCENT)
                                         for s, p in zip(d["small"], d["pooled"], strict=True)],
                           hovertemplate="%{x}: %{y:" + fmt + "}<extra></extra>"))
    fig.update_layout(title=title, height=340, margin=dict(t=50, b=10))
    if fmt.endswith("%"):
        fig.update_layout(yaxis_tickformat=".0%")
    return fig
