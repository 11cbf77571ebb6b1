"""The generalisation measure of issue 19: the out-of-domain loader on the real file (and a damaged copy), the report
arithmetic on a hand-checked case, the TF-IDF baseline on the real labels, and the fine-tune's dev split."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import ShoplensError
from models.data import load_labels
from models.finetune_e2e import class_weights, split_dev
from models.generalisation import balanced_binary, report, tfidf_lr_reports
from models.ood import OOD_FILE, load_ood


def test_ood_set_loads_as_documented():
    recs = load_ood()
    assert len(recs) == 375
    counts = {s: sum(r["sentiment"] == s for r in recs) for s in ("negative", "neutral", "positive")}
    assert counts == {"negative": 178, "neutral": 4, "positive": 193}
    assert all(r["split"] == "ood" and r["text"].strip() for r in recs)


def test_damaged_ood_file_names_the_line_and_is_left_alone(tmp_path):
    lines = OOD_FILE.read_text().splitlines()
    bad = tmp_path / "ood.jsonl"
    bad.write_text("\n".join(lines[:2] + [lines[2].replace('"positive"', '"great"', 1)] + lines[3:5]) + "\n")
    before = bad.read_bytes()
    with pytest.raises(ShoplensError, match="line 3"):
        load_ood(bad)
    assert bad.read_bytes() == before  # the loader only reads
    bad.write_text(lines[0] + "\n{not json\n")
    with pytest.raises(ShoplensError, match="line 2"):
        load_ood(bad)
    with pytest.raises(ShoplensError, match="No out-of-domain"):
        load_ood(tmp_path / "missing.jsonl")


def test_report_arithmetic_on_a_hand_checked_case():
    recs = [{"sentiment": "negative", "topics": {"quality": "negative"}},
            {"sentiment": "positive", "topics": {}},
            {"sentiment": "neutral", "topics": {"quality": "mixed"}},
            {"sentiment": "positive", "topics": {"fit_size": "positive"}}]
    pred = ["negative", "neutral", "neutral", "positive"]
    tp = np.array([[1, 0], [0, 0], [0, 0], [0, 1]])
    r = report(recs, pred, tp, ["quality", "fit_size"])
    assert r["balanced_binary"] == pytest.approx((1.0 + 0.5) / 2)  # a neutral answer to a positive review is wrong
    assert r["per_class_f1"]["negative"] == 1.0
    assert r["per_class_f1"]["neutral"] == pytest.approx(2 / 3)  # precision 1/2, recall 1
    assert r["per_class_f1"]["positive"] == pytest.approx(2 / 3)
    assert r["topic_macro_f1"] == pytest.approx((2 / 3 + 1.0) / 2)
    assert r["n_neutral"] == 1
    assert balanced_binary(["neutral"], ["positive"])["n"] == 0


def test_tfidf_baseline_is_reported_in_and_out_of_domain():
    recs = load_labels()
    train = [r for r in recs if r["split"] == "train"]
    test = [r for r in recs if r["split"] == "test"][:300]
    out = tfidf_lr_reports(train, {"test": test, "ood": load_ood()}, ["quality", "fit_size", "effectiveness"])
    assert out["test"]["balanced_binary"] > 0.75  # it learnt something in domain
    assert 0.5 < out["ood"]["balanced_binary"] < out["test"]["balanced_binary"]  # and loses some of it outside
    assert set(out["ood"]["per_class_f1"]) == {"negative", "neutral", "positive"}


def test_dev_split_is_carved_from_train_only_and_stratified():
    train = [r for r in load_labels() if r["split"] == "train"]
    fit, dev = split_dev(train)
    assert not {r["id"] for r in fit} & {r["id"] for r in dev}
    assert len(fit) + len(dev) == len(train)
    for s in ("negative", "neutral", "positive"):
        share = sum(r["sentiment"] == s for r in dev) / sum(r["sentiment"] == s for r in train)
        assert share == pytest.approx(0.15, abs=0.01)
    assert split_dev(train)[1] == dev  # seeded
    w = class_weights(np.array([0, 0, 0, 1, 2, 2]))
    assert w.tolist() == pytest.approx([6 / 9, 2.0, 1.0])


def test_the_fine_tune_never_opens_the_ood_set():
    import inspect

    import models.finetune_e2e as ft

    src = inspect.getsource(ft)
    assert "models.ood" not in src and "ood_reviews" not in src and "load_ood" not in src
