"""End to end in headless Chromium, as a new shop owner: fresh home (the demo, marked "Demo data") -> Shop settings ->
Start my shop with a name and EUR -> load an own orders export -> the Overview shows € and no demo note."""
from __future__ import annotations

import os

import pytest

from tests.browser_app import add_user, metric_value, sign_in, start_my_shop

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOPLENS_SHOTS")  # a folder to keep the screenshots in, for a person to look at


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_start_my_shop_then_overview_in_euro(page, app_url, app_home, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, app_url, *add_user(app_home, "owner", "admin"))
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Overview")
    expect(page.get_by_text("Demo data").first).to_be_visible()
    assert metric_value(page, "Net revenue").startswith("£")

    more = page.get_by_test_id("stSidebarNavViewButton")  # past ten pages the sidebar folds the rest away
    if more.count() and "more" in more.inner_text().lower():
        more.click()
    page.get_by_role("link", name="Shop settings").click()
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Shop settings")
    shot(page, "shop_1_settings_demo.png")
    start_my_shop(page, "Fig & Cedar")
    shot(page, "shop_2_started.png")

    csv = tmp_path / "my_orders.csv"  # another shop's export: no order or product ids, amounts in euro
    csv.write_text("customer_id,order_date,quantity,amount,country\n"
                   "C1,2025-03-01,1,1234.50,Germany\nC2,2025-03-02,2,80.00,France\n"
                   "C1,2025-04-11,1,45.50,Germany\n", encoding="utf-8")
    page.get_by_role("link", name="Data").click()
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Data")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(csv))
    page.get_by_role("button", name="Load into orders").click()  # no demo left: no replace-or-append question
    expect(page.get_by_text("3 stored")).to_be_visible()

    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_test_id("stMetric").filter(has_text="Net revenue").first).to_be_visible()
    page.wait_for_timeout(500)
    revenue = metric_value(page, "Net revenue")
    assert revenue.startswith("€") and "£" not in revenue, revenue
    assert metric_value(page, "Avg order value").startswith("€")
    expect(page.get_by_text("Demo data")).to_have_count(0)
    expect(page.get_by_text("Demo linkage")).to_have_count(0)
    shot(page, "shop_3_overview_eur.png")
