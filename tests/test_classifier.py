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
def home(model_home):
    return model_home


TINY = dict(batch_size=8, weak_per_class={"negative": 4, "neutral": 4, "positive": 4}, heldback_n=30, min_per_class=2,
            min_per_topic=2, device="cpu", max_length=32, fast_max_length=32)


@pytest.fixture(scope="module")
def tiny(home):
    """One tiny full fine-tune (a few dozen examples, 1 epoch, 64 tokens, warm-started heads) shared below."""
    return train(TrainConfig(mode="finetune", epochs=1, eval_every=3, **TINY), labels=tiny_labels(30, 12))


def test_tiny_training_end_to_end(tiny, home):
    folder = tiny["path"]
    assert folder.startswith(str(home / "models" / "all"))
    card = open(os.path.join(folder, "README.md")).read()
    for part in ("Base model", "bottom 4 layers", "Macro-F1", "Confusion matrix", "Hyper-parameters", "balanced accuracy",
                 "Trained"):
        assert part in card
    card_json = json.load(open(os.path.join(folder, "metrics.json")))
    m = card_json["metrics"]
    assert card_json["mode"] == "finetune" and card_json["history"][0]["step"] == 0  # warm-started heads evaluated
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


def test_kept_layers_are_the_backbones_bottom_layers(tiny):
    """A four-layer model computes exactly the full backbone's bottom four layers, and its folder rebuilds four."""
    import torch

    from models import backbone
    from models.classifier import ClassifierConfig

    assert ReviewClassifier.from_pretrained(tiny["path"], "cpu").net.encoder.config.num_hidden_layers == 4
    small = ReviewClassifier.from_backbone(ClassifierConfig(pooling="layers", encoder_layers=4), "cpu")
    assert len(small.net.encoder.encoder.layer) == 4
    enc = small.tokenizer(["Runs small, size up.", "Gorgeous colour but thin"], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = backbone.load_encoder().eval()(**enc, output_hidden_states=True).hidden_states
        m = enc["attention_mask"].unsqueeze(-1).float()
        want = (torch.stack(hidden[1:5]).mean(0) * m).sum(1) / m.sum(1)
        np.testing.assert_allclose(small.net.pool(enc["input_ids"], enc["attention_mask"]).numpy(), want.numpy(),
                                   atol=1e-5)
    assert small.cache_name() != ReviewClassifier.from_backbone(ClassifierConfig(pooling="layers"), "cpu").cache_name()


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


def test_language_rule_keeps_telegraphic_english_and_catches_other_languages():
    """Short reviews often hold no English function word; they must still be classified (13 demo reviews were not)."""
    for t in ("Lovely soft sweater, fits well.", "Great quality, fast shipping, highly recommend",
              "Beautiful sweater, perfect length, surprisingly warm", "Petite dress, très chic, love it"):
        assert text.clean(t)[1] == "", t
    for t in ("Das Kleid ist sehr schön aber die Größe passt nicht", "El vestido es muy bonito pero la talla es pequeña",
              "Il vestito è molto bello ma la taglia non va bene", "De jurk is heel mooi maar de maat is niet goed",
              "O vestido é muito bonito mas o tamanho não serve", BAD_ROWS["french"]):
        assert text.clean(t)[1].startswith("not English"), t


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


def test_fast_training_fills_and_reuses_the_embedding_cache(tiny, home):
    from models.classifier import ReviewClassifier

    cfg = TrainConfig(mode="fast", **TINY)
    first = train(cfg, labels=tiny_labels(), activate="never")
    clf = ReviewClassifier.from_pretrained(first["path"], "cpu")
    assert clf.config.frozen_encoder and clf.config.lexicon and set(clf.config.topic_thresholds) == set(clf.config.topics)
    cache = home / "cache" / "embeddings" / clf.cache_name()
    assert (cache / "keys.npy").exists() and (cache / "emb.npy").exists()
    before = len(np.load(cache / "keys.npy"))
    second = train(cfg, labels=tiny_labels(), activate="never")
    assert second["version"] != first["version"] and len(np.load(cache / "keys.npy")) == before  # all cache hits
    assert second["sentiment_macro_f1"] == pytest.approx(first["sentiment_macro_f1"])
    texts = ["Runs small, size up.", "Arrived late in a torn box"]
    np.testing.assert_allclose(clf.predict_proba(texts)[0],
                               ReviewClassifier.from_pretrained(second["path"], "cpu").predict_proba(texts)[0], atol=1e-5)


def test_heads_match_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    from models.heads import fit_sentiment, fit_topics, oof_topic_thresholds

    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 1).astype(int)
    coef, bias = fit_sentiment(x, y, np.ones(len(y)), 3)
    ref = LogisticRegression(max_iter=2000, class_weight="balanced").fit(x, y)
    assert ((x @ coef.T + bias).argmax(1) == ref.predict(x)).all()
    two, _ = fit_sentiment(x, (x[:, 0] > 0).astype(int), np.ones(len(y)), 3)  # a class never seen: weight 0
    assert not two[2].any()
    yt = np.stack([x[:, 2] > 0, np.zeros(len(x), bool)], 1).astype(int)
    tc, tb = fit_topics(x, yt, np.ones(len(x)))
    assert tc[0].any() and not tc[1].any() and tb[1] < -5  # a topic without positives: low prior, no weights
    thr, oof = oof_topic_thresholds(x, yt)
    assert thr.shape == (2,) and 0 < thr[0] < 1 and oof.shape == yt.shape


def test_starter_model_installs_and_classifies(tmp_path, monkeypatch):
    from models import starter
    from models.scoring import ActiveModels

    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    assert starter.available() and registry.active("sentiment") is None
    models = ActiveModels(device="cpu")  # nothing active: the shipped starter is installed and activated
    assert models.version.endswith("-starter") and registry.active("topics")["path"] == registry.active("sentiment")["path"]
    out = models.predict(["I love this dress, the colour is gorgeous", "Fell apart after one wash, returned it", ""])
    assert out[0]["sentiment"] == "positive" and out[1]["sentiment"] == "negative" and out[2]["sentiment"] == "unknown"
    card = open(os.path.join(registry.active("sentiment")["path"], "README.md")).read()
    assert "starter model shipped in the repo" in card
    assert starter.ensure_active() is None  # only once


def test_score_newest_first_with_limit(tiny, db):
    from models.scoring import ActiveModels, score_database

    con, _ = db
    con.execute("INSERT INTO reviews (review_id, text, rating, created_at) VALUES ('old', 'Too small', 2, "
                "TIMESTAMP '2020-01-01'), ('new', 'So soft', 5, TIMESTAMP '2024-01-01'), ('mid', 'Fine', 3, "
                "TIMESTAMP '2022-01-01')")
    models = ActiveModels(tiny["path"], device="cpu")
    first = score_database(con, models, limit=2)
    assert first["scored"] == 2 and first["remaining"] == 1
    assert {r[0] for r in con.execute("SELECT review_id FROM review_labels").fetchall()} == {"new", "mid"}
    assert score_database(con, models)["scored"] == 1


def test_train_json_overrides(home):
    from models.train import config_defaults

    (home / "train.json").write_text('{"label_limit": 30, "weak_per_class": {}, "not_a_field": 1}')
    try:
        cfg = config_defaults(mode="fast")
        assert cfg.label_limit == 30 and cfg.weak_per_class == {} and cfg.mode == "fast"
        (home / "train.json").write_text("{oops")
        with pytest.raises(ShoplensError, match="not valid JSON"):
            config_defaults()
    finally:
        (home / "train.json").unlink()
