"""Campaigns: checked copy drafts for one or more segments, written from facts the marketer sees and may edit first,
then edited, approved or regenerated one by one and exported with the segment's customer list."""
import hashlib
import json
from collections import Counter

import pandas as pd
import streamlit as st

from analysis import campaign_package, draft_export, drafts_store, money, rfm, shop
from analysis.campaign_facts import CHANNELS, TONES, segment_facts
from analysis.errors import ShoplensError
from dashboard import auth, draft_ui, generator_state, shop_ui, state

STYLE_LABELS = {k: f"{k} · {v}" for k, v in draft_export.MERGE_STYLES.items()}


@st.cache_data(show_spinner="Scoring customers…")
def rfm_of(path: str) -> pd.DataFrame:
    """One RFM table per database for the sizes, every segment's facts and its customer list."""
    return rfm.rfm_table(state.cursor())


def segment_sizes(path: str) -> dict:
    summary = rfm.segment_summary(rfm_of(path))
    return {r.segment: int(r.customers) for r in summary.itertuples() if r.customers > 0}


@st.cache_data(show_spinner="Gathering the segment's facts…")
def base_facts(path: str, segment: str, channel: str, offer: str, tone: str, brand: str) -> dict:
    return segment_facts(state.cursor(), segment, channel, offer, tone=tone, brand=brand, table=rfm_of(path))


@st.cache_data(show_spinner=False)
def customers_csv(path: str, segment: str) -> bytes:
    return draft_export.segment_customers_csv(state.cursor(), segment, table=rfm_of(path))


def edit_facts(f: dict) -> dict:
    """The facts record with the marketer's edits to products and feedback quotes (quotes stay data, never orders)."""
    fkey = hashlib.sha1(json.dumps(f, sort_keys=True, default=str).encode()).hexdigest()[:10]
    with st.expander(f"Facts for {f['segment']} · {f['segment_size']:,} customers", expanded=True):
        st.caption(f"{f['segment_description']}. Average order value "
                   f"{money.format_money(f['avg_order_value'], f.get('currency'))}; "
                   f"feedback from {f['feedback_source']}.")
        left, right = st.columns([1, 2])
        products = left.text_area("Top products (one a line)", "\n".join(f["top_products"]), height=150,
                                  key=f"facts_products_{fkey}",  # an empty box says why it is empty
                                  placeholder="None found: the segment's orders name no products (an export without "
                                              "product ids). Type any the copy may mention, one a line.")
        fb = pd.DataFrame([{"kind": "praised", **p} for p in f["praised"]] +
                          [{"kind": "complaint", **c} for c in f["complaints"]], columns=["kind", "topic", "quote"])
        with right:
            fb = st.data_editor(fb, num_rows="dynamic", hide_index=True, width="stretch", key=f"facts_fb_{fkey}",
                                column_config={
                                    "kind": st.column_config.SelectboxColumn("Kind", options=["praised", "complaint"],
                                                                             required=True, width="small"),
                                    "topic": st.column_config.TextColumn("Topic", width="medium"),
                                    "quote": st.column_config.TextColumn("Customer quote", width="large")})
    rows = [r for r in fb.fillna("").to_dict("records") if str(r["quote"]).strip()]
    return {**f, "top_products": [p.strip() for p in products.splitlines() if p.strip()],
            "praised": [{"topic": r["topic"] or "general", "quote": r["quote"]} for r in rows if r["kind"] == "praised"],
            "complaints": [{"topic": r["topic"] or "general", "quote": r["quote"]} for r in rows
                           if r["kind"] == "complaint"]}


REPAIR_WORDS = {"offer_exact": "offer written verbatim", "channel_limits": "cut to fit the channel's length",
                "channel_format": "format mended", "names_from_facts": "brand or sign-off written as given",
                "grounded_dates": "invented date dropped", "grounded_numbers": "invented number dropped"}


def write_drafts(gen, facts_list: list[dict], n: int, max_new_tokens: int | None) -> tuple[list[dict], str]:
    """(stored drafts, what the checked repairs changed, what was held back and how long writing took, for the
    status line), one batch of n candidates per segment; gen is the chosen models.copy_writer.CopyWriter."""
    bar = st.progress(0.0, text="Starting…")
    out, repairs, repaired, seconds, held = [], Counter(), 0, 0.0, 0
    for j, facts in enumerate(facts_list):
        bar.progress(j / len(facts_list), text=f"{facts['segment']}: sampling {n} candidates and checking them…")
        drafts, cands, stats = generator_state.draft(gen, facts, n=n, keep_failing=True,
                                                     max_new_tokens=max_new_tokens)
        held += sum(len(d.get("held_back") or []) for d in drafts)
        out += draft_ui.store_new(drafts)
        repairs.update(REPAIR_WORDS.get(k, k) for c in cands for k in c.get("repaired") or [])
        repaired += sum(bool(c.get("repaired")) for c in cands)
        seconds += stats.seconds
    bar.progress(1.0, text="Done")
    what = ", ".join(f"{k} {v}" for k, v in repairs.most_common())
    fixed = f" ({repaired} after a small checked repair: {what})" if repaired else ""
    kept = f"; {held} candidates or lines held back (see each draft)" if held else ""
    return out, f"{fixed}{kept}; written by {gen.label} in {seconds:.1f} s"


def regenerate(facts: dict) -> dict | None:
    """One new candidate from the writer chosen now; a fresh seed so the templates pick other variants."""
    import random

    gen, err = generator_state.writer(writer_name)
    if err:
        st.session_state["campaign_model_error"] = err
        st.error(err)
        return None
    drafts = generator_state.draft(gen, facts, n=1, keep_failing=True, max_new_tokens=max_tokens or None,
                                   seed=random.randrange(1 << 30))[0]
    if not drafts:
        st.error("No candidate could be written; every one was held back.")
        return None
    return drafts[0]


auth.require_role("marketer")
st.title("Campaigns")
path = state.db_path()
items: list[dict] = st.session_state.setdefault("campaign_items", [])

try:
    sizes = segment_sizes(path)
except ShoplensError as exc:
    st.info(f"No segments yet: {exc}")
    st.stop()
c1, c2, c3 = st.columns([3, 1, 1])
segments = c1.multiselect("Segments", list(sizes), default=[s for s in ("At risk",) if s in sizes][:1] or list(sizes)[:1],
                          format_func=lambda s: f"{s} ({sizes[s]:,})", key="campaign_segments")
channel = c2.segmented_control("Channel", CHANNELS, default="email", required=True, key="campaign_channel")
tone = c3.selectbox("Tone", TONES, key="campaign_tone")
c1, c2 = st.columns([3, 2])
offer = c1.text_input("Offer (written exactly as typed)", "15% off with code THANKS15", max_chars=120,
                      key="campaign_offer")
brand = c2.text_input("Brand", shop_ui.brand_default(), max_chars=60, key="campaign_brand",
                      placeholder="Your shop's name", help="The name the copy signs with; set it once in Shop settings")

facts_list = []
if not brand.strip():
    st.info("Type the shop's name under **Brand** (or set it once in Shop settings): the copy signs with it.")
else:  # the rules a stored shop name follows (no formula start, no control characters)
    try:
        brand = shop.check_name(brand, "brand", "Brand")
    except ShoplensError as exc:
        st.error(str(exc))
        brand = ""
for seg in segments if brand.strip() else []:
    try:
        facts_list.append(edit_facts(base_facts(path, seg, channel, offer, tone, brand.strip())))
    except ShoplensError as exc:
        st.error(f"{seg}: {exc}")
if facts_list:
    with st.expander("Facts records as the model will read them"):
        st.json(facts_list, expanded=1)

c0, c1, c2, c3 = st.columns([1.3, 1, 1, 2], vertical_alignment="bottom")
writer_name = c0.selectbox("Writer", list(draft_ui.writers()), format_func=draft_ui.WRITERS.get, key="campaign_writer",
                           help=draft_ui.WRITER_HELP)
draft_ui.writer_note(writer_name)
n = c1.number_input("Candidates per segment", 1, 6, 3, key="campaign_n")
max_tokens = c2.number_input("Max new tokens (0 = default)", 0, 400, 0, step=10, key="campaign_max_tokens",
                             disabled=writer_name == "template",
                             help="Model writers only. 0 = the channel default. Fewer tokens write faster but may cut "
                                  "a draft short; the checks will say so.")
go = c3.button("Generate drafts", type="primary", icon=":material/edit_note:", disabled=not facts_list,
               key="campaign_generate")
qwen_writes = writer_name == "template+model" and not generator_state.phrase_note(writer_name)
c3.caption(f"Writes with `{generator_state.writer_version(writer_name)}` · "
           + ("templates take under a second" if writer_name == "template" else
              "the phrase model proposes each email's subject line and opening: about 25 s per email segment on a "
              "busy 2-core CPU" if qwen_writes else
              "on a 2-core CPU about 15 s per segment for email, 5 s for SMS or ads"))
if generator_state.phrase_note(writer_name):
    st.info(generator_state.phrase_note(writer_name), icon=":material/info:")
if go:
    with st.status("Writing drafts…", expanded=True) as status:
        st.write("Loading the templates…" if writer_name == "template" else
                 "Loading the phrase model…" if qwen_writes else "Loading the copy model…")
        gen, err = generator_state.writer(writer_name, show=st)
        if err:
            st.session_state["campaign_model_error"] = err
            status.update(label="The writer could not be loaded", state="error", expanded=False)
        else:
            st.session_state.pop("campaign_model_error", None)
            new, how = write_drafts(gen, facts_list, int(n), int(max_tokens) or None)
            items[:0] = new
            ok = sum(all(d["checks"].values()) for d in new)
            status.update(label=f"{len(new)} drafts written and stored; {ok} pass every check{how}", state="complete",
                          expanded=False)
if st.session_state.get("campaign_model_error"):
    st.error(f"Drafting is unavailable: {st.session_state['campaign_model_error']}. The rest of Shoplens works as "
             "usual.", icon=":material/error:")

if items:
    st.subheader("Drafts")
    st.caption("Failed checks are listed on each draft. Edit the copy and save to re-run them; only drafts that pass "
               "every check can be approved.")
    for row_start in range(0, len(items), 3):
        cols = st.columns(3)
        for i in range(row_start, min(row_start + 3, len(items))):
            with cols[i - row_start]:
                st.caption(items[i].get("segment") or "")
                draft_ui.draft_card(items, i, regenerate)

    st.subheader("Export")
    c1, c2 = st.columns(2)
    style = c1.selectbox("Merge tag style", list(STYLE_LABELS), format_func=STYLE_LABELS.get, key="campaign_style")
    scope = c2.radio("Drafts", ["Approved", "All shown"], horizontal=True, key="campaign_export_scope")
    chosen = [d for d in items if scope == "All shown" or d["status"] == "approved"]
    if not chosen:
        st.caption("Approve a draft to export it, or pick 'All shown'.")
    else:
        segs = sorted({d["segment"] for d in chosen if d.get("segment")})
        with_customers = auth.may("analyst")
        customers = {s: customers_csv(path, s) for s in segs} if with_customers else {}
        files = campaign_package.table_files(chosen, style)
        cols = st.columns(5)
        customer_rows = {seg: data.count(b"\n") - 1 for seg, data in customers.items()}
        filters = {"segments": ", ".join(segs), "drafts": scope, "merge_tags": style}
        for col, (label, data, name, mime) in zip(cols, [
            ("CSV", files["drafts.csv"], "drafts.csv", "text/csv"),
            ("XLSX", files["drafts.xlsx"], "drafts.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("JSON", files["drafts.json"], "drafts.json", "application/json"),
            ("Markdown", files["drafts.md"], "drafts.md", "text/markdown"),
            ("Campaign ZIP", campaign_package.zip_bundle(chosen, style, customers, files), "campaign.zip",
             "application/zip"),
        ], strict=True):
            # every download is audited (who, drafts, customer rows, file hash); the ZIP carries customer lists
            with col:
                auth.export_button(label, data, file_name=name, mime=mime, width="stretch",
                                   icon=":material/download:", key=f"campaign_dl_{name.replace('.', '_')}",
                                   what="campaign package" if name.endswith(".zip") else "campaign drafts",
                                   filters=filters, rows=len(chosen),
                                   details={"customer_rows": customer_rows} if name.endswith(".zip") else None)
        st.caption("The ZIP holds every format, an HTML email and a .eml per email draft"
                   + (", and each segment's customer list." if with_customers else
                      ". Customer lists are for analysts; ask one to export the segment's list."))
        emails = [i for i, d in enumerate(chosen) if d["channel"] == "email"]
        if emails:
            c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
            k = c1.selectbox("Email draft", emails, key="campaign_email_pick",
                             format_func=lambda i: f"{chosen[i]['segment']}: {chosen[i]['subject'] or '(no subject)'}")
            one = {"segment": chosen[k]["segment"], "merge_tags": style}
            with c2:
                auth.export_button("HTML email", draft_export.to_html_email(chosen[k], style).encode("utf-8"),
                                   file_name="draft.html", mime="text/html", key="campaign_dl_html",
                                   what="campaign draft", filters=one, rows=1)
            with c3:
                auth.export_button(".eml", draft_export.to_eml(chosen[k], style), file_name="draft.eml",
                                   mime="message/rfc822", key="campaign_dl_eml", what="campaign draft", filters=one,
                                   rows=1)
        if with_customers:
            for s in segs:
                auth.export_button(f"{s} customers (CSV)", customers[s], file_name=f"customers_{s}.csv",
                                   what="campaign customers", filters={"segment": s}, rows=customers[s].count(b"\n") - 1,
                                   key=f"campaign_customers_{s}")

with st.expander("Stored campaign drafts"):
    hist = drafts_store.recent(state.cursor(), exclude_channel="reply")
    st.dataframe(hist, hide_index=True, width="stretch", column_config={
        "at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
        "body": st.column_config.TextColumn("Body", width="large"),
        "checks_passed": st.column_config.CheckboxColumn("Checks passed")})
