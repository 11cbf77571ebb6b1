"""Find and mask personal data (emails, phones, cards, IBANs, street addresses, names) in free text.

`mask(text) -> (masked_text, findings)`; each finding is `Finding(type, start, end)` with offsets into the
*original* text. Works offline: regexes plus checksums (Luhn for cards, ISO 7064 mod-97 for IBANs),
Google's libphonenumber (`phonenumbers`) to validate phone numbers, and first/last-name lists shipped
with Faker for personal names, combined with context cues ("my name is", "Mrs", "ask for ...").
"""
from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable
from typing import NamedTuple

import phonenumbers

TYPES = ("EMAIL", "PHONE", "CARD", "IBAN", "ADDRESS", "NAME")
# When two findings overlap, the one earlier in this order wins (an email holds a name, an address a surname).
_PRIORITY = {t: i for i, t in enumerate(("EMAIL", "IBAN", "CARD", "PHONE", "ADDRESS", "NAME"))}


class Finding(NamedTuple):
    type: str
    start: int
    end: int


# ---------------------------------------------------------------- email
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})"
    r"(?:@|\s?[\[(]at[\])]\s?)"
    r"[A-Za-z0-9-]+(?:(?:\.|\s?[\[(]dot[\])]\s?)[A-Za-z0-9-]+)*(?:\.|\s?[\[(]dot[\])]\s?)[A-Za-z]{2,24}\b",
    re.IGNORECASE,
)


def _emails(text: str) -> Iterable[Finding]:
    if "@" not in text and "at]" not in text.lower() and "at)" not in text.lower():
        return
    for m in _EMAIL.finditer(text):
        yield Finding("EMAIL", m.start(), m.end())


# ---------------------------------------------------------------- cards (Luhn)
_CARD = re.compile(r"(?<![\d.,/+-])[2-6](?:[ -]?\d){12,18}(?![\d/])")  # issuers' numbers start with 2-6


def luhn_ok(digits: str) -> bool:
    total, alt = 0, False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if alt:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        alt = not alt
    return total % 10 == 0


def _cards(text: str) -> Iterable[Finding]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits) and len(set(digits)) > 1:
            yield Finding("CARD", m.start(), m.end())


# ---------------------------------------------------------------- IBAN (mod 97)
_IBAN_LEN = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
    "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){11,30}\b", re.IGNORECASE)


def iban_ok(s: str) -> bool:
    s = re.sub(r"[\s-]", "", s).upper()
    if _IBAN_LEN.get(s[:2]) != len(s) or not s.isalnum():
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _ibans(text: str) -> Iterable[Finding]:
    for m in _IBAN.finditer(text):
        raw = m.group()
        # The greedy match may run into a following word; shrink from the right until the checksum holds.
        compact = re.sub(r"[\s-]", "", raw).upper()
        want = _IBAN_LEN.get(compact[:2])
        if not want or len(compact) < want:
            continue
        taken, end = 0, m.start()
        for i, ch in enumerate(raw):
            if ch.isalnum():
                taken += 1
                if taken == want:
                    end = m.start() + i + 1
                    break
        if iban_ok(text[m.start():end]):
            yield Finding("IBAN", m.start(), end)


# ---------------------------------------------------------------- phones (libphonenumber)
# A candidate: optional +/00 prefix, digits in groups separated by space . - / or parentheses, 7+ digits.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-/]{5,22}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w])", re.I)
# Year ranges and dates: "1930-1940", "12/27/2015", "2015-12-27".
_NOT_PHONE = re.compile(r"(?:1[89]|20)\d\d\s*[-/.–]\s*(?:(?:1[89]|20)\d\d|\d\d(?:[-/.]\d\d)?)"
                        r"|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{2}|\d{4})")
_REGIONS = ("US", "GB", "FR", "DE", "ES", "IT", "NL", "IE", "BE", "CH", "AT", "CA", "AU", "SE", "PT", "PL")


def _phone_valid(cand: str) -> bool:
    digits = re.sub(r"\D", "", cand)
    if not 8 <= len(digits) <= 15:
        return False
    stripped = cand.strip()
    if _NOT_PHONE.fullmatch(stripped) or stripped.count("/") > 1 or re.search(r"\.\d(?!\d)", stripped):
        return False
    # Sizes, heights and measurements ("5'8", "34-26-36", "2/4/6") are never phones: need a phone-like shape.
    if re.fullmatch(r"\d{1,3}([\-/.]\d{1,3}){1,2}", stripped):
        return False
    intl = stripped.startswith(("+", "00"))
    if not intl and stripped.isdigit() and len(digits) > 11:  # a bare 12+ digit run is an order or tracking id
        return False
    regions = (None,) if stripped.startswith("+") else _REGIONS
    for region in regions:
        try:
            num = phonenumbers.parse(stripped if not stripped.startswith("00") else "+" + stripped[2:], region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return True
        if intl and phonenumbers.is_possible_number(num):
            return True
    return False


def _phones(text: str) -> Iterable[Finding]:
    for m in _PHONE.finditer(text):
        cand = m.group()
        # Trim trailing separators/brackets the greedy class may have taken.
        start, end = m.start(), m.end()
        while end > start and text[end - 1] in " .-/(":
            end -= 1
        if text[start] == "(" and ")" not in text[start:end]:
            start += 1
        cand = text[start:end]
        if _phone_valid(cand):
            yield Finding("PHONE", start, end)
        else:
            # "call 020 7946 0958 or 0161 496 0000": the class may have joined two numbers; try each half.
            for part in re.finditer(r"(?:\+|00)?\(?\d[\d().\-/]*(?:\s\d[\d().\-/]*){0,4}", cand):
                if part.end() - part.start() < len(cand) and _phone_valid(part.group()):
                    yield Finding("PHONE", start + part.start(), start + part.end())


# ---------------------------------------------------------------- street addresses
_SUFFIX = (
    "street|st|avenue|ave|av|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|place|pl|way|terrace|ter|"
    "close|crescent|cres|parkway|pkwy|highway|hwy|square|sq|circle|cir|trail|trl|alley|row|mews|grove|gardens|"
    "gdns|hill|park|walk|green|view|heights|hts|ridge|point|pike|loop|run|pass|path|plaza|plz|cove|crossing|"
    "xing|expressway|expy|freeway|fwy|turnpike|tpke|center|ctr|glen|harbor|hbr|meadow|meadows|mill|mills|"
    "orchard|creek|estates|junction|jct|landing|lndg|manor|mount|mt|port|prairie|station|sta|summit|valley|"
    "vly|village|vlg|vista|wells|wharf|yard|yards|chase|rise|hollow|fields|gate|brae|wynd|parade|broadway"
)
_UNIT = r"(?:,?\s*(?:apt\.?|apartment|suite|ste\.?|unit|flat|#)\s*[A-Za-z0-9-]+)?"
_CITY_TAIL = (
    r"(?:,?\s+[A-Z][A-Za-z'.-]+(?:\s[A-Z][A-Za-z'.-]+){0,2},?\s+(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?"
    r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{5}))?"
)
_WORD = r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'.-]*"
_CAPW = r"(?-i:[A-ZÀ-Þ])[A-Za-zÀ-ÿ'.-]*"
_ADDRESS = re.compile(
    # [Flat 3, ]221B Baker Street[, Apt 4][, London NW1 6XE] / 1600 N. Pennsylvania Ave NW, Washington, DC 20500
    rf"(?:\b(?:flat|apt\.?|apartment|unit|suite)\s*[A-Za-z0-9-]+,?\s+)?"
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:(?:[NSEW]\.?|north|south|east|west)\s+)?((?:{_WORD}\s+){{0,3}}{_WORD})\s+"
    rf"({_SUFFIX})\b\.?(?:\s+(?:[NS][EW]|N|S|E|W)\b)?({_UNIT}{_CITY_TAIL})"
    # 12 rue de la Paix, 75002 Paris / 23, avenue Mathilde Hamon / 45, chemin Bouvier, 28412 Ville
    rf"|\b\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|bd|allée|allee|chemin|impasse|place|quai|cours|route)"
    rf"\s+(?:(?:de|du|des|la|le|l'|d')\s*)*{_WORD}(?:\s+(?:(?:de|du|des|la|le)\s+)?{_CAPW}){{0,3}}"
    rf"(?:,?\s+\d{{5}}\s+{_CAPW}(?:\s+{_CAPW})?)?",
    re.IGNORECASE,
)
# Capitalised forms only: Hauptstraße 5, 10115 Berlin / Berliner Str. 12a / Gemenstraat 270 / Via Roma 5.
_ADDRESS_CAP = re.compile(
    r"(?:\b(?i:van der|van den|van de|van|von der|von|am|an der|auf der|im|in der)\s+)?"
    r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|straat|laan|plein|gracht|"
    r"kade|singel|steeg|dreef)\s+\d{1,4}[a-z]?"
    rf"(?:,?\s+\d{{4,5}}\s?(?:[A-Z]{{2}}\s+)?{_WORD})?"
    r"|\b[A-ZÄÖÜ][a-zäöüß]+(?:e[rns]?)?\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm)\s+\d{1,4}[a-z]?"
    rf"(?:,?\s+\d{{5}}\s+{_WORD})?"
    r"|\b(?:Calle|Via|Viale|Piazza|Rua|Avenida|Plaza|Corso|Carrer|Avinguda)\s+(?:(?:de|del|della|da|do|dos)\s+)?"
    rf"[A-ZÀ-Þ]{_WORD}(?:\s+{_WORD})?,?\s+\d{{1,4}}\b"
)
# Suffixes that name a street without doubt; the others ("way", "close", "park"...) are everyday words too,
# so after them the street name must be capitalised ("45 there was way" is not an address).
_CLEAR_SUFFIX = set("street st avenue ave av road rd lane ln drive dr boulevard blvd court ct terrace ter crescent "
                    "cres parkway pkwy highway hwy sq cir trl gdns hts pkwy plz xing expy fwy tpke ctr hbr jct lndg "
                    "mews".split())
_FUNCTION_WORDS = set("""
a an the and or but if so my me we us our you your he she his her they them it its this that these those to of in
on at for with from by as is was were be been am are not no yes very really just also too would could should might
will can can't don't didn't wasn't isn't it's i'm i i've i'd want how what when where which who why all any some
more most much many few size sizes inch inches lb lbs pound pounds time times day days week weeks month months year
years star stars piece pieces color colors colour sleeve sleeves button buttons pocket pockets layer layers item
items dress dresses top tops pair pairs wash washes there here then than back well up down out off over under
about after before again way fit fits fitted depending things thing petite regular tall small medium large xs xl
""".split())


def _addresses(text: str) -> Iterable[Finding]:
    for m in _ADDRESS.finditer(text):
        if m.group(1) is not None:  # the "number street-name suffix" branch
            words = re.findall(r"[A-Za-z'À-ÿ]+", m.group(1))
            if not words or any(w.lower() in _FUNCTION_WORDS for w in words):
                continue
            # lowercase "way"/"gardens"... count only with a unit, city or postcode after them
            if m.group(2).lower() not in _CLEAR_SUFFIX and not all(w[0].isupper() for w in words) \
                    and not m.group(3).strip():
                continue
        yield Finding("ADDRESS", m.start(), m.end())
    for m in _ADDRESS_CAP.finditer(text):
        yield Finding("ADDRESS", m.start(), m.end())


# ---------------------------------------------------------------- personal names
_NAME_LOCALES = (
    "en_US", "en_GB", "en_IE", "en_IN", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "pt_PT", "pt_BR",
    "sv_SE", "da_DK", "no_NO", "ga_IE", "pl_PL",
)
# Given names that are also everyday words in clothing reviews (colours, months, verbs...): only counted
# as names with a cue (a title, a following surname, or a phrase such as "my name is").
_AMBIGUOUS = set("""
rose ruby amber jade olive ivory coral hazel ginger violet lily daisy iris pearl scarlett sienna summer autumn
winter april may june august grace joy hope faith bonnie sunny will mark bill pat art guy rich frank grant
chase hunter page paige dawn eve holly ivy heather jasmine jean jeans petite lace silk velvet cotton camel
crystal destiny harmony honey candy cherry mercedes miles rod gene carol joan sandy rusty robin jay drew dean
rocky misty star angel bliss blue brown green gray grey black white gold silver teal navy cream mint berry
sky storm river rain aurora luna stella bella belle chanel tiffany gucci prada maeve moth pilcro tracy
dolan anthropologie retailer love happy true long short tall small large medium wear tank bob rob sue ray
don van del della de la le lo max may ali eden sage fern clay cliff glen dale penny ginny liberty sterling
charity patience prudence temperance melody lark wren sparrow finch
""".split())
_STOPWORDS = set("""
i a an the and or but if so my me we our you your he she his her they them it its this that these those
to of in on at for with from by as is was were be been am are not no yes very really just also too
""".split())


@functools.lru_cache(maxsize=1)
def _name_lists() -> tuple[frozenset, frozenset]:
    first: set[str] = set()
    last: set[str] = set()
    for loc in _NAME_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except ImportError:
            continue
        for attr, bucket in (("first_names", first), ("first_names_female", first), ("first_names_male", first),
                             ("last_names", last)):
            for n in getattr(provider, attr, ()) or ():
                for part in re.split(r"[\s-]+", str(n)):
                    if len(part) > 1:
                        bucket.add(part.lower())
    if not first:
        raise RuntimeError("no name lists found: the faker package (pinned in requirements.txt) is not installed")
    return frozenset(first), frozenset(last)


_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "mme", "mlle", "herr", "frau", "sr", "sra", "madame", "monsieur"}
_PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "da", "di", "du", "le", "la", "dos", "bin", "ter"}
_WORDTOK = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Phrases right before a name that make it one whatever the name is ("my sister Ilona", "ask for Uolevi").
_STRONG_CUE = re.compile(
    r"(?i:(?:my name is|my name's|name is|named|called|ask for|asked for|helped by|served by|thanks to|thank you to|"
    r"shout ?-?out to|sales ?associate,?|associate,?|stylist,?|manager,?|employee,?|clerk,?|representative,?|"
    r"signed,?|regards,?|sincerely,?|"
    r"my (?:sister|brother|mom|mum|mother|dad|father|daughter|son|husband|wife|friend|bf|gf|boyfriend|girlfriend|"
    r"partner|aunt|uncle|niece|nephew|cousin|grandma|grandmother|granddaughter|colleague|coworker|co-worker|"
    r"neighbou?r|best friend|bff|mother-in-law|sister-in-law|daughter-in-law|fiancée?)|"
    r"for my (?:sister|mom|mum|mother|daughter|friend|wife|niece|aunt|grandma|granddaughter)|"
    r"went with|shopping with|contact|deliver to|addressed to|attention|attn\.?)\s*[:,]?\s*)$"
)
# ... and right after one ("Ilona at the store was so helpful").
_POST_CUE = re.compile(r"^(?:,?\s+(?:at|from|in) (?:the (?:store|shop|boutique|counter|fitting rooms?|register)|"
                       r"customer (?:service|care|support))|,\s+(?:the|our|my) (?:sales )?(?:associate|stylist|"
                       r"manager|rep|clerk)\b)", re.I)
_WEAK_CUE = re.compile(r"(?i:(?:this is|i am|i'm|from|thanks,?|thank you,?|cheers,?|love,?|call|text|email|with|"
                       r"and|to|for|by|me and|mrs?\.?)\s*[:,]?\s*)$")


# a capitalised cue word glued to the name in a title ("Call Jane Doe", "Ask For Ilona") starts the run
_RUN_CUES = frozenset({"call", "text", "email", "ask", "contact", "message", "dear", "hi", "hello", "thanks"})


def _name_runs(text: str) -> list[list[re.Match]]:
    """Runs of capitalised words separated by single spaces (name particles such as "van der" may sit inside)."""
    runs: list[list[re.Match]] = []
    cur: list[re.Match] = []
    for m in _WORDTOK.finditer(text):
        w = m.group()
        cap = w[0].isupper() and (len(w) == 1 or not w.isupper() or len(w) <= 2)
        joined = cur and m.start() - cur[-1].end() == 1 and text[cur[-1].end()] == " "
        if cap and joined and len(cur) < 4:
            cur.append(m)
        elif w.lower() in _PARTICLES and joined and len(cur) < 3:
            cur.append(m)
        else:
            if cur:
                runs.append(cur)
            cur = [m] if cap else []
    if cur:
        runs.append(cur)
    # drop trailing particles ("Ilona de" -> "Ilona")
    out = []
    for r in runs:
        while r and r[-1].group().lower() in _PARTICLES:
            r = r[:-1]
        if r:
            out.append(r)
    return out


def _names(text: str) -> Iterable[Finding]:
    first, last = _name_lists()
    for run in _name_runs(text):
        words = [m.group() for m in run]
        low = [w.lower() for w in words]
        start, end = run[0].start(), run[-1].end()
        before = text[max(0, start - 40):start]
        after = text[end:end + 40]
        if low[0] in _TITLES:
            if len(run) > 1 and low[1] not in _STOPWORDS:
                yield Finding("NAME", start, end)
            continue
        if low[0] in _STOPWORDS or low[0] in _FUNCTION_WORDS and low[0] not in first or low[0] in _RUN_CUES:
            # "I", "The", "My": a name may still follow inside the run ("I met Ilona Nagy")
            if len(run) > 1:
                rest = run[1:]
                low, words, start = low[1:], words[1:], rest[0].start()
                before = text[max(0, start - 40):start]
            else:
                continue
        sentence_start = not before.strip() or re.search(r"[.!?\n:;\"(]\s*$", before) is not None
        listed = low[0] in first or low[-1] in last
        strong = _STRONG_CUE.search(before) is not None or (
            _POST_CUE.match(after) is not None and (listed or not sentence_start))
        signoff = re.search(r"(?:^|[.!?\n]\s*)(?:-|--|—|~)\s*$", before) is not None and re.fullmatch(r"\W*", after)
        known_first = low[0] in first and low[0] not in _AMBIGUOUS
        known_last = len(low) > 1 and low[-1] in last
        weak = _WEAK_CUE.search(before) is not None
        if (strong or signoff) or (known_first and (not sentence_start or len(low) > 1 or weak)) \
                or (low[0] in first and known_last) or (weak and (low[0] in first or known_last) and len(low) > 1):
            yield Finding("NAME", start, end)


# ---------------------------------------------------------------- public API
_DETECTORS = {"EMAIL": _emails, "IBAN": _ibans, "CARD": _cards, "PHONE": _phones, "ADDRESS": _addresses, "NAME": _names}


def detect(text: str, types: Iterable[str] = TYPES) -> list[Finding]:
    """Non-overlapping findings in `text`, sorted by start; overlaps go to the higher-priority type."""
    if not text:
        return []
    found: list[Finding] = []
    for t in types:
        if t not in _DETECTORS:
            raise ValueError(f"unknown PII type {t!r}; choose from {', '.join(TYPES)}")
        found.extend(_DETECTORS[t](text))
    found.sort(key=lambda f: (_PRIORITY[f.type], f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for f in found:
        if f.end > f.start and all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def mask(text: str, types: Iterable[str] = TYPES) -> tuple[str, list[Finding]]:
    """(masked text, findings): each finding's span replaced by `[TYPE]`; findings index the original text."""
    if not isinstance(text, str) or not text:
        return text, []
    findings = detect(text, types)
    out, pos = [], 0
    for f in findings:
        out.append(text[pos:f.start])
        out.append(f"[{f.type}]")
        pos = f.end
    out.append(text[pos:])
    return "".join(out), findings


def mask_many(texts: Iterable[str | None], types: Iterable[str] = TYPES) -> list[str | None]:
    """Masked copies of many texts (None and non-strings pass through unchanged)."""
    types = tuple(types)
    return [mask(t, types)[0] if isinstance(t, str) else t for t in texts]
