"""PII masking: each type on its own, things that must stay unmasked, and recall on the planted test set."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest

from analysis import pii

ROOT = Path(__file__).resolve().parent.parent


def found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start:f.end]) for f in pii.detect(text)]


@pytest.mark.parametrize("text,kind,value", [
    ("write to jane.doe+shop@example.co.uk please", "EMAIL", "jane.doe+shop@example.co.uk"),
    ("mail JOHN_SMITH99@GMAIL.COM", "EMAIL", "JOHN_SMITH99@GMAIL.COM"),
    ("call +44 20 7946 0958 today", "PHONE", "+44 20 7946 0958"),
    ("my number is (212) 555-0187.", "PHONE", "(212) 555-0187"),
    ("ring 06 12 34 56 78", "PHONE", "06 12 34 56 78"),
    ("Tel: 030 12345678", "PHONE", "030 12345678"),
    ("text 0049 151 23456789", "PHONE", "0049 151 23456789"),
    ("card 4111 1111 1111 1111 charged", "CARD", "4111 1111 1111 1111"),
    ("amex 3782-822463-10005 twice", "CARD", "3782-822463-10005"),
    ("IBAN GB82 WEST 1234 5698 7654 32.", "IBAN", "GB82 WEST 1234 5698 7654 32"),
    ("refund DE89370400440532013000 now", "IBAN", "DE89370400440532013000"),
    ("send it to 221B Baker Street, London NW1 6XE.", "ADDRESS", "221B Baker Street, London NW1 6XE"),
    ("ship to 1600 Pennsylvania Ave NW, Washington, DC 20500.", "ADDRESS", "1600 Pennsylvania Ave NW, Washington, DC 20500"),
    ("j'habite 12 rue de la Paix, 75002 Paris", "ADDRESS", "12 rue de la Paix, 75002 Paris"),
    ("wohne Hauptstraße 5, 10115 Berlin", "ADDRESS", "Hauptstraße 5, 10115 Berlin"),
    ("the sales associate Emma was lovely", "NAME", "Emma"),
    ("My sister Ilona Nagy bought it too", "NAME", "Ilona Nagy"),
    ("Mrs Dubois sorted the refund", "NAME", "Mrs Dubois"),
])
def test_each_type_is_found(text, kind, value):
    assert (kind, value) in found(text)


@pytest.mark.parametrize("text", [
    "I'm 5'8\" and 135 lbs, size 6, 34-26-36, usually a 2/4/6.",
    "i am 5'2\" 110, 32-24.5-32.5 and ordered 3 times",
    "bought it in spring 2015, wore it 1930-1940 style, returned 12/27/2015",
    "the color is Rose and the fabric is 100% cotton, 2 sizes up, 45 there was way too much fabric",
    "card 4111 1111 1111 1112 (bad check digit)",
    "IBAN GB82 WEST 1234 5698 7654 33 (bad checksum)",
    "order 1234567890123 arrived",  # 13 digits that fail Luhn
])
def test_ordinary_review_text_is_not_masked(text):
    assert found(text) == []


def test_mask_replaces_spans_and_keeps_offsets_of_the_original():
    text = "Thanks to Maria Lopez, call 020 7946 0958 or mail maria@example.com."
    masked, findings = pii.mask(text)
    assert masked == "Thanks to [NAME], call [PHONE] or mail [EMAIL]."
    assert [(f.type, text[f.start:f.end]) for f in findings] == [
        ("NAME", "Maria Lopez"), ("PHONE", "020 7946 0958"), ("EMAIL", "maria@example.com")]


def test_overlaps_go_to_the_stronger_type_and_types_can_be_chosen():
    text = "mail anna.schmidt@web.de"
    assert found(text) == [("EMAIL", "anna.schmidt@web.de")]
    assert pii.mask("call 020 7946 0958, Anna", types=["EMAIL"]) == ("call 020 7946 0958, Anna", [])
    with pytest.raises(ValueError, match="unknown PII type"):
        pii.detect("x", types=["SSN"])


def test_empty_and_missing_values_pass_through():
    assert pii.mask("") == ("", [])
    assert pii.mask_many(["", None, "call 020 7946 0958"]) == ["", None, "call [PHONE]"]


def test_recall_on_planted_test_set_meets_targets():
    records = [json.loads(x) for x in (ROOT / "analysis" / "pii_testset.jsonl").read_text().splitlines()]
    hits, total = {}, {}
    for r in records:
        fs = pii.detect(r["text"])
        for s in r["spans"]:
            chars = set(range(s["start"], s["end"]))
            for f in fs:
                if f.type == s["type"]:
                    chars -= set(range(f.start, f.end))
            total[s["type"]] = total.get(s["type"], 0) + 1
            hits[s["type"]] = hits.get(s["type"], 0) + (not chars)
    assert sum(total.values()) >= 480  # 320 original items + 160 hardening items (issue 17)
    hardening = sum(s["source"].startswith("hardening:") for r in records for s in r["spans"])
    assert hardening >= 100
    recall = {t: hits[t] / total[t] for t in total}
    for t in ("EMAIL", "PHONE", "CARD", "IBAN"):
        assert recall[t] >= 0.99, recall
    assert recall["NAME"] >= 0.95 and recall["ADDRESS"] >= 0.95, recall


def test_few_false_masks_on_unplanted_reviews():
    texts = pd.read_csv(ROOT / "analysis" / "demo_data" / "womens_clothing_reviews.csv.gz",
                        usecols=["Review Text"])["Review Text"].dropna().tolist()
    sample = random.Random(1).sample(texts, 1000)
    masks = [(t[f.start - 10:f.end + 10]) for t in sample for f in pii.detect(t)]
    assert len(masks) <= 2, masks


# ---------------------------------------------------------------- issue 17, finding 1: forms that got through
@pytest.mark.parametrize("text,kind,value", [
    ("Hi, it's Tom Baker from 1600 Pennsylvania Ave NW, Washington, DC 20500. The coat arrived torn.", "NAME",
     "Tom Baker"),
    ("Hi, it's Tom Baker from 1600 Pennsylvania Ave NW, Washington, DC 20500. The coat arrived torn.", "ADDRESS",
     "1600 Pennsylvania Ave NW, Washington, DC 20500"),
    ("write to john dot smith at gmail dot com about it", "EMAIL", "john dot smith at gmail dot com"),
    ("my email: jane.doe @ example.com", "EMAIL", "jane.doe @ example.com"),
    ("mail me at marie.curie＠laposte.fr", "EMAIL", "marie.curie＠laposte.fr"),
    ("contact lucy (at) outlook (dot) com", "EMAIL", "lucy (at) outlook (dot) com"),
    ("text me on o77OO 9OO 123 please", "PHONE", "o77OO 9OO 123"),
    ("call ０２０ ７９４６ ０９５８ today", "PHONE", "０２０ ７９４６ ０９５８"),
    ("send it to 12 rue de l'Église, 75004 Paris", "ADDRESS", "12 rue de l'Église, 75004 Paris"),
    ("ich wohne Mühlenstraße 14, 50667 Köln", "ADDRESS", "Mühlenstraße 14, 50667 Köln"),
    ("entregar en Calle de Núñez de Balboa 34, 28001 Madrid", "ADDRESS", "Calle de Núñez de Balboa 34, 28001 Madrid"),
    ("left at Storgatan 5, 111 51 Stockholm", "ADDRESS", "Storgatan 5, 111 51 Stockholm"),
    ("my postcode SW1A 1AA is right", "ADDRESS", "SW1A 1AA"),
    ("my name is tom baker and i wear a 10", "NAME", "tom baker"),
    ("Lovely coat. Regards Wei Zhang", "NAME", "Wei Zhang"),
    ("Too short for me. Cheers, Ana", "NAME", "Ana"),
])
def test_issue_17_forms_are_found(text, kind, value):
    assert (kind, value) in found(text), found(text)


@pytest.mark.parametrize("text", [
    "Best Dress Ever",  # a title opening with a sign-off word
    "Love This Dress",
    "it would not zip up all the way, my husband said so",
    "I bought it at target.com and at the mall",
    "size 2XL or 3 XS, 100% cotton, 34-26-36",
    "thanks retailer for the quick refund",
])
def test_issue_17_lookalikes_stay_unmasked(text):
    assert found(text) == []


def test_masking_is_linear_in_text_length():
    """Was quadratic in the number of findings (a 1 MB review took 110 s). 10x the text may cost at most 30x the
    CPU time (linear is ~10x, quadratic ~100x; CI measured 21.5x once on a shared machine) and 200 KB of PII-dense
    text stays well under two seconds."""
    import time
    records = [json.loads(x) for x in (ROOT / "analysis" / "pii_testset.jsonl").read_text().splitlines()]
    dense = " ".join(f"{r['text'][s['start']:s['end']]} and then" for r in records for s in r["spans"])

    def cpu(n: int) -> float:  # the best of three: one slow run on a busy machine is noise, not growth
        text = (dense * (n // len(dense) + 1))[:n]
        runs = []
        for _ in range(3):
            t0 = time.process_time()
            pii.mask(text)
            runs.append(time.process_time() - t0)
        return min(runs)

    small, big = cpu(20_000), cpu(200_000)
    assert big < 30 * max(small, 0.005), (small, big)  # linear: ~10x; quadratic: ~100x
    assert big < 2.0, big


def test_a_one_megabyte_review_full_of_numbers_masks_in_seconds():
    """The issue's case: a 1 MB review took 110 s per mask on marketers' pages (52,631 phone numbers here; about
    1 s CPU now). The bound is loose for slow machines; quadratic time would blow through it by far."""
    import time
    text = ("call 020 7946 0958 " * 60_000)[:1_000_000]
    t0 = time.process_time()
    masked, findings = pii.mask(text)
    assert time.process_time() - t0 < 8, "masking is no longer linear"
    assert len(findings) == 52_631 and "0958" not in masked
