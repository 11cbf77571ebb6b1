"""Fairness audit: hand-checked group metrics, small groups flagged, mitigation on a constructed gap, the audit end to
end on a tiny model, the segment audit by country, the CLI and the Fairness page."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

from models import fairness

PAGE = str(Path(__file__).resolve().parent.parent / "dashboard" / "views" / "fairness.py")


def test_group_metrics_by_hand():
    # group a: 4 reviews, 2 negative; predicted negative for 3 (one false alarm) -> TPR 1, FPR 1/2, selection 3/4
    # group b: 2 reviews, 1 negative; predicted negative for none -> TPR 0, FPR 0, selection 0
    y = ["negative", "negative", "positive", "neutral", "negative", "positive"]
    p = ["negative", "negative", "negative", "neutral", "positive", "positive"]
    g = ["a", "a", "a", "a", "b", "b"]
    df = fairness.group_metrics(y, p, g, min_group=3).set_index("group")
    assert df.loc["a", "n"] == 4 and df.loc["a", "n_negative"] == 2
    assert df.loc["a", "accuracy"] == pytest.approx(3 / 4) and df.loc["b", "accuracy"] == pytest.approx(1 / 2)
    assert df.loc["a", "selection_rate"] == pytest.approx(3 / 4) and df.loc["b", "selection_rate"] == 0
    assert (df.loc["a", "tpr"], df.loc["a", "fpr"]) == (1.0, 0.5)
    assert (df.loc["b", "tpr"], df.loc["b", "fpr"]) == (0.0, 0.0)
    # macro-F1 of a: negative F1 = 2*1*(2/3)/(1+2/3) = 0.8, neutral 1, positive 0 -> 0.6
    assert df.loc["a", "macro_f1"] == pytest.approx(0.6)
    assert not df.loc["a", "small"] and df.loc["b", "small"]  # b has 2 < 3 reviews: listed, flagged

    gaps = fairness.gaps(y, p, g, min_group=1, min_class=1, n_perm=0)
    assert gaps["dp_diff"] == pytest.approx(0.75)  # 3/4 - 0
    assert gaps["eo_diff"] == pytest.approx(1.0)  # max(TPR range 1, FPR range 0.5)
    yn, pn = np.array(y) == "negative", np.array(p) == "negative"
    assert gaps["dp_diff"] == pytest.approx(demographic_parity_difference(yn, pn, sensitive_features=g))
    assert gaps["eo_diff"] == pytest.approx(equalized_odds_difference(yn, pn, sensitive_features=g))
    codes = np.array([0 if x == "a" else 1 for x in g])
    assert fairness._fast_diffs(yn, pn, codes, 2) == pytest.approx((0.75, 1.0))  # the permutation test's own copy

    strict = fairness.gaps(y, p, g, min_group=3, min_class=1, n_perm=0)
    assert strict["dp_diff"] is None and strict["small_groups"] == ["b"]  # one reliable group: no gap claimed
    assert strict["dp_diff_all_groups"] == pytest.approx(0.75)  # still reported over all groups


def test_bands():
    assert [fairness.age_band(a) for a in (18, 29, 30, 45, 59, 60, 99, None, "x")] == \
        ["18-29", "18-29", "30-39", "40-49", "50-59", "60+", "60+", "unknown", "unknown"]
    assert fairness.length_band("word " * 39) == "<40 words" and fairness.length_band("w " * 80) == "80+ words"


def _constructed(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two groups with the same truth; the model under-scores negatives of group b (P(negative) shifted down)."""
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(n) < 0.5, "a", "b")
    neg = rng.random(n) < 0.4
    score = np.clip(np.where(neg, rng.normal(0.75, 0.15, n), rng.normal(0.25, 0.15, n)), 0.01, 0.99)
    score = np.where(g == "b", np.clip(score - 0.25, 0.01, 0.99), score)
    p = pd.DataFrame({"p_negative": score, "p_neutral": (1 - score) * 0.2, "p_positive": (1 - score) * 0.8})
    p["pred"] = np.where(score >= np.maximum(p["p_neutral"], p["p_positive"]), "negative", "positive")
    truth = pd.DataFrame({"y_true": np.where(neg, "negative", "positive"), "group": g})
    return truth, p


def test_mitigation_reduces_a_constructed_gap():
    val, pv = _constructed(4000, 1)
    thr, target = fairness.fit_thresholds(val["y_true"], pv["p_negative"], pv["pred"], val["group"])
    assert set(thr) == {"a", "b"} and thr["b"] < thr["a"]  # b needs a lower bar to catch its negatives
    test, pt = _constructed(4000, 2)  # fresh data from the same process
    after = fairness.apply_thresholds(pt["pred"], pt, test["group"], thr)
    before_gap = fairness.gaps(test["y_true"], pt["pred"], test["group"], n_perm=0)["eo_diff"]
    after_gap = fairness.gaps(test["y_true"], after, test["group"], n_perm=0)["eo_diff"]
    assert before_gap > 0.2 and after_gap < before_gap / 3
    acc0, acc1 = (np.mean(test["y_true"].to_numpy() == x) for x in (pt["pred"].to_numpy(), after))
    assert acc1 > acc0 - 0.05  # the gap closes at little accuracy cost here

    dp_thr, _ = fairness.fit_thresholds(val["y_true"], pv["p_negative"], pv["pred"], val["group"],
                                        constraint="demographic_parity")
    dp_after = fairness.apply_thresholds(pt["pred"], pt, test["group"], dp_thr)
    assert fairness.gaps(test["y_true"], dp_after, test["group"], n_perm=0)["dp_diff"] < \
        fairness.gaps(test["y_true"], pt["pred"], test["group"], n_perm=0)["dp_diff"]


def test_gate_leaves_groups_alone_without_a_real_gap():
    val, pv = _constructed(4000, 3)
    same = pd.Series(np.where(np.arange(4000) % 2, "x", "y"))  # groups unrelated to the model's errors
    fair_p = pv.copy()
    fair_p["p_negative"] = np.where(val["y_true"] == "negative", 0.8, 0.2)  # a model equally right for all
    fair_p["pred"] = np.where(fair_p["p_negative"] >= 0.5, "negative", "positive")
    thr, _ = fairness.fit_thresholds(val["y_true"], fair_p["p_negative"], fair_p["pred"], same)
    assert thr == {}
    res = fairness.gaps(val["y_true"], pv["pred"], same, n_perm=100)
    assert res["eo_p"] > 0.05 and res["eo_chance"] is not None  # a chance-level gap is called chance


@pytest.fixture(scope="module")
def tiny_folder(demo_db):
    """The backbone with untrained heads saved as an active model: a real ReviewClassifier, small, on CPU."""
    from models import registry
    from models.classifier import ClassifierConfig, ReviewClassifier

    clf = ReviewClassifier.from_backbone(ClassifierConfig(version="vfair-test"), device="cpu")
    folder = registry.models_root() / "all" / "vfair-test"
    clf.save_pretrained(folder, card={"version": "vfair-test", "metrics": {}})
    registry.activate("sentiment", folder, {"metrics": {"sentiment": {"macro_f1": 0.0}}})
    return folder


_AUDIT_DATA = fairness.audit_data  # the real one, also while a test replaces it with tiny_data


def tiny_data() -> dict:
    """60 hand-read test reviews and 80 rating-derived ones."""
    from models.data import clothing_reviews, load_labels

    labels = [r for r in load_labels() if r["split"] == "test"][:60]
    hb = clothing_reviews().iloc[5000:5080]
    return _AUDIT_DATA(labels, heldback_frame=hb)


def test_audit_end_to_end_on_a_tiny_model(tiny_folder):
    from models.classifier import ReviewClassifier

    clf = ReviewClassifier.from_pretrained(tiny_folder, device="cpu")  # ~10 s of CPU for 140 reviews
    audit = fairness.run_audit(clf, tiny_data(), min_group=10, min_class=3, n_perm=20)
    assert audit["overall"]["test"]["n"] == 60 and set(audit["gaps"]) == {"test", "heldback"}
    ages = {r["group"]: r for r in audit["groups"]["test"]["age_band"]}
    assert sum(r["n"] for r in ages.values()) == 60
    assert all(r["small"] == (r["n"] < 10) for r in ages.values())
    assert set(audit["mitigation"]) == set(fairness.MITIGABLE) and "mitigation_forced" in audit
    path = fairness.save_audit(tiny_folder, audit)
    assert fairness.load_audit(tiny_folder)["model_version"] == "vfair-test" and path.name == "fairness.json"
    card = (tiny_folder / "README.md").read_text()
    assert "Fairness audit" in card and "age_band" in card
    assert json.loads((tiny_folder / "metrics.json").read_text())["fairness"]["n_test"] == 60
    summary = fairness.summary(audit)
    assert {"age_band_eo_diff", "eo_diff_after", "accuracy_after"} <= set(summary)


def test_switch_is_stored_and_applies_thresholds(tiny_folder):
    from models.classifier import ReviewClassifier

    assert fairness.load_settings()["enabled"] is False
    clf = ReviewClassifier.from_pretrained(tiny_folder, device="cpu")
    assert fairness.scoring_mitigation(clf) is None
    audit = fairness.load_audit(tiny_folder)
    audit["mitigation"]["length_band"]["thresholds"] = {"<40 words": 0.0}  # everything short becomes negative
    fairness.save_audit(tiny_folder, audit)
    fairness.save_settings(True, "length_band", who="test")
    try:
        m = fairness.scoring_mitigation(clf)
        assert m is not None and m.tag == "fair-length_band"
        texts = ["Love it.", "This is a long review " * 20]
        preds = clf.predict(texts)
        out = m.apply(texts, pd.DataFrame({"customer_age": [30, 40], "category": ["Knits", "Knits"]}), preds)
        assert out[0]["sentiment"] == "negative" and out[1]["sentiment"] in ("negative", "neutral", "positive")
    finally:
        fairness.save_settings(False, "age_band", who="test")


def test_segment_audit_by_country(demo_con):
    from analysis import fairness_segments as fs
    from analysis import recommend

    clv_df, clv_info = fs.clv_by_country(demo_con, horizon_days=91)
    assert clv_df.loc[~clv_df["pooled"], "customers"].sum() == clv_info["customers"]
    assert clv_df.iloc[0]["country"] == "United Kingdom" and not clv_df.iloc[0]["small"]
    assert clv_df["pooled"].sum() == 1 and clv_df.loc[clv_df["pooled"], "customers"].iloc[0] == \
        clv_df.loc[clv_df["small"] & ~clv_df["pooled"], "customers"].sum()
    assert clv_info["mae_gap"]["gap"] is not None and clv_info["mae_gap"]["gap_all"] >= clv_info["mae_gap"]["gap"]
    rec_df, rec_info = fs.recommend_by_country(demo_con, horizon_days=91)
    ev = recommend.evaluate(demo_con, rec_info["cutoff"], 91)
    assert rec_info["hit_rate"] == pytest.approx(ev["hit_rate_copurchase"])  # the same split as recommend.evaluate
    ok = rec_df.dropna(subset=["hit_rate_low"])
    assert ((ok["hit_rate_low"] <= ok["hit_rate"] + 1e-9) & (ok["hit_rate"] <= ok["hit_rate_high"] + 1e-9)).all()


def test_cli_fairness(tiny_folder, demo_db, tmp_path, monkeypatch, capsys):
    from dashboard.cli import main

    monkeypatch.setattr(fairness, "audit_data", tiny_data)
    out = tmp_path / "fair.json"
    rc = main(["--db", str(demo_db), "fairness", "--device", "cpu", "--out", str(out), "--horizon-days", "91"])
    line = capsys.readouterr().out.strip()
    assert rc == 0 and len(line.splitlines()) == 1
    res = json.loads(line)
    assert res["model_version"] == "vfair-test" and res["hit_rate_gap"] is not None and res["out"] == str(out)
    full = json.loads(out.read_text())
    assert {"classifier", "segments"} <= set(full) and full["segments"]["clv"]["by_country"]


def test_cli_fairness_without_a_model(tmp_path, monkeypatch, capsys):
    from dashboard.cli import main

    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    assert main(["--db", str(tmp_path / "none.duckdb"), "fairness", "--skip-segments"]) == 2
    assert "No sentiment model is active" in capsys.readouterr().err


def test_fairness_page(tiny_folder, demo_db):
    from streamlit.testing.v1 import AppTest

    if fairness.load_audit(tiny_folder) is None:
        from models.classifier import ReviewClassifier

        fairness.save_audit(tiny_folder, fairness.run_audit(ReviewClassifier.from_pretrained(tiny_folder, "cpu"),
                                                            tiny_data(), min_group=10, min_class=3, n_perm=20))
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state["auth_user"] = {"username": "test", "role": "admin"}
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Fairness"
    assert [s.value for s in at.subheader] == ["Review classifier", "Mitigation: per-group thresholds",
                                               "Segments by country"]
    assert len(at.dataframe) >= 5
    at.toggle(key="fair_on").set_value(True).run()
    assert not at.exception
    assert fairness.load_settings()["enabled"] is True
    at.radio(key="fair_dataset").set_value("heldback").run()
    at.selectbox(key="fair_feature").set_value("length_band").run()
    assert not at.exception
    at.toggle(key="fair_on").set_value(False).run()
    assert fairness.load_settings()["enabled"] is False


def test_fairness_page_marketer_cannot_switch(tiny_folder, demo_db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state["auth_user"] = {"username": "m", "role": "marketer"}
    at.run()
    assert not at.exception
    assert at.toggle(key="fair_on").disabled and at.button(key="fair_run").disabled


def test_scoring_uses_the_switched_on_thresholds(tiny_folder, tmp_path):
    from analysis import store
    from models.classifier import ReviewClassifier
    from models.scoring import ActiveModels, score_database

    audit = fairness.load_audit(tiny_folder) or fairness.run_audit(
        ReviewClassifier.from_pretrained(tiny_folder, "cpu"), tiny_data(), min_group=10, min_class=3, n_perm=0)
    audit["mitigation"]["length_band"]["thresholds"] = {"<40 words": 0.0}
    fairness.save_audit(tiny_folder, audit)
    con = store.connect(tmp_path / "s.duckdb")
    con.execute("INSERT INTO reviews (review_id, text, title, rating, customer_age) VALUES "
                "('r1', 'Love it, so soft', 'Great', 5, 33), ('r2', ?, NULL, 4, 61)", ["A long review. " * 30])
    fairness.save_settings(True, "length_band", who="test")
    try:
        res = score_database(con, ActiveModels(tiny_folder, device="cpu"))
    finally:
        fairness.save_settings(False, "age_band", who="test")
    got = dict(con.execute("SELECT review_id, sentiment FROM review_labels").fetchall())
    details = con.execute("SELECT details FROM audit_log WHERE action = 'score_reviews'").fetchone()[0]
    con.close()
    assert res["scored"] == 2 and got["r1"] == "negative"  # short review: threshold 0 makes it negative
    assert "length_band" in str(details)
