"""Checks of meaning, not only form (issue 16): what a marketer reading the draft would reject even when every
surface check passes. Each function takes the draft's fields and the facts record and returns the reasons it fails
(an empty list when it passes); analysis.draft_checks.explain reports them under the names in MEANING_CHECKS.

- offer_plain: the offer (campaigns) or remedy (replies) is in the body before the sign-off (email and reply), and
  the sentence that states it puts no condition on it ("if you spend", "may be eligible", "subject to").
- nothing_after_signoff: after the sign-off ("Warmly,", "The Emberly team") only sign-off lines follow.
- no_cut_off: no sentence stops mid-way (a body line without an end mark before the sign-off, a dangling "and the").
- no_opt_out_outside_sms: "Reply STOP to opt out", "unsubscribe" belong to SMS only (a review reply saying it
  reads as a brush-off; email footers are the sending tool's job).
- no_invented_offers: every promise term (gift card, voucher, discount, free X, refund, replacement, a code) and
  every product noun from a closed list must come from the facts' offer, remedy or products.
- no_complaint_quote: a complaint's words never reappear in promotional copy.
- segment_meaning: "we've missed you" only for lapsed customers; "welcome" to the shop only for new ones.
- reply_polarity: a reply never sounds pleased about the thing complained of ("glad the fabric ...", "you'll love").

Pure Python, no torch.
"""
from __future__ import annotations

import re

MEANING_CHECKS = ("offer_plain", "nothing_after_signoff", "no_cut_off", "no_opt_out_outside_sms",
                  "no_invented_offers", "no_complaint_quote", "segment_meaning", "reply_polarity")

# --------------------------------------------------------------------------------------------------- sign-off
_VALEDICTION = re.compile(r"^[A-Za-z][^.!?\n]{0,45},$")  # "Warmly,", "With warm wishes,", "See you in the stacks,"
_TEAM_LINE = re.compile(r"^(?:the\s+)?[^\n.!?]{1,50}?\s+(?:team|crew|family|folks|gang)[.!]?$", re.I)
_GREETING = re.compile(r"^(hi|hello|hey|dear|hallo|good (morning|afternoon|evening))\b[^\n]{0,40},$", re.I)


def _lines(body: str) -> list[str]:
    return [ln.strip() for ln in (body or "").split("\n")]


def signoff_index(body: str, brand: str = "") -> int | None:
    """Index (into body.split("\\n")) of the first sign-off line: a short valediction ending in a comma after the
    greeting, a "The ... team" line, or a line that is only the brand; None when the body has none."""
    lines = _lines(body)
    brand_low = (brand or "").strip().lower()
    for i, ln in enumerate(lines):
        if not ln or (i == 0 and _GREETING.match(ln)):
            continue
        if _GREETING.match(ln) and i < 2:
            continue
        if (_VALEDICTION.match(ln) and len(ln.split()) <= 8) or _TEAM_LINE.match(ln) or \
                (brand_low and ln.lower().rstrip(".!") in (brand_low, re.sub(r"^the\s+", "", brand_low))):
            return i
    return None


def _is_signoff_line(ln: str, brand: str) -> bool:
    """A line that may follow the sign-off: a valediction, a team or brand line, or a short name ("Maya")."""
    if not ln:
        return True
    if _VALEDICTION.match(ln) or _TEAM_LINE.match(ln):
        return True
    if brand and ln.lower().rstrip(".!") in (brand.lower(), re.sub(r"^the\s+", "", brand.lower())):
        return True
    return len(ln.split()) <= 5 and not re.search(r"[.!?:]$", ln)


def before_signoff(body: str, brand: str = "") -> str:
    """The body up to its sign-off (all of it when it has none)."""
    i = signoff_index(body, brand)
    return body if i is None else "\n".join(body.split("\n")[:i])


def nothing_after_signoff(body: str, channel: str, brand: str) -> list[str]:
    if channel not in ("email", "reply"):
        return []
    i = signoff_index(body, brand)
    if i is None:
        return []
    after = [ln for ln in _lines(body)[i + 1:] if not _is_signoff_line(ln, brand)]
    return [f"text after the sign-off: '{after[0][:50]}'"] if after else []


# --------------------------------------------------------------------------------------------------- offer
_CONDITION = re.compile(
    r"\b(?:may|might|could) (?:be able|be eligible|consider|possibly|qualify)\b|\beligible\b|\bsubject to\b|"
    r"\bwe(?:'ll| will| would| can)? (?:consider|see if|see whether|look into whether|try to)\b|"
    r"\bif (?:you|your) (?:spend|buy|order again|purchase|leave|write|post|share|refer|sign up|subscribe|review)\b|"
    r"\bprovided (?:that|you)\b|\bas long as\b|\bonly if\b|\bin exchange for\b|\bin return for\b|"
    r"\bonce you (?:spend|buy|order|leave|write|review|share)\b|\bdepending on\b|\bat our discretion\b", re.I)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text or "") if s.strip()]


def offer_plain(fields: dict, facts: dict) -> list[str]:
    ch = facts.get("channel", "email")
    offer = (facts.get("remedy") if ch == "reply" else facts.get("offer")) or ""
    if not offer:
        return []
    body = fields.get("body") or ""
    out = []
    if ch in ("email", "reply") and offer not in before_signoff(body, facts.get("brand", "")):
        what = "remedy" if ch == "reply" else "offer"
        out.append(f"the {what} is not stated in the body before the sign-off")
    for s in _sentences("\n".join(fields.get(k) or "" for k in ("subject", "body"))):
        if offer in s:
            m = _CONDITION.search(s.replace(offer, " "))
            if m:
                out.append(f"the offer is made conditional ('{m.group(0)}')")
    return out


# --------------------------------------------------------------------------------------------------- cut off
_DANGLING = re.compile(r"\b(?:the|a|an|and|or|but|to|of|with|for|your|our|in|on|at|is|are|we|you|i|that|this|"
                       r"so|as|by|from|into|if|when|because|than|their|its|my|be|will|can|just|very)$", re.I)
_DANGLING_HEAD = re.compile(r"\b(?:the|a|an|and|or|but|to|of|with|your|our|because|than|their|my|from|at)$",
                            re.I)
_END = re.compile(r"[.!?…:\"')\]]$")


def no_cut_off(fields: dict, facts: dict) -> list[str]:
    from analysis.draft_checks import OPT_OUT

    ch = facts.get("channel", "email")
    body = (fields.get("body") or "").strip()
    if not body:
        return []
    out = []
    if ch in ("email", "reply"):
        lines = [ln for ln in _lines(before_signoff(body, facts.get("brand", ""))) if ln]
        if lines and _GREETING.match(lines[0]):
            lines = lines[1:]
        if signoff_index(body, facts.get("brand", "")) is None:
            out.append("no sign-off: the draft stops before it ends")
        if lines and not _END.search(lines[-1]):
            out.append(f"last sentence cut off: '…{lines[-1][-40:]}'")
        for ln in lines:
            if _DANGLING.search(ln.rstrip()):
                out.append(f"sentence cut off: '…{ln[-40:]}'")
    else:
        text = body.replace(OPT_OUT, "").strip() if ch == "sms" else body
        if _DANGLING.search(text.rstrip(" ,;-")) or text.rstrip().endswith((",", ";", "-")):
            out.append(f"sentence cut off: '…{text[-40:]}'")
    for k in ("subject", "preheader", "cta"):
        v = (fields.get(k) or "").strip()
        if v and (_DANGLING_HEAD.search(v) or v.endswith((",", ";", "-"))):
            out.append(f"{k} cut off: '{v[-40:]}'")
    return out


# --------------------------------------------------------------------------------------------------- opt-out
_OPT_OUT_ANY = re.compile(r"\bopt[- ]?out\b|\bunsubscrib\w*|\breply\s+stop\b|\btext\s+stop\b", re.I)


def no_opt_out_outside_sms(fields: dict, facts: dict) -> list[str]:
    if facts.get("channel", "email") == "sms":
        return []
    text = "\n".join(fields.get(k) or "" for k in ("subject", "preheader", "body", "cta"))
    m = _OPT_OUT_ANY.search(text)
    return [f"opt-out line '{m.group(0)}' outside an SMS"] if m else []


# --------------------------------------------------------------------------------------------------- invented offers
# Promise terms: each may appear only when the offer or remedy (campaigns: also the products) holds it.
PROMISE_TERMS = [r"gift ?cards?", r"gift ?vouchers?", r"vouchers?", r"coupons?", r"store credit", r"credit note",
                 r"(?:loyalty |reward )?points", r"cashback", r"cash back", r"prizes?", r"giveaways?",
                 r"free [a-z]+", r"discount\w*", r"\d+ ?% off", r"[£$€]\d+(?:\.\d\d)? off",
                 r"half price", r"bogof", r"buy one,? get one", r"refunds?", r"replacements?", r"exchanges?",
                 r"reimburse\w*", r"compensation", r"return labels?", r"free (?:shipping|delivery|returns)",
                 r"samples?", r"postcards?", r"gift wrap\w*", r"(?:surprise|present|treat) (?:in your|with your|in the box)",
                 r"(?:summer|winter|spring|autumn|black friday|flash|big|clearance|seasonal|annual) sale",
                 r"early access", r"members?hip"]
_PROMISE = re.compile(r"(?<![\w-])(?:" + "|".join(PROMISE_TERMS) + r")(?![\w-])", re.I)
_CODE = re.compile(r"\bcode\s*:?\s*([A-Z][A-Z0-9]{2,})\b")
_FREE_OK = re.compile(r"^free (?:to|of|up|yourself|hand|time|rein|spirit|and|or|from|will|at|the|a|an|in|on|for|"
                      r"with|this|that|when|if|is|are|was|it|as|so|by)\b", re.I)
_GIFTING = re.compile(r"\b(?:free|complimentary|on us|bonus|extra|included|including|comes with|thrown in|"
                      r"we(?:'ll| will) (?:send|include|add|pop|throw)|we(?:'re| are) (?:sending|including|adding))\b",
                      re.I)
_DISCOUNT_OFFER = re.compile(r"% off|\boff\b|discount|percent", re.I)
# Product nouns a small model invents as gifts or add-ons: named in copy only when the facts hold them.
PRODUCT_NOUNS = ("postcard", "tote", "mug", "candle", "notebook", "keyring", "calendar", "greeting card",
                 "gift box", "hamper", "tea towel", "bookmark", "sticker", "badge", "magnet", "coaster",
                 "pen", "diary", "cushion", "blanket", "scarf", "socks", "jewellery", "necklace", "bracelet",
                 "earrings", "perfume", "chocolate", "chocolates", "wine", "flowers", "bouquet", "plant")


def _fact_text(facts: dict) -> str:
    """Offer, remedy, brand, products and the customers' own words (a reply may name the refund they wait for)."""
    parts = [facts.get("offer") or "", facts.get("remedy") or "", facts.get("brand") or ""]
    parts += list(facts.get("top_products") or [])
    parts += [q.get("quote") or "" for q in (facts.get("praised") or []) + (facts.get("complaints") or [])]
    parts.append((facts.get("review") or {}).get("text") or "")
    return " \n ".join(parts).lower()


_OFFERING = re.compile(r"\b(?:offer\w*|send|give|arrange|provide|issue|include|add|credit|we(?:'ll| will| can)|"
                       r"we'?d like to|please (?:take|enjoy|use))\b", re.I)


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind(c, 0, pos) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, pos) for c in ".!?\n") if i >= 0]
    return text[start:min(ends) if ends else len(text)]


def no_invented_offers(fields: dict, facts: dict) -> list[str]:
    src = _fact_text(facts)
    offer_src = ((facts.get("offer") or "") + " \n " + (facts.get("remedy") or "")).lower()
    text = "\n".join(fields.get(k) or "" for k in ("subject", "preheader", "body", "cta"))
    out = []
    reply = facts.get("channel") == "reply"
    for m in _PROMISE.finditer(text):
        term = m.group(0).lower()
        if reply and not _OFFERING.search(_sentence_at(text, m.start())):
            continue  # a reply may talk about a refund or replacement; it may only offer the remedy
        if term.startswith("free ") and _FREE_OK.match(term):
            continue
        if term.startswith("discount") and _DISCOUNT_OFFER.search(offer_src):
            continue
        head = re.sub(r"s$", "", term.split()[-1]) if term.startswith("free ") else re.sub(r"s$", "", term)
        if term in offer_src or re.sub(r"s$", "", term) in offer_src or \
                (term.startswith("free ") and f"free {head}" in offer_src):
            continue
        if head and head in src and not term.startswith("free "):  # a product, or the customer's own word
            continue
        out.append(f"'{m.group(0)}' is not in the offer or facts")
    for m in _CODE.finditer(text):
        if m.group(1).lower() not in offer_src:
            out.append(f"code {m.group(1)} is not the offer's")
    for s in _sentences(text):  # an item given away or added that the facts never name ("a free postcard")
        if not _GIFTING.search(s):
            continue
        for noun in PRODUCT_NOUNS:
            if re.search(rf"\b{noun}s?\b", s, re.I) and noun not in src:
                out.append(f"product '{noun}' is not in the facts")
    return sorted(set(out))


# --------------------------------------------------------------------------------------------------- complaint quote
def _shingles(text: str, k: int = 4) -> set[tuple[str, ...]]:
    w = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(w[i:i + k]) for i in range(len(w) - k + 1)}


# A body sentence that owns up to a complaint may name it ("We know some orders took nearly two weeks to arrive").
_ACKNOWLEDGE = re.compile(r"\bsorry\b|\bwe know\b|\bhonest\b|\bnote\b|\btip\b|\bfound\b|\bfind\b|"
                          r"\bsome (?:customers|orders|people|readers|runners|owners|of you)\b|\bwe've heard\b|"
                          r"\bfeedback\b|\bfixed\b|\bimprov\w*|\bapologi\w*", re.I)


def no_complaint_quote(fields: dict, facts: dict) -> list[str]:
    """Four words in a row from a complaint in campaign copy: the complaint is feedback for the shop, not copy."""
    if facts.get("channel") == "reply":
        return []
    heads = [fields.get(k) or "" for k in ("subject", "preheader", "cta")]  # short lines: three words suffice
    body = [s for s in _sentences(fields.get("body") or "") if not _ACKNOWLEDGE.search(s)]
    out = []
    for c in facts.get("complaints") or []:
        q = c.get("quote") or ""
        n = len(re.findall(r"[a-z0-9']+", q.lower()))
        if any(_shingles(q, min(k, n)) & _shingles(s, min(k, n)) for k, part in ((3, heads), (4, body))
               for s in part if s and n):
            out.append(f"complaint quoted as selling copy: '{q[:40]}'")
    return out


# --------------------------------------------------------------------------------------------------- segment meaning
RECENT = ("Champions", "Loyal", "Potential loyalist", "New", "Promising")
LAPSED = ("At risk", "Cannot lose them", "Hibernating", "Lost", "About to sleep")
MISSED = re.compile(r"\bmiss(?:ed|ing)? you\b|\bbeen (?:a (?:little |long )?while|too long|far too long|ages|"
                    r"some time|quite a while)\b|\bsince (?:we last|you last|your last)\b|"
                    r"\b(?:love|like|want|hope)(?: for)? (?:you )?to come back\b|\bcome back (?:and|soon)\b|"
                    r"\bwelcome (?:you )?back\b|\bwhere have you been\b|\bhaven't (?:seen|heard)\b", re.I)
WELCOME = re.compile(r"\bwelcome to\b|\bthanks? (?:you )?for (?:your|placing your) first order\b|\bjust joined\b|\bnew here\b|\bglad you found us\b", re.I)
VETERAN = re.compile(r"\bone of our (?:best|most|regular|longest)\b|\ball these years\b", re.I)


def segment_meaning(fields: dict, facts: dict) -> list[str]:
    seg = facts.get("segment")
    if facts.get("channel") == "reply" or not seg:
        return []
    text = "\n".join(fields.get(k) or "" for k in ("subject", "preheader", "body", "cta"))
    out = []
    if seg in RECENT:
        m = MISSED.search(text)
        if m:
            out.append(f"'{m.group(0)}' to customers who bought recently")
    if seg in LAPSED:
        m = WELCOME.search(text)
        if m:
            out.append(f"'{m.group(0)}' to customers who have bought before")
    if seg == "New":
        m = VETERAN.search(text)
        if m:
            out.append(f"'{m.group(0)}' to customers with one order")
    return out


# --------------------------------------------------------------------------------------------------- reply polarity
_POSITIVE = re.compile(r"(?<!hard to )(?<!not )(?<!n't )\b(?:glad|love[sd]?|loving|happy|delighted|pleased|"
                       r"enjoy(?:ed|ing|s)?|thrilled)\b", re.I)
_OK_POSITIVE = re.compile(
    r"\b(?:glad|happy|pleased|delighted)\s+(?:to\s+(?:help|arrange|sort|send|offer|refund|replace|hear|put|make|"
    r"look|talk|swap|exchange|take|organise|organize|process|answer|chat|advise)|you\s+(?:told|let|took|wrote|got in touch|reached|"
    r"contacted|shared|flagged|raised|mentioned|like|liked|love|loved|enjoy|enjoyed))|\bwould love (?:to|the chance)\b|\bwe'?d love (?:to|the chance)\b|"
    r"\blove (?:to|the chance) (?:put|make|help|hear)\b|\bgreat deal\b|\bthank", re.I)


def reply_polarity(fields: dict, facts: dict) -> list[str]:
    """A reply sentence with a pleased word that is about the product or the complaint, not about helping."""
    if facts.get("channel") != "reply":
        return []
    from analysis.draft_checks import corpus_rules

    topics = (facts.get("review") or {}).get("topics") or []
    words = corpus_rules().TOPIC_WORDS
    about = "|".join(words[t] for t in topics if t in words) or r"quality|fit|size"
    thing = re.compile(rf"(?:{about})|\b(?:it|they|them|product|item|order|dress|fabric)\b", re.I)
    out = []
    for s in _sentences(before_signoff(fields.get("body") or "", facts.get("brand", ""))):
        m = _POSITIVE.search(s)
        if not m or _OK_POSITIVE.search(s) or (facts.get("remedy") and facts["remedy"] in s):
            continue
        rest = s[m.end():]
        if thing.search(rest) or re.search(r"\byou(?:'ll| will)?\s+(?:love|enjoy)\b", s, re.I):
            out.append(f"pleased about the complaint: '{s[:60]}'")
    return out


def explain_meaning(fields: dict, facts: dict) -> dict[str, list[str]]:
    ch = facts.get("channel", "email")
    body = fields.get("body") or ""
    return {"offer_plain": offer_plain(fields, facts),
            "nothing_after_signoff": nothing_after_signoff(body, ch, facts.get("brand", "")),
            "no_cut_off": no_cut_off(fields, facts),
            "no_opt_out_outside_sms": no_opt_out_outside_sms(fields, facts),
            "no_invented_offers": no_invented_offers(fields, facts),
            "no_complaint_quote": no_complaint_quote(fields, facts),
            "segment_meaning": segment_meaning(fields, facts),
            "reply_polarity": reply_polarity(fields, facts)}
