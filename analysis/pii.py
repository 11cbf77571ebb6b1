"""Find and mask personal data (emails, phones, cards, IBANs, street addresses, names) in free text.

`mask(text) -> (masked_text, findings)`; each finding is `Finding(type, start, end)` with offsets into the
*original* text. Works offline: regexes plus checksums (Luhn for cards, ISO 7064 mod-97 for IBANs),
Google's libphonenumber (`phonenumbers`) to validate phone numbers, and first/last-name lists shipped
with Faker for personal names, combined with context cues ("my name is", "Mrs", "ask for ...", "Regards").
Written-around forms count too: "john dot smith at gmail dot com", "jane @ example.com", full-width "＠" and digits,
"o77OO 9OO 123" (letter O for zero), lower-case names, sign-offs, UK postcodes. Time is linear in the text length.
"""
from __future__ import annotations

import functools
import importlib
import re
import unicodedata
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


# ---------------------------------------------------------------- folding
# Characters written in place of plain ones: full-width forms ("＠", "０７７"), small and compatibility "@", and the
# many no-break and fixed-width spaces. Each maps to one character (NFKC), so offsets are kept.
_FOLDABLE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000\ufe50-\ufe6b\uff01-\uff5e]")
_FOLD_TABLE = {c: unicodedata.normalize("NFKC", chr(c)) for c in [0xA0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000,
                                                                  *range(0xFE50, 0xFE6C), *range(0xFF01, 0xFF5F)]}
_FOLD_TABLE = {c: v for c, v in _FOLD_TABLE.items() if len(v) == 1}


def fold(text: str) -> str:
    """`text` with compatibility forms folded to their plain spelling (full-width "＠" and digits, no-break spaces),
    one character for one, so every offset into the folded text is an offset into the original."""
    if text.isascii() or _FOLDABLE.search(text) is None:
        return text
    return text.translate(_FOLD_TABLE)


# ---------------------------------------------------------------- windows
def windows(text: str, anchor: re.Pattern, before: int, after: int) -> list[tuple[int, int]]:
    """Merged (start, end) ranges reaching `before`/`after` characters around each match of a cheap anchor: the
    costly patterns run only there (an address needs a digit, an email an "@" or a spelled-out "at"/"dot")."""
    out: list[tuple[int, int]] = []
    for m in anchor.finditer(text):
        a, b = max(0, m.start() - before), min(len(text), m.end() + after)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _in_windows(text: str, rx: re.Pattern, spans: list[tuple[int, int]]) -> Iterable[re.Match]:
    """Matches of `rx` inside each window, searched in place (look-behinds still see the text before a window)."""
    for a, b in spans:
        yield from rx.finditer(text, a, b)


# ---------------------------------------------------------------- email
_AT_MARK = r"[\[(<{]\s?at\s?[\])>}]"
_DOT_MARK = r"[\[(<{]\s?dot\s?[\])>}]"
_DOT = rf"(?:\.|\s?{_DOT_MARK}\s?|\s+dot\s+|\s\.\s)"  # ".", "[dot]", " dot ", " . "
_EMAIL = re.compile(
    rf"(?<![\w.+%-])(?P<local>\w[\w%+-]*(?:{_DOT}[\w%+-]+)*)"
    rf"(?P<at>[ \t]{{0,2}}@[ \t]{{0,2}}|\s?{_AT_MARK}\s?|\s+at\s+)"
    rf"(?P<domain>[A-Za-z0-9][A-Za-z0-9-]*(?:{_DOT}[A-Za-z0-9-]+)*){_DOT}(?P<tld>[A-Za-z]{{2,24}})(?![\w@])",
    re.IGNORECASE,
)
# Mail hosts common enough that "name at gmail.com" (plain "at", real dot) is an address, not a shop's website.
_WEBMAIL = set("gmail googlemail yahoo ymail hotmail outlook live msn icloud me mac aol protonmail proton gmx web "
               "mail orange free laposte wanadoo btinternet sky virgin comcast verizon att fastmail zoho yandex "
               "libero tiscali t-online seznam wp o2 interia".split())


def _email_ok(m: re.Match) -> bool:
    """A plain "at" between words is everyday English: count it only with an address-like shape around it."""
    if "@" in m.group("at") or re.search(_AT_MARK, m.group("at"), re.I):
        return True
    local, domain, whole = m.group("local"), m.group("domain").lower(), m.group().lower()
    if local.lower() in _STOPWORDS or local.lower() in _FUNCTION_WORDS:
        return False
    spelled_dot = re.search(rf"\s+dot\s+|{_DOT_MARK}", whole, re.I) is not None
    shaped_local = re.search(r"[._\d]|\sdot\s", local, re.I) is not None
    return spelled_dot or shaped_local or domain.split(".")[0].strip() in _WEBMAIL


_EMAIL_ANCHOR = re.compile(r"@|(?i:\bdot\b)|[\[(<{]\s?(?i:at)\s?[\])>}]|\b(?i:at)\s+[\w-]+(?:\.[A-Za-z]|\s+(?i:dot)\b)")


def _emails(text: str) -> Iterable[Finding]:
    """Emails in the windows; after a rejected match ("me at sally.fletcher") the search resumes at the next word,
    so an address right behind it ("sally.fletcher{at}yahoo.de") is still read."""
    for a, b in windows(text, _EMAIL_ANCHOR, 120, 120):
        pos = a
        while (m := _EMAIL.search(text, pos, b)) is not None:
            if _email_ok(m):
                yield Finding("EMAIL", m.start(), m.end())
                pos = m.end()
            else:
                pos = m.start() + 1


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


# "o77OO 9OO 123": a run of digits with letter O's in it, written so a filter misses it; read the O's as zeros.
_O_FOR_ZERO = re.compile(r"[\dOo](?<![^\W\d_][\dOo])[\dOo]*(?![^\W\d_])")
_PHONE_CUE = re.compile(r"(?i:\b(?:call|phone|tel|telephone|mobile|cell|cellphone|text|sms|whatsapp|ring|number|"
                        r"no\.|nr\.|reach me|contact)\b\W{0,3}(?:\w+\W{1,3}){0,3})$")


def _zero_run(m: re.Match) -> str:
    run = m.group()
    if run.isdigit() or not any(c.isdigit() for c in run):  # plain digits, or "o"/"OO" alone: not a number
        return run
    return run.replace("O", "0").replace("o", "0")


def _zeros_for_os(text: str) -> str:
    return _O_FOR_ZERO.sub(_zero_run, text)


# libphonenumber checks per text: past this many, a candidate of phone shape is masked on its shape alone. A text
# holding thousands of distinct numbers (a pasted contact list, a hostile 1 MB review) then costs linear time
# without a ~50 µs library call per number, and errs towards masking, never towards showing a number.
PHONE_CHECKS_PER_TEXT = 500
_NON_DIGIT = re.compile(r"\D")
_LONE_DECIMAL = re.compile(r"\.\d(?!\d)")
_MEASUREMENT = re.compile(r"\d{1,3}([\-/.]\d{1,3}){1,2}")


@functools.lru_cache(maxsize=8192)
def _phone_valid(cand: str, lenient: bool = False, by_shape: bool = False) -> bool:
    """A phone number by libphonenumber; `lenient` (a phone cue before it, or O's written for zeros) also takes
    numbers of a possible length that no current numbering plan holds (the UK's 07700 900xxx drama range).
    Cached: libphonenumber costs ~0.1 ms a call, and a text that repeats one number thousands of times (spam, a
    signature pasted in every paragraph) would otherwise pay that for each copy."""
    digits = _NON_DIGIT.sub("", cand)
    if not 8 <= len(digits) <= 15:
        return False
    stripped = cand.strip()
    if _NOT_PHONE.fullmatch(stripped) or stripped.count("/") > 1 or _LONE_DECIMAL.search(stripped):
        return False
    # Sizes, heights and measurements ("5'8", "34-26-36", "2/4/6") are never phones: need a phone-like shape.
    if _MEASUREMENT.fullmatch(stripped):
        return False
    intl = stripped.startswith(("+", "00"))
    if not intl and stripped.isdigit() and len(digits) > 11:  # a bare 12+ digit run is an order or tracking id
        return False
    if by_shape:
        return True
    regions = (None,) if stripped.startswith("+") else _REGIONS
    for region in regions:
        try:
            num = phonenumbers.parse(stripped if not stripped.startswith("00") else "+" + stripped[2:], region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return True
        if (intl or lenient and len(digits) >= 9) and phonenumbers.is_possible_number(num):
            return True
    return False


def _phones(text: str) -> Iterable[Finding]:
    zeroed = _zeros_for_os(text) if ("O" in text or "o" in text) else text
    for i, m in enumerate(_PHONE.finditer(zeroed)):
        lenient = zeroed[m.start():m.end()] != text[m.start():m.end()] or \
            _PHONE_CUE.search(text[max(0, m.start() - 40):m.start()]) is not None
        yield from _phone_spans(zeroed, m.start(), m.end(), lenient, by_shape=i >= PHONE_CHECKS_PER_TEXT)


def _phone_spans(text: str, start: int, end: int, lenient: bool, by_shape: bool = False) -> Iterable[Finding]:
    """The number a candidate holds, or the numbers in it when the greedy class joined two."""
    while end > start and text[end - 1] in " .-/(":  # trailing separators/brackets the greedy class took
        end -= 1
    if text[start] == "(" and ")" not in text[start:end]:
        start += 1
    cand = text[start:end]
    if _phone_valid(cand, lenient, by_shape):
        yield Finding("PHONE", start, end)
        return
    # "call 020 7946 0958 or 0161 496 0000": the class may have joined two numbers; try each half.
    for part in re.finditer(r"(?:\+|00)?\(?\d[\d().\-/]*(?:\s\d[\d().\-/]*){0,4}", cand):
        if part.end() - part.start() < len(cand) and _phone_valid(part.group(), lenient, by_shape):
            yield Finding("PHONE", start + part.start(), start + part.end())


# ---------------------------------------------------------------- street addresses
_SUFFIX = (
    "street|st|avenue|ave|av|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|place|pl|way|terrace|ter|"
    "close|crescent|cres|parkway|pkwy|highway|hwy|square|sq|circle|cir|trail|trl|alley|row|mews|grove|gardens|"
    "gdns|hill|park|walk|green|view|heights|hts|ridge|point|pike|loop|run|pass|path|plaza|plz|cove|crossing|"
    "xing|expressway|expy|freeway|fwy|turnpike|tpke|center|ctr|glen|harbor|hbr|meadow|meadows|mill|mills|"
    "orchard|creek|estates|junction|jct|landing|lndg|manor|mount|mt|port|prairie|station|sta|summit|valley|"
    "vly|village|vlg|vista|wells|wharf|yard|yards|chase|rise|hollow|fields|gate|brae|wynd|parade|broadway|"
    "manors|mission|tunnel|lock|locks|springs|spring|corner|corners|field|dale|bypass|canyon|causeway|cliffs|"
    "common|commons|courts|coves|crest|curve|divide|extension|falls|ferry|flats|forest|forge|fork|forks|fort|"
    "gateway|glens|harbors|haven|inlet|island|islands|isle|junctions|knoll|knolls|lakes|lake|lodge|mountain|"
    "mountains|oval|overpass|pines|plains|points|ports|radial|ramp|ranch|rapids|ridges|river|route|shoal|shoals|"
    "shore|shores|skyway|spur|squares|stravenue|stream|streets|throughway|trace|track|trafficway|underpass|"
    "union|unions|valleys|viaduct|views|villages|ville|walks|ways|bridge|brook|brooks|burg|burgs|camp|cape|"
    "club|course|crossroad|estate|fall|flat|ford|fords|garden|greens|groves|island|key|keys|land|light|lights|"
    "mall|motorway|neck|pine|plain|shore|via|rest|cliff"
)
_UNIT = r"(?:,?\s*(?:apt\.?|apartment|suite|ste\.?|unit|flat|#)\s*[A-Za-z0-9-]+)?"
_UPPER = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper())  # Latin capitals, "Ł" and "Ş" too
_CITY_TAIL = (
    r"(?:,?\s+[^\W\d_][\w'.-]+(?:\s[^\W\d_][\w'.-]+){0,2},?\s+(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?"
    r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{5})|,\s+\d{4,5}\s+[^\W\d_][\w'-]*(?:\s[^\W\d_][\w'-]*)?)?"
)
_WORD = r"[^\W\d_][\w'.-]*"
_CAPW = rf"(?-i:[{_UPPER}])[\w'.-]*"
# Every pattern below starts with a character class (then looks behind for the word boundary): the regex engine then
# skips ahead to candidate characters in C instead of trying each position, which keeps masking linear and fast.
_B = r"(?<!\w.)"  # after the first character: the character before it is not a word character
_ADDRESS = re.compile(
    # 221B Baker Street[, Apt 4][, London NW1 6XE] / 1600 N. Pennsylvania Ave NW, Washington, DC 20500
    rf"\d{_B}(?:\d{{0,4}}[A-Za-z]?,?\s+(?:(?:[NSEW]\.?|north|south|east|west)\s+)?((?:{_WORD}\s+){{0,3}}{_WORD})\s+"
    rf"({_SUFFIX})\b\.?(?:\s+(?:[NS][EW]|N|S|E|W)\b)?({_UNIT}{_CITY_TAIL})"
    # 12 rue de la Paix, 75002 Paris / 23, avenue Mathilde Hamon / 45, chemin Bouvier, 28412 Ville
    rf"|\d{{0,3}}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|bd|allée|allee|chemin|impasse|place|quai|cours|route)"
    rf"\s+(?:(?:de|du|des|la|le|l'|l’|d'|d’)\s*)*{_WORD}(?:\s+(?:(?:de|du|des|la|le)\s+)?{_CAPW}){{0,3}}"
    rf"(?:,?\s+\d{{5}}\s+{_CAPW}(?:\s+{_CAPW})?)?)",
    re.IGNORECASE,
)
# "Flat 3, " / "Apt 4 " before a house number belongs to the address.
_UNIT_BEFORE = re.compile(r"(?i:\b(?:flat|apt\.?|apartment|unit|suite)\s*[A-Za-z0-9-]+,?\s+)$")
# "van der" / "Am" before a Dutch or German street name belongs to it.
_PARTICLE_BEFORE = re.compile(r"(?i:\b(?:van der|van den|van de|van|von der|von|am|an der|auf der|im|in der)\s+)$")
# Capitalised forms only: Hauptstraße 5, 10115 Berlin / Berliner Str. 12a / Gemenstraat 270 / Via Roma 5.
_ADDRESS_CAP = (
    re.compile(rf"[A-ZÄÖÜ]{_B}[\wäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|straat|laan|"
               rf"plein|gracht|kade|singel|steeg|dreef)\s+\d{{1,4}}[a-z]?(?:,?\s+\d{{4,5}}\s?(?:[A-Z]{{2}}\s+)?{_WORD})?"),
    re.compile(rf"[A-ZÄÖÜ]{_B}[a-zäöüß]+(?:e[rns]?)?\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm)\s+"
               rf"\d{{1,4}}[a-z]?(?:,?\s+\d{{5}}\s+{_WORD})?"),
    re.compile(rf"[CVPRAPC]{_B}(?:alle|ia|iale|iazza|ua|venida|laza|orso|arrer|vinguda)\s+"
               rf"(?:(?:de|del|della|da|do|dos)\s+)?[A-ZÀ-Þ]{_WORD}(?:\s+{_WORD})?,?\s+\d{{1,4}}\b"),
)
# Street words glued to the name or standing after it, across Europe: Storgatan 5, Björkvägen 12, Søndergade 3,
# Hämeentie 15 B, Andrássy út 60, Béke utca 63., Atatürk Caddesi No: 45, Václavské náměstí 12, Nordre Dige Allé 72.
_GLUED = ("straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|straat|laan|plein|gracht|kade|singel|steeg|"
          "dreef|gatan|gata|gränd|vägen|väg|torget|torg|stigen|backen|plan|allé|gade|vej|vænget|veien|vegen|gate|"
          "tie|katu|kuja|polku|bulevardi|tori|kaari|rinne|katu|väylä")
_AFTER = ("utca|út|útja|tér|körút|sor|köz|caddesi|cad\\.|cd\\.|sokak|sokağı|sk\\.|bulvarı|mahallesi|allé|plads|vej|gade|"
          "náměstí|nám\\.|třída|ulice|ulica|straße|strasse|weg|allee|platz|street|gatan|vägen")
_LEAD = ("calle|c/|via|viale|vicolo|piazza|piazzale|largo|corso|contrada|rua|avenida|av\\.|avda\\.|plaza|paseo|"
         "ronda|camino|callejón|glorieta|travesía|carrera|carretera|carrer|avinguda|passeig|praça|travessa|estrada|"
         "acceso|cañada|cuesta|pasaje|rambla|urbanización|vial|vía|rotonda|"
         "alameda|strada|str\\.|calea|aleea|bulevardul|bd\\.|splaiul|șoseaua|soseaua|piața|ul\\.|ulica|al\\.|aleja|"
         "os\\.|osiedle|pl\\.|plac|ulice|rue")
_NUM = r"(?:No\.?:?\s*|Nr\.?\s*|nº\s*|n\.\s*)?\d{1,5}(?:\s?[A-Za-z](?![\w'])|[-/]\d{1,4})?\.?"
_POST_TAIL = (rf"(?:,?\s+(?:\d{{2}}-\d{{3}}|\d{{4}}-\d{{3}}|\d{{3}}\s\d{{2}}|\d{{4,6}})\s+{_CAPW}(?:\s+{_CAPW}|\s+[A-Z]\b)?"
              rf"|,\s+[{_UPPER}][^\W\d_]+(?:\s[{_UPPER}][^\W\d_]+)?(?=\s*(?:[.,;:!?)]|$)|\s+[a-z]))?")  # ", Lisboa."
_UNIT_TAIL = r"(?:,?\s+(?:puerta|piso|esc\.?|bloque|apt\.?|ap\.?|bl\.?|sc\.?|et\.?|lgh|lok\.?|m\.)\s*\w{1,4})*"
def _both_cases(alternatives: str) -> str:
    """"calle|via" -> "calle|Calle|via|Via": a case-sensitive alternation of literals lets the engine skip ahead
    to their first letters, where IGNORECASE would try every position."""
    words = alternatives.split("|")
    return "|".join(dict.fromkeys(v for w in words for v in (w, w[:1].upper() + w[1:], w.upper())))


_ADDRESS_INTL = (
    re.compile(rf"[{_UPPER}]{_B}[\w'-]*(?i:{_GLUED})\s+{_NUM}(?i:{_UNIT_TAIL}){_POST_TAIL}"),
    re.compile(rf"[{_UPPER}]{_B}[\w'-]+(?:\s+[\w'-]+){{0,3}}?\s+(?i:{_AFTER})\s+{_NUM}(?i:{_UNIT_TAIL}){_POST_TAIL}"),
    re.compile(rf"(?:{_both_cases(_LEAD)})\s+(?:(?:de|del|della|delle|di|da|do|dos|das|la|las|los|el|l'|d')\s+)*"
               rf"[{_UPPER}][\w'.-]*(?:\s+(?:(?:de|del|della|di|da|do|dos|la|y|e)\s+)?[{_UPPER}][\w'.-]*)"
               rf"{{0,3}},?\s+{_NUM}(?i:{_UNIT_TAIL}){_POST_TAIL}"),
    # Moldavská 73, 492 36 Hodkovice nad Mohelkou / Kerkstraat-less "Dorpsweg"-less forms: name, number, postcode, city
    re.compile(rf"[{_UPPER}]{_B}[\w'-]+(?:\s+[\w'-]+){{0,3}}?\s+\d{{1,4}}[a-z]?,\s+"
               rf"(?:\d{{3}}\s\d{{2}}|\d{{4,5}}|\d{{2}}-\d{{3}}|\d{{4}}-\d{{3}})\s+[{_UPPER}][\w'-]*(?:\s+[\w'-]+){{0,2}}"),
    # rue de Pruvost, 33647 Descamps: a French street without its number, told by the postcode and town after it
    re.compile(rf"(?:{_both_cases('rue|avenue|boulevard|allée|chemin|impasse|place|quai')})\s+"
               rf"(?:(?:de|du|des|la|le)\s+|l'|d')*[{_UPPER}][\w'-]*(?:\s+[{_UPPER}][\w'-]*){{0,3}},\s+\d{{5}}\s+"
               rf"[{_UPPER}][\w'-]*"),
)
# UK postcodes (SW1A 1AA; lower case only with the space), US "City, ST 12345", and "postcode"/"zip" followed by a code.
_POSTCODE = (
    re.compile(r"[A-Z]{_B}[A-Z]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b".replace("{_B}", _B)),
    re.compile(r"[a-z]{_B}[a-z]?\d[a-z\d]?\s\d[abd-hjlnp-uw-z]{2}\b".replace("{_B}", _B)),
    re.compile(r"[A-Z]{_B}[a-z]+(?:\s[A-Z][a-z]+)?,\s[A-Z]{2}\s\d{5}(?:-\d{4})?\b".replace("{_B}", _B)),
    re.compile(r"(?:postcode|Postcode|POSTCODE|zip|Zip|ZIP)\s(?:is\s)?([A-Za-z]{1,2}\d[A-Za-z\d]?\s?\d[A-Za-z]{2}|\d{4,5})\b"),
)
_DIGITS = re.compile(r"\d(?:\D{0,120}\d)*")  # digits closer than two windows' reach: one anchor, one window
_NOT_POSTCODE = re.compile(r"(?i)\s?\d(?:xxs|xs|s|m|l|xl|xxl)$")  # "2XL", "3 XS": sizes, not an inward code

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


def _street_ok(m: re.Match) -> bool:
    """The "number street-name suffix" form: no function words in the name; everyday suffixes ("way", "park")
    count only after a capitalised name or with a unit, city or postcode after them."""
    if m.group(1) is None:
        return True
    words = re.findall(r"[^\W\d_]+", m.group(1))
    if not words or any(w.lower() in _FUNCTION_WORDS for w in words):
        return False
    return m.group(2).lower() in _CLEAR_SUFFIX or all(w[0].isupper() for w in words) or bool(m.group(3).strip())


def _addresses(text: str) -> Iterable[Finding]:
    spans = windows(text, _DIGITS, 60, 70)
    for m in _in_windows(text, _ADDRESS, spans):
        if _street_ok(m):
            start = m.start()
            unit = _UNIT_BEFORE.search(text[max(0, start - 30):start])
            yield Finding("ADDRESS", start - (len(unit.group()) if unit else 0), m.end())
    for rx in _ADDRESS_CAP[:2]:
        for m in _in_windows(text, rx, spans):
            start = m.start()
            particle = _PARTICLE_BEFORE.search(text[max(0, start - 12):start])
            yield Finding("ADDRESS", start - (len(particle.group()) if particle else 0), m.end())
    for rx in (_ADDRESS_CAP[2], *_ADDRESS_INTL, *_POSTCODE):
        for m in _in_windows(text, rx, spans):
            if m.lastindex:  # "postcode XX1 1XX": the code after the cue word
                yield Finding("ADDRESS", m.start(1), m.end(1))
            elif rx not in _POSTCODE or not _NOT_POSTCODE.search(m.group()):
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
# A person's verb right after the run: "Raymond recommended it", "Vito helped me find a petite".
_POST_VERB = re.compile(r"^\s+(?:recommended|suggested|helped|told|showed|assisted|"
                        r"(?:was|is) (?:so |very |super |really |extremely )?(?:helpful|kind|sweet|friendly|patient))\b")
_WEAK_CUE = re.compile(r"(?i:(?:this is|i am|i'm|from|thanks,?|thank you,?|cheers,?|love,?|call|text|email|with|"
                       r"and|to|for|by|me and|mrs?\.?)\s*[:,]?\s*)$")


# a capitalised cue word glued to the name in a title ("Call Jane Doe", "Ask For Ilona") starts the run
_RUN_CUES = frozenset({"call", "text", "email", "ask", "contact", "message", "dear", "hi", "hello", "thanks"})


# Words that open a sign-off ("Regards Wei Zhang", "Cheers Ana"): a run starting with them is cue + name.
_SIGNOFF = frozenset("regards best cheers thanks love sincerely xo xoxo hugs warmly kind many yours signed".split())
_SIGNOFF_BEFORE = re.compile(r"(?i:(?:^|[.!?\n]\s*|\s-\s*)(?:best|cheers|xo|xoxo|love|thanks|many thanks|kind regards|"
                             r"best wishes|warm regards|regards|sincerely|signed|yours)\s*[,:-]?\s*)$")
_SIGNOFF_WORD_BEFORE = re.compile(r"(?i:\b(?:love|regards|cheers|thanks|best|sincerely|xo|xoxo)\s*[,:-]?\s*)$")
_NAME_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
_CAP_RUN = re.compile(rf"[{_UPPER}](?<!\w.)(?:['’-]?[^\W\d_])*(?: (?:{_NAME_WORD}))*")


@functools.lru_cache(maxsize=1)
def _common_words() -> frozenset:
    """Everyday English words (Faker's lorem list plus the detector's own), never taken as a name on a cue alone."""
    words = set(_FUNCTION_WORDS) | set(_STOPWORDS) | set(
        "said says told asked bought got loved love loves liked likes thinks thought wore wears noticed commented "
        "complimented gave wanted needed tried returned ordered had has was were got did does made put let sent went "
        "came took kept felt saw cannot women men everyone everybody someone people ladies girls guys folks sale "
        "mine everything".split())
    try:
        words |= {w.lower() for w in importlib.import_module("faker.providers.lorem.en_US").Provider.word_list}
    except ImportError:
        pass
    return frozenset(words)


def _name_runs(text: str) -> list[list[re.Match]]:
    """Runs of capitalised words separated by single spaces (name particles such as "van der" may sit inside).
    Only stretches that start with a capital are read word by word, so the cost follows the capitals."""
    runs: list[list[re.Match]] = []
    for stretch in _CAP_RUN.finditer(text):
        cur: list[re.Match] = []
        for m in _WORDTOK.finditer(text, stretch.start(), stretch.end()):
            w = m.group()
            cap = w[0].isupper() and (len(w) == 1 or not w.isupper() or len(w) <= 2)
            joined = cur and m.start() - cur[-1].end() == 1 and text[cur[-1].end()] == " "
            if cap and joined and len(cur) < 4 and w.lower().rstrip(".") not in _TITLES:  # "Erik Mrs Caron": two
                cur.append(m)
            elif w.lower() in _PARTICLES and joined and len(cur) < 3:
                cur.append(m)
            else:
                if cur:
                    runs.append(cur)
                cur = [m] if cap else []
        if cur:
            runs.append(cur)
    out = []
    for r in runs:  # drop trailing particles ("Ilona de" -> "Ilona")
        while r and r[-1].group().lower() in _PARTICLES:
            r = r[:-1]
        if r:
            out.append(r)
    return out


def _signoff_name(low: list[str], after: str) -> bool:
    """After a sign-off word: any words that close the text or line and are not everyday English are a name."""
    first, _ = _name_lists()
    common = _common_words()
    closing = re.match(r"\s*(?:[.!,]\s*)?(?:$|\n)", after) is not None
    _, last = _name_lists()
    return closing and bool(low) and (low[0] not in common or low[0] in first) and \
        all(w not in common or w in last for w in low[1:])


def _names(text: str) -> Iterable[Finding]:
    first, last = _name_lists()
    for run in _name_runs(text):
        words = [m.group() for m in run]
        low = [w.lower() for w in words]
        start, end = run[0].start(), run[-1].end()
        before = text[max(0, start - 40):start]
        after = text[end:end + 40]
        if low[0] in _SIGNOFF and len(run) > 1 and before.strip():  # "... Regards Wei Zhang"; a title "Love Teal" is not
            k = 2 if len(run) > 2 and low[1] in _SIGNOFF else 1
            if _signoff_name(low[k:], after):
                yield Finding("NAME", run[k].start(), end)
                continue
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
        sentence_start = not before.strip() or before.rstrip()[-1] in ".!?\n:;\"("
        known_first = low[0] in first and low[0] not in _AMBIGUOUS
        known_last = len(low) > 1 and low[-1] in last
        if (known_first and (not sentence_start or len(low) > 1)) or (low[0] in first and known_last):
            yield Finding("NAME", start, end)  # listed names need no cue (the costly cue searches come last)
            continue
        listed = low[0] in first or low[-1] in last
        if _POST_VERB.match(after) and not any(w in _common_words() for w in low):
            yield Finding("NAME", start, end)
            continue
        strong = _STRONG_CUE.search(before) is not None or (_POST_CUE.match(after) is not None and (
            listed or not sentence_start or not any(w in _common_words() for w in low)))
        at_end = re.fullmatch(r"\W*", after) is not None
        dash = re.search(r"(?:^|[.!?\n]\s*)(?:-|--|—|~)\s*$", before) is not None
        signoff = (dash and (at_end or not any(w in _common_words() for w in low))) \
            or (at_end and re.search(r"\s(?:-|--|—|~)\s*$", before) is not None) \
            or ((_SIGNOFF_BEFORE.search(before) is not None or at_end and _SIGNOFF_WORD_BEFORE.search(before))
                and _signoff_name(low, after))
        weak = _WEAK_CUE.search(before) is not None
        if (strong or signoff) or (known_first and weak) or (weak and (low[0] in first or known_last) and len(low) > 1):
            yield Finding("NAME", start, end)
    yield from _lower_names(text)


# Lower-case names ("my name is tom baker", "ask for jenny", "cheers, anna"): reviews are often typed without
# capitals. A cue must come first; the name must be in the name lists (or, after the strongest cues, at least not an
# everyday English word).
_LOWER_CUE = re.compile(
    r"(?:(?:my|his|her) name(?: is|'s)|name's|i'm|i am|this is|ask for|asked for|thanks to|thank you to|thanks|"
    r"helped by|served by|regards|sincerely|helped me was|helped me today was|"
    r"my (?:sister|brother|mom|mum|mother|dad|father|daughter|son|husband|wife|friend|partner|aunt|uncle|niece|"
    r"nephew|cousin|grandma|colleague|coworker|co-worker|neighbou?r|boss|best friend)|"
    r"for my (?:sister|mom|mum|mother|daughter|friend|wife|niece|aunt|grandma|coworker|colleague))"
    r"\s*[,:-]?\s+(?P<name>[^\W\d_]+(?:['’-][^\W\d_]+)?(?: [^\W\d_]+(?:['’-][^\W\d_]+)?){0,2})"
)
_STRONGEST = re.compile(r"name|regards|sincerely|helped me|ask for|asked for")
# After "my coworker <name>" comes a verb or the end of the clause; "my husband saw it" has no name in it.
_AFTER_RELATION = re.compile(r"(?:\s*[,.!;)]|\s*$|\s(?:too|also|and|has|had|is|was|loves|loved|bought|wears|wore|"
                             r"got|gets|who|said|says|thinks|thought|liked|likes|wanted|ordered)\b)")
_RELATION = re.compile(r"^(?:for )?my ")  # "my coworker veeti", "my mum ludovic"
_VERBLIKE = re.compile(r"(?:ed|ly|ing|n't)$")  # "my husband noticed/really/thinking": not a name
_CLAUSE_END = re.compile(r"\s*(?:[,.!;)]|$)|\s(?:and|here)\b")
_SELF_CUE = re.compile(r"^(?:i'm|i am|this is)")  # "i'm lucky to ...": only a name when the clause ends after it


def _verb_like(word: str) -> bool:
    """"said", "hates", "really", "thinking": words after "my husband" that are not his name. A word ending in s
    reads as a verb there unless it is a listed first name ("carlos")."""
    return _VERBLIKE.search(word) is not None or (word.endswith("s") and word not in _name_lists()[0])
# A sign-off at the very end: "... love it. cheers, anna" / "xo maddie".
_LOWER_SIGNOFF = re.compile(r"(?:^|[.!?\n]\s*)(?:(?:cheers|xo|xoxo)\s*[,-]?|(?:love|thanks|best)\s*[,-])\s+"
                            r"(?P<name>[^\W\d_]+)[.!]?\s*$")


def _lower_names(text: str) -> Iterable[Finding]:
    first, last = _name_lists()
    common = _common_words()
    for m in _LOWER_CUE.finditer(text.lower() if not text.islower() else text):
        if not text[m.start("name")].islower():
            continue  # capitalised names are the run detector's
        parts = m.group("name").split(" ")
        head = parts[0]
        if head in common or len(head) < 3:
            continue
        cue = m.group()[:m.start("name") - m.start()]
        head_end = m.start("name") + len(head)
        thanked = cue.startswith("thanks") and " for " in text[head_end:m.end("name") + 5]  # "thanks X Y for"
        sure = _STRONGEST.search(cue) is not None or thanked
        if head in _AMBIGUOUS:  # "thanks retailer for ...": a shop word, not a person
            continue
        if _SELF_CUE.search(cue) and not any(_CLAUSE_END.match(text, i) for i in (head_end, m.end("name"))):
            continue
        unknown_ok = sure or (_RELATION.search(cue) is not None and not _verb_like(head) and any(
            _AFTER_RELATION.match(text, i) for i in (head_end, m.end("name"))))
        if head not in first and not unknown_ok:
            continue
        end = head_end
        for word in parts[1:]:  # "miguel ángel águila": more words while they read as name words
            if word in common or not (word in last or head in first or sure or not _verb_like(word)):
                break
            end += 1 + len(word)
        yield Finding("NAME", m.start("name"), end)
    m = _LOWER_SIGNOFF.search(text[-60:])
    if m and m.group("name").islower() and m.group("name") not in common and m.group("name") not in _AMBIGUOUS:
        off = max(0, len(text) - 60)
        yield Finding("NAME", off + m.start("name"), off + m.end("name"))


# ---------------------------------------------------------------- public API
_DETECTORS = {"EMAIL": _emails, "IBAN": _ibans, "CARD": _cards, "PHONE": _phones, "ADDRESS": _addresses, "NAME": _names}


def _merge(kept: list[Finding], new: list[Finding]) -> list[Finding]:
    """`kept` (disjoint, sorted) plus the findings of `new` (sorted by start, longest first) that overlap nothing
    kept before them: one linear pass, like the merge step of merge sort."""
    out: list[Finding] = []
    i, last_end = 0, -1
    for f in new:
        while i < len(kept) and kept[i].end <= f.start:
            out.append(kept[i])
            last_end = kept[i].end
            i += 1
        if f.end <= f.start or f.start < last_end or (i < len(kept) and kept[i].start < f.end):
            continue
        out.append(f)
        last_end = f.end
    out.extend(kept[i:])
    return out


def detect(text: str, types: Iterable[str] = TYPES) -> list[Finding]:
    """Non-overlapping findings in `text`, sorted by start; overlaps go to the higher-priority type.
    Detectors read the folded text (same offsets); each type's findings are merged into the kept ones in one
    linear pass, so the time grows with the text, not with the square of the number of findings (it did)."""
    if not text:
        return []
    types = tuple(types)
    for t in types:
        if t not in _DETECTORS:
            raise ValueError(f"unknown PII type {t!r}; choose from {', '.join(TYPES)}")
    folded = fold(text)
    kept: list[Finding] = []
    for t in sorted(set(types), key=_PRIORITY.get):
        found = sorted(_DETECTORS[t](folded), key=lambda f: (f.start, -(f.end - f.start)))
        kept = _merge(kept, found)
    return kept


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
