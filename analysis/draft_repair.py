"""Small, checked repairs for near-miss drafts: the model's copy is kept and only what a check demands is changed.

The fine-tuned model most often paraphrases the offer (offer_exact), runs past the SMS/ad length (channel_limits),
forgets the apology in a reply (channel_format), misspells the shop's name ("Lumina & Moss" for "Lumen & Moss") or
adds a time or number of its own ("tomorrow", "two"). Each repair here answers one of those checks mechanically:
write the offer or remedy verbatim (restoring its exact casing where the model re-cased it, else adding it as one
sentence), add one apology sentence, write the brand as given, drop a body sentence or preheader that holds an
invented date or number (cutting the offer's own sentence down to the offer), drop whole sentences (never the
offer's) until the copy fits, cut an over-long subject or ad headline to its leading clauses (the offer moves into
the body when the cut drops it). `repair` re-runs every check afterwards and returns the repaired draft only when
every check passes, so a draft is either shown as the model wrote it or as a fully passing, minimally changed
version. Pure Python.
"""
from __future__ import annotations

import re

from analysis.draft_checks import (
    COPY_FIELDS,
    LIMITS,
    OPT_OUT,
    TEAM_NAME,
    CheckConfig,
    brand_core,
    brand_near_misses,
    copy_fields,
    run_checks,
    ungrounded_terms,
)

APOLOGY = "We are sorry about this."


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def _offer_sentence(offer: str) -> str:
    """The offer as a sentence of its own, never re-cased: a lower-case or numeric start gets a lead-in instead."""
    o = offer.strip().rstrip(".")
    return (o if o[:1].isupper() else f"Enjoy {o}") + "."


def _with_offer(text: str, offer: str, lead: str | None = "Enjoy ") -> str | None:
    """`text` with its first case-insensitive copy of the offer written exactly as given; None when there is none.
    A lower-case offer that opens a sentence gets `lead` before it ("A free tote bag ..." → "Enjoy a free tote bag
    ..."), or, with lead None (replies, where the remedy is often the sentence's subject: "A full refund sounds
    fair"), is left alone and None returned, so the caller adds the remedy as a sentence of its own."""
    m = re.search(re.escape(offer.strip()), text, re.I)
    if not m:
        return None
    at_start = not text[:m.start()].strip() or re.search(r"[.!?:]\s*$", text[:m.start()])
    if at_start and not offer[:1].isupper() and lead is None:
        return None
    return text[:m.start()] + (lead if at_start and not offer[:1].isupper() else "") + offer.strip() + text[m.end():]


def _drop_to_fit(sents: list[str], limit: int, keep: str, tail: str) -> list[str]:
    sents = list(sents)
    while len(" ".join(sents) + tail) > limit:
        drop = [i for i in [*range(len(sents) - 1, 0, -1), 0] if not (keep and keep in sents[i]) and len(sents) > 1]
        if not drop:
            break
        sents.pop(drop[0])
    return sents


def _fit(text: str, limit: int, keep: str, tail: str = "") -> str:
    """Drop whole sentences, last first and the opening one last, never one holding `keep`, until text + tail fits.
    When that is not enough because the sentence holding `keep` is itself too long, that sentence is cut down to
    `keep` alone ("We'd love to give you any two best sellers for $35, or a passport cover if ...?" → "Enjoy any two
    best sellers for $35.") and the other sentences are fitted around it again."""
    whole = _sentences(text)
    sents = _drop_to_fit(whole, limit, keep, tail)
    if len(" ".join(sents) + tail) <= limit or not keep:
        return " ".join(sents)
    short = [_offer_sentence(keep) if keep in x else x for x in whole]
    return " ".join(_drop_to_fit(short, limit, keep, tail))


TRAILING_PHRASE = re.compile(r"\s+(?=(?:for|with|on|in|at|from|to|this|your)\s)", re.I)


def _cut_clauses(text: str | None, limit: int) -> str | None:
    """The longest leading run of whole clauses (split at , ; : and dashes) that fits `limit` ("Your favourite yarn,
    with free shipping on orders over £60" → "Your favourite yarn"); failing that, the text before its last trailing
    phrase that fits, keeping at least three words ("A pour-over starter kit for your next order" → "A pour-over
    starter kit"); None when neither fits."""
    if not text or len(text) <= limit:
        return text
    parts = re.split(r"(?<=[,;:])\s+|\s+[-\u2013\u2014]\s+", text.strip())
    best = None
    for k in range(1, len(parts)):
        cand = " ".join(parts[:k]).rstrip(" ,;:")
        if len(cand) <= limit:
            best = cand
    if best is None:
        t = text.strip()
        fits = [t[:m.start()] for m in TRAILING_PHRASE.finditer(t) if m.start() <= limit and len(t[:m.start()].split()) >= 3]
        best = fits[-1] if fits else None
    return best


def _insert_before_signoff(body: str, para: str) -> str:
    paras = [p for p in body.strip().split("\n\n") if p.strip()]
    at = len(paras) - 1 if len(paras) >= 3 else len(paras)  # greeting, copy..., sign-off
    return "\n\n".join(paras[:at] + [para] + paras[at:])


def _fix_sms(body: str, facts: dict, failed: set, restore: bool) -> str:
    brand, offer = facts.get("brand", ""), facts.get("offer", "")
    core = body.strip()
    if core.endswith(OPT_OUT):
        core = core[: -len(OPT_OUT)].rstrip(" .")
    prefix = f"{brand}:" if brand and core.startswith(f"{brand}:") else ""
    core = core[len(prefix):].strip()
    if "offer_exact" in failed and offer and offer not in core:
        core = (restore and _with_offer(core, offer)) or _offer_sentence(offer) + " " + core
    core = _fit(core.rstrip(" ."), LIMITS["sms"] - len(prefix) - 1, offer, ". " + OPT_OUT).rstrip(" .")
    return (f"{prefix} " if prefix else "") + core + (" " if core[-1:] in "!?" else ". ") + OPT_OUT


def _fix_ad(d: dict, facts: dict, failed: set, restore: bool) -> dict:
    offer, body, subject = facts.get("offer", ""), (d.get("body") or "").strip(), d.get("subject")
    if "channel_limits" in failed:  # cut first: a headline cut short of its offer leaves the offer to the body
        subject = _cut_clauses(subject, LIMITS["ad_headline"]) or subject
    if offer and offer not in (subject or "") + body:
        body = (restore and _with_offer(body, offer)) or _offer_sentence(offer) + " " + body
    return {**d, "subject": subject, "body": _fit(body, LIMITS["ad_body"], offer)}


def _fix_email(d: dict, facts: dict, failed: set, restore: bool) -> dict:
    offer, body = facts.get("offer", ""), d.get("body") or ""
    pre, subject = d.get("preheader"), d.get("subject")
    if "channel_limits" in failed:  # cut first: a subject cut short of its offer leaves the offer to the body
        subject = _cut_clauses(subject, LIMITS["subject"]) or subject
    if offer and body.strip() and offer not in (subject or "") + body:
        body = (restore and _with_offer(body, offer)) or _insert_before_signoff(body, _offer_sentence(offer))
    if "channel_limits" in failed and pre and len(pre) > LIMITS["preheader"]:
        pre = _fit(pre, LIMITS["preheader"], "")  # whole sentences; an email without a preheader still works
        pre = pre if len(pre) <= LIMITS["preheader"] else None
    return {**d, "subject": subject, "body": body, "preheader": pre}


def _fix_reply(d: dict, facts: dict, failed: set, restore: bool) -> dict:
    body, remedy = d.get("body") or "", (facts.get("remedy") or "").strip()
    lines = body.strip().split("\n")
    if not body.strip():
        return d
    if "channel_format" in failed and not re.search(r"sorry|apolog", body, re.I):
        greeting = re.match(r"\s*(hi|hello|dear)\b", lines[0], re.I)  # the apology goes right after the greeting
        i = next((j for j in range(1, len(lines)) if lines[j].strip()), None) if greeting else 0
        if i is None:
            lines.append(APOLOGY)
        else:
            lines[i] = APOLOGY + " " + lines[i].lstrip()
    body = "\n".join(lines)
    if "offer_exact" in failed and remedy and remedy not in body:
        body = (restore and _with_offer(body, remedy, lead=None)) or \
            _insert_before_signoff(body, _kept_sentence(remedy, facts))
    return {**d, "body": body}


SIGN_OFF = re.compile(rf"(?m)^{TEAM_NAME}[.!]?[ \t]*$")  # the check's sign-off, alone on its line


def _fix_brand(d: dict, facts: dict) -> dict:
    """Every near miss of the brand (the names_from_facts check's own finder) written as the brand, and a sign-off
    line naming a team the shop does not have ("The Shopkeepers team", "The Paper Craft team") signed by the brand;
    a lower-case brand such as the default "our shop" signs as itself, without "The ... team"."""
    brand = brand_core(facts.get("brand") or "")
    out = dict(d)
    for near in brand_near_misses("\n".join(copy_fields(d)), facts.get("brand") or ""):
        for k in COPY_FIELDS:
            if out.get(k):
                out[k] = re.sub(rf"(?<!\w){re.escape(near)}(?!\w)", brand, out[k])
    if brand and out.get("body"):
        own = f"The {brand} team" if brand[:1].isupper() else brand
        out["body"] = SIGN_OFF.sub(lambda m: m.group(0) if m.group(0).rstrip(" \t.!") == own else own, out["body"])
    return out


def _kept_sentence(keep: str, facts: dict) -> str:
    """The offer (or a reply's remedy) as a sentence of its own, the way the other repairs write it."""
    return f"We would like to offer you {keep.strip().rstrip('.')}." if facts.get("channel") == "reply" \
        else _offer_sentence(keep)


def _drop_invented(d: dict, facts: dict, bad: list[str]) -> dict | None:
    """The body without its sentences holding an invented date or number; the offer's sentence is cut down to the
    offer alone instead ("£15 off when you spend £75, with a £20 gift card." → "Enjoy £15 off when you spend £75.");
    a preheader holding one is dropped; None when one sits in the subject or call to action, or cannot be dropped."""
    if not bad:
        return d
    # a number is flagged without its unit: "3" must find "3pm", never the "3" of "30" or "3.5"
    pats = [re.compile(r"(?<![\w.])" + re.escape(b) + (r"(?![.,]?\d)" if b[-1:].isdigit() else r"(?!\w)"), re.I)
            for b in bad]

    def flagged(text: str) -> bool:
        return any(p.search(text) for p in pats)

    if flagged("\n".join(d.get(k) or "" for k in ("subject", "cta"))):
        return None
    if flagged(d.get("preheader") or ""):
        d = {**d, "preheader": None}  # an email without a preheader still works (as when one is too long)
    keep = (facts.get("remedy") if facts.get("channel") == "reply" else facts.get("offer")) or ""

    def mended(sentence: str) -> str:  # a flagged sentence goes; the offer's own is cut down to the offer
        if not flagged(sentence):
            return sentence
        return _kept_sentence(keep, facts) if keep and keep in sentence else ""

    paras = []
    for para in (d.get("body") or "").split("\n\n"):
        lines = []
        for line in para.split("\n"):
            sents = [x for x in map(mended, _sentences(line)) if x]
            if sents or not line.strip():
                lines.append(" ".join(sents))
        if any(x.strip() for x in lines):
            paras.append("\n".join(lines))
    body = "\n\n".join(paras)
    return None if flagged(body) else {**d, "body": body}


FIXERS = {"email": _fix_email, "ad": _fix_ad, "reply": _fix_reply,
          "sms": lambda d, f, failed, restore: {**d, "body": _fix_sms(d.get("body") or "", f, failed, restore)}}


def repair(draft: dict, facts: dict, config: CheckConfig | None = None) -> tuple[dict, list[str]] | None:
    """(repaired draft with fresh checks, all passing; names of the checks it repaired), or None."""
    before = draft.get("checks") or run_checks(draft, facts, config)
    failed = {k for k, v in before.items() if not v}
    fixable = {"offer_exact", "channel_limits", "channel_format", "names_from_facts", "grounded_dates",
               "grounded_numbers"}
    if not failed & fixable or not draft.get("body"):
        return None
    ch = facts.get("channel", draft.get("channel", "email"))
    start = _fix_brand(draft, facts) if "names_from_facts" in failed else dict(draft)
    if failed & {"grounded_dates", "grounded_numbers"}:
        start = _drop_invented(start, facts, ungrounded_terms(start, facts, config))
        if start is None:
            return None
    for restore in (True, False):  # re-case the model's own mention of the offer first, else add it as a sentence
        fixed = FIXERS[ch](dict(start), facts, failed, restore)
        checks = run_checks(fixed, facts, config)
        if all(checks.values()):
            return {**fixed, "checks": checks}, sorted(failed)
    return None  # a half-repaired draft would be the model's copy changed and still unusable
