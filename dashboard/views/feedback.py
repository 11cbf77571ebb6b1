"""Feedback: sentiment and topic mix over time and per category/product, what changed, evidence, corrections, Retrain."""
import pandas as pd
import streamlit as st

from dashboard import auth, charts, classifier_ui, review_evidence, state
from models import feedback

auth.require_role("marketer")
st.title("Feedback")
path = state.db_path()


@st.cache_data(show_spinner=False)
def load(path: str) -> pd.DataFrame:
    return feedback.labelled_reviews(state.cursor())


df = load(path)
classifier_ui.classify_section(has_labels=not df.empty)
if not df.empty:
    dated = df.dropna(subset=["created_at"])
    st.caption(f"{len(df):,} classified reviews · model {df['model_version'].iloc[0]}")
    # only the breakdowns the reviews carry: a shop's export without dates or products would draw empty axes
    ways = [w for w, ok in (("month", not dated.empty), ("category", df["category"].notna().any()),
                            ("product_id", df["product_id"].notna().any())) if ok]
    if not ways:
        st.info("No charts over time or by product: these reviews carry no date, category or product id. Load "
                "reviews with a created_at (or product_id) column on the Data page to see the mix change; the "
                "reviews and their labels are listed below.")
        by = None
    else:
        by = st.radio("Break down by", ways, horizontal=True, key="fb_by")
        if len(ways) < 3:
            st.caption("The reviews carry no " + " or ".join({"month": "dates", "category": "category",
                                                             "product_id": "product id"}[w]
                                                            for w in ("month", "category", "product_id")
                                                            if w not in ways) + ", so those breakdowns are left out.")
    if by == "month":
        dated = dated.assign(month=dated["created_at"].dt.to_period("M").dt.to_timestamp())
        mix = dated.groupby(["month", "sentiment"]).size().reset_index(name="reviews")
        sent_event = st.plotly_chart(charts.sentiment_mix(mix, "month", "Sentiment per month"), on_select="rerun",
                                     selection_mode="points", key="fb_sent_chart")
        grp = "month"
        base = dated
    elif by is not None:
        top = df[by].value_counts().head(15).index
        base = df[df[by].isin(top)]
        mix = base.groupby([by, "sentiment"]).size().reset_index(name="reviews")
        sent_event = st.plotly_chart(charts.sentiment_mix(mix, by, f"Sentiment per {by} (top 15)"),
                                     on_select="rerun", selection_mode="points", key=f"fb_sent_chart_{by}")
        grp = by
    if by is not None:
        share = feedback.topic_share(base, grp)
        thin = share.loc[share["group_reviews"] < feedback.MIN_GROUP_REVIEWS, [grp, "group_reviews"]].drop_duplicates()
        topic_event = st.plotly_chart(charts.topic_share(share[share["group_reviews"] >= feedback.MIN_GROUP_REVIEWS], grp),
                                      on_select="rerun", selection_mode="points", key=f"fb_topic_chart_{grp}")
        st.caption("Click a bar or point to read the reviews behind it, with the words that drove their label.")
        pick = review_evidence.clicked(sent_event, [grp, "sentiment"])
        if pick:
            rows = base[review_evidence.same_group(base[grp], pick[grp], grp) & (base["sentiment"] == pick["sentiment"])]
            review_evidence.show(rows, f"{pick['sentiment'].capitalize()} reviews in {pick[grp]}",
                                 sentiment=pick["sentiment"])
        pick = review_evidence.clicked(topic_event, [grp, "topic"])
        if pick:
            rows = base[review_evidence.same_group(base[grp], pick[grp], grp)]
            rows = rows[[pick["topic"] in ts for ts in rows["topics"]]]
            review_evidence.show(rows, f"Reviews about {pick['topic']} in {pick[grp]}", topic=pick["topic"])
        if len(thin):
            names = thin[grp].dt.strftime("%b %Y") if grp == "month" else thin[grp].astype(str)
            st.caption(f"Left out of the topic chart, fewer than {feedback.MIN_GROUP_REVIEWS} reviews: "
                       + ", ".join(f"{g} ({n:,})" for g, n in zip(names, thin["group_reviews"], strict=True)) + ".")

    if len(dated) > 10:
        st.subheader("What changed")
        split_at = st.date_input("Compare reviews before and after", value=dated["created_at"].quantile(0.5).date(),
                                 key="fb_split")
        changed = feedback.what_changed(dated, pd.Timestamp(split_at)).head(8)
        picked = st.dataframe(changed, hide_index=True, on_select="rerun", selection_mode="single-row",
                              key="fb_changed", column_config={"before": st.column_config.NumberColumn(format="percent"),
                                    "after": st.column_config.NumberColumn(format="percent"),
                                    "change_pp": st.column_config.NumberColumn("change (pp)", format="%+.1f")})
        st.caption("Select a row to read the reviews after the split date that mention that topic.")
        if picked.selection.rows:
            topic = changed.iloc[picked.selection.rows[0]]["topic"]
            after = dated[(dated["created_at"] >= pd.Timestamp(split_at)) & [topic in ts for ts in dated["topics"]]]
            review_evidence.show(after, f"Reviews about {topic} from {split_at:%d %b %Y}", topic=topic)

    st.subheader("Evidence and corrections")
    c1, c2 = st.columns(2)
    s_pick = c1.selectbox("Sentiment", ["any", "negative", "neutral", "positive", "unknown"], key="fb_sent")
    t_pick = c2.selectbox("Topic", ["any", *sorted({t for ts in df["topics"] for t in ts})], key="fb_topic")
    ev = df
    if s_pick != "any":
        ev = ev[ev["sentiment"] == s_pick]
    if t_pick != "any":
        ev = ev[[t_pick in ts for ts in ev["topics"]]]
    ev = ev.head(200).assign(topics=lambda d: ["|".join(t) for t in d["topics"]])
    view = ev[["review_id", "rating", "title", "text", "sentiment", "topics"]].reset_index(drop=True)
    view["title"] = view["title"].fillna("")  # a shop's export without titles: empty cells, not "None"
    view = auth.masked_for_role(view)  # marketers see review text with personal data masked
    edited = st.data_editor(view, hide_index=True, key="fb_editor", disabled=["review_id", "rating", "title", "text"],
                            column_config={"sentiment": st.column_config.SelectboxColumn(
                                options=["negative", "neutral", "positive"]),
                                "topics": st.column_config.TextColumn(help="pipe-separated topic names")})
    if st.button("Save corrections", key="fb_save"):
        changes = [{"review_id": a["review_id"], "field": f, "old": a[f], "new": b[f]}
                   for a, b in zip(view.to_dict("records"), edited.to_dict("records"), strict=True)
                   for f in ("sentiment", "topics") if a[f] != b[f]]
        with state.write_lock():
            n = feedback.save_corrections(state.cursor(), changes, who=auth.username())
        state.invalidate()
        st.success(f"Saved {n} correction(s). They are used by the next Retrain.")
    classifier_ui.correction_form(view, sorted({t for ts in df["topics"] for t in ts}))

if auth.may("analyst"):  # training is for analysts and admins
    classifier_ui.retrain_section()
