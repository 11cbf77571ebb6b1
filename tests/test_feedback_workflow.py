"""The honest feedback workflow (issues 18 and 19) through AppTest on a tiny shop: the button classifies every waiting
review in the background, and a corrected clear error changes that review's label after a Fast retrain on CPU."""
from __future__ import annotations

import json

import pytest

from analysis import store
from dashboard import classify_job
from models.train import config_defaults, train
from tests.app_pages import open_app

FLIMSY = ("flimsy", None, "High hopes, but tiny and flimsy", 1)
REVIEWS = [("love", "Love it", "So soft and the colour is gorgeous", 5),
           ("small", None, "Runs small, fabric is thin", 2), ("meh", "Meh", "It is okay, nothing special", 3),
           ("late", None, "Arrived late and the box was crushed", 1), ("fit", None, "Fits perfectly, very flattering", 5)]
# The seed picks which 30 hand-read labels the tiny model sees. Whether a 30-label model misreads the flimsy review
# depends on that draw, and every change to the label set moves it, so the fixture takes the first seed whose model
# gets the review wrong (the precondition of the correction test, asserted there too) instead of a fixed one.
TINY_TRAIN = {"label_limit": 30, "weak_per_class": {}, "heldback_n": 0, "min_per_class": 2, "min_per_topic": 2,
              "fast_max_length": 64, "device": "cpu"}
SEEDS = range(1, 25)


def _seed_that_misreads_flimsy(home) -> int:
    """The first seed whose tiny model does not call the flimsy review negative (candidates never activated)."""
    from models.classifier import ReviewClassifier

    for seed in SEEDS:
        (home / "train.json").write_text(json.dumps({**TINY_TRAIN, "seed": seed}))
        res = train(config_defaults(mode="fast", task="sentiment"), activate="never")
        if ReviewClassifier.from_pretrained(res["path"], "cpu").predict([FLIMSY[2]])[0]["sentiment"] != "negative":
            return seed
    pytest.fail(f"every tiny model of seeds {SEEDS.start}-{SEEDS.stop - 1} reads the flimsy review right")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A tiny shop (21 unlabelled reviews) whose active model is a tiny Fast model trained by the page's own recipe
    ($SHOPLENS_HOME/train.json), so a Retrain from the page is gated on the same test reviews."""
    home = tmp_path_factory.mktemp("fb_home")
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLENS_HOME", str(home))
    mp.setenv("SHOPLENS_DB", str(home / "f.duckdb"))
    mp.setenv("SHOPLENS_CLASSIFY_BATCH", "8")  # three batches land
    seed = _seed_that_misreads_flimsy(home)
    (home / "train.json").write_text(json.dumps({**TINY_TRAIN, "seed": seed}))  # the page's Retrain uses it too
    first = train(config_defaults(mode="fast"))
    con = store.connect(home / "f.duckdb")
    con.execute("INSERT INTO orders (order_id, customer_id, order_date, quantity, unit_price, line_total) "
                "VALUES ('o1', 'c1', TIMESTAMP '2024-01-01', 1, 10, 10)")  # not empty: the app builds no demo shop
    rows = [FLIMSY] + [(f"{rid}-{i}", t, x, r) for i in range(4) for rid, t, x, r in REVIEWS]
    con.executemany("INSERT INTO reviews (review_id, title, text, rating, created_at, category) VALUES "
                    "(?, ?, ?, ?, TIMESTAMP '2024-03-01', 'Tops')", rows)
    yield con, home / "f.duckdb", first
    classify_job.wait(str(home / "f.duckdb"), timeout=120)
    con.close()
    mp.undo()


def labels(con) -> dict[str, tuple[str, str]]:
    """review_id -> (sentiment, model_version) as the classifier wrote them (no correction applied)."""
    return {r[0]: (r[1], r[2]) for r in con.execute("SELECT review_id, sentiment, model_version FROM review_labels")
            .fetchall()}


def test_classify_button_classifies_every_waiting_review_in_the_background(shop):
    con, path, first = shop
    at = open_app("views/feedback.py")
    button = at.button(key="fb_classify")
    assert button.label == "Classify reviews (21 waiting)"
    button.click()
    at.run()
    job = classify_job.current(str(path))
    assert job is not None and job.total == 21
    classify_job.wait(str(path), timeout=120)
    assert job.phase == "done", job.error
    assert job.written == 21 and job.batches == 3 and job.rate() > 0
    got = labels(con)
    assert len(got) == 21 and {v for _, v in got.values()} == {first["version"]}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Classified 21 reviews" in s.value for s in at.success)
    assert any("21 classified reviews" in c.value for c in at.caption)  # the charts read the new labels


def test_correcting_a_clear_error_changes_that_reviews_label_after_a_fast_retrain(shop):
    """Issue 19's Done-when: 1 star "High hopes, but tiny and flimsy" labelled positive, corrected to negative on the
    page, Fast retrain on CPU -> the new model is activated and labels that review negative itself."""
    from models import registry
    from models.classifier import ReviewClassifier
    from models.scoring import ActiveModels, score_database

    con, path, first = shop
    classify_job.wait(str(path), timeout=120)
    score_database(con, ActiveModels(device="cpu"))  # labels from the active model (a no-op after the test above)
    active = ReviewClassifier.from_pretrained(registry.active("sentiment")["path"], "cpu")
    assert active.predict([FLIMSY[2]])[0]["sentiment"] != "negative"  # the active model itself gets it wrong
    # the label the shipped starter gave it (issue 18); the tiny model's own wrong answer depends on the label set
    con.execute("UPDATE review_labels SET sentiment = 'positive' WHERE review_id = 'flimsy'")

    at = open_app("views/feedback.py")
    at.selectbox(key="fb_fix_id").set_value("flimsy")
    at.run()
    at.selectbox(key="fb_fix_sentiment:flimsy").set_value("negative")
    at.button(key="fb_fix_save").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value.startswith("Expected time:") for c in at.caption)  # stated before the run, from measurements
    at.radio(key="fb_mode").set_value("fast")
    at.button(key="fb_retrain").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    done = at.session_state["fb_retrained"]
    assert done["corrections"] == 1 and "sentiment" in done["activated"], done["why"]
    card = json.loads((registry.models_root() / "all" / done["version"] / "metrics.json").read_text())
    assert card["corrections"]["sentiment"] == {"total": 1, "fixed": 1, "wrong": []}
    assert {"embed_seconds", "fit_seconds", "evaluate_seconds"} <= set(card["phases"])
    assert any("Training finished" in s.label for s in at.status)
    phases = " ".join(done["phases"])  # every phase listed with its time, as the page shows them
    for name in ("embedding reviews", "sentiment head, C=", "evaluating on the", "comparing with the active model"):
        assert name in phases, phases
    assert any("activated" in m.value for m in at.markdown)  # the reason, in words

    classify_job.wait(str(path), timeout=120)  # the page relabels every review with the activated model
    sentiment, version = labels(con)["flimsy"]
    assert sentiment == "negative" and version.startswith(done["version"])  # "<sentiment>+<topics>" when they differ


def test_drivers_highlight_the_words_behind_a_label(shop):
    """Occlusion: the words credited most are those whose removal makes the model least sure of the label."""
    from dashboard import review_evidence
    from models import registry
    from models.classifier import ReviewClassifier
    from models.drivers import explain

    clf = ReviewClassifier.from_pretrained(registry.active("sentiment")["path"], "cpu")
    text = "Lovely colour. Arrived late and the box was crushed, fabric ripped after one wash"
    d = explain(clf, text, sentiment="negative")
    assert d.label == "negative" and len(d.words) == len(d.weights) == len(text.split())
    assert d.phrases and all(f > 0 for _, f in d.phrases) and d.top_words()
    strongest = d.phrases[0][0]
    without = text.replace(strongest, "").replace("  ", " ")
    p_without = clf.predict([without])[0]["sentiment_scores"]["negative"]
    assert p_without < d.probability  # dropping the top phrase lowers the label's probability, as credited
    md = review_evidence.highlighted(d, "red")
    assert md.count(":red-background[") == len(d.top_words())
    assert explain(clf, "", sentiment="negative") is None
    topic = explain(clf, text, topic=clf.config.topics[0])
    assert topic is not None and topic.label == clf.config.topics[0]


def test_a_clicked_point_selects_the_reviews_behind_it():
    import pandas as pd

    from dashboard import review_evidence

    class Event:  # the shape st.plotly_chart(on_select="rerun") returns
        selection = type("S", (), {"points": [{"x": "2024-03-01", "customdata": ["2024-03-01T00:00:00", "negative"]}]})

    pick = review_evidence.clicked(Event(), ["month", "sentiment"])
    assert pick == {"month": "2024-03-01T00:00:00", "sentiment": "negative"}
    months = pd.Series(pd.to_datetime(["2024-03-05", "2024-04-01", "2024-03-31"]))
    assert review_evidence.same_group(months, pick["month"], "month").tolist() == [True, False, True]
    assert review_evidence.same_group(pd.Series([101, 102]), "101", "product_id").tolist() == [True, False]
    assert review_evidence.clicked(type("E", (), {"selection": type("S", (), {"points": []})})(), ["m", "s"]) is None
