"""Metrics shared by training, baselines and benchmarks, so every figure is computed the same way."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support


def sentiment_report(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict:
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {"n": len(y_true), "labels": list(labels),
            "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if y_true else 0.0,
            "macro_f1": float(np.mean(f)),
            "per_class": {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(n[i])}
                          for i, c in enumerate(labels)},
            "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist()}


def topic_report(y_true: np.ndarray, y_pred: np.ndarray, topics: list[str], thresholds=None) -> dict:
    """Per-topic precision/recall/F1 on presence (polarity ignored); macro-F1 over topics with test examples."""
    per = {}
    for k, t in enumerate(topics):
        p, r, f, _ = precision_recall_fscore_support(y_true[:, k], y_pred[:, k], average="binary", zero_division=0)
        per[t] = {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(y_true[:, k].sum())}
        if thresholds is not None:
            per[t]["threshold"] = round(float(thresholds[k]), 3)
    scored = [v["f1"] for v in per.values() if v["support"] > 0]
    return {"macro_f1": float(np.mean(scored)) if scored else 0.0, "micro_f1":
            float(f1_score(y_true, y_pred, average="micro", zero_division=0)), "per_topic": per}


def binary_balanced_accuracy(ratings, predicted: list[str]) -> dict:
    """1-2 stars should be 'negative', 4-5 'positive'; 3 stars are skipped; 'neutral'/'unknown' count as wrong."""
    ratings = np.asarray(ratings)
    pred = np.asarray(predicted)
    neg, pos = ratings <= 2, ratings >= 4
    rn = float(np.mean(pred[neg] == "negative")) if neg.any() else 0.0
    rp = float(np.mean(pred[pos] == "positive")) if pos.any() else 0.0
    return {"balanced_accuracy": (rn + rp) / 2, "recall_negative": rn, "recall_positive": rp,
            "n": int(neg.sum() + pos.sum()), "n_negative": int(neg.sum())}


def tune_thresholds(y_true: np.ndarray, probs: np.ndarray, grid=None) -> np.ndarray:
    """Per-topic threshold maximising F1 on validation data (0.5 where a topic has no positives)."""
    grid = np.arange(0.1, 0.91, 0.05) if grid is None else grid
    out = np.full(probs.shape[1], 0.5, np.float32)
    for k in range(probs.shape[1]):
        if y_true[:, k].sum() == 0:
            continue
        scores = [f1_score(y_true[:, k], probs[:, k] >= g, zero_division=0) for g in grid]
        out[k] = grid[int(np.argmax(scores))]
    return out
