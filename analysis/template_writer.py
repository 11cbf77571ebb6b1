"""Fill the slot templates (analysis.copy_templates) from a facts record: the reliable floor of every draft.

    t = copy_templates.load()
    cands = write(facts, t, n=3)         # n field dicts {subject, preheader, body, cta}, each different
    frame = frames(facts, t, 0)          # {"subject": ..., "hook": ...} of candidate 0, for a phrase model

Every candidate states only what the facts hold: the offer or remedy verbatim, the brand as given, the segment's
products by a short display name, and sentences chosen by what the segment means (analysis.copy_templates intents)
or, for replies, by the complaint's topics. Candidate i takes variant (offset + i) of each part, the offsets drawn
from `seed`, so n candidates differ and a regenerate with another seed reads differently. Pure, no torch.
"""
from __future__ import annotations

import random
import re

from analysis.copy_templates import Templates
from analysis.draft_checks import LIMITS, OPT_OUT

_ASSORTED = re.compile(r"\s*\b(?:asstd|asst|assorted|assorted designs|asstd designs|designs|set of)\b\.?\s*$", re.I)


def short_name(name: str, max_words: int = 6) -> str:
    """A product name as copy can use it: spacing before commas mended, trailing "asstd designs"-style stock notes
    dropped, cut to a few words at a word boundary. The marketer can still edit the list on the Campaigns page."""
    s = re.sub(r"\s+,", ",", " ".join(str(name).split())).strip(" ,")
    for _ in range(2):
        s = _ASSORTED.sub("", s).strip(" ,")
    words = s.split()
    if len(words) > max_words + 2:  # a name of up to two words more stays whole: "... sunflower in tin", not "... in"
        words = words[:max_words]
        while len(words) > 2 and words[-1].lower().strip(",") in _DANGLING:
            words.pop()  # a cut name never ends on "in", "or", "and": readers marked those as garbled
        s = " ".join(words).rstrip(",")
    return s or str(name).strip()


_DANGLING = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with", "&"}


def product_list(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"; "A, a; B and C" when a name holds a comma of its own (catalogue names such as
    "Paper craft, little birdie" made a comma list unreadable to the blind readers)."""
    if len(names) <= 1:
        return "".join(names)
    sep = "; " if any("," in n for n in names) else ", "
    return sep.join(names[:-1]) + (";" if sep == "; " and len(names) > 2 else "") + " and " + names[-1]


def team_line(brand: str, t: Templates) -> str:
    """ "The Emberly team"; "The team at our shop" when the brand is lower-case words such as the default."""
    key = "named" if brand[:1].isupper() else "generic"
    return t.data["signoff_team"][key].format(brand=brand)


class _Pick:
    """Variant choice for one candidate: part -> (offset + i) mod the number of variants."""

    def __init__(self, seed: int | None, i: int):
        self.rng, self.i, self.offsets = random.Random(seed if seed is not None else 0), i, {}
        self.seeded = seed is not None

    def __call__(self, key: str, options: list[str]) -> list[str]:
        """The options in the order this candidate tries them (its own variant first)."""
        if key not in self.offsets:
            self.offsets[key] = self.rng.randrange(len(options)) if self.seeded else 0
        k = (self.offsets[key] + self.i) % len(options)
        return options[k:] + options[:k]


def _fill(s: str, slots: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(slots.get(m.group(1), m.group(0))), s)


def _usable(s: str, slots: dict) -> bool:
    """A sentence whose slots all have a value (a products sentence needs products, a link sentence a link), and that
    does not say again what the offer says: "Your second order comes with 10% off your second order" was marked
    nonsense by every reader of the blind rating, so around an offer that names its orders (or visits), a sentence
    that also names them is passed over for the next variant."""
    if not all(slots.get(name) for name in re.findall(r"\{(\w+)\}", s)):
        return False
    if "{offer}" in s:
        said = set(re.findall(r"\b(order|visit)s?\b", slots.get("offer") or "", re.IGNORECASE))
        frame = re.sub(r"\{\w+\}", " ", s)
        return not any(re.search(rf"\b{w}s?\b", frame, re.IGNORECASE) for w in {w.lower() for w in said})
    return True


def _first(pick: _Pick, key: str, options: list[str], slots: dict, limit: int | None = None) -> str | None:
    """This candidate's variant of a part, filled; the next usable one when it is too long or lacks a slot value."""
    for s in pick(key, options):
        if _usable(s, slots):
            out = _fill(s, slots)
            if limit is None or len(out) <= limit:
                return out
    return None


def slots_for(facts: dict, max_products: int = 3) -> dict:
    names = [short_name(p) for p in (facts.get("top_products") or []) if str(p).strip()][:max_products]
    return {"brand": facts.get("brand") or "our shop", "offer": facts.get("offer") or "",
            "remedy": facts.get("remedy") or "", "products": product_list(names), "product": names[0] if names else "",
            "first_name": facts.get("merge_tag") or "{{ first_name }}", "link": facts.get("link") or ""}


def _tone(facts: dict, t: Templates) -> dict:
    return t.data["tones"].get(facts.get("tone") or "warm") or t.data["tones"]["warm"]


def _email(facts: dict, t: Templates, pick: _Pick, subject: str | None, hook: str | None) -> dict:
    intent = t.intent_for(facts.get("segment") or "")
    slots, block, tone = slots_for(facts), t.data["intents"][intent]["email"], _tone(facts, t)
    opening = hook or _first(pick, "opening", block["opening"], slots)
    para1 = " ".join(x for x in (opening, _first(pick, "products", block["products"], slots)) if x)
    sore = {c.get("topic") for c in facts.get("complaints") or []}  # praise of what others complain about reads false
    praise = [s for p in facts.get("praised") or [] if p.get("topic") not in sore
              for s in t.data.get("praise", {}).get(p.get("topic"), [])[:1]]
    link = _first(pick, "link", t.data["link"], slots)
    para2 = " ".join(x for x in (_first(pick, "offer", block["offer"], slots), *praise[:1], link) if x)
    body = "\n\n".join([_first(pick, "greeting", tone["greeting"], slots), para1, para2,
                        _first(pick, "close", block["close"], slots),
                        _first(pick, "signoff", tone["signoff"], slots) + "\n" + team_line(slots["brand"], t)])
    return {"subject": subject or _first(pick, "subject", block["subject"], slots, LIMITS["subject"])
            or slots["brand"][:LIMITS["subject"]],
            "preheader": _first(pick, "preheader", block["preheader"], slots, LIMITS["preheader"]),
            "body": body, "cta": _first(pick, "cta", block["cta"], slots)}


def _sms(facts: dict, t: Templates, pick: _Pick, hook: str | None) -> dict:
    intent = t.intent_for(facts.get("segment") or "")
    block = t.data["intents"][intent]["sms"]
    for max_products in (2, 1, 0):  # fewer products until it fits in one text
        slots = slots_for(facts, max_products)
        parts = [hook or _first(pick, "opening", block["opening"], slots), _first(pick, "offer", block["offer"], slots),
                 _first(pick, "products", block["products"], slots) if max_products else None]
        body = f"{slots['brand']}: " + " ".join(p for p in parts if p) + " " + OPT_OUT
        if len(body) <= LIMITS["sms"]:
            return {"subject": None, "preheader": None, "body": body, "cta": None}
    body = f"{slots['brand']}: " + _first(pick, "offer", block["offer"], slots) + " " + OPT_OUT
    return {"subject": None, "preheader": None, "body": body, "cta": None}


def _ad(facts: dict, t: Templates, pick: _Pick, subject: str | None) -> dict:
    intent = t.intent_for(facts.get("segment") or "")
    block = t.data["intents"][intent]["ad"]
    text = None
    for max_products in (3, 2, 1, 0):
        slots = slots_for(facts, max_products)
        text = _first(pick, "text", block["text"], slots, LIMITS["ad_body"])
        if text:
            break
    slots = slots_for(facts)
    headline = subject or _first(pick, "headline", block["headline"], slots, LIMITS["ad_headline"]) or \
        slots["brand"][:LIMITS["ad_headline"]]
    return {"subject": headline, "preheader": None, "body": text or f"Enjoy {slots['offer']}.",
            "cta": _first(pick, "cta", block["cta"], slots)}


def _reply(facts: dict, t: Templates, pick: _Pick) -> dict:
    r = t.data["reply"]
    slots, tone = slots_for(facts), _tone(facts, t)
    topics = [x for x in ((facts.get("review") or {}).get("topics") or []) if x in r["topics"] and x != "general"]
    acks = [_first(pick, f"topic:{x}", r["topics"][x], slots) for x in topics[:2]] or \
        [_first(pick, "topic:general", r["topics"]["general"], slots)]
    if len(acks) == 2:  # "We're sorry ... We're also sorry ..."
        acks[1] = re.sub(r"^We're sorry\b", "We're also sorry", acks[1])
    para1 = " ".join([_first(pick, "opening", r["opening"], slots), *acks, _first(pick, "follow_up", r["follow_up"], slots)])
    para2 = " ".join([_first(pick, "remedy", r["remedy"], slots), _first(pick, "next_step", r["next_step"], slots)])
    body = "\n\n".join([_first(pick, "greeting", tone["greeting"], slots), para1, para2,
                        _first(pick, "close", r["close"], slots),
                        _first(pick, "signoff", tone["signoff"], slots) + "\n" + team_line(slots["brand"], t)])
    return {"subject": None, "preheader": None, "body": body, "cta": None}


def render(facts: dict, t: Templates, i: int = 0, seed: int | None = None, subject: str | None = None,
           hook: str | None = None) -> dict:
    """Candidate i's fields; `subject` and `hook` (an opening sentence) replace the template's own when given."""
    pick = _Pick(seed, i)
    ch = facts.get("channel", "email")
    if ch == "reply":
        return _reply(facts, t, pick)
    if ch == "sms":
        return _sms(facts, t, pick, hook)
    if ch == "ad":
        return _ad(facts, t, pick, subject)
    return _email(facts, t, pick, subject, hook)


def frames(facts: dict, t: Templates, i: int = 0, seed: int | None = None) -> dict:
    """The template's own subject and opening sentence for candidate i: the frames a phrase model rephrases."""
    pick = _Pick(seed, i)
    ch = facts.get("channel", "email")
    if ch == "reply":
        return {}
    intent = t.intent_for(facts.get("segment") or "")
    block = t.data["intents"][intent][ch]
    slots = slots_for(facts)
    out = {"hook": _first(pick, "opening", block["opening"], slots)} if "opening" in block else {}
    head = "subject" if ch == "email" else "headline"
    if head in block:
        out["subject"] = _first(pick, head, block[head], slots,
                                LIMITS["subject"] if ch == "email" else LIMITS["ad_headline"])
    return out


def write(facts: dict, t: Templates, n: int = 3, seed: int | None = None) -> list[dict]:
    """n candidates' fields (fewer when the templates hold fewer distinct combinations)."""
    out, seen = [], set()
    for i in range(max(n * 3, n)):
        d = render(facts, t, i, seed)
        key = (d.get("subject"), d.get("body"))
        if key not in seen:
            seen.add(key)
            out.append(d)
        if len(out) == n:
            break
    return out
