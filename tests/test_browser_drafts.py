"""End to end in headless Chromium: a marketer signs in, generates a campaign draft, fixes and approves it, and
downloads it as CSV and .eml. Generation uses four new tokens, so the copy is the person's own edit."""
from __future__ import annotations

import csv
import email
import email.policy
import io
import os

import pytest

from analysis.config import REPO_ROOT
from analysis.draft_checks import CHECKS
from tests.browser_app import add_user, app_home, app_url, choose, page, sign_in  # noqa: F401

pytestmark = pytest.mark.browser
PASSWORD = "draft-test-password-1"
BODY = ("Hi {{ first_name }},\n\nIt has been a while, so here is something to welcome you back: 15% off with code "
        "THANKS15 on your next order. We would love to see you again.\n\nThe our shop team")


@pytest.fixture(scope="module", autouse=True)
def ready_home(app_home):  # noqa: F811
    """Before the app starts: a signed-up analyst, the model writers offered, and the base copy model linked from
    the repo's cache."""
    from models.generator_base import ensure_base

    add_user(app_home, "drafter", "analyst", PASSWORD)
    os.environ["SHOPLENS_EXPERIMENTAL_WRITERS"] = "1"  # the app inherits it: this test drives the model writer
    link = app_home / "models" / "generator" / "base"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(ensure_base(REPO_ROOT / ".shoplens" / "models" / "generator" / "base"), target_is_directory=True)
    yield app_home
    os.environ.pop("SHOPLENS_EXPERIMENTAL_WRITERS", None)


def test_generate_approve_download(page, app_url, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    sign_in(page, app_url, "drafter", PASSWORD)
    page.get_by_role("link", name="Campaigns").click()
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Campaigns")
    brand = page.get_by_role("textbox", name="Brand", exact=True)  # the demo has no shop name: the page asks
    brand.fill("our shop")
    brand.press("Enter")
    expect(page.get_by_text("Facts for At risk")).to_be_visible()

    # this test drives the model path: a 4-token draft the person fixes
    choose(page, page.get_by_role("combobox", name="Writer"), "model (experimental)", exact=True)
    page.wait_for_timeout(300)

    for label, value in (("Candidates per segment", "1"), ("Max new tokens (0 = default)", "4")):
        box = page.get_by_role("spinbutton", name=label, exact=True)
        box.fill(value)
        box.press("Enter")
        page.wait_for_timeout(300)
    page.get_by_role("button", name="Generate drafts").click()
    expect(page.get_by_text("1 drafts written and stored")).to_be_visible(timeout=180_000)
    expect(page.get_by_text("checks failed").first).to_be_visible()  # four tokens: the checks say what is missing
    expect(page.get_by_text("Written by").first).to_contain_text("model")
    expect(page.get_by_text("Experimental writer")).to_be_visible()  # the blind reading's figures, before any send

    page.get_by_role("textbox", name="Subject", exact=True).fill("A little thank you from our shop")
    page.get_by_role("textbox", name="Preheader", exact=True).fill("Something for your next order")
    page.get_by_role("textbox", name="Call to action", exact=True).fill("Shop now")
    page.get_by_role("textbox", name="Body", exact=True).fill(BODY)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved and saved.")).to_be_visible()
    expect(page.get_by_text(f"All {len(CHECKS)} checks passed")).to_be_visible()

    with page.expect_download() as dl:
        page.locator(".st-key-campaign_dl_drafts_csv button").click()
    path = tmp_path / "drafts.csv"
    dl.value.save_as(path)
    [row] = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert row["subject"] == "A little thank you from our shop" and row["checks_passed"] == "True"
    assert row["segment"] == "At risk" and "THANKS15" in row["body"]

    choose(page, page.get_by_label("Merge tag style"), "mailchimp")
    page.wait_for_timeout(500)
    with page.expect_download() as dl:
        page.locator(".st-key-campaign_dl_eml button").click()
    msg = email.message_from_bytes(open(dl.value.path(), "rb").read(), policy=email.policy.default)
    assert msg["Subject"] == "A little thank you from our shop"
    assert msg.get_body(("plain",)).get_content().startswith("Hi *|FNAME|*,")
