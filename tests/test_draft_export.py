"""analysis.draft_export: each format written and parsed back, merge tag styles."""
from __future__ import annotations

import csv
import email
import io
import json
from email import policy
from html.parser import HTMLParser

import pytest

from analysis.draft_export import MERGE_STYLES, merge, to_csv, to_eml, to_html_email, to_json, to_markdown, to_xlsx

D = {"segment": "At risk", "channel": "email", "offer": "15% off with code GLOW15",
     "subject": "15% off with code GLOW15", "preheader": "We saved you something", "cta": "Shop candles",
     "body": "Hi {{ first_name }},\n\nEnjoy 15% off with code GLOW15 on candles for £20 & more.\n\nThe Emberly team",
     "facts": {"brand": "Emberly"}, "checks": {"offer_exact": True, "no_emoji": False}, "model_version": "v1"}


def test_merge_styles():
    assert merge(D["body"], "mailchimp").startswith("Hi *|FNAME|*,")
    assert merge(D["body"], "none").startswith("Hi there,")
    with pytest.raises(ValueError):
        merge("x", "nope")
    assert set(MERGE_STYLES) >= {"liquid", "mailchimp"}


def test_csv_and_json_round_trip():
    rows = list(csv.DictReader(io.StringIO(to_csv([D], "mailchimp").decode("utf-8-sig"))))
    assert rows[0]["body"] == merge(D["body"], "mailchimp") and rows[0]["failed_checks"] == "no_emoji"
    back = json.loads(to_json([D]))
    assert back[0]["body"] == D["body"] and back[0]["checks"] == D["checks"]


def test_xlsx_round_trip():
    from openpyxl import load_workbook
    ws = load_workbook(io.BytesIO(to_xlsx([D, D]))).active
    vals = list(ws.values)
    assert vals[0][0] == "segment" and len(vals) == 3 and "£20" in vals[1][5]


def test_markdown_and_html():
    md = to_markdown([D])
    assert "**Subject:** 15% off with code GLOW15" in md and "failed no_emoji" in md
    page = to_html_email(D, "mailchimp")

    class P(HTMLParser):
        text = ""

        def handle_data(self, data):
            self.text += data
    p = P()
    p.feed(page)
    assert "Hi *|FNAME|*," in p.text and "£20 & more" in p.text and "Shop candles" in p.text


def test_eml_parses_back():
    msg = email.message_from_bytes(to_eml(D, "mailchimp"), policy=policy.default)
    assert msg["Subject"] == D["subject"]
    assert "*|FNAME|*" in msg.get_body(("plain",)).get_content()
    assert "<html>" in msg.get_body(("html",)).get_content()


def test_hyperlink_offer_is_never_a_live_formula():
    """An offer passes check_offer word for word, so `=HYPERLINK(...)` as the offer reaches subject, body and cta:
    the CSV and XLSX hold it as text (leading apostrophe, a string cell), never as a formula."""
    from openpyxl import load_workbook

    offer = '=HYPERLINK("http://evil.example","Claim")'
    d = {**D, "offer": offer, "subject": offer, "cta": offer, "body": offer + "\n\nThe Emberly team"}
    row = next(csv.DictReader(io.StringIO(to_csv([d]).decode("utf-8-sig"))))
    assert row["offer"] == row["subject"] == row["cta"] == "'" + offer
    assert row["body"].startswith("'" + offer)
    ws = load_workbook(io.BytesIO(to_xlsx([d]))).active
    cells = [c for r in ws.iter_rows() for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert sorted(c.value for c in cells if c.value and "HYPERLINK" in str(c.value)) == ["'" + offer] * 3 + [
        "'" + offer + "\n\nThe Emberly team"]
    assert all(c.quotePrefix for c in cells if c.value and "HYPERLINK" in str(c.value))
