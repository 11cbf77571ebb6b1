"""Build analysis/pii_testset.jsonl: real review texts with personal data planted at known offsets.

Run: `.venv/bin/python bench/make_pii_testset.py [--seed 6] [--out analysis/pii_testset.jsonl]`.
Each line: {"row": source row, "text": ..., "spans": [{"type", "start", "end", "value", "source"}]}.
Values are synthetic (Faker names, made-up but valid phone numbers, Luhn-valid card numbers,
checksum-valid IBANs). Names come from two pools: locales whose name lists the detector uses
("in_list") and locales it does not ("held_out"), so recall on unseen names is measured too.
The bench picks its unplanted reviews from rows this file does not use (see `rows_used`).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from pathlib import Path

import pandas as pd
import phonenumbers
from faker import Faker

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = ROOT / "analysis" / "demo_data" / "womens_clothing_reviews.csv.gz"
COUNTS = {"EMAIL": 60, "PHONE": 60, "CARD": 40, "IBAN": 30, "ADDRESS": 50, "NAME": 80}
NAME_LOCALES_IN = ["en_US", "en_GB", "en_IE", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "sv_SE", "pt_BR"]
NAME_LOCALES_HELD_OUT = ["fi_FI", "cs_CZ", "ro_RO", "tr_TR"]

TEMPLATES = {
    "EMAIL": ["Email me at {v} if you want photos.", "My email is {v}.", "Contact: {v}", "I wrote to {v} and heard nothing.",
              "(reach me at {v})", "Anyone with the same problem, write to {v}!", "{v} - happy to answer questions.",
              "Customer care ({v}) replied within a day."],
    "PHONE": ["Call me at {v}.", "My number is {v} if the store wants to follow up.", "Text {v} for details.",
              "Tel: {v}", "I phoned customer service on {v} and they were lovely.", "Ring {v} (evenings).",
              "The store number {v} never picks up.", "You can reach me on {v}."],
    "CARD": ["They charged my card {v} twice!", "Card used: {v}.", "Please refund to {v}.",
             "My card number {v} was billed for the wrong size.", "paid with {v} and still waiting."],
    "IBAN": ["Please refund to my account {v}.", "IBAN: {v}", "Refund went to {v} after two weeks.",
             "Bank details for the refund: {v}."],
    "ADDRESS": ["Please send the replacement to {v}.", "I live at {v} and it arrived in two days.",
                "Ship to {v}.", "It was delivered to {v} instead of my house.", "Return address: {v}.",
                "The store at {v} had it in stock."],
    "NAME": ["My name is {v} and I wear a size 6.", "{v} at the store was so helpful!", "Thanks to {v} for the styling tips.",
             "Ask for {v}, she knows the whole collection.", "My sister {v} bought the same one.",
             "The sales associate, {v}, found me a petite.", "Bought this for my friend {v}.",
             "Shout out to {v} in the fitting room.", "{v} recommended it and she was right.",
             "I went with {v} and we both bought one.", "- {v}", "Mrs {v} at customer service sorted the refund."],
}


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def make_card(rng: random.Random) -> str:
    kind = rng.choice(["visa", "visa", "mc", "mc2", "amex", "discover"])
    prefix, length = {"visa": ("4", 16), "mc": (str(rng.randint(51, 55)), 16), "mc2": (str(rng.randint(2221, 2720)), 16),
                      "amex": (rng.choice(["34", "37"]), 15), "discover": ("6011", 16)}[kind]
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    num = body + luhn_digit(body)
    style = rng.choice(["space", "space", "dash", "plain"])
    if kind == "amex":
        groups = [num[:4], num[4:10], num[10:]]
    else:
        groups = [num[i:i + 4] for i in range(0, 16, 4)]
    return {"space": " ".join(groups), "dash": "-".join(groups), "plain": num}[style]


IBAN_SHAPE = {  # country: BBAN as (kind, count) runs; n = digits, a = upper letters, c = alphanumeric
    "GB": [("a", 4), ("n", 14)], "DE": [("n", 18)], "FR": [("n", 10), ("c", 11), ("n", 2)], "ES": [("n", 20)],
    "IT": [("a", 1), ("n", 10), ("c", 12)], "NL": [("a", 4), ("n", 10)], "BE": [("n", 12)], "IE": [("a", 4), ("n", 14)],
    "CH": [("n", 5), ("c", 12)], "AT": [("n", 16)],
}


def make_iban(rng: random.Random) -> str:
    cc = rng.choice(list(IBAN_SHAPE))
    pools = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    bban = "".join(rng.choice(pools[k]) for k, n in IBAN_SHAPE[cc] for _ in range(n))
    check = 98 - int("".join(str(int(c, 36)) for c in bban + cc + "00")) % 97
    iban = f"{cc}{check:02d}{bban}"
    if rng.random() < 0.6:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


PHONE_REGIONS = ["US", "US", "GB", "GB", "FR", "DE", "ES", "IT", "NL", "IE", "CA", "AU"]


def make_phone(rng: random.Random) -> str:
    region = rng.choice(PHONE_REGIONS)
    kind = rng.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
    ex = phonenumbers.example_number_for_type(region, kind)
    nsn = str(ex.national_number)
    for _ in range(200):  # randomise the subscriber digits, keep the prefix, until the number is valid
        keep = max(3, len(nsn) - 6)
        cand = nsn[:keep] + "".join(str(rng.randint(0, 9)) for _ in range(len(nsn) - keep))
        num = phonenumbers.parse(f"+{ex.country_code}{cand}")
        if phonenumbers.is_valid_number(num):
            break
    style = rng.choice(["intl", "intl", "national", "national", "e164", "dots", "00"])
    if style == "intl":
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if style == "national":
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
    if style == "e164":
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    if style == "00":
        return "00" + phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)[1:]
    national = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"[\s\-()]+", ".", national).strip(".")


def make_email(rng: random.Random, fake: Faker) -> str:
    first, last = (unicodedata.normalize("NFKD", n).encode("ascii", "ignore").decode().lower()
                   for n in (fake.first_name(), fake.last_name()))
    first, last = (re.sub(r"[^a-z]", "", s) or "x" for s in (first, last))
    user = rng.choice([f"{first}.{last}", f"{first}{last}{rng.randint(1, 99)}", f"{first[0]}{last}",
                       f"{first}_{last}", f"{first}+shop", f"{last}.{first}{rng.randint(70, 99)}"])
    domain = rng.choice(["gmail.com", "yahoo.co.uk", "outlook.fr", "web.de", "hotmail.com", "icloud.com",
                         "mail.example.org", "protonmail.ch", "orange.fr", "btinternet.com", "company.co"])
    email = f"{user}@{domain}"
    r = rng.random()
    if r < 0.1:
        email = email.upper()
    elif r < 0.18:
        email = email.replace("@", " [at] ").replace(".", " [dot] ", 1) if "." not in user else email.replace("@", "[at]")
    return email


STREET_WORDS = ["Oak", "Maple", "Cedar", "Elm", "Pine", "Church", "Mill", "Station", "High", "Park", "Victoria",
                "Queen", "King", "Washington", "Lincoln", "Highland", "Sunset", "Lake", "River", "Willow"]
SUFFIXES = ["Street", "St", "St.", "Road", "Rd", "Avenue", "Ave", "Ave.", "Lane", "Drive", "Dr.", "Close", "Way",
            "Court", "Place", "Crescent", "Terrace", "Boulevard", "Blvd", "Gardens", "Grove", "Parkway"]
US_CITIES = [("Austin", "TX"), ("Portland", "OR"), ("Denver", "CO"), ("Columbus", "OH"), ("Raleigh", "NC")]
UK_CITIES = ["London", "Leeds", "Bristol", "Manchester", "Brighton"]


def make_address(rng: random.Random, fakes: dict) -> str:
    kind = rng.choice(["us", "us", "uk", "uk", "fr", "de", "nl", "it_es", "lower"])
    f = fakes["en_US"]
    street = rng.choice([f.last_name(), rng.choice(STREET_WORDS), f"{rng.choice(STREET_WORDS)} {rng.choice(['Hill', 'Park', 'View'])}"])
    if kind in ("us", "lower"):
        s = f"{rng.randint(1, 9999)} {rng.choice(['', '', 'N. ', 'West '])}{street} {rng.choice(SUFFIXES)}"
        if rng.random() < 0.4:
            s += rng.choice([", Apt 4B", " Apt. 12", ", Suite 300", " #7"])
        if rng.random() < 0.5:
            city, st = rng.choice(US_CITIES)
            s += f", {city}, {st} {rng.randint(10000, 99999)}"
        return s.lower() if kind == "lower" else s
    if kind == "uk":
        s = f"{rng.choice(['', 'Flat 3, ', ''])}{rng.randint(1, 300)}{rng.choice(['', '', 'A', 'B'])} {street} {rng.choice(SUFFIXES)}"
        if rng.random() < 0.5:
            s += f", {rng.choice(UK_CITIES)} {fakes['en_GB'].postcode()}"
        return s
    if kind == "fr":
        s = fakes["fr_FR"].street_address()
        return s + (f", {fakes['fr_FR'].postcode()} {fakes['fr_FR'].city()}" if rng.random() < 0.5 else "")
    if kind == "de":
        last = fakes["de_DE"].last_name()
        s = rng.choice([f"{last}straße {rng.randint(1, 200)}", f"{last}weg {rng.randint(1, 99)}",
                        f"{rng.choice(['Berliner', 'Hamburger', 'Kölner'])} Str. {rng.randint(1, 150)}",
                        f"Am {rng.choice(['Markt', 'Hang', 'Bach'])}platz {rng.randint(1, 40)}"])
        return s + (f", {fakes['de_DE'].postcode()} {rng.choice(['Berlin', 'München', 'Köln'])}" if rng.random() < 0.5 else "")
    if kind == "nl":
        return f"{fakes['nl_NL'].last_name()}{rng.choice(['straat', 'laan', 'weg', 'plein'])} {rng.randint(1, 300)}"
    return rng.choice([f"Via {fakes['it_IT'].last_name()} {rng.randint(1, 120)}", f"Calle {rng.choice(['Mayor', 'Alcalá', 'Serrano'])} {rng.randint(1, 120)}",
                       f"Piazza {rng.choice(['Navona', 'Garibaldi'])}, {rng.randint(1, 60)}"])


def make_name(rng: random.Random, fakes: dict) -> tuple[str, str]:
    held_out = rng.random() < 0.25
    loc = rng.choice(NAME_LOCALES_HELD_OUT if held_out else NAME_LOCALES_IN)
    f = fakes[loc]
    name = f.first_name() if rng.random() < 0.35 else f"{f.first_name()} {f.last_name()}"
    return name, ("held_out:" if held_out else "in_list:") + loc


def plant(text: str, sentence: str, rng: random.Random, spans: list) -> tuple[str, int, int, int]:
    """Insert `sentence` at a sentence boundary of `text`: (new text, sentence offset, cut, inserted length)."""
    cuts = [0] + [m.end() for m in re.finditer(r"[.!?]\s+", text)] + [len(text)]
    cuts = [c for c in cuts if not any(s["start"] < c < s["end"] for s in spans)]  # never inside a planted value
    at = rng.choice(cuts)
    before = text[:at]
    sep_before = "" if at == 0 else ("" if before.endswith(" ") else " ")
    sep_after = " " if at < len(text) else ""
    new = before + sep_before + sentence + sep_after + text[at:]
    return new, len(before) + len(sep_before), at, len(new) - len(text)


# ---------------------------------------------------------------- hardening set (issue 17, finding 1)
# Forms people use to get personal data past a filter, or simply write that way. Each gets its own generator and its
# own sentences (none shared with the detector's cue lists on purpose); spans carry source "hardening:<form>[:pool]".
# Drawn from a separate random stream after the original records, so those stay byte-identical.
HARDENING_COUNTS = {"email_obfuscated": 40, "phone_obfuscated": 25, "address_intl": 30, "postcode_uk": 15,
                    "name_lower": 25, "name_signoff": 25}
WEBMAIL = ["gmail", "yahoo", "hotmail", "outlook", "icloud", "aol", "protonmail", "gmx", "live", "mail"]
TLDS = ["com", "com", "co.uk", "fr", "de", "net", "org", "es", "it", "ca"]
H_TEMPLATES = {
    "email_obfuscated": ["if anyone from the shop reads this my email is {v}", "Seller please contact me: {v}",
                         "email me ({v}) if you want pics of how it fits", "I can send photos, I'm {v}",
                         "write to me at {v} - still no return label!", "my address for the label is {v}.",
                         "Reach out on {v} if you have the same problem.", "Their support box {v} never answered."],
    "phone_obfuscated": ["text me on {v} if you want to buy mine", "my cell is {v}, call after 6",
                         "whatsapp {v} and I'll send pictures", "Mobile: {v}", "they can ring me on {v} anytime",
                         "I left my number ({v}) with the courier and heard nothing.", "cell {v}"],
    "address_intl": ["it was left at {v} which is not even my building.", "please resend to {v}.",
                     "my home is {v} and the parcel went next door", "Sent back from {v} on the same day.",
                     "the courier dropped it at {v}", "Shipping address: {v}"],
    "postcode_uk": ["delivery to postcode {v} took 9 days", "anyone else in {v} get theirs late?",
                    "we're in {v}, and the tracking said delivered", "postcode {v}, nothing arrived",
                    "(I'm at {v} if that matters)"],
    "name_lower": ["my name is {v} and i ordered a medium", "ask for {v} at the till, she is lovely",
                   "thanks {v} for the help with sizing", "my mum {v} has the same coat", "i'm {v}, a size 8 usually",
                   "bought one for my coworker {v} too", "the lady who helped me was {v}"],
    "name_signoff": ["Regards {v}", "Regards, {v}", "Best, {v}", "Cheers {v}", "Thanks, {v}", "xo {v}",
                     "Kind regards, {v}", "Sincerely {v}", "- {v}", "Many thanks\n{v}", "Love, {v}"],
}
LOWER_NAME_LOCALES = {"en_US": "in_list", "en_GB": "in_list", "es_ES": "in_list", "fr_FR": "in_list",
                      "tr_TR": "held_out", "fi_FI": "held_out", "ro_RO": "held_out"}
ROMANIZED = {"zh_CN": "held_out", "ja_JP": "held_out"}
INTL_STREET_LOCALES = ["fr_FR", "de_DE", "es_ES", "pt_PT", "pl_PL", "cs_CZ", "sv_SE", "fi_FI", "tr_TR", "hu_HU",
                       "da_DK", "it_IT", "ro_RO"]
ACCENTED_STREETS = [
    "12 rue de l'Église, 75004 Paris", "8, place de la Libération, 69002 Lyon", "3 allée des Châtaigniers",
    "Mühlenstraße 14, 50667 Köln", "Königsallee 27", "Calle de Núñez de Balboa 34, 28001 Madrid",
    "Avenida de la Constitución 7", "Rua São Bento 120, Lisboa", "ul. Złota 44, 00-120 Warszawa",
    "Václavské náměstí 12, Praha", "Björkvägen 12, 123 45 Farsta", "Hämeentie 15 B, Helsinki",
    "Atatürk Caddesi No: 45, İzmir", "Strada Mihai Eminescu 12, București", "Søndergade 3, 8000 Aarhus C",
    "Andrássy út 60, Budapest", "Praça do Comércio 9, Lisboa", "Carrer de Sant Pere Més Alt 21, Barcelona",
]


def _romanized(rng: random.Random, f: Faker, full: bool) -> str:
    return f"{f.first_romanized_name()} {f.last_romanized_name()}" if full else f.first_romanized_name()


def hard_email(rng: random.Random, fakes: dict) -> tuple[str, str]:
    f = fakes[rng.choice(["en_US", "en_GB", "fr_FR", "es_ES", "de_DE"])]
    first, last = (unicodedata.normalize("NFKD", n).encode("ascii", "ignore").decode().lower()
                   for n in (f.first_name(), f.last_name()))
    first, last = (re.sub(r"[^a-z]", "", s) or "x" for s in (first, last))
    host, tld = rng.choice(WEBMAIL + ["example", "fastmail", "btinternet"]), rng.choice(TLDS)
    form = rng.choice(["words", "words_caps", "paren", "bracket", "spaced_at", "spaced_all", "fullwidth",
                       "curly", "words_plain_tld", "accented"])
    user = rng.choice([f"{first}.{last}", f"{first}{rng.randint(1, 99)}", f"{first}_{last}", f"{first[0]}{last}"])
    if form == "words":
        return user.replace(".", " dot ") + f" at {host} dot " + tld.replace(".", " dot "), form
    if form == "words_caps":
        return user.replace(".", " DOT ") + f" AT {host} DOT " + tld.replace(".", " DOT "), form
    if form == "paren":
        return f"{user} (at) {host} (dot) {tld.replace('.', ' (dot) ')}", form
    if form == "bracket":
        return f"{user}[at]{host}[dot]{tld.replace('.', '[dot]')}", form
    if form == "spaced_at":
        return f"{user} @ {host}.{tld}", form
    if form == "spaced_all":
        return f"{user} @ {host} . {tld.replace('.', ' . ')}", form
    if form == "fullwidth":
        return f"{user}\uff20{host}.{tld}", form
    if form == "curly":
        return f"{user}{{at}}{host}.{tld}", form
    if form == "words_plain_tld":
        return f"{user} at {host}.{tld}", form
    acc = rng.choice(["zoë", "josé", "françois", "müller", "søren", "inês"])
    return f"{acc}.{last}@{host}.{tld}", form


def hard_phone(rng: random.Random, fakes: dict) -> tuple[str, str]:
    form = rng.choice(["o_for_zero", "o_for_zero", "o_for_zero", "fullwidth", "uk_trunk_0"])
    for _ in range(50):
        num = make_phone(rng)
        if form == "uk_trunk_0":
            break
        if "0" in num[1:]:
            break
    if form == "uk_trunk_0":  # "+44 (0)20 7946 0958": the trunk zero in brackets, as UK signatures write it
        digits = f"20 79{rng.randint(10, 99)} {rng.randint(1000, 9999)}"
        return rng.choice([f"+44 (0){digits}", f"+44 (0) {digits}"]), form
    if form == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in num), form
    zeros = [i for i, c in enumerate(num) if c == "0" and i > 0]
    pick = set(rng.sample(zeros, max(1, len(zeros) * 2 // 3))) if zeros else set()
    letter = rng.choice(["O", "o", "O"])
    out = "".join(letter if i in pick else c for i, c in enumerate(num))
    if not zeros:  # a UK drama-range mobile written with letters, as in the issue's "o77OO 9OO 123"
        out = f"o77OO 9OO {rng.randint(100, 999)}"
    return out, form


def hard_address(rng: random.Random, fakes: dict) -> tuple[str, str]:
    form = rng.choice(["faker_intl", "faker_intl", "accented_fixed", "us_full", "us_full"])
    if form == "accented_fixed":
        return rng.choice(ACCENTED_STREETS), form
    if form == "us_full":
        f = fakes["en_US"]
        city, st = rng.choice(US_CITIES + [("Washington", "DC"), ("Springfield", "IL"), ("San José", "CA")])
        return f"{f.street_address()}, {city}, {st} {f.zipcode()}", form
    loc = rng.choice(INTL_STREET_LOCALES)
    f = fakes.setdefault(loc, Faker(loc))
    s = f.street_address()
    if rng.random() < 0.5:
        s += f", {f.postcode()} {f.city()}"
    return " ".join(s.split()).replace(" ,", ","), f"{form}:{loc}"


def hard_name(rng: random.Random, fakes: dict, form: str) -> tuple[str, str]:
    if form == "name_signoff" and rng.random() < 0.4:
        loc = rng.choice(list(ROMANIZED))
        f = fakes.setdefault(loc, Faker(loc))
        return _romanized(rng, f, rng.random() < 0.7), f"{ROMANIZED[loc]}:{loc}"
    loc = rng.choice(list(LOWER_NAME_LOCALES))
    f = fakes.setdefault(loc, Faker(loc))
    name = f.first_name() if rng.random() < 0.4 else f"{f.first_name()} {f.last_name()}"
    if form == "name_lower":
        name = name.lower()
    return name, f"{LOWER_NAME_LOCALES[loc]}:{loc}"


def hardening_records(texts: pd.Series, rows: list[int], seed: int) -> list[dict]:
    """One record per hardening item (rows not used by the original set), each item in its form's sentence."""
    rng = random.Random(seed + 17)
    fakes = {}
    for i, loc in enumerate(sorted(set(INTL_STREET_LOCALES) | set(LOWER_NAME_LOCALES) | set(ROMANIZED) | {"en_GB"})):
        fakes[loc] = Faker(loc)
        fakes[loc].seed_instance(seed + 100 + i)
    jobs = [form for form, n in HARDENING_COUNTS.items() for _ in range(n)]
    rng.shuffle(jobs)
    records = []
    for row, form in zip(rows[:len(jobs)], jobs, strict=True):
        if form == "email_obfuscated":
            (value, sub), kind = hard_email(rng, fakes), "EMAIL"
        elif form == "phone_obfuscated":
            (value, sub), kind = hard_phone(rng, fakes), "PHONE"
        elif form == "address_intl":
            (value, sub), kind = hard_address(rng, fakes), "ADDRESS"
        elif form == "postcode_uk":
            value, sub, kind = fakes["en_GB"].postcode(), "gb", "ADDRESS"
            value = value.lower() if rng.random() < 0.2 else value
        else:
            (value, sub), kind = hard_name(rng, fakes, form), "NAME"
        template = rng.choice(H_TEMPLATES[form])
        sentence = template.format(v=value)
        text = texts[row]
        if form == "name_signoff":  # a sign-off closes the review
            off = len(text) + 1
            text = f"{text} {sentence}"
        else:
            text, off, _, _ = plant(text, sentence, rng, [])
        start = off + template.index("{v}")
        span = {"type": kind, "start": start, "end": start + len(value), "value": value,
                "source": f"hardening:{form}:{sub}"}
        assert text[span["start"]:span["end"]] == value, (text, span)
        records.append({"row": int(row), "text": text, "spans": [span]})
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--out", default=str(ROOT / "analysis" / "pii_testset.jsonl"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    Faker.seed(args.seed)
    fakes = {loc: Faker(loc) for loc in sorted(set(NAME_LOCALES_IN + NAME_LOCALES_HELD_OUT))}
    for i, f in enumerate(fakes.values()):
        f.seed_instance(args.seed + i)
    texts = pd.read_csv(REVIEWS, usecols=["Review Text"])["Review Text"]
    rows = [i for i, t in texts.items() if isinstance(t, str) and len(t) > 40]
    rng.shuffle(rows)
    jobs = [t for t, n in COUNTS.items() for _ in range(n)]
    rng.shuffle(jobs)
    records, pos = [], 0
    while jobs:
        row = rows[pos]
        pos += 1
        text, spans = texts[row], []
        for _ in range(min(len(jobs), rng.choice([1, 1, 1, 2, 3]))):
            kind = jobs.pop()
            source = "synthetic"
            if kind == "EMAIL":
                value = make_email(rng, fakes[rng.choice(NAME_LOCALES_IN)])
            elif kind == "PHONE":
                value = make_phone(rng)
            elif kind == "CARD":
                value = make_card(rng)
            elif kind == "IBAN":
                value = make_iban(rng)
            elif kind == "ADDRESS":
                value = make_address(rng, fakes)
            else:
                value, source = make_name(rng, fakes)
            template = rng.choice(TEMPLATES[kind])
            sentence = template.format(v=value)
            text, off, cut, grown = plant(text, sentence, rng, spans)
            start = off + template.index("{v}")
            for s in spans:  # spans planted earlier move right if the new sentence went before them
                if s["start"] >= cut:
                    s["start"] += grown
                    s["end"] += grown
            spans.append({"type": kind, "start": start, "end": start + len(value), "value": value, "source": source})
        for s in spans:
            assert text[s["start"]:s["end"]] == s["value"], (text, s)
        records.append({"row": int(row), "text": text, "spans": sorted(spans, key=lambda s: s["start"])})
    records += hardening_records(texts, rows[pos:], args.seed)
    with open(args.out, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    n = sum(len(r["spans"]) for r in records)
    print(json.dumps({"out": args.out, "records": len(records), "planted": n, "by_type": COUNTS,
                      "hardening": HARDENING_COUNTS, "seed": args.seed}))


if __name__ == "__main__":
    main()
