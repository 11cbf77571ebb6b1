"""The facts record a draft is written from, built from the database: segment, products, feedback, offer.

`segment_facts(con, segment, channel, offer, ...)` gives the campaign record (same keys as the corpus facts);
`reply_facts(con, review_id, ...)` the reply record. Segments come from analysis.rfm (read-only use). Praise and
complaints come from review_labels when it has rows for the reviews (latest model version per review), otherwise
from ratings (4-5 stars praise, 1-2 stars complaints). Reviews are those of the segment's customers when reviews
carry customer ids, else the shop's reviews as a whole (the record says which in `feedback_source`).
"""
from __future__ import annotations

import re

import pandas as pd

from analysis import pii, rfm, shop
from analysis.complaint_cues import complaint_topics
from analysis.errors import ShoplensError
from analysis.overview import NON_MERCHANDISE
from analysis.schema import LATEST_LABELS

CHANNELS = ("email", "sms", "ad")
TONES = ("warm", "playful", "premium", "urgent", "plain")
MERGE_TAG = "{{ first_name }}"
MAX_OFFER_CHARS = 120


def check_offer(offer: str | None) -> str:
    """The offer exactly as typed, refused when empty or absurd (too long, a percentage above 90)."""
    o = (offer or "").strip()
    if not o:
        raise ShoplensError("The offer is empty", fix="type the offer, e.g. '15% off with code THANKS15'")
    if len(o) > MAX_OFFER_CHARS:
        raise ShoplensError(f"The offer is {len(o)} characters long", fix=f"keep it under {MAX_OFFER_CHARS}")
    for p in _percentages(o):
        if p > 90:
            raise ShoplensError(f"The offer gives {p:g}% off", fix="check the offer; 90% is the most accepted")
    return o


_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine".split())}
_PERCENT = r"\s*(?:%|％|﹪|per\s*cent|percent|pct)"


def _percentages(offer: str) -> list[float]:
    """Every percentage the offer states, however written: "95%", "95 ％", "100 percent", "ninety-nine per cent",
    "a hundred percent". The guard must read the number a customer reads."""
    low = offer.lower()
    out = [float(p.replace(",", ".")) for p in re.findall(rf"(\d+(?:[.,]\d+)?){_PERCENT}", low)]
    words = rf"(?:(?:a|one)\s+hundred|({'|'.join(_TENS)})(?:[\s-]+({'|'.join(_UNITS)}))?|(ten|{'|'.join(_UNITS)}))"
    for m in re.finditer(rf"\b{words}{_PERCENT}", low):
        if m.group(1):
            out.append(_TENS[m.group(1)] + (_UNITS[m.group(2)] if m.group(2) else 0))
        elif m.group(3):
            out.append(10 if m.group(3) == "ten" else _UNITS[m.group(3)])
        else:
            out.append(100)
    return out


def short_quote(text: str, limit: int = 110) -> str:
    """First sentence of a review, personal data masked, cut at a word boundary."""
    t = " ".join(str(text or "").split())
    t, _ = pii.mask(t)  # every type: names and street addresses reach marketers' copy too
    first = re.split(r"(?<=[.!?])\s+", t)[0]
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0]
    return first.strip().rstrip(".!?,;")


def display_name(name: str) -> str:
    """A product name as copy can use it: an all-capitals export name ("JUMBO BAG RED RETROSPOT", common in ERP and
    till exports) in sentence case ("Jumbo bag red retrospot"), words with digits kept ("3D"); any name with a
    lower-case letter is the shop's own casing and stays as it is. Copy written from capitals reads as shouting,
    and the corpus writes product names in sentence case."""
    letters = " ".join(w for w in name.split() if not re.search(r"\d", w))  # "3.5g" says nothing of the casing
    if not re.search(r"[A-Z]", letters) or re.search(r"[a-z]", letters):
        return name
    words = [w if re.search(r"\d", w) else w.lower() for w in name.split()]
    first = next((i for i, w in enumerate(words) if not re.search(r"\d", w)), None)
    if first is not None:
        words[first] = words[first][:1].upper() + words[first][1:]
    return " ".join(words)


def _has(con, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()[0])


def _feedback(con, customers: list[str], k: int) -> tuple[list[dict], list[dict], str]:
    """(praised, complaints, source): up to k {topic, quote} each."""
    n_linked = con.execute("SELECT count(*) FROM reviews WHERE customer_id IN (SELECT unnest(?::VARCHAR[]))",
                           [customers]).fetchone()[0]
    scope = "customer_id IN (SELECT unnest(?::VARCHAR[]))" if n_linked else "TRUE"  # fixed SQL fragments only
    args = [customers] if n_linked else []
    where = "this segment's reviews" if n_linked else "all reviews"
    labelled = _has(con, "review_labels") and con.execute(
        f"SELECT count(*) FROM review_labels l JOIN reviews r USING (review_id) WHERE {scope}", args).fetchone()[0]
    if labelled:
        rows = con.execute(
            f"""WITH l AS {LATEST_LABELS}
                SELECT l.sentiment, t.topic, r.text
                FROM l JOIN reviews r USING (review_id), unnest(l.topics) AS t(topic)
                WHERE {scope} AND r.text IS NOT NULL AND l.sentiment IN ('positive', 'negative')
                ORDER BY length(r.text), r.review_id""", args).fetchall()
        out = {"positive": {}, "negative": {}}
        counts = {"positive": {}, "negative": {}}
        for sent, topic, text in rows:
            counts[sent][topic] = counts[sent].get(topic, 0) + 1
            if topic not in out[sent]:  # masking is the slow part: only the quote kept is masked
                out[sent][topic] = short_quote(text)
        pick = {s: sorted(counts[s], key=lambda t: (-counts[s][t], t))[:k] for s in counts}
        praised = [{"topic": t, "quote": out["positive"][t]} for t in pick["positive"]]
        complaints = [{"topic": t, "quote": out["negative"][t]} for t in pick["negative"]]
        return praised, complaints, f"the classifier's labels on {where}"
    rows = con.execute(
        f"""SELECT rating, text FROM reviews WHERE {scope} AND text IS NOT NULL AND length(trim(text)) > 10
            AND rating IS NOT NULL ORDER BY length(text), review_id""", args).fetchall()
    good = [short_quote(t) for t in [t for r, t in rows if r >= 4][:k]]  # mask only the quotes kept
    bad = [short_quote(t) for t in [t for r, t in rows if r <= 2][:k]]
    return ([{"topic": "general", "quote": q} for q in good], [{"topic": "general", "quote": q} for q in bad],
            f"star ratings of {where}" if rows else "no reviews")


def segment_facts(con, segment: str, channel: str, offer: str, tone: str = "warm", brand: str = "",
                  as_of=None, top_k: int = 3, feedback_k: int = 2, currency: str | None = None,
                  table: pd.DataFrame | None = None) -> dict:
    """The facts record for one segment; ShoplensError for an unknown or empty segment or a bad offer.
    table: rfm.rfm_table(con, as_of) when the caller already has it."""
    if segment not in rfm.SEGMENTS:
        raise ShoplensError(f"Unknown segment '{segment}'", fix="use one of: " + ", ".join(rfm.SEGMENTS))
    if channel not in CHANNELS:
        raise ShoplensError(f"Unknown channel '{channel}'", fix="use email, sms or ad")
    if tone not in TONES:
        raise ShoplensError(f"Unknown tone '{tone}'", fix="use one of: " + ", ".join(TONES))
    offer = check_offer(offer)
    table = rfm.rfm_table(con, as_of) if table is None else table
    members = table[table["segment"] == segment]
    if members.empty:
        raise ShoplensError(f"Segment '{segment}' has no customers", fix="pick another segment or date")
    customers = [str(c) for c in members["customer_id"]]
    products = [(r[0], r[1]) for r in con.execute(
        """SELECT coalesce(any_value(o.product_name), any_value(o.product_id)) AS name, any_value(pn.display_name)
           FROM orders o LEFT JOIN product_names pn ON pn.product_id = o.product_id
           WHERE o.customer_id IN (SELECT unnest(?::VARCHAR[])) AND o.status IS DISTINCT FROM 'cancelled'
             AND coalesce(o.product_name, o.product_id) IS NOT NULL
             AND NOT regexp_matches(coalesce(o.product_name, ''), ?)
           GROUP BY coalesce(o.product_id, o.product_name) ORDER BY sum(coalesce(o.quantity, 1)) DESC, name LIMIT ?""",
        [customers, NON_MERCHANDISE, top_k]).fetchall() if r[0]]
    products = [own or display_name(p) for p, own in products]  # the shop's display name (Shop settings) wins
    orders = int(members["frequency"].sum())
    aov = round(float(members["monetary"].sum()) / orders, 2) if orders else None
    praised, complaints, source = _feedback(con, customers, feedback_k)
    return {"brand": brand, "channel": channel, "segment": segment, "segment_size": int(len(members)),
            "segment_description": rfm.SEGMENTS[segment], "offer": offer, "tone": tone,
            "top_products": products, "praised": praised, "complaints": complaints, "avg_order_value": aov,
            "currency": currency or shop.currency(con), "merge_tag": MERGE_TAG, "feedback_source": source}


def reply_facts(con, review_id: str, brand: str = "", remedy: str = "a full refund",
                tone: str = "warm") -> dict:
    """The facts record for a reply to one review (topics from review_labels when present)."""
    row = con.execute("SELECT text, rating FROM reviews WHERE review_id = ?", [str(review_id)]).fetchone()
    if row is None:
        raise ShoplensError(f"No review with id '{review_id}'", fix="check the id in the Replies page")
    text, rating = row
    if not (text or "").strip():
        raise ShoplensError(f"Review '{review_id}' has no text to reply to")
    topics: list[str] = []
    if _has(con, "review_labels"):
        t = con.execute("SELECT topics FROM review_labels WHERE review_id = ? ORDER BY scored_at DESC LIMIT 1",
                        [str(review_id)]).fetchone()
        topics = list(t[0] or []) if t else []
    source = "classifier" if topics else "complaint words"
    # Every type masked: the record goes into prompts, the drafts table and `shoplens reply --out` JSON that a
    # marketer reads; a reply greets with the merge tag, never a name taken from the review.
    text, _ = pii.mask(" ".join(text.split()))
    if not topics:  # not labelled yet: name the problem from the complaint's own words rather than apologise vaguely
        topics = complaint_topics(text)
    return {"brand": brand, "channel": "reply", "review": {"text": text, "rating": rating, "topics": topics,
                                                          "topics_from": source if topics else "none"},
            "remedy": check_offer(remedy), "tone": tone if tone in ("warm", "plain") else "warm",
            "merge_tag": MERGE_TAG, "review_id": str(review_id)}
