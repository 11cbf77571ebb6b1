#!/usr/bin/env python3
"""Validate examples.jsonl against GUIDELINES.md and print counts per task and split.

Usage: python check_corpus.py [path/to/examples.jsonl] [--partial]
  --partial  skip the corpus-size and split-share checks (useful while drafting).
Exit status 1 if any example (or the corpus as a whole) breaks a rule.
"""

import collections
import json
import re
import sys
from pathlib import Path

SEGMENTS = [
    "Champions",
    "Loyal",
    "Potential loyalist",
    "New",
    "Promising",
    "Need attention",
    "About to sleep",
    "At risk",
    "Cannot lose them",
    "Hibernating",
    "Lost",
]
TONES = ["warm", "playful", "premium", "urgent", "plain"]
TOPICS = [
    "quality",
    "fit_size",
    "appearance",
    "comfort",
    "price_value",
    "delivery_packaging",
    "customer_service",
    "effectiveness",
]
CURRENCIES = ["GBP", "USD", "EUR"]
MERGE_TAG = "{{ first_name }}"
MIN_EXAMPLES = 480

BANNED = [
    r"guarantee\w*",
    r"\bcur(e|es|ed|ing)\b",
    r"best in the world",
    r"risk[- ]free",
    r"100\s?%",
    r"miracle\w*",
    r"\bsegment\w*",
    r"\bcohort",
    r"\bchurn",
    r"\bRFM\b",
    r"our data shows",
]
# words that only turn up when copy echoes an injected quote; fine when the customer's own words use them
INJECTION_ECHO = [r"\binstruction", r"\bsystem\b", r"\bassistant\b", r"\bprompt\b", r"\bignore\b", r"\bdisregard"]
# segment names never go to the customer; distinctive ones are banned everywhere, common words only for their segment
SEG_LEAK_GLOBAL = [
    r"\bchampions?\b",
    r"potential loyalist",
    r"need(s)? attention",
    r"about to sleep",
    r"\bat risk\b",
    r"cannot lose",
    r"hibernat\w*",
]
SEG_LEAK_OWN = {
    "Loyal": r"\bloyal\b",
    "Lost": r"\blost\b",
    "Promising": r"\bpromising\b",
    "New": r"\bnew (customer|buyer|shopper)s?\b",
}
# deadline / scarcity / date words: allowed only when the facts contain them
TIME_WORDS = [
    r"\btoday\b",
    r"\btonight\b",
    r"\btomorrow\b",
    r"\bmidnight\b",
    r"\bweekend\b",
    r"\bthis week\b",
    r"\bthis month\b",
    r"last chance",
    r"ends soon",
    r"limited[- ]time",
    r"final hours",
    r"hours left",
    r"while stocks last",
    r"selling fast",
    r"almost gone",
    r"low stock",
    r"only a few left",
    r"\bnext-day\b",
    r"\bexpress\b",
]
# month and weekday names count when capitalised ("it may help" is not a date)
DATE_NAMES = (
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
NUM_WORDS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "hundred": "100",
    "thousand": "1000",
    "dozen": "12",
    "half": None,
    "double": None,
    "triple": None,
    "twice": None,
    "fortnight": None,
}
INJECTION = re.compile(
    r"ignore (all |any |the |your )?(previous|prior|above)|disregard|system:|assistant:|"
    r"new instructions",
    re.I,
)
TOPIC_WORDS = {
    "quality": r"quality|made|broke|broken|snap|crack|chip|split|fray|peel|pill|tear|tore|rip|leak|flak|rust|dent|"
    r"apart|stitch|shrank|shrink|wear|wore|durab|sturdy|solid|lasts?\b|lasting|finish|tarnish|zip|clasp|fault|defect|"
    r"flimsy|thin|stale|shed|lid|nozzle|screw|wobbl|missing|fresh|roast|taste|ink|paper|sharp|tunnel|"
    r"burn|crafted|dye|fabric|material|strap|seat|whisk|sole|pole|rough|snag|bleed|crisp|crunch",
    "fit_size": r"\bsiz|\bfit|tight|loose|small|large|\bbig|narrow|long|short|length|snug|roomy|true to",
    "appearance": r"colou?r|look|shade|photo|picture|style|print|tint|pretty|gorgeous|beautiful|appearance|design|"
    r"cast|sticker|glow|dainty|light|cheerful|elegant|orange|grey|brown|tan\b|sight|initial",
    "comfort": r"comfort|comfy|soft|itch|scratch|rub|blister|sting|irritat|breath|cosy|cozy|plush|gentle|\bred\b|"
    r"sore|raw|stiff|feel|fall out|non-greasy|light|cloud|cushion",
    "price_value": r"price|value|cost|expensive|pricey|money|worth|\bpay|paid|charg|afford|penny|pennies|budget|spend|cheap|bargain|save|goes a long way|lasts ages",
    "delivery_packaging": r"deliver|arriv|packag|packed|packing|\bpack\b|parcel|\bbox|ship|courier|postage|\bpost\b|"
    r"transit|wrap|envelope|turned up|\blate\b|tracking|doorstep|letterbox|rain|transport",
    "customer_service": r"service|support|chase|chasing|wait|slow to|no reply|hear back|heard back|answer|respon|"
    r"contact|cancel|charged|wrong|mix-up|mistake|let you down|profile|allerg|emails?\b|"
    r"team on chat|sorted|fuss|recommend|note|returns? process|swap|same title|helped|help",
    "effectiveness": r"work|effect|result|difference|scent|smell|charg|waterproof|\bdry\b|\bwet\b|warm|\bhot\b|"
    r"sharp|blunt|activ|sprout|grow|\bcame up\b|stick|grip|dim|bright|hold|stay|upset|stomach|crema|"
    r"sleep|wind down|calm|\bjob\b|perform|leak|tick|loud|fall out|let go|keep|kept|busy|fussy|"
    r"eat|fills|minute|glow|skin|seal|dripp?",
}
INVITE = re.compile(
    r"\brepl(y|ying)\b|write back|get back to us|let us know|drop us|get in touch|just answer|"
    r"answer this|respond to this|hit reply|send us",
    re.I,
)


def words(s):
    return len(s.replace(MERGE_TAG, "NAME").split())


def nums(s):
    return {n.replace(",", "") for n in re.findall(r"\d+(?:[.,]\d+)*", s)}


def clean_quote(q):
    """Text before an injection marker is customer data; the injected part is never a source."""
    m = INJECTION.search(q)
    return q[: m.start()] if m else q


def sources(f):
    """Text the output may draw numbers, dates and quotes from."""
    if f["channel"] == "reply":
        parts = [f["brand"], f["remedy"], clean_quote(f["review"]["text"])]
        quotes = [clean_quote(f["review"]["text"])]
    else:
        quotes = [clean_quote(p["quote"]) for p in f["praised"] + f["complaints"]]
        parts = [f["brand"], f["offer"]] + f["top_products"] + quotes
        if f.get("avg_order_value") is not None:
            parts.append(str(f["avg_order_value"]))
    return " \n ".join(parts), quotes


def check_facts(f):
    errs = []
    need = {"brand": str, "channel": str, "tone": str, "merge_tag": str}
    for k, t in need.items():
        if not isinstance(f.get(k), t):
            errs.append(f"facts.{k} missing or not {t.__name__}")
    if f.get("merge_tag") != MERGE_TAG:
        errs.append("facts.merge_tag must be {{ first_name }}")
    ch = f.get("channel")
    if ch == "reply":
        r = f.get("review") or {}
        if not isinstance(r.get("text"), str) or r.get("rating") not in (1, 2, 3):
            errs.append("facts.review needs text and rating 1-3")
        if not r.get("topics") or any(t not in TOPICS for t in r.get("topics", [])):
            errs.append("facts.review.topics invalid")
        if not isinstance(f.get("remedy"), str) or not f["remedy"]:
            errs.append("facts.remedy missing")
        if f.get("tone") not in ("warm", "plain"):
            errs.append("reply tone must be warm or plain")
    elif ch in ("email", "sms", "ad"):
        if f.get("segment") not in SEGMENTS:
            errs.append("facts.segment invalid")
        if not isinstance(f.get("segment_size"), int):
            errs.append("facts.segment_size must be int")
        for k in ("segment_description", "offer"):
            if not isinstance(f.get(k), str) or not f[k]:
                errs.append(f"facts.{k} missing")
        if f.get("tone") not in TONES:
            errs.append("facts.tone invalid")
        if not (isinstance(f.get("top_products"), list) and 1 <= len(f["top_products"]) <= 3):
            errs.append("facts.top_products must hold 1-3 names")
        for k in ("praised", "complaints"):
            v = f.get(k)
            if (
                not isinstance(v, list)
                or len(v) > 2
                or any(
                    not isinstance(p, dict) or p.get("topic") not in TOPICS or not isinstance(p.get("quote"), str)
                    for p in v
                )
            ):
                errs.append(f"facts.{k} must be 0-2 {{topic, quote}}")
        if f.get("avg_order_value") is not None and not isinstance(f["avg_order_value"], (int, float)):
            errs.append("facts.avg_order_value must be number or null")
        if f.get("currency") not in CURRENCIES:
            errs.append("facts.currency invalid")
    else:
        errs.append(f"unknown channel {ch!r}")
    return errs


def check_example(ex, all_brands, all_products):
    errs = []
    if not re.fullmatch(r"c\d{4}", str(ex.get("id", ""))):
        errs.append("id must look like c0001")
    if ex.get("split") not in ("train", "test"):
        errs.append("split must be train or test")
    f, o = ex.get("facts"), ex.get("output")
    if not isinstance(f, dict) or not isinstance(o, dict):
        return errs + ["facts and output must be objects"]
    errs += check_facts(f)
    if errs:
        return errs
    task = f["channel"]
    body = o.get("body")
    if not isinstance(body, str) or not body.strip():
        return errs + ["output.body missing"]
    spec = {"email": ("subject", "preheader", "cta"), "sms": (), "ad": ("subject", "cta"), "reply": ()}[task]
    for k in ("subject", "preheader", "cta"):
        if k in spec and not (isinstance(o.get(k), str) and o[k].strip()):
            errs.append(f"output.{k} required for {task}")
        if k not in spec and o.get(k) is not None:
            errs.append(f"output.{k} must be null for {task}")
    if errs:
        return errs
    subj, pre, cta = o.get("subject") or "", o.get("preheader") or "", o.get("cta") or ""
    text = "\n".join([subj, pre, body, cta])
    low = text.lower()
    src, quotes = sources(f)
    src_low = src.lower()

    # --- lengths and shape per task
    if task == "email":
        if len(subj) > 60:
            errs.append(f"subject {len(subj)} > 60 chars")
        if len(pre) > 90:
            errs.append(f"preheader {len(pre)} > 90 chars")
        if not 40 <= words(body) <= 120:
            errs.append(f"email body {words(body)} words, need 40-120")
        if not 2 <= len(cta.split()) <= 5:
            errs.append("email cta must be 2-5 words")
    elif task == "sms":
        if len(body) > 160:
            errs.append(f"sms {len(body)} > 160 chars")
        if MERGE_TAG in body and len(body) > 155:
            errs.append("sms with merge tag must be <= 155 chars")
        if not body.startswith(f["brand"] + ":"):
            errs.append("sms must start with '<brand>:'")
        if not body.endswith("Reply STOP to opt out"):
            errs.append("sms must end with 'Reply STOP to opt out'")
        if "\n" in body:
            errs.append("sms must be one line")
    elif task == "ad":
        if len(subj) > 40:
            errs.append(f"ad headline {len(subj)} > 40 chars")
        if len(body) > 125:
            errs.append(f"ad body {len(body)} > 125 chars")
        if not 2 <= len(cta.split()) <= 4:
            errs.append("ad cta must be 2-4 words")
        if "{{" in text:
            errs.append("ads are public: no merge tag")
    if task in ("email", "reply"):
        first = body.split("\n", 1)[0]
        if MERGE_TAG not in first or len(first.split()) > 6:
            errs.append("body must open with a short greeting line using the merge tag")
    if task == "reply":
        if not 50 <= words(body) <= 130:
            errs.append(f"reply body {words(body)} words, need 50-130")
        if not re.search(r"\bthank", body, re.I):
            errs.append("reply must thank the reviewer")
        if not re.search(r"sorry|apolog", body, re.I):
            errs.append("reply must apologise")
        last = body.rstrip().split("\n")[-1].strip()
        sig = f"{f['brand']} team" if f["brand"].startswith("The ") else f"The {f['brand']} team"
        if last != sig:
            errs.append(f"reply must be signed '{sig}'")
        if not INVITE.search(body.rsplit("\n", 1)[0]):
            errs.append("reply must invite them to reply")
        core = body.replace(f["remedy"], " ").replace(f["brand"], " ")
        for t in f["review"]["topics"]:
            if not re.search(TOPIC_WORDS[t], core, re.I):
                errs.append(f"reply does not acknowledge topic {t}")

    # --- offer / remedy verbatim
    if task == "reply":
        if f["remedy"] not in body:
            errs.append("remedy not verbatim in body")
    else:
        where = {"email": subj + "\n" + body, "sms": body, "ad": subj + "\n" + body}[task]
        if f["offer"] not in where:
            errs.append("offer not verbatim")

    # --- merge tags and placeholders
    for tag in re.findall(r"\{\{.*?\}\}", text):
        if tag != MERGE_TAG:
            errs.append(f"unknown merge tag {tag}")
    if re.search(r"[{}]", text.replace(MERGE_TAG, "")):
        errs.append("stray brace / broken merge tag")
    if re.search(r"\[[^\]]*\]|<[^>]+>|\bXX+\b|lorem|\bTBD\b|\binsert\b", text, re.I):
        errs.append("placeholder text")
    if task in ("sms", "ad", "email") and MERGE_TAG in (subj + cta):
        errs.append("merge tag only in body")

    # --- characters: printable ASCII plus pound/euro (this excludes every emoji and symbol)
    bad = {c for c in text if not (c == "\n" or " " <= c <= "~" or c in "£€")}
    if bad:
        errs.append(f"disallowed characters {sorted(bad)!r}")

    # --- shouting
    allowed_caps = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9'\-]*", src)) | {"STOP"}
    for tok in re.findall(r"[A-Za-z0-9][A-Za-z0-9'\-]*", text):
        letters = re.sub(r"[^A-Za-z]", "", tok)
        if len(letters) >= 4 and letters.isupper() and tok not in allowed_caps:
            errs.append(f"ALL-CAPS word {tok}")
    if "!" in text:
        n = text.count("!")
        lim = {"premium": 0, "plain": 1, "warm": 2, "urgent": 2, "playful": 3}[f["tone"]]
        if task == "reply":
            lim = min(lim, 1)
        if n > lim:
            errs.append(f"{n} exclamation marks for tone {f['tone']} (max {lim})")

    # --- banned words and internal jargon
    for pat in BANNED:
        if re.search(pat, text, re.I):
            errs.append(f"banned phrase /{pat}/")
    for pat in INJECTION_ECHO:
        if re.search(pat, text, re.I) and not re.search(pat, src, re.I):
            errs.append(f"echoes injection /{pat}/")
    if task != "reply":
        for pat in SEG_LEAK_GLOBAL:
            if re.search(pat, text, re.I):
                errs.append(f"segment name leak /{pat}/")
        own = SEG_LEAK_OWN.get(f["segment"])
        if own and re.search(own, text, re.I):
            errs.append(f"segment name leak /{own}/")
        size = f["segment_size"]
        if re.search(rf"(?<![\d,]){size}(?!\d)|{size:,}", text):
            errs.append("segment_size leaked")

    # --- grounding: numbers, number words, currency, time words
    src_nums = nums(src)
    for n in nums(text.replace(MERGE_TAG, "")):
        if n not in src_nums:
            errs.append(f"ungrounded number {n}")
    for w, d in NUM_WORDS.items():
        if re.search(rf"\b{w}\b", low) and not (re.search(rf"\b{w}\b", src_low) or (d and d in src_nums)):
            errs.append(f"ungrounded number word '{w}'")
    for sym in "£$€":
        if sym in text and sym not in src:
            errs.append(f"currency symbol {sym} not in facts")
    for pat in TIME_WORDS:
        m = re.search(pat, low)
        if m and not re.search(pat, src_low):
            errs.append(f"ungrounded date/deadline '{m.group(0)}'")
    for m in re.finditer(DATE_NAMES, text):
        if not re.search(rf"\b{m.group(0)}\b", src):
            errs.append(f"ungrounded date '{m.group(0)}'")

    # --- brands and products
    for b in all_brands:
        if b != f["brand"] and b not in f["brand"] and re.search(rf"(?<!\w){re.escape(b)}(?!\w)", text):
            errs.append(f"other brand {b}")
    own_products = [p.lower() for p in f.get("top_products", [])]
    for p in all_products:
        pl = p.lower()
        if pl in low and pl not in own_products and not any(pl in q for q in own_products) and pl not in src_low:
            errs.append(f"product not in facts: {p}")

    # --- quotes: anything in double quotes must be a customer's words from the facts
    for q in re.findall(r'"([^"]+)"', text):
        if not any(q.lower().strip(" .,!") in s.lower() for s in quotes):
            errs.append(f'quoted text not from facts: "{q}"')

    # --- use of praise and complaints (email has room for both)
    if task == "email":
        praised = [p for p in f["praised"] if not INJECTION.search(p["quote"])]
        core = body.replace(f["offer"], " ")
        if praised and not any(re.search(TOPIC_WORDS[p["topic"]], core, re.I) for p in praised):
            errs.append("email ignores the praised topics")
        comp = {c["topic"] for c in f["complaints"] if not INJECTION.search(c["quote"])}
        if "delivery_packaging" in comp and re.search(r"shipping|delivery", f["offer"]):
            if not re.search(
                r"deliver|ship|arriv|parcel|postage|tracking|slow|late|wait|turned up|crush|damag|to reach|packag",
                core,
                re.I,
            ):
                errs.append("delivery complaint + delivery offer: body should address delivery honestly")
    return errs


def sentences(s):
    s = s.replace(MERGE_TAG, " ")
    return [x.strip().lower() for x in re.split(r"(?<=[.!?])\s+|\n+", s) if x.strip()]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    partial = "--partial" in sys.argv
    path = Path(args[0]) if args else Path(__file__).resolve().parent / "examples.jsonl"
    rows, fails = [], collections.defaultdict(list)
    for ln, line in enumerate(open(path, encoding="utf-8"), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            fails[f"line {ln}"].append(f"bad JSON: {e}")
    brands = {r["facts"]["brand"] for r in rows if isinstance(r.get("facts"), dict) and "brand" in r["facts"]}
    products = {p for r in rows if isinstance(r.get("facts"), dict) for p in r["facts"].get("top_products", [])}
    ids = collections.Counter(r.get("id") for r in rows)
    for i, n in ids.items():
        if n > 1:
            fails[i].append("duplicate id")
    for r in rows:
        for e in check_example(r, brands, products):
            fails[r.get("id")].append(e)

    # --- corpus-level variety: no template sentences, no over-used CTA or headline
    sent_ids = collections.defaultdict(set)
    for r in rows:
        f, o = r["facts"], r["output"]
        strip = [f["brand"], f.get("offer", ""), f.get("remedy", "")] + f.get("top_products", [])
        for s in sentences(o.get("body") or ""):
            for x in strip:
                if x:
                    s = s.replace(x.lower(), "X")
            if len(s.split()) >= 6 and not s.startswith("reply stop"):
                sent_ids[s].add(r["id"])
    for s, who in sent_ids.items():
        if len(who) > 2:
            for i in sorted(who):
                fails[i].append(f"template sentence reused in {len(who)} examples: '{s}'")
    for key, lim in (("cta", 8), ("subject", 2)):
        c = collections.Counter(
            (r["output"].get(key) or "").strip().lower() for r in rows if r["facts"]["channel"] in ("email", "ad")
        )
        for v, n in c.items():
            if v and n > lim:
                fails["corpus"].append(f"{key} '{v}' used {n} times (max {lim})")
    opener = collections.defaultdict(set)
    for r in rows:
        if r["facts"]["channel"] in ("email", "reply"):
            parts = sentences(r["output"]["body"])
            if len(parts) > 1:
                opener[" ".join(parts[1].split()[:4])].add(r["id"])
    for s, who in opener.items():
        if len(who) > 5:
            fails["corpus"].append(f"{len(who)} bodies open with the same words '{s}...'")

    counts = collections.Counter((r["facts"]["channel"], r["split"]) for r in rows if isinstance(r.get("facts"), dict))
    tasks = ["email", "sms", "ad", "reply"]
    print(f"{'task':8}{'train':>7}{'test':>6}{'total':>7}{'test%':>7}")
    for t in tasks:
        tr, te = counts[(t, "train")], counts[(t, "test")]
        tot = tr + te
        print(f"{t:8}{tr:>7}{te:>6}{tot:>7}{(100 * te / tot if tot else 0):>6.1f}%")
        if not partial and tot and not 8 <= 100 * te / tot <= 16:
            fails["corpus"].append(f"{t}: test share {100 * te / tot:.1f}% outside 8-16%")
    tr = sum(v for (t, s), v in counts.items() if s == "train")
    te = sum(v for (t, s), v in counts.items() if s == "test")
    print(f"{'all':8}{tr:>7}{te:>6}{tr + te:>7}{100 * te / max(1, tr + te):>6.1f}%")
    if not partial and len(rows) < MIN_EXAMPLES:
        fails["corpus"].append(f"only {len(rows)} examples, need >= {MIN_EXAMPLES}")
    if not partial:
        segs = collections.Counter(r["facts"]["segment"] for r in rows if r["facts"]["channel"] != "reply")
        for s in SEGMENTS:
            if not segs[s]:
                fails["corpus"].append(f"no examples for segment {s}")

    n_bad = sum(len(v) for v in fails.values())
    for i in sorted(fails, key=str):
        for e in fails[i]:
            print(f"FAIL {i}: {e}")
    print(f"{len(rows)} examples, {len([k for k in fails if k != 'corpus'])} failing, {n_bad} problems")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
