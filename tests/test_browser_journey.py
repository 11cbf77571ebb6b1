"""The new-user journey of issue 18 in headless Chromium, clicked through as a new shop owner would:

fresh home (the demo) -> sign in as the admin -> Start my shop ("Pedal & Spoke", EUR, the demo removed) -> upload an
orders export of another shop generated here (customer_id, order_date, quantity, amount: no product, order or country
columns; a few identical repeat lines) and a reviews export (text, rating, no customers) on the Data page -> every
page in the navigation renders with no error box and no "£" -> classify the reviews in the background -> Campaigns:
a draft for a segment -> the CSV export names the shop and holds nothing of the demo.

Every page is screenshotted into the test's folder (and copied to $SHOPLENS_SHOTS when set) for a person to look at.
"""
from __future__ import annotations

import csv
import io
import os
import random
import re
import shutil
from datetime import date, timedelta

import pytest

from tests.browser_app import add_user, choose, idle, metric_value, sign_in, start_my_shop

pytestmark = pytest.mark.browser
SHOP = "Pedal & Spoke"
OWNER, PASSWORD = "pedal-owner", "journey-pass-18"
# every page in the navigation, in its order, with the heading it shows (an admin sees them all)
PAGES = ["Overview", "Data", "Feedback", "Models", "Segments", "Cohorts", "Customers", "Campaigns", "Replies",
         "Fairness", "Share", "Shop settings", "Admin"]
# words that only the demo shop (UCI Online Retail in £, women's clothing reviews, its linkage) would put on a page
# (case-sensitive whole words: "address" is no dress)
DEMO_WORDS = ("£", "&pound;", "GBP", "Demo data", "Demo linkage", "demo linkage", "our shop", "Dresses", "Blouses",
              "Knits", "Intimates", "T-LIGHT", "HANGING HEART", "United Kingdom")
REVIEWS = [  # (rating, text) of a bicycle shop; a few of each kind so the classifier has something to sort
    (5, "The gravel bike arrived perfectly tuned and rides beautifully. Delivery was quick."),
    (5, "Great advice on frame size, the fit is spot on and the saddle is comfortable."),
    (4, "Good value for the price, the brakes needed a small adjustment but work well now."),
    (1, "The rear wheel was buckled on arrival and nobody answered my emails for a week."),
    (2, "You charged my card twice for the same helmet, please refund it."),
    (3, "The lights are fine, nothing special. Packaging was a bit flimsy."),
    (5, "Lovely staff, fast repair service and a fair price for the new chain."),
    (1, "Parcel never arrived and the tracking number does not work. Very disappointed."),
    (4, "The panniers are waterproof and sturdy, only the straps are a little short."),
    (2, "The pedals squeak after two rides, quality is poor for what I paid."),
    (5, "Best bike shop online, the e-bike battery lasts longer than promised."),
    (3, "Delivery took ten days, the tyres themselves are okay."),
]


def orders_export(folder) -> tuple:
    """(path, lines, repeat lines): a year and a half of another shop's order lines in euro, with no order ids, no
    product ids and no countries; three lines appear twice, as the same customer buying the same thing again the
    same day (a real export without order ids writes them so)."""
    rng = random.Random(18)
    start = date(2024, 3, 1)
    rows = []
    for c in range(1, 81):
        first = start + timedelta(days=rng.randrange(0, 400))
        for k in range(rng.choice([1, 1, 2, 3, 4, 6])):
            day = first + timedelta(days=k * rng.randrange(20, 90))
            if day > date(2025, 8, 31):
                break
            qty = rng.choice([1, 1, 1, 2, 3])
            rows.append((f"PS-{c:04d}", day.isoformat(), qty, f"{qty * rng.choice([19.9, 34.5, 89.0, 249.0, 1299.0]):.2f}"))
    repeats = [rows[3], rows[40], rows[90]]
    rows += repeats
    path = folder / "pedal_spoke_orders.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["customer_id", "order_date", "quantity", "amount"])
        w.writerows(rows)
    return path, len(rows), len(repeats)


def reviews_export(folder):
    path = folder / "pedal_spoke_reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "rating"])
        w.writerows((text, rating) for rating, text in REVIEWS)
    return path


@pytest.fixture(scope="module", autouse=True)
def journey_home(app_home):
    """Before the app starts: the shop owner as a user with a known password (a new user reads the one-time admin
    password off the console instead; tests/test_browser_session.py covers that)."""
    add_user(app_home, OWNER, "admin", PASSWORD)
    return app_home


def open_page(page, name: str) -> None:
    from playwright.sync_api import expect

    more = page.get_by_test_id("stSidebarNavViewButton")  # past ten pages the sidebar folds the rest away
    if more.count() and "more" in more.inner_text().lower():
        more.click()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_test_id("stHeading").first).to_contain_text(name)
    idle(page)


class Shots:
    """Full-page screenshots into the test's folder, numbered in the order taken."""

    def __init__(self, folder):
        self.folder, self.n = folder, 0
        folder.mkdir(exist_ok=True)

    def __call__(self, page, name: str) -> None:
        """The whole page: Streamlit scrolls inside its main block, so the window is made as tall as that block."""
        self.n += 1
        size = page.viewport_size
        tall = page.evaluate("Math.max(...['stMain', 'stMainBlockContainer', 'stSidebarContent'].map(t => "
                             "document.querySelector(`[data-testid=${t}]`)?.scrollHeight || 0)) + 120")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall), 12000))})
        page.wait_for_timeout(400)  # charts re-lay themselves out to the new size
        page.screenshot(path=self.folder / f"{self.n:02d}_{name}.png")
        page.set_viewport_size(size)


def page_problems(page, where: str) -> list[str]:
    """What is wrong on the page as shown: a traceback, a red error box, a £ or a word of the demo in its text
    (chart SVG text and the data grids' accessible tables included)."""
    problems = [f"{where}: traceback: {t.inner_text()[:300]}" for t in page.get_by_test_id("stException").all()]
    problems += [f"{where}: error box: {e.inner_text()[:300]}"
                 for e in page.get_by_test_id("stAlertContentError").all()]
    if not page.get_by_test_id("stSidebar").get_by_text(re.compile(r"^[\d,]+ order lines · [\d,]+ reviews$")).count():
        problems.append(f"{where}: the sidebar does not count the stored order lines and reviews")
    html = page.get_by_test_id("stMain").inner_html()
    problems += [f"{where}: '{w}' on the page" for w in DEMO_WORDS if demo_word(w, html)]
    # a missing value printed as Python writes it (in text and charts: the data grids draw on a canvas, so their
    # cells are checked by looking at the screenshots)
    if re.search(r">\s*(None|nan|NaT)\s*<", html):
        problems.append(f"{where}: a cell reads None/nan/NaT")
    return problems


def demo_word(word: str, text: str) -> bool:
    """Whether the word is in the text as a whole word (a symbol such as £ anywhere)."""
    left = r"(?<!\w)" if word[0].isalnum() else ""
    right = r"(?!\w)" if word[-1].isalnum() else ""
    return re.search(left + re.escape(word) + right, text) is not None


def upload(page, table_label: str, path) -> str:
    """Load a file through the Data page as a person does; the report line it shows ("N rows read · M stored …")."""
    from playwright.sync_api import expect

    idle(page)
    choose(page, page.get_by_label("What does the file contain?"), table_label)
    idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    load = page.get_by_role("button", name=re.compile(r"^Load into "))
    expect(load).to_be_enabled()  # no demo left: no replace-or-append question
    idle(page)
    load.click()
    report = page.get_by_text(re.compile(r"rows read · [\d,]+ stored"))
    expect(report).to_be_visible()
    idle(page)
    return report.inner_text()


def test_new_shop_journey(page, app_url, tmp_path):
    from playwright.sync_api import expect

    shots = Shots(tmp_path / "shots")
    try:
        _journey(page, app_url, tmp_path, shots, expect)
    except BaseException:
        shots(page, "failed_here")
        raise
    finally:
        keep = os.environ.get("SHOPLENS_SHOTS")
        if keep:
            shutil.copytree(shots.folder, keep, dirs_exist_ok=True)


def _journey(page, app_url, tmp_path, shots, expect) -> None:
    # fresh home: the demo, marked as such
    sign_in(page, app_url, OWNER, PASSWORD)
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Overview")
    expect(page.get_by_text("Demo data").first).to_be_visible()
    shots(page, "fresh_overview_demo")

    # Start my shop: name, EUR, the demo's rows removed
    open_page(page, "Shop settings")
    start_my_shop(page, SHOP)
    shots(page, "shop_started")

    # the shop's own exports through the Data page
    orders, n_orders, n_repeats = orders_export(tmp_path)
    reviews = reviews_export(tmp_path)
    open_page(page, "Data")
    # identical lines in a file without order ids are repeat purchases: every line is kept
    problems = []  # gathered over the whole journey, so one run names every page that fails
    loaded = upload(page, "Orders (one row per order line)", orders)
    shots(page, "data_orders_loaded")
    if f"{n_orders:,} stored" not in loaded:
        problems.append(f"orders: {loaded} (the file has {n_orders} lines, {n_repeats} of them repeat purchases)")
    loaded = upload(page, "Customer reviews", reviews)
    shots(page, "data_reviews_loaded")
    expect(page.get_by_test_id("stSidebar").get_by_text(f"{len(REVIEWS)} reviews")).to_be_visible()  # not stale
    assert f"{len(REVIEWS):,} stored" in loaded, loaded

    # every page of the navigation, before classifying
    for name in PAGES:
        open_page(page, name)
        problems += page_problems(page, name)
        if name == "Data":  # the sidebar counts what was just loaded, and the demo's rejects are no longer offered
            expect(page.get_by_test_id("stSidebar").get_by_text(f"{n_orders:,} order lines · {len(REVIEWS)} reviews"))\
                .to_be_visible()
            expect(page.get_by_text(re.compile(r"online_retail.* rejected"))).to_have_count(0)
        shots(page, name.lower().replace(" ", "_"))
    open_page(page, "Overview")
    revenue = metric_value(page, "Net revenue")
    assert revenue.startswith("€"), revenue
    expect(page.get_by_text(f"none of the {len(REVIEWS)} stored reviews has a date")).to_be_visible()

    # classify the reviews in the background, and wait for the run to finish
    open_page(page, "Feedback")
    page.get_by_role("button", name=f"Classify reviews ({len(REVIEWS)} waiting)").click()
    expect(page.get_by_text(re.compile(rf"Classified {len(REVIEWS)} reviews with"))).to_be_visible(timeout=120_000)
    idle(page)
    problems += page_problems(page, "Feedback after classifying")
    expect(page.get_by_text(f"{len(REVIEWS)} classified reviews")).to_be_visible()
    # no dates, categories or products in the export: said in words, not drawn as empty axes
    expect(page.get_by_text("these reviews carry no date, category or product id")).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0)
    shots(page, "feedback_classified")
    open_page(page, "Replies")  # the unhappy customers' reviews wait for a reply
    problems += page_problems(page, "Replies after classifying")
    shots(page, "replies_classified")

    # Campaigns: a draft for a segment with the default writer, approved, exported as CSV
    open_page(page, "Campaigns")
    brand = page.get_by_role("textbox", name="Brand", exact=True)
    expect(brand).to_have_value(SHOP)  # the copy signs with the shop's name, set once in Shop settings
    expect(page.get_by_text(re.compile(r"^Facts for .+ · [\d,]+ customers$")).first).to_be_visible()
    segment = page.get_by_text(re.compile(r"^Facts for .+ · [\d,]+ customers$")).first.inner_text()
    expect(page.get_by_placeholder(re.compile("the segment's orders name no products"))).to_be_visible()
    box = page.get_by_role("spinbutton", name="Candidates per segment", exact=True)
    box.fill("1")
    box.press("Enter")
    idle(page)
    problems += page_problems(page, "Campaigns with facts")
    page.get_by_role("button", name="Generate drafts").click()
    written = page.get_by_text(re.compile(r"1 drafts written and stored; \d pass every check"))
    expect(written).to_be_visible()
    idle(page)
    problems += page_problems(page, "Campaigns with a draft")
    shots(page, "campaigns_draft")
    if "; 1 pass every check" in written.inner_text():
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_text("Approved and saved.")).to_be_visible()
    else:  # still export it, to check the file, but the journey has failed
        problems.append(f"Campaigns: the shop's first draft fails a check: {written.inner_text()}")
        page.get_by_text("All shown", exact=True).click()
    idle(page)
    with page.expect_download() as dl:
        page.locator(".st-key-campaign_dl_drafts_csv button").click()
    text = open(dl.value.path(), encoding="utf-8-sig").read()
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["channel"] == "email", row
    assert segment.startswith(f"Facts for {row['segment']} · "), (segment, row["segment"])
    assert SHOP in row["body"], row["body"]  # signed by the shop
    for word in DEMO_WORDS:
        assert not demo_word(word, text), f"the export holds '{word}': {text}"
    idle(page)
    shots(page, "campaigns_exported")
    assert not problems, "\n".join(problems)
