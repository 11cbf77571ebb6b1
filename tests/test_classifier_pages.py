"""Feedback and Models pages through AppTest on a small scored database, and the correction → training-label path."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from analysis import store
from models import feedback
from models.data import load_labels
from models.scoring import ActiveModels, score_database
from models.train import TrainConfig, train
from tests.app_pages import open_app as run_page
from tests.test_classifier import tiny_labels

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REVIEWS = [("a1", "Love it", "So soft and the colour is gorgeous", 5), ("a2", None, "Runs small, fabric is thin", 2),
           ("a3", "Meh", "It is okay, nothing special", 3), ("a4", None, "Arrived late and the box was crushed", 1)]


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    home = tmp_path_factory.mktemp("pages_home")
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLENS_HOME", str(home))
    mp.setenv("SHOPLENS_DB", str(home / "p.duckdb"))
    # Retrain from the page reads these overrides: a tiny fast run (a few seconds on 2 cores)
    (home / "train.json").write_text(json.dumps({"label_limit": 30, "weak_per_class": {}, "heldback_n": 0,
                                                 "min_per_class": 2, "min_per_topic": 2, "fast_max_length": 64,
                                                 "device": "cpu"}))
    res = train(TrainConfig(mode="fast", batch_size=8, weak_per_class={}, heldback_n=0, min_per_class=2,
                            min_per_topic=2, device="cpu", fast_max_length=64), labels=tiny_labels(24, 9))
    con = store.connect(home / "p.duckdb")
    con.execute("INSERT INTO orders (order_id, customer_id, order_date, quantity, unit_price, line_total) "
                "VALUES ('o1', 'c1', TIMESTAMP '2024-01-01', 1, 10, 10)")  # not empty: the app builds no demo shop
    for i, (rid, title, text, rating) in enumerate(REVIEWS * 5):
        con.execute("INSERT INTO reviews (review_id, title, text, rating, created_at, category) VALUES "
                    "(?, ?, ?, ?, TIMESTAMP '2024-01-01' + to_days(CAST(? AS INTEGER)), ?)",
                    [f"{rid}-{i}", title, text, rating, i * 9, "Dresses" if i % 2 else "Tops"])
    score_database(con, ActiveModels(res["path"], device="cpu"))
    yield con, res
    con.close()
    mp.undo()


def test_models_page_lists_versions(app_db):
    _, res = app_db
    at = run_page("views/models_page.py")
    assert at.title[0].value == "Models"
    assert any(m.value == res["version"] for m in at.metric)


def test_feedback_page_and_corrections(app_db):
    con, _ = app_db
    at = run_page("views/feedback.py")
    assert at.title[0].value == "Feedback"
    assert at.button(key="fb_retrain") is not None
    before = feedback.labelled_reviews(con)
    rid = before["review_id"].iloc[0]
    old = before.loc[before["review_id"] == rid, "sentiment"].iloc[0]
    new = "neutral" if old != "neutral" else "negative"
    n = feedback.save_corrections(con, [{"review_id": rid, "field": "sentiment", "old": old, "new": new},
                                        {"review_id": rid, "field": "topics", "old": "", "new": "delivery_packaging"}],
                                  who="tester")
    assert n == 2
    assert con.execute("SELECT who FROM label_corrections WHERE review_id = ?", [rid]).fetchall()[0][0] == "tester"
    after = feedback.labelled_reviews(con)
    assert after.loc[after["review_id"] == rid, "sentiment"].iloc[0] == new
    extra = feedback.corrections_as_labels(con, test_ids=set())
    assert extra and extra[0]["sentiment"] == new and extra[0]["topics"] == {"delivery_packaging": "mixed"}
    assert os.environ["SHOPLENS_HOME"]


def test_correction_then_retrain_through_the_page(app_db):
    """A marketer corrects one review on the Feedback page, retrains, and the correction is in the training data."""
    con, first = app_db
    at = run_page("views/feedback.py", role="admin")
    rid = at.selectbox(key="fb_fix_id").options[0].split(":")[0]
    at.selectbox(key="fb_fix_id").set_value(rid)
    at.run()
    now = next(c.value for c in at.caption if c.value.startswith("Now: sentiment"))  # what the page shows for it
    shown = now.split("**")[1]
    assert at.selectbox(key=f"fb_fix_sentiment:{rid}").value == shown  # the form starts from the current labels
    new = "negative" if shown == "neutral" else "neutral"  # a real change, whatever the model said
    at.selectbox(key=f"fb_fix_sentiment:{rid}").set_value(new)
    at.multiselect(key=f"fb_fix_topics:{rid}").set_value(["price_value"])
    at.button(key="fb_fix_save").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    rows = con.execute("SELECT field, new, who FROM label_corrections WHERE review_id = ? ORDER BY \"at\" DESC",
                       [rid]).fetchall()
    assert ("sentiment", new, "test") in rows and ("topics", "price_value", "test") in rows
    at.radio(key="fb_mode").set_value("fast")
    at.button(key="fb_retrain").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    done = at.session_state["fb_retrained"]
    assert done["corrections"] >= 1 and done["version"] != first["version"]
    assert done["before"]["sentiment macro-F1"] is not None and done["after"]["topic macro-F1"] is not None
    assert any("Training finished" in s.label for s in at.status)


def test_topic_share_says_how_many_reviews_each_share_is_of():
    import pandas as pd

    from models import feedback

    df = pd.DataFrame({"review_id": ["a", "b", "c", "d"], "month": ["m1", "m1", "m1", "m2"],
                       "sentiment": ["negative", "positive", "positive", "positive"],
                       "topics": [["fit_size"], ["fit_size", "comfort"], [], ["comfort"]]})
    out = feedback.topic_share(df, "month").set_index(["month", "topic"])
    assert out.loc[("m1", "fit_size"), "share"] == pytest.approx(2 / 3)
    assert out.loc[("m1", "fit_size"), "negative"] == pytest.approx(0.5)
    assert out.loc[("m2", "comfort"), "share"] == 1.0 and out.loc[("m2", "comfort"), "group_reviews"] == 1
    assert set(out["group_reviews"]) == {3, 1} and feedback.MIN_GROUP_REVIEWS > 1


def test_topic_share_chart_reads_in_months():
    """Several months: a line with month ticks; one month: bars labelled with the month, never a sub-second axis."""
    import pandas as pd

    from dashboard import charts

    rows = [{"month": pd.Timestamp(m), "topic": t, "share": 0.5} for m in ("2011-11-01", "2011-12-01")
            for t in ("fit_size", "comfort")]
    several = charts.topic_share(pd.DataFrame(rows), "month")
    assert several.data[0].type == "scatter" and several.layout.xaxis.tickformat == "%b %Y"
    one = charts.topic_share(pd.DataFrame(rows[2:]), "month")
    assert one.data[0].type == "bar" and list(one.data[0].x) == ["Dec 2011"]
    assert one.layout.yaxis.tickformat == several.layout.yaxis.tickformat == ".0%"


def test_sentiment_colours_read_at_a_glance():
    """Negative is red and positive green in every sentiment chart, whatever order the data comes in."""
    import pandas as pd

    from dashboard import charts

    mix = pd.DataFrame({"month": ["2024-01"] * 3, "sentiment": ["positive", "unknown", "negative"], "reviews": [5, 1, 2]})
    fig = charts.sentiment_mix(mix, "month", "Sentiment per month")
    colours = {t.name: t.marker.color for t in fig.data}
    assert colours == {"negative": "#c0392b", "positive": "#27ae60", "unknown": "#d5d8dc"}
    assert [t.name for t in fig.data] == ["negative", "positive", "unknown"]  # stacked in reading order


def test_models_page_measures_a_version_on_other_shops_once(app_db):
    """The Models page's other-shops section: a button measures the picked version on the shipped hand-read sets
    (real files, the real model), the figures land in its folder, and the next visit shows them without a button;
    `shoplens other-shops` reads the same stored result."""
    from models import other_shops

    _, res = app_db
    at = run_page("views/models_page.py")
    at.selectbox[0].set_value(f"all/{res['version']}")
    at.run()
    key = f"other-shops-{res['path']}"
    assert other_shops.cached(res["path"]) is None and at.button(key=key) is not None
    at.button(key=key).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [b for b in at.button if b.key == key]  # gone as soon as the figures are in
    stored = other_shops.cached(res["path"])
    assert list(stored["sets"]) == ["test", "phones", "restaurants", "grocery"]
    grocery, test = stored["sets"]["grocery"], stored["sets"]["test"]
    assert grocery["reviews"] == 300 and grocery["neutral_reviews"] == 41 and "topic_macro_f1" not in grocery
    assert 0 <= grocery["balanced_binary"] <= 1 and grocery["readers_agree"]["balanced_binary"] == pytest.approx(0.992, abs=5e-4)
    assert grocery["readers_agree"]["sentiment_macro_f1"] == pytest.approx(0.951, abs=5e-4)  # as the README says
    assert test["reviews"] == sum(r["split"] == "test" for r in load_labels()) and "topic_macro_f1" in test
    shown = at.dataframe[-1].value
    assert list(shown["reviews"]) == [test["reviews"], 375, 248, 300]
    assert shown["clear reviews read right"].iloc[3] == pytest.approx(grocery["balanced_binary"])
    again = run_page("views/models_page.py")
    again.selectbox[0].set_value(f"all/{res['version']}")
    again.run()
    assert not [b for b in again.button if b.key == key]  # measured once per version: no button, the same table
    assert again.dataframe[-1].value.equals(shown)
    out = subprocess.run([sys.executable, "-m", "dashboard.cli", "other-shops", "--model", res["path"]],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == stored


def test_other_shops_refuses_a_folder_that_is_no_model_and_remeasures_a_damaged_result(app_db, tmp_path):
    from analysis.errors import ShoplensError
    from models import other_shops

    with pytest.raises(ShoplensError, match="not a saved Shoplens classifier"):
        other_shops.measure(tmp_path)
    assert not list(tmp_path.iterdir())  # nothing written
    (tmp_path / other_shops.RESULT_FILE).write_text("{cut off")
    assert other_shops.cached(tmp_path) is None  # measured again rather than shown
    stale = {"labels_id": "0" * 12, "sets": {}}  # measured on label files an upgrade has since changed
    (tmp_path / other_shops.RESULT_FILE).write_text(json.dumps(stale))
    assert other_shops.cached(tmp_path) is None
    (tmp_path / other_shops.RESULT_FILE).write_text(json.dumps({**stale, "labels_id": other_shops.labels_id()}))
    assert other_shops.cached(tmp_path) == {**stale, "labels_id": other_shops.labels_id()}
