"""Feedback classifier: tiny end-to-end training on CPU, save/load, classify via the CLI, scoring, bad inputs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ShoplensError
from models import registry, text
from models.classifier import ReviewClassifier
from models.data import load_labels
from models.train import TrainConfig, train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAD_ROWS = {
    "empty": "",
    "spaces": "   \n\t ",
    "emoji": "😍😍🔥👍",
    "french": "Ce pantalon est beaucoup trop petit et la couleur ne ressemble pas du tout à la photo",
    "russian": "Платье очень красивое, но размер маломерит",
    "huge": "This dress is lovely and fits well. " * 1500,  # ~54,000 characters
    "html": "<div><p>Terrible <b>quality</b>, the fabric ripped after one wash&nbsp;&amp; I returned it.</p></div>",
    "fine": "I love this sweater, so soft and the colour is beautiful.",
}


def tiny_labels(n_train: int = 40, n_test: int = 16) -> list[dict]:
    recs = load_labels()
    out = []
    for split, n in (("train", n_train), ("test", n_test)):
        part = [r for r in recs if r["split"] == split]
        for cls in ("negative", "neutral", "positive"):  # a few of each class, whatever the shard order
            out += [r for r in part if r["sentiment"] == cls][: n // 3 + (n % 3 if cls == "negative" else 0)]
    return out


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    h = tmp_path_factory.mktemp("shoplens_home")
    old = os.environ.get("SHOPLENS_HOME")
    os.environ["SHOPLENS_HOME"] = str(h)
    yield h
    if old is None:
        os.environ.pop("SHOPLENS_HOME", None)
    else:
        os.environ["SHOPLENS_HOME"] = old


@pytest.fixture(scope="module")
def tiny(home):
    """One tiny training run (a few dozen examples, 1 epoch) shared by the tests below."""
    cfg = TrainConfig(epochs=1, batch_size=8, weak_per_class={"negative": 4, "neutral": 4, "positive": 4},
                      heldback_n=30, min_per_class=2, min_per_topic=2, device="cpu")
    return train(cfg, labels=tiny_labels())


def test_tiny_training_end_to_end(tiny, home):
    folder = tiny["path"]
    assert folder.startswith(str(home / "models" / "all"))
    card = open(os.path.join(folder, "README.md")).read()
    for part in ("Base model", "Macro-F1", "Confusion matrix", "Hyper-parameters", "balanced accuracy", "Trained"):
        assert part in card
    m = json.load(open(os.path.join(folder, "metrics.json")))["metrics"]
    assert set(m) == {"sentiment", "topics", "heldback_binary"}
    assert 0.0 <= m["sentiment"]["macro_f1"] <= 1.0 and len(m["sentiment"]["confusion"]) == 3
    assert set(tiny["activated_for"]) == {"sentiment", "topics"}
    assert registry.active("sentiment")["path"] == folder
    assert not any(p.name.endswith(".partial") for p in (home / "models" / "all").iterdir())


def test_save_load_round_trip(tiny, tmp_path):
    a = ReviewClassifier.from_pretrained(tiny["path"], "cpu")
    a.save_pretrained(tmp_path / "copy")
    b = ReviewClassifier.from_pretrained(tmp_path / "copy", "cpu")
    texts = ["Runs small, size up.", "Gorgeous colour but the fabric is thin", "Arrived late in a torn box"]
    for x, y in zip(a.predict_proba(texts), b.predict_proba(texts), strict=True):
        np.testing.assert_allclose(x, y, atol=1e-5)
    assert b.config.topic_thresholds == a.config.topic_thresholds
    out = b.predict(texts)
    assert all(o["sentiment"] in ("negative", "neutral", "positive") and 0 <= o["score"] <= 1 for o in out)


def test_bad_inputs_get_unknown_with_reason(tiny):
    clf = ReviewClassifier.from_pretrained(tiny["path"], "cpu")
    got = dict(zip(BAD_ROWS, clf.predict(list(BAD_ROWS.values())), strict=True))
    assert got["empty"]["reason"] == got["spaces"]["reason"] == "empty text"
    assert "emoji" in got["emoji"]["reason"]
    assert "not English" in got["french"]["reason"] and "not English" in got["russian"]["reason"]
    for k in ("empty", "spaces", "emoji", "french", "russian"):
        assert got[k]["sentiment"] == "unknown" and got[k]["score"] is None
    for k in ("huge", "html", "fine"):
        assert got[k]["sentiment"] in ("negative", "neutral", "positive") and got[k]["reason"] == ""


def test_text_cleaning():
    assert text.clean("<p>Too&nbsp;<b>small</b></p>")[0] == "Too small"
    assert len(text.clean("a b " * 30000)[0]) <= text.MAX_CHARS
    assert text.clean(None) == ("", "empty text")
    assert text.clean(float("nan")) == ("", "empty text")
    assert text.join("Nice", "Fits well") == "Nice. Fits well"


def shoplens(*args, home):
    env = {**os.environ, "PYTHONPATH": ROOT, "SHOPLENS_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT)


def test_classify_csv_via_cli(tiny, home, tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"id": list(range(len(BAD_ROWS))), "review": list(BAD_ROWS.values())}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    r = shoplens("classify", str(src), "--text-column", "review", "--out", str(out), home=home)  # active model
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["rows"] == len(BAD_ROWS) and summary["unknown"] == 5 and summary["classified"] == 3
    df = pd.read_csv(out, keep_default_na=False)
    assert list(df.columns[:2]) == ["id", "review"]
    for col in ("sentiment", "sentiment_score", "topics", "topic_quality", "topic_fit_size", "reason"):
        assert col in df.columns
    assert set(df["sentiment"]) <= {"negative", "neutral", "positive", "unknown"}
    assert (df.loc[df["sentiment"] == "unknown", "reason"] != "").all()

    r = shoplens("classify", str(src), "--text-column", "text", "--out", str(out), home=home)
    assert r.returncode == 2 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
    assert 'Column "text" is not in in.csv' in r.stderr and "review" in r.stderr


def test_missing_and_corrupt_model_folder(tiny, tmp_path):
    with pytest.raises(ShoplensError, match="No model folder"):
        ReviewClassifier.from_pretrained(tmp_path / "nope")
    bad = tmp_path / "bad"
    shutil.copytree(tiny["path"], bad)
    (bad / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ShoplensError, match="corrupt"):
        ReviewClassifier.from_pretrained(bad)
    (bad / "shoplens_classifier.json").unlink()
    with pytest.raises(ShoplensError, match="incomplete"):
        ReviewClassifier.from_pretrained(bad)


def test_too_few_labels_for_a_class(home):
    recs = [r for r in tiny_labels() if r["sentiment"] != "neutral"]
    before = registry.active("sentiment")
    with pytest.raises(ShoplensError, match="Too few hand-read labels.*neutral has 0"):
        train(TrainConfig(epochs=1), labels=recs)
    assert registry.active("sentiment") == before  # a refused run leaves the active model in place


def test_activation_only_when_not_worse(tiny):
    cur = registry.active("sentiment")["metric"]
    assert registry.should_activate("sentiment", {"metrics": {"sentiment": {"macro_f1": cur - 0.01}}})[0] is False
    assert registry.should_activate("sentiment", {"metrics": {"sentiment": {"macro_f1": cur}}})[0] is True


def test_score_only_new_or_changed(tiny, db):
    from models.scoring import ActiveModels, score_database

    con, _ = db
    con.execute("INSERT INTO reviews (review_id, text, title, rating) VALUES ('r1', 'Love it, so soft', 'Great', 5),"
                " ('r2', 'Runs small and the fabric is thin', NULL, 2), ('r3', '', NULL, 3)")
    models = ActiveModels(tiny["path"], device="cpu")
    first = score_database(con, models)
    assert first["scored"] == 3 and first["unknown"] == 1
    assert score_database(con, models)["scored"] == 0
    con.execute("UPDATE reviews SET text = 'Changed my mind, returned it' WHERE review_id = 'r1'")
    again = score_database(con, models)
    assert again["scored"] == 1 and again["skipped_unchanged"] == 2
    rows = con.execute("SELECT review_id, sentiment, topics, topic_scores FROM review_labels ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == ["r1", "r2", "r3"] and rows[2][1] == "unknown"
