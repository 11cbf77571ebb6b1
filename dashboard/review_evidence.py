"""The reviews behind a clicked bar, point or number on the Feedback page, with the words that drove their label
highlighted (models/drivers.py: occlusion with the active model)."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboard import auth

SHOWN = 5  # reviews explained word by word at once (a second or two each on 2 CPU cores)
_MD = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


@st.cache_resource(show_spinner="Loading the model that explains labels…", max_entries=2)
def _classifier(path: str):
    from models.classifier import ReviewClassifier

    return ReviewClassifier.from_pretrained(path, device="cpu")


def _active_classifier(field: str):
    from models import registry

    act = registry.active("topics" if field == "topic" else "sentiment")
    return _classifier(act["path"]) if act else None


@st.cache_data(show_spinner=False, max_entries=500)
def _drivers(_clf, version: str, text: str, sentiment: str | None, topic: str | None):
    from models.drivers import explain

    return explain(_clf, text, sentiment=sentiment, topic=topic)


def highlighted(d, colour: str) -> str:
    """Markdown of the review with its driving words on a coloured background."""
    strong = d.top_words()
    safe = [_MD.sub(r"\\\1", w) for w in d.words]
    return " ".join(f":{colour}-background[{w}]" if i in strong else w for i, w in enumerate(safe))


def show(reviews: pd.DataFrame, title: str, sentiment: str | None = None, topic: str | None = None) -> None:
    """The reviews behind a selection (newest first); the first SHOWN with the words behind their label."""
    from models.text import join

    st.markdown(f"**{title}** — {len(reviews):,} review(s)")
    if reviews.empty:
        return
    masked = auth.masked_for_role(reviews, columns=("title", "text"))
    clf = _active_classifier("topic" if topic else "sentiment")
    colour = {"negative": "red", "positive": "green", "neutral": "gray"}.get(sentiment or "", "blue")
    for row in masked.head(SHOWN).itertuples():
        text = join(row.title, row.text)
        with st.container(border=True):
            rating = f"{int(row.rating)}★ · " if pd.notna(row.rating) else ""
            st.caption(f"{row.review_id} · {rating}labelled {row.sentiment} · topics: "
                       f"{', '.join(row.topics) or 'none'}")
            d = _drivers(clf, clf.config.version, text, sentiment or row.sentiment, topic) if clf else None
            if d is None:
                st.write(text)
                continue
            st.markdown(highlighted(d, colour if topic is None else "blue"))
            if d.phrases:
                st.caption(f"Drove “{d.label}” (p = {d.probability:.2f}): "
                           + "; ".join(f"“{p}” −{f:.2f}" for p, f in d.phrases)
                           + " (how much less sure the model was without those words)")
    rest = masked.iloc[SHOWN:]
    if len(rest):
        st.dataframe(rest[["review_id", "rating", "title", "text", "sentiment"]], hide_index=True, height=240)


def clicked(event, columns: list[str]) -> dict | None:
    """{column: value} of the first point picked in a plotly chart whose traces carry customdata = columns."""
    try:
        points = event.selection.points
    except AttributeError:
        return None
    for p in points or []:
        data = p.get("customdata")
        if data is not None and len(data) >= len(columns):
            return dict(zip(columns, data[:len(columns)], strict=True))
    return None


def same_group(series: pd.Series, value, by: str) -> pd.Series:
    """Rows of `series` (the grouping column) equal to a clicked value (months compared as months)."""
    if by == "month":
        month = pd.Timestamp(value).to_period("M")
        return pd.to_datetime(series).dt.to_period("M") == month
    return series.astype(str) == str(value)
