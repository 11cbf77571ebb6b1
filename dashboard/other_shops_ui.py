"""The Models page's "other shops" section: a model version's figures on other kinds of shop, beside in domain.

Why on the page: the activation gate reads the demo shop's own test split; a marketer whose shop sells something
else should see how far that figure carries before trusting the labels (models/other_shops.py measures it)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.errors import ShoplensError
from dashboard import model_thread

COLUMNS = {"what": "reviews of", "reviews": "reviews", "neutral_reviews": "neutral",
           "balanced_binary": "clear reviews read right", "sentiment_macro_f1": "3-class F1",
           "neutral_f1": "neutral F1", "topic_macro_f1": "topic F1", "readers": "readers agree (3-class / clear)"}


def result_frame(result: dict) -> pd.DataFrame:
    """One row per labelled set, plain column names; figures a model or set does not have stay empty."""
    rows = []
    for row in result["sets"].values():
        agree = row.get("readers_agree")
        rows.append({**{k: row.get(k) for k in COLUMNS if k != "readers"},
                     "readers": f"{agree['sentiment_macro_f1']:.3f} / {agree['balanced_binary']:.3f}" if agree else ""})
    return pd.DataFrame(rows, columns=list(COLUMNS)).rename(columns=COLUMNS)


def other_shops_section(folder: str) -> None:
    from models import other_shops

    st.subheader("On other shops' reviews")
    st.caption("The first row is the demo shop's own kind of review (women's clothing), the one the models are "
               "trained and gated on; the others come from other kinds of shop, were read by hand and were never "
               "trained on. A clothing shop can expect figures near the first row, other shops nearer the rest. "
               "*Clear reviews read right*: positive and negative reviews labelled as such, averaged over both "
               "sides. *3-class F1* also counts neutral reviews; the phone and restaurant sets hold only 4 neutral "
               "sentences each, so read neutral on the grocery set. Topics were read on the first two sets only.")
    result = other_shops.cached(folder)
    if result is None:
        slot = st.empty()  # the button goes once the figures are in, not on the next rerun
        if not slot.button("Measure on other shops' reviews (about half a minute on 2 CPU cores)", key=f"other-shops-{folder}"):
            return
        try:
            with st.spinner("Scoring about 2,200 hand-read reviews…"):
                result = model_thread.run(other_shops.measure, folder)
        except ShoplensError as exc:  # str() carries what went wrong and the fix
            st.error(str(exc))
            return
        slot.empty()
    fmt = st.column_config.NumberColumn(format="%.3f")
    st.dataframe(result_frame(result), hide_index=True, use_container_width=True,
                 column_config={COLUMNS[k]: fmt for k in ("balanced_binary", "sentiment_macro_f1", "neutral_f1",
                                                          "topic_macro_f1")})
    st.caption(f"Measured {result['measured_at']} on {result['device']} in {result['seconds']:.0f} s "
               "(`shoplens other-shops --model FOLDER` measures the same from the command line).")
