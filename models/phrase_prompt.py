"""Few-shot chat prompts for an instruct model proposing phrases (subject lines, opening hooks), and parsing its reply.

The prompt is one fixed prefix (system rules + worked examples from the hand-written campaign corpus, both kinds) and
then the request: the campaign facts, the template's own line (the frame) and how many lines to write. Because the
prefix never changes, llama.cpp keeps its evaluated state between requests and only the request is read each time.

Only facts a draft may state go in: brand, who the segment is (and what a message to them must not say), tone, offer,
products. Customer quotes stay out (promotional copy must not reuse a complaint, and praise quotes tempt the model
to put words in customers' mouths). Every value passes through models.prompt.data_text (no chat markers, one line).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from models.phrases import check_kind, first_sentence
from models.prompt import data_text

CORPUS = Path(__file__).resolve().parent / "data" / "campaign_corpus" / "examples.jsonl"

SYSTEM = (
    "You write short lines of email copy for a small online shop. Use only the facts: no product, gift, discount, "
    "number, date or promise that is not in them; the offer exactly as given. Say what the template line says, in "
    "your own words, to the audience described. Plain words, sentence case, no emoji. Answer with numbered lines.")

KIND_TEXT = {
    "subject": ("subject line", "subject lines", "at most 60 characters"),
    "hook": ("opening sentence", "opening sentences",
             "one complete sentence of at most 25 words, the first line of the email after the greeting"),
}
MAX_CHARS = {"subject": 70, "hook": 200}

# What a message to each RFM segment means, and what it must not say (issue 16: no "missed you" to Champions/New).
AUDIENCE = {
    "Champions": "our best customers, who order often and recently: thank them for their loyalty",
    "Loyal": "regular customers: thank them for coming back again and again",
    "Potential loyalist": "recent customers with a few orders: encourage their next order",
    "New": "customers whose first order was recent: welcome them",
    "Promising": "recent first-time customers: thank them for their order",
    "Need attention": "good customers who have gone a little quiet: a friendly nudge",
    "About to sleep": "customers who have not ordered for a while: a gentle reminder",
    "At risk": "customers who used to order often but not for a long time: we miss them",
    "Cannot lose them": "once our biggest customers, silent for a long time: we miss them",
    "Hibernating": "customers who last ordered long ago: welcome them back",
    "Lost": "customers who have not ordered for a very long time: a warm invitation back",
}

# Worked examples: (corpus id, kind, the template line a writer would have been given). The answer is the corpus's
# own hand-written subject or first body sentence; the frames are written here, in the slot templates' plain style.
EXAMPLES = (
    ("c0020", "subject", "Thank you from Woolly Hollow"),
    ("c0442", "hook", "Welcome to Papier Atelier, and thank you for your first order."),
    ("c0468", "subject", "Welcome to Marlowe & Vine: 15% off your second order"),
    ("c0016", "hook", "Thank you for ordering from Ridgeback Supply so often."),
)


def audience(facts: dict) -> str:
    seg = facts.get("segment") or ""
    return AUDIENCE.get(seg) or data_text(facts.get("segment_description") or "our customers", 120)


def facts_lines(facts: dict) -> list[str]:
    """The facts a phrase may use, as `key: value` lines."""
    lines = [f"brand: {data_text(facts.get('brand', ''), 80)}", f"audience: {audience(facts)}",
             f"tone: {data_text(facts.get('tone') or 'warm', 20)}", f"offer: {data_text(facts.get('offer', ''), 120)}"]
    products = [data_text(p, 60) for p in (facts.get("top_products") or [])[:3] if str(p or "").strip()]
    if products:
        lines.append("products: " + "; ".join(products))
    return lines


def request_text(kind: str, facts: dict, n: int, frame: str) -> str:
    one, many, rule = KIND_TEXT[check_kind(kind)]
    what = f"1 {one}" if n == 1 else f"{n} different {many}"
    return "\n".join(facts_lines(facts) + [f"template line: {data_text(frame, 200)}",
                                           f"Write {what} ({rule}), numbered."])


@lru_cache(maxsize=1)
def _corpus() -> dict[str, dict]:
    with open(CORPUS, encoding="utf-8") as f:
        return {r["id"]: r for r in map(json.loads, f)}


def example_answer(record: dict, kind: str) -> str:
    out = record["output"]
    return out["subject"] if kind == "subject" else first_sentence(out["body"])


def prefix_messages() -> list[dict]:
    """System rules plus the worked examples: the part of every prompt that never changes."""
    msgs = [{"role": "system", "content": SYSTEM}]
    for rid, kind, frame in EXAMPLES:
        rec = _corpus()[rid]
        msgs += [{"role": "user", "content": request_text(kind, rec["facts"], 1, frame)},
                 {"role": "assistant", "content": "1. " + example_answer(rec, kind)}]
    return msgs


def messages(kind: str, facts: dict, n: int, frame: str) -> list[dict]:
    return prefix_messages() + [{"role": "user", "content": request_text(kind, facts, n, frame)}]


_NUMBER = re.compile(r"^\s*(?:\d+\s*[.):-]|[-*•])\s*")
_LABEL = re.compile(r"(?i)^(?:subject(?: line)?|opening(?: sentence)?|hook|headline)\s*:\s*")
_QUOTES = "\"'“”‘’«»`"


def clean_line(line: str) -> str:
    """One proposed line without numbering, labels, surrounding quotes or markdown emphasis."""
    s = _NUMBER.sub("", line.strip())
    s = _LABEL.sub("", s).replace("**", "").strip()
    if len(s) >= 2 and s[0] in _QUOTES and s[-1] in _QUOTES:
        s = s[1:-1].strip()
    return " ".join(s.split())


def parse(kind: str, text: str, n: int) -> list[str]:
    """The model's numbered reply -> at most n distinct usable lines. A line is dropped when it is too long, holds a
    template placeholder ({...}), or (for a hook) is not one finished sentence."""
    check_kind(kind)
    out, seen = [], set()
    for raw in (text or "").splitlines():
        s = clean_line(raw)
        if not s or len(s) > MAX_CHARS[kind] or "{" in s or "}" in s:
            continue
        if kind == "hook":
            if s[-1] not in ".!?" or len(re.findall(r"[.!?](?:\s|$)", s)) > 1:
                continue
        key = s.lower().rstrip(".!?")
        if key not in seen:
            seen.add(key)
            out.append(s)
        if len(out) == n:
            break
    return out
