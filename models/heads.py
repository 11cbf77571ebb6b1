"""Linear heads on frozen embeddings (logistic regression), fitted in seconds: the fast model and the warm start
of a full fine-tune. Topic thresholds come from out-of-fold predictions on the hand-read train split."""
from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from models.metrics import tune_thresholds


def _lr(c: float) -> LogisticRegression:
    return LogisticRegression(max_iter=2000, C=c, class_weight="balanced")


def fit_sentiment(x: np.ndarray, y: np.ndarray, w: np.ndarray, n_classes: int, c: float = 1.0):
    """Multinomial logistic regression → (weight (S, H), bias (S,)); classes never seen get a very low bias."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = _lr(c).fit(x, y, sample_weight=w)
    coef = np.zeros((n_classes, x.shape[1]), np.float32)
    bias = np.full(n_classes, -20.0, np.float32)
    if len(m.classes_) == 2:  # sklearn keeps one row for two classes: split it symmetrically
        coef[m.classes_] = np.stack([-m.coef_[0] / 2, m.coef_[0] / 2])
        bias[m.classes_] = [-m.intercept_[0] / 2, m.intercept_[0] / 2]
    else:
        coef[m.classes_], bias[m.classes_] = m.coef_, m.intercept_
    return coef, bias


def fit_topics(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float = 1.0, mask: np.ndarray | None = None):
    """One binary logistic regression per topic over the rows where that topic was read (mask (N, K), default all)
    → (weight (K, H), bias (K,)); a topic without both classes gets a zero weight and the log-odds of its rate."""
    n_topics = y.shape[1]
    coef = np.zeros((n_topics, x.shape[1]), np.float32)
    bias = np.zeros(n_topics, np.float32)
    mask = np.ones_like(y, dtype=bool) if mask is None else mask.astype(bool)
    for k in range(n_topics):
        rows = mask[:, k]
        yk = y[rows, k]
        if len(np.unique(yk)) < 2:
            p = float(np.clip(yk.mean() if len(yk) else 0.01, 1e-3, 1 - 1e-3))
            bias[k] = np.log(p / (1 - p))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m = _lr(c).fit(x[rows], yk, sample_weight=w[rows])
        coef[k], bias[k] = m.coef_[0], m.intercept_[0]
    return coef, bias


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def oof_topic_thresholds(x_hand: np.ndarray, y_hand: np.ndarray, extra=None, c: float = 1.0, folds: int = 5,
                         seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-topic thresholds maximising F1 on out-of-fold predictions over the hand-read train rows.

    extra: (x, y, w, mask) weak rows added to every training fold (never predicted). Returns (thresholds, oof probs)."""
    n = len(x_hand)
    oof = np.zeros(y_hand.shape, np.float32)
    if n < folds * 2:
        return np.full(y_hand.shape[1], 0.5, np.float32), oof
    for a, b in KFold(folds, shuffle=True, random_state=seed).split(x_hand):
        xa, ya, wa, ma = x_hand[a], y_hand[a], np.ones(len(a), np.float32), np.ones_like(y_hand[a], dtype=bool)
        if extra is not None:
            ex, ey, ew, em = extra
            xa, ya, wa, ma = np.vstack([xa, ex]), np.vstack([ya, ey]), np.concatenate([wa, ew]), np.vstack([ma, em])
        coef, bias = fit_topics(xa, ya, wa, c, ma)
        oof[b] = sigmoid(x_hand[b] @ coef.T + bias)
    return tune_thresholds(y_hand, oof, np.arange(0.05, 0.96, 0.05)), oof
