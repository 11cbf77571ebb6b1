"""no_segment_leak and a segment whose size is also in the offer: "15% off" for a segment of 15 customers is the
shop's own offer, not a leaked segment size (the browser journey's first template draft failed on exactly that)."""
from __future__ import annotations

from analysis.draft_checks import explain, run_checks
from tests.test_draft_checks import FACTS, GOOD


def test_offer_number_equal_to_segment_size_is_no_leak():
    facts = {**FACTS, "segment_size": 15}  # the offer is "15% off with code GLOW15"
    checks = run_checks(GOOD, facts)
    assert checks["no_segment_leak"], explain(GOOD, facts)


def test_segment_size_outside_the_offer_still_fails():
    facts = {**FACTS, "segment_size": 15}
    leak = {**GOOD, "body": GOOD["body"].replace("It has been a while", "You are one of 15 customers we miss")}
    assert run_checks(leak, facts)["no_segment_leak"] is False
    brand_num = {**facts, "brand": "Studio 15", "segment_size": 15}
    good = {k: v.replace("Emberly", "Studio 15") for k, v in GOOD.items()}
    assert run_checks(good, brand_num)["no_segment_leak"], explain(good, brand_num)
