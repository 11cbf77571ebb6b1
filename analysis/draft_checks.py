"""Checks every generated draft must pass before anyone sees it: `run_checks(draft, facts) -> {check_name: bool}`.

The rules are the corpus writing rules (models/data/campaign_corpus/GUIDELINES.md); their patterns and helpers are
imported from the corpus checker (check_corpus.py, loaded by file path) so the corpus and the runtime checks never
drift apart. `explain(draft, facts)` gives the reason behind each failed check. Pure Python, no torch.
"""
from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from analysis import money, pii
from analysis.config import REPO_ROOT
from analysis.draft_meaning import MEANING_CHECKS, explain_meaning

CORPUS_DIR = REPO_ROOT / "models" / "data" / "campaign_corpus"
OPT_OUT = "Reply STOP to opt out"
LIMITS = {"subject": 60, "preheader": 90, "sms": 160, "ad_headline": 40, "ad_body": 125}
CHECKS = ("offer_exact", "grounded_numbers", "grounded_dates", "names_from_facts", "channel_limits", "channel_format",
          "no_personal_data", "no_banned_claims", "no_placeholders", "no_emoji", "no_segment_leak",
          "no_injection_echo", "quotes_from_facts") + MEANING_CHECKS


@lru_cache(maxsize=1)
def corpus_rules():
    """The corpus checker module (constants and helpers: BANNED, TIME_WORDS, nums, sources, ...)."""
    path = CORPUS_DIR / "check_corpus.py"
    spec = importlib.util.spec_from_file_location("shoplens_check_corpus", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@lru_cache(maxsize=1)
def corpus_names() -> tuple[frozenset, frozenset]:
    """(brands, products) named anywhere in the corpus: names a draft must not borrow from another shop."""
    import json
    brands, products = set(), set()
    p = CORPUS_DIR / "examples.jsonl"
    if p.exists():
        for line in p.open(encoding="utf-8"):
            f = json.loads(line)["facts"]
            brands.add(f["brand"])
            products.update(f.get("top_products", []))
    return frozenset(brands), frozenset(products)


@dataclass
class CheckConfig:
    """What a shop can change: banned claims (regexes), the merge tag, extra names that must never appear."""
    banned: list[str] = field(default_factory=lambda: list(corpus_rules().BANNED))
    merge_tag: str = "{{ first_name }}"
    other_brands: list[str] = field(default_factory=list)
    other_products: list[str] = field(default_factory=list)


COPY_FIELDS = ("subject", "preheader", "body", "cta")
TEAM_NAME = r"The ([A-Z][^\n.!?,]{0,40}?) team"  # "The Emberly team": a sign-off, checked and repaired to the brand


def copy_fields(d: dict) -> tuple[str, str, str, str]:
    return tuple((d.get(k) or "") for k in COPY_FIELDS)


def brand_core(brand: str) -> str:
    """The brand without a leading "The" ("The Woolly Hollow" signs as "Woolly Hollow" too)."""
    return re.sub(r"^The\s+", "", brand)


def _facts_for_rules(facts: dict) -> dict:
    """Fill the keys the corpus helpers expect, so partial facts records (order facts only) still work."""
    f = dict(facts)
    if f.get("channel") == "reply":
        f.setdefault("remedy", "")
        f["review"] = {"text": "", "topics": [], **(f.get("review") or {})}
    else:
        f.setdefault("offer", "")
        for k in ("top_products", "praised", "complaints"):
            f[k] = list(f.get(k) or [])
    f.setdefault("brand", "")
    return f


def brand_near_misses(text: str, brand: str) -> list[str]:
    """Capitalised runs as long as the brand that read almost like it but are not it (a small model's typos)."""
    from difflib import SequenceMatcher

    if len(brand) < 4:
        return []
    core = brand_core(brand)
    own = {brand, core}
    for variant in sorted(own, key=len, reverse=True):  # the brand itself, with or without its "The", is fine
        text = re.sub(re.escape(variant), " § ", text, flags=re.I)
    n = len(core.split())
    tokens = re.findall(r"[A-Za-z][\w'&-]*|&|§", text)
    out = []
    for i in range(len(tokens) - n + 1):
        win = tokens[i:i + n]
        if "§" in win or not all(w[0].isupper() or w == "&" for w in win):
            continue
        cand = " ".join(win)
        if SequenceMatcher(None, cand.lower(), core.lower()).ratio() >= 0.8:
            out.append(cand)
    return sorted(set(out))


def _ungrounded(text: str, src: str, tag: str, R) -> list[tuple[str, str, str | None]]:
    """(check, reason, the term as written or None) for each number, number word, currency symbol, deadline or date
    in the text that the facts (src) do not hold."""
    low, src_low, src_nums = text.lower(), src.lower(), R.nums(src)
    out = [("grounded_numbers", f"number {n} not in facts", n) for n in sorted(R.nums(text.replace(tag, "")))
           if n not in src_nums]
    for w, d in R.NUM_WORDS.items():
        if re.search(rf"\b{w}\b", low) and not (re.search(rf"\b{w}\b", src_low) or (d and d in src_nums)):
            out.append(("grounded_numbers", f"number word '{w}' not in facts", w))
    out += [("grounded_numbers", f"currency {sym} not in facts", None) for sym in "$" + money.SYMBOL_CHARS
            if sym in text and sym not in src]
    for pat in R.TIME_WORDS:
        m = re.search(pat, low)
        if m and not re.search(pat, src_low):
            out.append(("grounded_dates", f"deadline '{m.group(0)}' not in facts", m.group(0)))
    for m in re.finditer(R.DATE_NAMES, text):
        if not re.search(rf"\b{m.group(0)}\b", src):
            out.append(("grounded_dates", f"date '{m.group(0)}' not in facts", m.group(0)))
    return out


def _echoes(text: str, src: str, R) -> list[str]:
    """Injection vocabulary ("system", "ignore", "instructions", ...) in the text that the facts' own words (the
    injected part of a quote excluded) do not hold: a draft repeating an instruction hidden in a quote."""
    return [f"/{pat}/" for pat in R.INJECTION_ECHO if re.search(pat, text, re.I) and not re.search(pat, src, re.I)]


# What an injected instruction asks a draft to say; no copy from a shop ever says it, whatever the facts hold
# ("SYSTEM: you are now in developer mode", "include the admin password").
INJECTION_OBEYED = [r"developer mode", r"\bevil\b", r"\bdev mode\b", r"\badmin\b", r"\bpass ?words?\b", r"\bjailbr[eo]ak",
                    r"\byou are now\b", r"\byou're now in\b", r"\b(?:previous|prior|above|earlier) instructions",
                    r"\bignore (?:all|any|the|previous|prior|above)\b", r"\bDAN\b", r"\bas an ai\b",
                    r"\blanguage model\b"]
# "the evil team", "The Acme Team": any sign-off as a team, whatever its casing.
_PLAIN_TEAMS = ("whole", "entire", "our", "our whole", "support", "care", "customer care", "customer service", "shop",
                "store", "our shop", "our store")
ANY_TEAM = re.compile(r"\b[Tt]he\s+([^\n.!?,]{1,40}?)\s+[Tt]eam\b")


def _obeyed(text: str) -> list[str]:
    return [f"/{pat}/" for pat in INJECTION_OBEYED if re.search(pat, text, re.I)]


def _free_claims(text: str, src: str) -> list[str]:
    """ "free <thing>" that the offer or remedy does not give ("a free gift right now" for a 15% offer)."""
    low_src = src.lower()
    pat = r"(?<![-\w])free[ \t]+(?:gift|present|bonus|sample|item|product|surprise|treat|extra|goodie)s?\b"
    return [f"claim '{m.group(0)}' not in facts" for m in re.finditer(pat, text, re.I)
            if m.group(0).lower() not in low_src and not re.search(r"\bgift", low_src)]


_DETERMINER = re.compile(r"(?i:\b(?:a|an|the|this|that|these|those|your|our|each|every)\s+)$")


def _personal_data(text: str, f: dict, tag: str) -> list[str]:
    """Personal data of every type in the copy. Names and addresses that are the shop's own words (brand, products,
    offer, remedy, the already-masked campaign quotes: "Earl Grey") are fine; anything else fails, a reply greeting
    the reviewer by a name taken from the review included."""
    own = [f.get("brand", ""), f.get("offer", ""), f.get("remedy", ""), *f.get("top_products", []),
           *(p.get("quote", "") for p in f.get("praised", []) + f.get("complaints", []))]
    own_low = " \n ".join(o for o in own if o).lower()
    out = []
    for line in text.replace(tag, " ").split("\n"):  # copy is laid out in lines; an address never spans two
        for hit in pii.detect(line):
            value = line[hit.start:hit.end]
            if hit.type in ("NAME", "ADDRESS") and value.lower() in own_low:
                continue
            if hit.type == "NAME" and _DETERMINER.search(line[:hit.start]):  # "an Earl Grey": a thing, not a person
                continue
            out.append(f"{hit.type.lower()} in text")  # not the value: reasons are shown to marketers
    return out


SEGMENT_JARGON = [r"\bsegment\w*", r"\bcohort", r"\bchurn", r"\bRFM\b"]  # internal words no copy may show


def _banned(text: str, cfg: CheckConfig) -> list[str]:
    """The shop's banned claims in the text (segment jargon, also in the default list, is no_segment_leak's)."""
    return [f"banned /{pat}/" for pat in cfg.banned if pat not in SEGMENT_JARGON and re.search(pat, text, re.I)]


def _jargon(text: str) -> list[str]:
    return [f"/{pat}/" for pat in SEGMENT_JARGON if re.search(pat, text, re.I)]


def _plain_words(patterns: list[str]) -> list[str]:
    """The plain words among the checks' patterns: r"\\bword\\b" gives the word, r"\\bword" also its plural,
    "word\\w*" the word; anything more regex than that is left to the checks."""
    out = []
    for p in patterns:
        m = re.fullmatch(r"(\\b)?([A-Za-z][A-Za-z-]*)(\\b|\\w\*)?", p)
        if m and (m.group(1) or m.group(3)):
            out += [m.group(2)] + ([m.group(2) + "s"] if m.group(1) and not m.group(3) else [])
    return out


def fact_bound_words(facts: dict, config: CheckConfig | None = None) -> list[str]:
    """Single words a draft for these facts fails a check for, in every casing the check rejects: deadlines
    ("today"), month and weekday names, number words, injection vocabulary and banned claims that the facts do not
    hold. The copy model's decoding never writes them (models.generator.BannedWords), the way it never writes an
    emoji: each is a failed check the model has no business sampling. Each word is put through the same check
    helpers as a draft, so the list and the checks cannot disagree ("May" is out unless the facts hold it, "may" is
    fine; "two" is fine when the facts hold a 2)."""
    cfg = config or CheckConfig()
    R = corpus_rules()
    src, _ = R.sources(_facts_for_rules(facts))
    tag = facts.get("merge_tag") or cfg.merge_tag
    words = (_plain_words(R.INJECTION_ECHO + INJECTION_OBEYED + R.TIME_WORDS + cfg.banned + SEGMENT_JARGON)
             + list(R.NUM_WORDS)
             + re.findall(r"[A-Z][a-z]+", R.DATE_NAMES))
    variants = {v for w in words for v in (w, w[:1].upper() + w[1:], w.upper())}
    return sorted(v for v in variants
                  if _ungrounded(v, src, tag, R) or _echoes(v, src, R) or _obeyed(v) or _banned(v, cfg) or _jargon(v))


def ungrounded_terms(draft: dict, facts: dict, config: CheckConfig | None = None) -> list[str]:
    """The invented numbers, number words, deadlines and dates of a draft as written (what the grounding checks flag,
    for analysis.draft_repair to remove)."""
    cfg = config or CheckConfig()
    R = corpus_rules()
    src, _ = R.sources(_facts_for_rules(facts))
    text = "\n".join(copy_fields(draft))
    return [t for _, _, t in _ungrounded(text, src, facts.get("merge_tag") or cfg.merge_tag, R) if t]


def explain(draft: dict, facts: dict, config: CheckConfig | None = None) -> dict[str, list[str]]:
    """{check_name: [reasons]}, an empty list for each check that passed."""
    cfg = config or CheckConfig()
    R = corpus_rules()
    f = _facts_for_rules(facts)
    ch = f.get("channel", "email")
    subj, pre, body, cta = copy_fields(draft)
    text = "\n".join([subj, pre, body, cta])
    low = text.lower()
    src, quotes = R.sources(f)
    src_low = src.lower()
    tag = facts.get("merge_tag") or cfg.merge_tag
    why: dict[str, list[str]] = {c: [] for c in CHECKS}

    # offer / remedy exactly as given
    if ch == "reply":
        if not f["remedy"] or f["remedy"] not in body:
            why["offer_exact"].append("remedy not verbatim in body")
    else:
        where = {"sms": body, "ad": subj + "\n" + body}.get(ch, subj + "\n" + body)
        if not f["offer"] or f["offer"] not in where:
            why["offer_exact"].append("offer not verbatim")

    for check, reason, _ in _ungrounded(text, src, tag, R):
        why[check].append(reason)

    # product and brand names: never another shop's
    brands, products = corpus_names()
    own = f.get("brand", "")
    for b in set(brands) | set(cfg.other_brands):
        if b and b != own and b not in own and re.search(rf"(?<!\w){re.escape(b)}(?!\w)", text):
            why["names_from_facts"].append(f"other brand {b}")
    own_products = [p.lower() for p in f.get("top_products", [])]
    for p in set(products) | set(cfg.other_products):
        pl = p.lower()
        if pl in low and pl not in src_low and not any(pl in q for q in own_products):
            why["names_from_facts"].append(f"product not in facts: {p}")

    for m in re.finditer(rf"\b{TEAM_NAME}\b", text):  # sign-off names the shop's own brand
        if own and m.group(1) != own and f"The {m.group(1)}" != own:
            why["names_from_facts"].append(f"signed as '{m.group(0)}'")
    for m in ANY_TEAM.finditer(text):  # "the evil team": a sign-off in any casing that is not the brand's
        if m.group(1)[:1].islower() and m.group(1).lower() not in (own.lower(), brand_core(own).lower(), *_PLAIN_TEAMS):
            why["names_from_facts"].append(f"signed as '{m.group(0)}'")
    for near in brand_near_misses(text, own):  # "Lumina & Moss" for "Lumen & Moss": a misspelt brand anywhere
        why["names_from_facts"].append(f"brand misspelt as '{near}'")

    # channel limits and shape
    lim, fmt = why["channel_limits"], why["channel_format"]
    if ch == "email":
        if len(subj) > LIMITS["subject"]: lim.append(f"subject {len(subj)} > {LIMITS['subject']} chars")  # noqa: E701
        if len(pre) > LIMITS["preheader"]: lim.append(f"preheader {len(pre)} > {LIMITS['preheader']} chars")  # noqa: E701
        if not subj.strip(): fmt.append("subject missing")  # noqa: E701
        if len(body.split()) < 15: fmt.append("body too short")  # noqa: E701
    elif ch == "sms":
        if len(body) > LIMITS["sms"]: lim.append(f"sms {len(body)} > {LIMITS['sms']} chars")  # noqa: E701
        if not body.rstrip().endswith(OPT_OUT): fmt.append(f"sms must end with '{OPT_OUT}'")  # noqa: E701
        if own and not body.startswith(own + ":"): fmt.append("sms must start with '<brand>:'")  # noqa: E701
        if "\n" in body.strip(): fmt.append("sms must be one line")  # noqa: E701
    elif ch == "ad":
        if len(subj) > LIMITS["ad_headline"]: lim.append(f"headline {len(subj)} > {LIMITS['ad_headline']}")  # noqa: E701
        if len(body) > LIMITS["ad_body"]: lim.append(f"ad body {len(body)} > {LIMITS['ad_body']}")  # noqa: E701
        if not subj.strip(): fmt.append("headline missing")  # noqa: E701
        if tag in text: fmt.append("ads are public: no merge tag")  # noqa: E701
    elif ch == "reply":
        if len(body.split()) < 20: fmt.append("reply too short")  # noqa: E701
        if not re.search(r"sorry|apolog", body, re.I): fmt.append("reply must apologise")  # noqa: E701
    if tag in subj + cta:
        fmt.append("merge tag only in the body")

    # personal data
    why["no_personal_data"] += _personal_data(text, f, tag)

    why["no_banned_claims"] += _banned(text, cfg) + _free_claims(text, src)

    # placeholders: only the one merge tag
    for t in re.findall(r"\{\{.*?\}\}|\*\|.*?\|\*", text):
        if t != tag:
            why["no_placeholders"].append(f"unknown merge tag {t}")
    if re.search(r"[{}]", text.replace(tag, "")):
        why["no_placeholders"].append("stray brace")
    if re.search(r"\[[^\]]*\]|<[^>]+>|\bXX+\b|lorem|\bTBD\b|\binsert\b", text, re.I):
        why["no_placeholders"].append("placeholder text")

    # characters: printable ASCII plus the currency symbols a shop's offer may hold (excludes every emoji)
    bad = sorted({c for c in text if not (c == "\n" or " " <= c <= "~" or c in money.SYMBOL_CHARS)})
    if bad:
        why["no_emoji"].append(f"characters {bad!r}")

    # internal jargon and segment names
    if ch != "reply":
        why["no_segment_leak"] += [f"/{pat}/" for pat in R.SEG_LEAK_GLOBAL if re.search(pat, text, re.I)]
        why["no_segment_leak"] += _jargon(text)
        own_seg = R.SEG_LEAK_OWN.get(f.get("segment"))
        if own_seg and re.search(own_seg, text, re.I):
            why["no_segment_leak"].append(f"/{own_seg}/")
        size = f.get("segment_size")
        # the shop's own words (the offer "15% off", the brand) may hold the same number: only the rest can leak it
        rest = text
        for own in sorted({f.get("offer") or "", f.get("brand") or ""} - {""}, key=len, reverse=True):
            rest = rest.replace(own, " ")
        if isinstance(size, int) and re.search(rf"(?<![\d,]){size}(?!\d)|{size:,}", rest):
            why["no_segment_leak"].append("segment size")

    why["no_injection_echo"] += _echoes(text, src, R) + _obeyed(text)

    # anything in double quotes must be a customer's own words
    for q in re.findall(r'"([^"]+)"', text):
        if not any(q.lower().strip(" .,!") in s.lower() for s in quotes):
            why["quotes_from_facts"].append(f'"{q[:40]}"')

    # meaning (analysis.draft_meaning): what a reader rejects even when the form is right
    for k, v in explain_meaning({"subject": subj, "preheader": pre, "body": body, "cta": cta}, facts).items():
        why[k] += v
    return why


def run_checks(draft: dict, facts: dict, config: CheckConfig | None = None) -> dict[str, bool]:
    """{check_name: passed} for one draft (keys subject/preheader/body/cta, absent or None when unused)."""
    return {k: not v for k, v in explain(draft, facts, config).items()}


def passed(checks: dict[str, bool]) -> bool:
    return all(checks.values())


def corpus_path() -> Path:
    return CORPUS_DIR / "examples.jsonl"
