"""analysis.draft_repair: each repair fixes the check it targets, and a repair that fixes nothing is refused."""
from __future__ import annotations

from analysis.draft_checks import OPT_OUT, run_checks
from analysis.draft_repair import repair

BASE = {"brand": "Hearth & Co", "segment": "Loyal", "segment_size": 120, "segment_description": "buy regularly",
        "offer": "10% off with code HOME10", "tone": "warm", "top_products": ["Stoneware mug"],
        "praised": [{"topic": "quality", "quote": "Lovely heavy mugs"}], "complaints": [], "avg_order_value": 24.0,
        "merge_tag": "{{ first_name }}"}


def draft(channel, **kw):
    d = {"channel": channel, "subject": None, "preheader": None, "body": None, "cta": None, **kw}
    return {**d, "checks": run_checks(d, {**BASE, "channel": channel})}


def test_email_missing_offer_gets_it_verbatim():
    facts = {**BASE, "channel": "email"}
    d = draft("email", subject="A little something for you", cta="Shop mugs",
              body="Hi {{ first_name }},\n\nThank you for coming back to us. Our Stoneware mug is waiting for your "
                   "morning coffee, and we think you will love it.\n\nThe Hearth & Co team")
    assert d["checks"]["offer_exact"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["offer_exact", "offer_plain"] and all(fixed["checks"].values())
    assert fixed["body"].split("\n\n")[-2] == "Enjoy 10% off with code HOME10."  # before the sign-off


def test_long_sms_is_cut_at_sentences_keeping_offer_and_opt_out():
    facts = {**BASE, "channel": "sms"}
    body = ("Hearth & Co: 10% off with code HOME10. Our Stoneware mug is back on the shelf and ready for you. "
            "It keeps your tea warm and looks lovely on any kitchen table we have ever seen. " + OPT_OUT)
    d = draft("sms", body=body)
    assert d["checks"]["channel_limits"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["channel_limits"] and all(fixed["checks"].values()), fixed
    assert fixed["body"].startswith("Hearth & Co: 10% off with code HOME10.") and fixed["body"].endswith(OPT_OUT)


def test_reply_gets_apology_and_remedy():
    facts = {"brand": "Hearth & Co", "channel": "reply", "remedy": "a full refund", "merge_tag": "{{ first_name }}",
             "review": {"text": "The mug arrived cracked", "rating": 1, "topics": ["delivery_packaging"]}}
    d = {"channel": "reply", "subject": None, "preheader": None, "cta": None,
         "body": "Hi {{ first_name }},\n\nThank you for telling us that your mug arrived cracked. That is not how it "
                 "should reach you and we will look at how we pack them.\n\nThe Hearth & Co team"}
    d["checks"] = run_checks(d, facts)
    fixed, notes = repair(d, facts)
    assert set(notes) == {"offer_exact", "offer_plain", "channel_format"} and all(fixed["checks"].values()), fixed["checks"]


def test_no_repair_when_it_cannot_help():
    facts = {**BASE, "channel": "email"}
    d = draft("email", subject="Hi", body="Too short")  # body too short: no mechanical fix
    assert repair(d, facts) is None
    ok = draft("email", subject="A little something", body="Hi {{ first_name }},\n\nEnjoy 10% off with code HOME10 "
               "on the Stoneware mug you liked, it is waiting for you and your morning tea.\n\nThe Hearth & Co team")
    assert all(ok["checks"].values()) and repair(ok, facts) is None


def test_recased_offer_is_restored_never_recased_by_us():
    facts = {**BASE, "channel": "ad", "offer": "a free tote bag with orders over £40"}
    d = {"channel": "ad", "subject": "Fresh coffee", "preheader": None, "cta": "Shop coffee",
         "body": "A free tote bag with orders over £40. Roasted this morning for you."}
    d["checks"] = run_checks(d, facts)
    assert d["checks"]["offer_exact"] is False  # the model capitalised the offer
    fixed, notes = repair(d, facts)
    assert notes == ["offer_exact"] and fixed["body"].startswith("Enjoy a free tote bag with orders over £40.")


def test_misspelt_brand_is_written_as_given():
    facts = {**BASE, "brand": "Lumen & Moss", "channel": "email"}
    d = {"channel": "email", "subject": "Back in stock", "preheader": None, "cta": "Shop mugs",
         "body": "Hi {{ first_name }},\n\nOur Stoneware mug is back. Enjoy 10% off with code HOME10 on your next "
                 "order, and thank you for shopping with us again.\n\nLumina & Moss"}
    d["checks"] = run_checks(d, facts)
    assert d["checks"]["names_from_facts"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["names_from_facts", "no_cut_off"] and all(fixed["checks"].values())
    assert fixed["body"].endswith("\n\nLumen & Moss") and "Lumina" not in fixed["body"]


def test_sentence_with_an_invented_date_is_dropped_never_the_offer():
    facts = {**BASE, "channel": "email"}
    body = ("Hi {{ first_name }},\n\nOur Stoneware mug is back on the shelf and ready for your morning coffee. "
            "It will be ready for you tomorrow morning. Enjoy 10% off with code HOME10 on your next order.\n\n"
            "The Hearth & Co team")
    d = draft("email", subject="A little something for you", cta="Shop mugs", body=body)
    assert d["checks"]["grounded_dates"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["grounded_dates"] and all(fixed["checks"].values()), fixed["checks"]
    assert "tomorrow" not in fixed["body"] and "Enjoy 10% off with code HOME10" in fixed["body"]
    assert fixed["body"].startswith("Hi {{ first_name }},\n\nOur Stoneware mug is back")
    in_subject = draft("email", subject="Ends tomorrow", cta="Shop mugs", body=body.replace(" tomorrow", ""))
    assert in_subject["checks"]["grounded_dates"] is False and repair(in_subject, facts) is None


def test_long_preheader_keeps_whole_sentences_or_goes():
    facts = {**BASE, "channel": "email"}
    body = ("Hi {{ first_name }},\n\nOur Stoneware mug is back on the shelf and ready for your morning coffee. "
            "Enjoy 10% off with code HOME10 on your next order.\n\nThe Hearth & Co team")
    pre = "Your favourite mug is back. It has been a long wait and we think the new glaze is the best we have made."
    d = draft("email", subject="A little something for you", preheader=pre, cta="Shop mugs", body=body)
    assert d["checks"]["channel_limits"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["channel_limits"] and fixed["preheader"] == "Your favourite mug is back."
    one = draft("email", subject="A little something for you", preheader=pre.replace(". It", ", and it"),
                cta="Shop mugs", body=body)
    fixed, _ = repair(one, facts)
    assert fixed["preheader"] is None and all(fixed["checks"].values())


def test_invented_number_in_the_offers_sentence_cuts_it_to_the_offer():
    facts = {**BASE, "channel": "sms"}
    d = draft("sms", body="Hearth & Co: Your mug is back. 10% off with code HOME10, with a £20 gift card on the "
                          "Stoneware mug. " + OPT_OUT)
    assert d["checks"]["grounded_numbers"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["grounded_numbers", "no_invented_offers"] and all(fixed["checks"].values()), fixed["checks"]
    assert fixed["body"] == "Hearth & Co: Your mug is back. Enjoy 10% off with code HOME10. " + OPT_OUT


def test_long_headline_is_cut_to_leading_clauses_or_a_trailing_phrase_or_left_failing():
    facts = {**BASE, "channel": "ad"}
    d = draft("ad", subject="Your favourite mug, now with 10% off with code HOME10", cta="Shop mugs",
              body="The Stoneware mug is back. 10% off with code HOME10.")
    assert d["checks"]["channel_limits"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["channel_limits"] and fixed["subject"] == "Your favourite mug" and all(fixed["checks"].values())
    one_clause = draft("ad", subject="Your favourite stoneware mug is back on our kitchen shelves", cta="Shop mugs",
                       body="The Stoneware mug is back. 10% off with code HOME10.")
    fixed, _ = repair(one_clause, facts)  # no clause boundary: the last trailing phrase that fits goes
    assert fixed["subject"] == "Your favourite stoneware mug is back" and all(fixed["checks"].values())
    no_cut = draft("ad", subject="Extraordinarily beautiful handmade stoneware kitchenware", cta="Shop mugs",
                   body="The Stoneware mug is back. 10% off with code HOME10.")
    assert repair(no_cut, facts) is None  # nowhere to cut: the draft stays failing
    assert repair(draft("ad", subject="Mugs for every single morning of the year", cta="Shop mugs",
                        body="The Stoneware mug is back. 10% off with code HOME10."), facts) is None  # < 3 words left


def test_preheader_with_an_invented_date_is_dropped():
    facts = {**BASE, "channel": "email"}
    body = ("Hi {{ first_name }},\n\nOur Stoneware mug is back on the shelf and ready for your morning coffee. "
            "Enjoy 10% off with code HOME10 on your next order.\n\nThe Hearth & Co team")
    d = draft("email", subject="A little something for you", preheader="Only until Friday.", cta="Shop mugs",
              body=body)
    assert d["checks"]["grounded_dates"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["grounded_dates"] and fixed["preheader"] is None and all(fixed["checks"].values())


def test_sms_whose_offer_sentence_is_too_long_keeps_the_offer_alone():
    facts = {**BASE, "channel": "sms"}
    body = ("Hearth & Co: Your Stoneware mug misses you. We would love to give you 10% off with code HOME10, or a "
            "little something for the kitchen if you would rather wait for the winter range to arrive next month? "
            + OPT_OUT)
    d = draft("sms", body=body)
    assert d["checks"]["channel_limits"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["channel_limits"] and all(fixed["checks"].values()), fixed
    assert fixed["body"] == "Hearth & Co: Your Stoneware mug misses you. Enjoy 10% off with code HOME10. " + OPT_OUT


def test_headline_cut_short_of_its_offer_moves_the_offer_into_the_body():
    facts = {**BASE, "channel": "ad"}
    d = draft("ad", subject="Your mug, now with 10% off with code HOME10", cta="Shop mugs",
              body="The Stoneware mug is back on the shelf. It keeps your tea warm. It looks lovely on any table.")
    assert d["checks"]["channel_limits"] is False and d["checks"]["offer_exact"] is True
    fixed, notes = repair(d, facts)
    assert fixed["subject"] == "Your mug" and all(fixed["checks"].values()), fixed
    assert fixed["body"].startswith("Enjoy 10% off with code HOME10. The Stoneware mug is back on the shelf.")


def test_sign_off_naming_another_team_is_signed_by_the_brand():
    facts = {**BASE, "channel": "email"}
    body = ("Hi {{ first_name }},\n\nOur Stoneware mug is back on the shelf and ready for your morning coffee. "
            "Enjoy 10% off with code HOME10 on your next order.\n\nWarmly,\nThe Mug Makers team")
    d = draft("email", subject="A little something for you", cta="Shop mugs", body=body)
    assert d["checks"]["names_from_facts"] is False
    fixed, notes = repair(d, facts)
    assert notes == ["names_from_facts"] and fixed["body"].endswith("Warmly,\nThe Hearth & Co team")
    plain = {**facts, "brand": "our shop"}
    d = {**d, "checks": run_checks(d, plain)}
    assert repair(d, plain)[0]["body"].endswith("Warmly,\nour shop")
    mid = body.replace("Warmly,\nThe Mug Makers team", "The Mug Makers team says hello.\n\nThe Hearth & Co team")
    d = draft("email", subject="A little something for you", cta="Shop mugs", body=mid)
    assert repair(d, facts) is None  # only a sign-off line is re-signed, never a sentence
