"""The Shop settings page and what it changes elsewhere, through AppTest on a fresh copy of the demo per test:
Start my shop, name and currency (money on the Overview), who may change what, and the Data page's demo choice."""
import shutil

import pytest

from analysis import shop, store
from tests.app_pages import open_app


@pytest.fixture
def shop_db(demo_file, tmp_path, monkeypatch):
    path = tmp_path / "shop.duckdb"
    shutil.copy(demo_file, path)
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    monkeypatch.setenv("SHOPLENS_DB", str(path))
    return path


def _state(at):
    """The app's own connection (the test may not open the file a second time while the app holds it)."""
    from dashboard import state
    return state.cursor()


def button(at, label):
    return next(b for b in at.button if b.label == label)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_admin_sets_name_and_currency_overview_follows(shop_db):
    at = open_app("views/shop_settings.py", role="admin")
    assert at.title[0].value == "Shop settings"
    assert any("Demo data" in c.value for c in at.caption)
    at.text_input[1].set_value("Fig & Cedar")  # the Name and currency form (the first is Start my shop's)
    at.selectbox[1].set_value("EUR")
    button(at, "Save").click().run()
    assert not at.exception and not at.error
    assert shop.settings(_state(at))["currency"] == "EUR"
    at.switch_page("views/overview.py").run()
    assert metric(at, "Net revenue").startswith("€") and metric(at, "Avg order value").startswith("€")
    assert "£" not in metric(at, "Net revenue")
    assert any("Fig & Cedar" in m.value for m in at.sidebar.markdown)


def test_start_my_shop_needs_the_tick_then_removes_the_demo(shop_db):
    at = open_app("views/shop_settings.py", role="admin")
    button(at, "Start my shop").click().run()  # without the tick: nothing happens
    assert any("Tick the box" in w.value for w in at.warning)
    assert shop.has_demo(_state(at))
    at.checkbox(key="start_shop_sure").check()
    button(at, "Start my shop").click().run()
    assert not at.exception and not at.error
    con = _state(at)
    assert not shop.has_demo(con) and shop.started(con)
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
    assert any("Your shop has started" in s.value for s in at.success)
    assert not any("Demo data" in c.value for c in at.caption)
    at.switch_page("views/overview.py").run()
    assert not at.exception and not any("Demo" in c.value for c in at.caption)


def test_analyst_sees_the_page_but_cannot_change_name_or_currency(shop_db):
    at = open_app("views/shop_settings.py", role="analyst")
    assert not at.exception
    assert at.text_input[0].disabled and at.selectbox[0].disabled  # no Start my shop form for analysts
    assert any("An admin starts the shop" in c.value for c in at.caption)
    pid = [t for t in at.text_input if t.label == "Product id"][0]
    name = [t for t in at.text_input if t.label == "Display name"][0]
    pid.set_value("85123A")
    name.set_value("Heart T-light holder")
    button(at, "Save product name").click().run()
    assert not at.exception and not at.error
    assert shop.product_names(_state(at))["display_name"].tolist() == ["Heart T-light holder"]


def test_marketer_has_no_settings_page(shop_db):
    at = open_app(role="marketer")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/shop_settings.py")


def test_data_page_asks_replace_or_append_while_the_demo_is_stored(shop_db):
    at = open_app("views/data.py", role="analyst")
    radio = at.radio(key="upload_mode_demo")
    assert radio.value is None  # no default: the user must choose
    assert [o.split(":")[0] for o in radio.options] == ["Replace", "Append"]
    history = at.dataframe[1].value
    assert history["demo"].all() and len(history) == 2  # both demo uploads are marked in the load history
    assert "still holds the demo shop" in radio.label
    con = _state(at)
    shop.start_shop(con, "t")
    from dashboard import state
    state.invalidate()
    at.run()
    assert at.radio(key="upload_mode").value == "append"


def test_campaign_brand_defaults_to_the_shop_name(shop_db):
    at = open_app(role="admin")
    shop.set_name(_state(at), "Fig & Cedar", "t")
    from dashboard import state
    state.invalidate()
    at.switch_page("views/campaigns.py").run()
    assert not at.exception
    assert at.text_input(key="campaign_brand").value == "Fig & Cedar"
    at.text_input(key="campaign_brand").input("=HYPERLINK(1)").run()  # a typed brand follows the shop-name rules
    assert not at.exception
    assert any("spreadsheet runs as a formula" in e.value for e in at.error)
    assert not any("Facts records" in e.label for e in at.expander)  # nothing is drafted with it


PAGES = ["overview", "data", "feedback", "models_page", "segments", "cohorts", "customers", "campaigns", "replies",
         "fairness", "share", "shop_settings", "admin"]


def test_every_page_renders_right_after_start_my_shop_on_an_empty_database(tmp_path, monkeypatch):
    """The state a new owner lands in: started, named, EUR, no rows at all. No page may fail or mention the demo."""
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    monkeypatch.setenv("SHOPLENS_DB", str(path))
    con = store.connect(path)
    shop.start_shop(con, "t", name="Fig & Cedar", currency_code="EUR")
    con.close()
    for page in PAGES:
        at = open_app(f"views/{page}.py", role="admin")
        assert not at.exception and not at.error, (page, [e.value for e in at.exception], [e.value for e in at.error])
        assert not any("Demo data" in c.value for c in at.caption), page
