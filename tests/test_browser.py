"""End to end in headless Chromium: a person uploads a CSV on the Data page and sees Overview numbers change."""
from __future__ import annotations

import pytest

from tests.browser_app import add_user, metric_value, sign_in

pytestmark = pytest.mark.browser


def test_upload_changes_overview(page, app_url, app_home, tmp_path):
    from playwright.sync_api import expect

    sign_in(page, app_url, *add_user(app_home, "uploader", "analyst"))
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Overview")
    expect(page.get_by_test_id("stMetric").filter(has_text="Orders").first).to_be_visible()
    before = int(metric_value(page, "Orders").replace(",", ""))

    csv = tmp_path / "new_orders.csv"
    csv.write_text("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                   "900001,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2011-06-01 10:00:00,2.55,99901,Norway\n"
                   "900002,71053,WHITE METAL LANTERN,2,2011-06-02 10:00:00,3.39,99902,Norway\n"
                   "900003,71053,WHITE METAL LANTERN,-2,2011-06-02 10:00:00,3.39,99902,Norway\n")
    page.get_by_role("link", name="Data").click()
    expect(page.get_by_test_id("stHeading").first).to_contain_text("Data")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(csv))
    page.get_by_text("Append: add this file to the demo's rows").click()  # the demo is stored: a required choice
    page.get_by_role("button", name="Load into orders").click()
    expect(page.get_by_text("2 stored")).to_be_visible()
    expect(page.get_by_text("1 rejected", exact=False).first).to_be_visible()
    expect(page.get_by_text("quantity: -2.0 is negative").first).to_be_attached()  # a grid cell (canvas table)

    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_test_id("stMetric").filter(has_text="Orders").first).to_be_visible()
    page.wait_for_timeout(500)
    after = int(metric_value(page, "Orders").replace(",", ""))
    assert after == before + 2
