"""Each page through Streamlit's AppTest on the demo database (built once for the module)."""
import datetime as dt

from tests.app_pages import open_app as run_app


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_overview_shows_kpis_and_charts(demo_db):
    at = run_app()
    assert at.title[0].value == "Overview"
    assert metric(at, "Orders") == "20,726"
    assert metric(at, "Customers") == "4,339"
    assert metric(at, "Reviews") == "23,486"
    assert any("Demo linkage" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 4


def test_overview_date_filter_changes_every_figure(demo_db):
    at = run_app()
    full = {m.label: m.value for m in at.metric}
    at.date_input(key="overview_range").set_value((dt.date(2011, 1, 1), dt.date(2011, 3, 31))).run()
    assert not at.exception
    q1 = {m.label: m.value for m in at.metric}
    assert all(q1[k] != full[k] for k in ("Net revenue", "Orders", "Customers", "Reviews"))
    assert int(q1["Orders"].replace(",", "")) < int(full["Orders"].replace(",", ""))


def test_data_page_lists_tables_and_history(demo_db):
    at = run_app("views/data.py")
    assert at.title[0].value == "Data"
    tables = at.dataframe[0].value
    assert dict(zip(tables["table"], tables["rows"], strict=False))["orders"] == 535303
    history = at.dataframe[1].value
    assert set(history["table_name"]) == {"orders", "reviews"}
    assert (history["rows_in"] == history["accepted"] + history["rejected"]).all()
