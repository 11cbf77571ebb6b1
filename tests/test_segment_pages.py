"""The Segments, Cohorts and Customers pages through Streamlit's AppTest on the demo database."""
from tests.app_pages import open_app as run_page


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_segments_page(demo_db):
    at = run_page("views/segments.py")
    assert at.title[0].value == "Segments"
    assert metric(at, "Customers") == "4,339"
    assert len(at.get("plotly_chart")) >= 4  # treemap, grid, shares, sankey
    summary = at.dataframe[0].value
    assert summary["customers"].sum() == 4339 and len(summary) == 11
    at.selectbox(key="segments_drill").set_value("Lost").run()
    assert not at.exception
    assert any("Lowest recency" in c.value for c in at.caption)


def test_cohorts_page(demo_db):
    at = run_page("views/cohorts.py")
    assert at.title[0].value == "Cohorts"
    assert metric(at, "Customers") == "4,339"
    assert metric(at, "Cohorts") == "13"
    at.segmented_control(key="cohorts_measure").set_value("Revenue per customer").run()
    assert not at.exception


def test_customers_page(demo_db):
    at = run_page("views/customers.py")
    assert at.title[0].value == "Customers"
    at.text_input(key="customers_search").input("12347").run()
    assert not at.exception
    assert at.subheader[0].value.startswith("Customer 12347")
    assert metric(at, "Orders") == "7"
    assert any("bought together with" in str(v) for v in at.dataframe[0].value["reason"])
    assert "Hit-rate@10, co-purchase" in [m.label for m in at.metric]
