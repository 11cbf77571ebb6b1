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


def test_segment_customer_export_neutralises_formula_ids(demo_file, tmp_path, monkeypatch):
    """Finding 2 through the app: customer IDs stored as formulas (loaded before the ingest refused them, or the
    ones it lets through such as "-2+3") leave the Segments page's customer export as text, never as formulas."""
    import csv
    import io
    import shutil

    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    from analysis import rfm, store
    from tests.hostile.formulas import PAYLOADS, looks_live

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_file, path)
    con = store.connect(path)
    champions = rfm.rfm_table(con).query("segment == 'Champions'")["customer_id"].tolist()[:len(PAYLOADS)]
    for cid, p in zip(champions, PAYLOADS, strict=True):
        con.execute("UPDATE orders SET customer_id = ? WHERE customer_id = ?", [p.value, cid])
    con.close()
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    monkeypatch.setenv("SHOPLENS_DB", str(path))
    stores: list[MemoryMediaFileStorage] = []

    class Keeping(MemoryMediaFileStorage):  # AppTest drops its media store after each run: keep it to read downloads
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Keeping)
    at = run_page("views/segments.py")
    at.selectbox(key="segments_drill").set_value("Champions").run()
    assert not at.exception
    url = next(b for b in at.get("download_button") if b.key == "segments_export").proto.url
    data = stores[-1].get_file(url.rsplit("/", 1)[1]).content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    ids = [r[0] for r in rows[2:]]  # line 1: the provenance comment, line 2: the header
    assert {"'" + p.value.replace("\r", "\n") for p in PAYLOADS} <= {i.replace("\r", "\n") for i in ids}
    assert not [c for r in rows[1:] for c in r if looks_live(c)]
