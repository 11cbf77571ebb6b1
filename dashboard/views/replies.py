"""Replies: the queue of unhappy reviews (rated 1-2 stars, or labelled negative/urgent by the classifier or a marketer's
correction) with a checked reply drafted on demand, offering only the remedy the shop's policy allows; drafts are stored with channel "reply"."""
import pandas as pd
import streamlit as st

from analysis import drafts_store, shop
from analysis.campaign_facts import reply_facts
from analysis.errors import ShoplensError
from dashboard import auth, draft_ui, generator_state, shop_ui, state

SHOWN = 200  # reviews listed and offered for drafting at once; the metric counts them all


def draft_replies(facts: dict, n: int, seed: int | None = None) -> list[dict] | None:
    gen, err = generator_state.writer(writer_name)
    if err:
        st.session_state["reply_model_error"] = err
        return None
    st.session_state.pop("reply_model_error", None)
    return generator_state.draft(gen, facts, n=n, keep_failing=True, max_new_tokens=max_tokens or None, seed=seed)[0]


auth.require_role("marketer")
st.title("Replies")
path = state.db_path()
q, basis = state.reply_queue(path)
unlabelled_all = drafts_store.unclassified_reviews(state.cursor())
if q.empty:
    st.info("No unhappy reviews to answer: none is labelled negative or rated 1-2 stars."
            + (f" {unlabelled_all:,} reviews are not classified yet (Feedback page); any labelled negative will "
               "appear here." if unlabelled_all else ""))
    st.stop()
waiting = int(q["reply_status"].ne("approved").sum())
unlabelled = int(q["sentiment"].isna().sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("Reviews in the queue", f"{len(q):,}", help=f"Chosen by: {basis}")
c2.metric("Without an approved reply", f"{waiting:,}")
c3.metric("In the queue, not classified yet", f"{unlabelled:,}",
          help="Rated 1-2 stars but without a sentiment label; they stay in the queue whatever the label will say.")
if list(draft_ui.writers()) == ["template"]:  # no model writes replies here: name the templates, not a model
    c4.markdown(f"**Replies written with**  \n`{generator_state.writer_version('template')}`")
else:  # a metric would cut a long version short
    c4.markdown(f"**Copy model**  \n`{generator_state.active_version()}`")

shown = auth.masked_for_role(q.head(SHOWN), columns=("title", "text"))
shown = shown.assign(reply_status=shown["reply_status"].fillna("not drafted"),
                     sentiment=shown["sentiment"].fillna("not classified"),  # grey "None" cells read as a fault
                     topics=shown["topics"].map(lambda t: list(t) if hasattr(t, "__iter__") and not isinstance(t, str) else []))
listed = ["review_id", "rating", "created_at", "sentiment", "why", "topics", "text", "reply_status"]
if shown["created_at"].isna().all():  # a shop's reviews export without dates: no column of grey "None"
    listed.remove("created_at")
st.dataframe(shown[listed],
             hide_index=True,
             width="stretch", height=260, column_config={
                 "review_id": st.column_config.TextColumn("Review id", width="small"),
                 "topics": st.column_config.ListColumn("Topics", width="small"),
                 "rating": st.column_config.NumberColumn("Rating", format="%d ★", width="small"),
                 "created_at": st.column_config.DatetimeColumn("Date", format="YYYY-MM-DD", width="small"),
                 "sentiment": st.column_config.TextColumn("Label", width="medium",
                                                          help="'not classified': the Feedback page has not labelled it yet"),
                 "why": st.column_config.TextColumn("In the queue by", width="medium"),
                 "text": st.column_config.TextColumn("Review", width="large"),
                 "reply_status": st.column_config.TextColumn("Reply", width="small")})
st.caption(f"Queue: {basis}; worst rating and newest first" +
           (f"; the first {SHOWN} of {len(q):,} are listed." if len(q) > SHOWN else ".") +
           (f" {unlabelled_all:,} reviews in the shop are not classified yet: classify them on the Feedback page and "
            "those labelled negative join the queue." if unlabelled_all else " Every review is classified."))

labels = {r.review_id: f"{r.review_id} · {r.rating if pd.notna(r.rating) else '?'}★ · {str(r.text)[:70]}"
          for r in shown.itertuples()}
c1, c2, c3 = st.columns([3, 2, 1])
review_id = c1.selectbox("Review to answer", list(labels), format_func=labels.get, key="reply_review")
remedy = c2.text_input("Remedy our policy allows (quoted exactly)", "a full refund", max_chars=120,
                       key="reply_remedy")
brand = c3.text_input("Brand", shop_ui.brand_default(), max_chars=60, key="reply_brand",
                      placeholder="Your shop's name", help="The name the reply signs with; set it once in Shop settings")
row = shown[shown["review_id"] == review_id].iloc[0]
with st.container(border=True):
    st.markdown(f"**{row['rating']}★** {row['title'] if isinstance(row['title'], str) else ''}")
    st.write(row["text"])
    topics = row["topics"] if isinstance(row["topics"], (list, tuple)) or hasattr(row["topics"], "tolist") else []
    st.caption("Topics: " + (", ".join(topics) or "none labelled"))

c0, c1, c2, c3 = st.columns([1.3, 1, 1, 2], vertical_alignment="bottom")
writer_name = c0.selectbox("Writer", list(draft_ui.writers()), format_func=draft_ui.WRITERS.get, key="reply_writer",
                           help=draft_ui.WRITER_HELP)
draft_ui.writer_note(writer_name)
n = c1.number_input("Candidates", 1, 4, 2, key="reply_n")
max_tokens = c2.number_input("Max new tokens (0 = default)", 0, 400, 0, step=10, key="reply_max_tokens",
                             disabled=writer_name == "template",
                           help="0 = the default length. Fewer tokens write faster but may cut a reply short.")
go = c3.button("Draft a reply", type="primary", icon=":material/edit_note:", key="reply_generate")
all_items: dict = st.session_state.setdefault("reply_items", {})
items = all_items.setdefault(review_id, [])
if go:
    try:
        facts = reply_facts(state.cursor(), review_id, brand=shop.brand(state.cursor(), brand), remedy=remedy)
    except ShoplensError as exc:
        st.error(str(exc))
        facts = None
    if facts:
        with st.status("Drafting replies…", expanded=True) as status:
            st.write("Filling the reply templates…" if writer_name == "template" else
                     "Loading the copy model and sampling candidates…")
            drafts = draft_replies(facts, int(n))
            if drafts is None:
                status.update(label="The writer could not be loaded", state="error", expanded=False)
            else:
                items[:0] = draft_ui.store_new(drafts)
                ok = sum(all(d["checks"].values()) for d in drafts)
                status.update(label=f"{len(drafts)} replies drafted and stored by the {draft_ui.WRITERS[writer_name]} "
                                    f"writer; {ok} pass every check",
                              state="complete", expanded=False)
if st.session_state.get("reply_model_error"):
    st.error(f"Drafting is unavailable: {st.session_state['reply_model_error']}. The rest of Shoplens works as usual.",
             icon=":material/error:")


def regenerate(facts: dict) -> dict | None:
    import random

    out = draft_replies(facts, 1, seed=random.randrange(1 << 30))
    return out[0] if out else None


cols = st.columns(2)
for i in range(len(items)):
    with cols[i % 2]:
        draft_ui.draft_card(items, i, regenerate)

with st.expander("Stored replies"):
    st.dataframe(drafts_store.recent(state.cursor(), channel="reply"), hide_index=True, width="stretch",
                 column_config={"at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                                "body": st.column_config.TextColumn("Body", width="large"),
                                "checks_passed": st.column_config.CheckboxColumn("Checks passed")})
