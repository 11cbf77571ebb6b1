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
TINY_TRAIN = {"label_limit": 30, "weak_per_class": {}, "heldback_n": 0, "min_per_class": 2, "min_per_topic": 2,
              "fast_max_length": 64, "device": "cpu"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A tiny shop (21 unlabelled reviews) whose active model is a tiny Fast model trained by the page's own recipe
    ($SHOPLENS_HOME/train.json), so a Retrain from the page is gated on the same test reviews."""
    home = tmp_path_factory.mktemp("fb_home")
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLENS_HOME", str(home))
    mp.setenv("SHOPLENS_DB", str(home / "f.duckdb"))
    mp.setenv("SHOPLENS_CLASSIFY_BATCH", "8")  # three batches land
    (home / "train.json").write_text(json.dumps(TINY_TRAIN))
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
