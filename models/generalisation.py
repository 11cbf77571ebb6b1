"""One report for any model's predictions on a labelled set, so in-domain and out-of-domain figures are computed the
same way: 3-class sentiment macro-F1 with per-class F1, balanced binary accuracy (gold negative vs positive reviews,
neutral gold excluded; a 'neutral' prediction counts as wrong) and topic macro-F1 over topics present in the set."""
from __future__ import annotations

import numpy as np

from models.data import SENTIMENTS
from models.metrics import sentiment_report, topic_report


def topic_matrix(recs: list[dict], topics: list[str]) -> np.ndarray:
    """(N, K) topic presence from the hand-read labels (polarity ignored)."""
    return np.array([[1 if t in (r.get("topics") or {}) else 0 for t in topics] for r in recs],
                    np.int64).reshape(len(recs), len(topics))


def balanced_binary(gold: list[str], pred: list[str]) -> dict:
    """Mean of recall on gold-negative and gold-positive reviews (gold neutral left out)."""
    g, p = np.asarray(gold), np.asarray(pred)
    rn = float(np.mean(p[g == "negative"] == "negative")) if (g == "negative").any() else 0.0
    rp = float(np.mean(p[g == "positive"] == "positive")) if (g == "positive").any() else 0.0
    return {"balanced_accuracy": (rn + rp) / 2, "recall_negative": rn, "recall_positive": rp,
            "n": int((g == "negative").sum() + (g == "positive").sum())}


def report(recs: list[dict], sentiments: list[str], topic_pred: np.ndarray, topics: list[str]) -> dict:
    """Every figure for one model on one labelled set; topic_pred is the (N, K) 0/1 matrix in `topics` order."""
    gold = [r["sentiment"] for r in recs]
    s = sentiment_report(gold, list(sentiments), list(SENTIMENTS))
    t = topic_report(topic_matrix(recs, topics), np.asarray(topic_pred), list(topics))
    return {"n": len(recs), "n_neutral": int(sum(g == "neutral" for g in gold)),
            "sentiment_macro_f1": s["macro_f1"], "per_class_f1": {c: v["f1"] for c, v in s["per_class"].items()},
            "balanced_binary": balanced_binary(gold, list(sentiments))["balanced_accuracy"],
            "topic_macro_f1": t["macro_f1"], "per_topic_f1": {k: v["f1"] for k, v in t["per_topic"].items()
                                                              if v["support"] > 0}}


def classifier_report(clf, recs: list[dict]) -> dict:
    """report() for a ReviewClassifier (its own topic thresholds)."""
    from models.text import clean

    sent, top = clf.predict_proba([clean(r["text"])[0] for r in recs])
    pred = [clf.config.sentiments[k] for k in sent.argmax(1)]
    return report(recs, pred, (top >= clf.thresholds()).astype(int), clf.config.topics)


def tfidf_lr_reports(train: list[dict], sets: dict[str, list[dict]], topics: list[str]) -> dict:
    """TF-IDF (word 1-2 grams) + class-balanced logistic regression fitted on the hand-read train labels only, then
    reported on each named set."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    x = vec.fit_transform([r["text"] for r in train])
    lr = LogisticRegression(max_iter=2000, class_weight="balanced", C=4.0).fit(x, [r["sentiment"] for r in train])
    y = topic_matrix(train, topics)
    heads = [LogisticRegression(max_iter=2000, class_weight="balanced", C=4.0).fit(x, y[:, k])
             if 0 < y[:, k].sum() < len(y) else None for k in range(len(topics))]
    out = {}
    for name, recs in sets.items():
        xt = vec.transform([r["text"] for r in recs])
        tp = np.stack([h.predict(xt) if h is not None else np.zeros(len(recs), np.int64) for h in heads], 1)
        out[name] = report(recs, list(lr.predict(xt)), tp, topics)
    return out
