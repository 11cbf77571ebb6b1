"""End to end in headless Chromium: a person starts classifying the demo reviews on the Feedback page (in the
background, with the shipped starter model installed on the way), stops it after the first batches, corrects one
label, retrains, and sees the before/after metrics."""
from __future__ import annotations

import json
import os
import re

import pytest

from tests.browser_app import add_user, app_home, app_url, idle, page, sign_in  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def tiny_training(app_home):  # noqa: F811
    """Before the app starts: Retrain reads $SHOPLENS_HOME/train.json, here a tiny fast run (seconds on 2 cores), and
    the background classifier commits batches of 40 (the app inherits the environment)."""
    (app_home / "train.json").write_text(json.dumps({"label_limit": 30, "weak_per_class": {}, "heldback_n": 0,
                                                     "min_per_class": 2, "min_per_topic": 2, "fast_max_length": 64}))
    old = os.environ.get("SHOPLENS_CLASSIFY_BATCH")
    os.environ["SHOPLENS_CLASSIFY_BATCH"] = "40"
    yield
    if old is None:
        os.environ.pop("SHOPLENS_CLASSIFY_BATCH", None)
    else:
        os.environ["SHOPLENS_CLASSIFY_BATCH"] = old


def type_choice(page, widget_test_id: str, label: str, option: str) -> None:  # noqa: F811
    """Pick an option in a Streamlit select box by typing it, as a keyboard user does."""
    idle(page)
    page.get_by_test_id(widget_test_id).filter(has_text=label).first.locator("input").click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    idle(page)


def test_correct_a_label_and_retrain(page, app_url, app_home):  # noqa: F811
    from playwright.sync_api import expect

    sign_in(page, app_url, *add_user(app_home, "fb-admin", "admin"))
    page.get_by_role("link", name="Feedback").click()
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Feedback")

    page.get_by_role("button", name=re.compile(r"Classify reviews \(23,4\d\d waiting\)")).click()
    expect(page.get_by_text(re.compile(r"Classifying in the background: .* [1-9][\d,]* saved"))).to_be_visible()
    page.get_by_role("button", name="Stop", exact=True).click()  # the first batches are enough for this test
    expect(page.get_by_text(re.compile(r"Stopped: [1-9][\d,]* of 23,4\d\d reviews were classified"))).to_be_visible()

    expect(page.get_by_text("Correct one review")).to_be_visible()
    type_choice(page, "stSelectbox", "Correct sentiment", "neutral")
    type_choice(page, "stMultiSelect", "Correct topics", "price_value")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Save correction", exact=True).click()
    expect(page.get_by_text(re.compile(r"Saved [12] correction"))).to_be_visible()
    # the form starts from the review's own topics, so price_value is added to them
    expect(page.get_by_text(re.compile(r"Now: sentiment neutral, topics (\S+\|)?price_value"))).to_be_visible()

    idle(page)
    page.get_by_role("button", name="Retrain", exact=True).click()
    expect(page.get_by_text(re.compile(r"Training finished in \d+ s")).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"trained with 1 correction"))).to_be_visible()
    expect(page.get_by_text("before (active)")).to_be_attached()
