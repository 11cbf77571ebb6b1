"""Fairness audit of the review classifier across customer groups (age band, product category, review length) with
Fairlearn's MetricFrame, and an opt-in mitigation: per-group thresholds on P(negative), chosen on validation data.

What is measured, per data set and group feature:
- per group: n, accuracy, macro-F1, selection rate (share predicted negative), TPR / FPR of "negative vs rest";
- gaps: demographic-parity difference (largest minus smallest selection rate) and equalized-odds difference (the
  larger of the TPR and FPR ranges), over groups with at least `min_group` reviews (and, for equalized odds, at
  least `min_class` reviews on each side). Smaller groups are still listed with their n and `small=True`; the gaps
  over all groups are reported too. Each headline gap comes with its chance level: the 90th percentile of the same
  gap after shuffling the group labels (a permutation test, p = share of shuffles with a gap at least as large), so
  a gap that small groups produce by chance alone is not mistaken for bias.

Data sets: the hand-read test split (3 classes) and the held-back rating-derived reviews (1-2 stars "negative", 4-5
"other"; kept out of every training set; there predictions count as negative vs other, so neutral is not an error).
Mitigation: per-group thresholds on P(negative), fitted on the held-back reviews (the validation data) and reported
on the test split; the held-back figures after mitigation are cross-fitted (thresholds from even ids scored on odd
ids and vice versa). A group's threshold moves only when its validation error rates stray from the overall ones by
more than `gate` standard errors, so noise in small groups is not "corrected". The rule is deterministic (one fixed
threshold per group), unlike Fairlearn's ThresholdOptimizer, which randomises between two thresholds, so a review
rescored later could flip label.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, demographic_parity_difference, equalized_odds_difference
from sklearn.metrics import f1_score

from analysis.atomic_file import write_text_atomic
from analysis.config import home
from models.data import HELDBACK_N, REVIEWS_CSV, SENTIMENTS, heldback, load_labels

FEATURES = ("age_band", "category", "department", "length_band")
FEATURE_LABELS = {"age_band": "Age band", "category": "Product class", "department": "Department",
                  "length_band": "Review length"}
MITIGABLE = ("age_band", "category", "length_band")  # known for database reviews at scoring time
CONSTRAINTS = ("equalized_odds", "demographic_parity")
MIN_GROUP = 30
MIN_CLASS = 10
GATE = 2.0
N_PERM = 200
AUDIT_FILE = "fairness.json"
AGE_BANDS = ((0, 29, "18-29"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 59, "50-59"), (60, 200, "60+"))
LENGTH_BANDS = ((0, 39, "<40 words"), (40, 79, "40-79 words"), (80, 10**9, "80+ words"))
GRID = np.round(np.arange(0.02, 0.981, 0.01), 2)


# ---- groups -----------------------------------------------------------------------------------------------------

def age_band(age) -> str:
    try:
        a = int(float(age))
    except (TypeError, ValueError):
        return "unknown"
    return next((name for lo, hi, name in AGE_BANDS if lo <= a <= hi), "unknown")


def length_band(text) -> str:
    n = len(str(text or "").split())
    return next(name for lo, hi, name in LENGTH_BANDS if lo <= n <= hi)


def _category(value) -> str:
    return "unknown" if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip() \
        else str(value).strip()


def add_groups(df: pd.DataFrame, text: str = "text", age: str = "customer_age", category: str = "category",
               department: str | None = "department") -> pd.DataFrame:
    """The frame with age_band, category, department (when present) and length_band columns as strings."""
    out = df.copy()
    out["age_band"] = [age_band(a) for a in out[age]] if age in out else "unknown"
    out["category"] = [_category(c) for c in out[category]] if category in out else "unknown"
    if department and department in out:
        out["department"] = [_category(c) for c in out[department]]
    out["length_band"] = [length_band(t) for t in out[text]]
    return out


def review_attributes() -> pd.DataFrame:
    """id, customer_age, category (Class Name, as the demo database maps it), department of the bundled reviews."""
    df = pd.read_csv(REVIEWS_CSV)
    df = df.rename(columns={df.columns[0]: "id", "Age": "customer_age", "Class Name": "category",
                            "Department Name": "department"})
    return df[["id", "customer_age", "category", "department"]]


def audit_data(labels: list[dict] | None = None, heldback_n: int = HELDBACK_N,
               heldback_frame: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """{"test", "heldback"}: id, text, y_true, rating, fold (id % 2), plus the group columns.

    Held-back reviews keep 1-2 stars (y_true "negative") and 4-5 ("other")."""
    labels = load_labels() if labels is None else labels
    attrs = review_attributes().set_index("id")
    test = pd.DataFrame([{"id": int(r["id"]), "text": r["text"], "y_true": r["sentiment"], "rating": r.get("rating")}
                         for r in labels if r.get("split") == "test"], columns=["id", "text", "y_true", "rating"])
    if heldback_frame is None:
        heldback_frame = heldback({int(r["id"]) for r in labels}, heldback_n) if heldback_n else \
            pd.DataFrame(columns=["id", "text", "rating"])
    hb = heldback_frame[heldback_frame["rating"] != 3].copy()
    hb["y_true"] = np.where(hb["rating"] <= 2, "negative", "other")
    out = {}
    for name, df in (("test", test), ("heldback", hb)):
        df = df.reset_index(drop=True)
        df["fold"] = df["id"].astype(int) % 2 if len(df) else []
        if len(df):
            df = df.join(attrs, on="id")
        out[name] = add_groups(df if len(df) else df.assign(customer_age=[], category=[], department=[]))
    return out


# ---- predictions ------------------------------------------------------------------------------------------------

def predict_frame(clf, texts: list[str]) -> pd.DataFrame:
    return frame_of(clf.predict(texts))


def frame_of(preds: list[dict]) -> pd.DataFrame:
    """p_negative, p_neutral, p_positive (NaN for unusable text) and pred ('unknown' there) from predict() output."""
    return pd.DataFrame({**{f"p_{s}": [p["sentiment_scores"].get(s, np.nan) for p in preds] for s in SENTIMENTS},
                         "pred": [p["sentiment"] for p in preds]})


def apply_thresholds(pred, p: pd.DataFrame, groups, thresholds: dict[str, float]) -> np.ndarray:
    """Per-group rule: negative when P(negative) >= the group's threshold, else the likelier of neutral/positive.

    Groups without a threshold (too small when fitted, or unseen) and unusable texts keep their prediction."""
    pred = np.asarray(pred, dtype=object).copy()
    pn = p["p_negative"].to_numpy(float)
    rest = np.where(p["p_neutral"].to_numpy(float) > p["p_positive"].to_numpy(float), "neutral", "positive")
    for i, g in enumerate(np.asarray(groups, dtype=object)):
        t = thresholds.get(g)
        if t is None or np.isnan(pn[i]):
            continue
        pred[i] = "negative" if pn[i] >= t else rest[i]
    return pred


# ---- metrics ----------------------------------------------------------------------------------------------------

def _acc(yt, yp) -> float:
    return float(np.mean(np.asarray(yt) == np.asarray(yp))) if len(yt) else float("nan")


def _macro_f1(yt, yp) -> float:
    return float(f1_score(yt, yp, average="macro", zero_division=0)) if len(yt) else float("nan")


def _sel(yt, yp) -> float:
    return float(np.mean(np.asarray(yp) == "negative")) if len(yp) else float("nan")


def _rate(yt, yp, positive: bool) -> float:
    yt, yp = np.asarray(yt), np.asarray(yp)
    m = (yt == "negative") if positive else (yt != "negative")
    return float(np.mean(yp[m] == "negative")) if m.any() else float("nan")


METRICS = {"n": lambda yt, yp: len(yt), "n_negative": lambda yt, yp: int(np.sum(np.asarray(yt) == "negative")),
           "accuracy": _acc, "macro_f1": _macro_f1, "selection_rate": _sel,
           "tpr": lambda yt, yp: _rate(yt, yp, True), "fpr": lambda yt, yp: _rate(yt, yp, False)}


def group_metrics(y_true, y_pred, groups, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """One row per group (Fairlearn MetricFrame): group, n, n_negative, accuracy, macro_f1, selection_rate, tpr, fpr,
    small (n < min_group); largest group first."""
    mf = MetricFrame(metrics=METRICS, y_true=np.asarray(y_true, dtype=object), y_pred=np.asarray(y_pred, dtype=object),
                     sensitive_features=pd.Series(np.asarray(groups, dtype=object), name="group"))
    df = mf.by_group.reset_index()
    df["n"], df["n_negative"] = df["n"].astype(int), df["n_negative"].astype(int)
    df["small"] = df["n"] < min_group
    bands = [b[2] for b in AGE_BANDS + LENGTH_BANDS] + ["unknown"]
    if set(df["group"]) <= set(bands):  # ordinal groups in their natural order
        return df.sort_values("group", key=lambda g: g.map(bands.index)).reset_index(drop=True)
    return df.sort_values(["n", "group"], ascending=[False, True]).reset_index(drop=True)


def _reliable(y_true, groups, min_group: int, min_class: int) -> tuple[list, list]:
    """(groups with n >= min_group, those that also have min_class negatives and min_class others)."""
    df = pd.DataFrame({"g": np.asarray(groups, dtype=object), "neg": np.asarray(y_true) == "negative"})
    agg = df.groupby("g")["neg"].agg(["size", "sum"])
    dp = sorted(agg.index[agg["size"] >= min_group])
    eo = sorted(agg.index[(agg["size"] >= min_group) & (agg["sum"] >= min_class) & (agg["size"] - agg["sum"] >= min_class)])
    return dp, eo


def _diffs(yt_neg, yp_neg, groups, dp_groups, eo_groups) -> tuple[float | None, float | None]:
    """(demographic-parity difference over dp_groups, equalized-odds difference over eo_groups), Fairlearn's."""
    groups = np.asarray(groups, dtype=object)
    dp = eo = None
    m = np.isin(groups, dp_groups)
    if len(dp_groups) >= 2:
        dp = float(demographic_parity_difference(yt_neg[m], yp_neg[m], sensitive_features=groups[m]))
    m = np.isin(groups, eo_groups)
    if len(eo_groups) >= 2:
        eo = float(equalized_odds_difference(yt_neg[m], yp_neg[m], sensitive_features=groups[m]))
    return dp, eo


def _fast_diffs(yt_neg, yp_neg, codes, n_groups) -> tuple[float, float]:
    """The same two differences with numpy on integer group codes (for the permutation test); nan when undefined."""
    n = np.bincount(codes, minlength=n_groups)
    sel = np.bincount(codes, yp_neg, n_groups) / np.maximum(n, 1)
    pos = np.bincount(codes, yt_neg, n_groups)
    tpr = np.bincount(codes, yp_neg & yt_neg, n_groups) / np.maximum(pos, 1)
    fpr = np.bincount(codes, yp_neg & ~yt_neg, n_groups) / np.maximum(n - pos, 1)
    ok = n > 0
    both = ok & (pos > 0) & (n - pos > 0)
    dp = float(np.ptp(sel[ok])) if ok.sum() >= 2 else np.nan
    eo = float(max(np.ptp(tpr[both]), np.ptp(fpr[both]))) if both.sum() >= 2 else np.nan
    return dp, eo


def _permutation(yt_neg, yp_neg, groups, keep: list, observed: float | None, which: str, n_perm: int = N_PERM,
                 seed: int = 0) -> tuple[float | None, float | None]:
    """(90th percentile of the gap with group labels shuffled, p-value of the observed gap) over the kept groups."""
    if observed is None or len(keep) < 2 or n_perm <= 0:
        return None, None
    m = np.isin(groups, keep)
    codes = np.searchsorted(np.array(sorted(keep), dtype=object), groups[m])
    yt, yp = yt_neg[m], yp_neg[m]
    rng = np.random.default_rng(seed)
    k = 0 if which == "dp" else 1
    vals = np.array([_fast_diffs(yt, yp, rng.permutation(codes), len(keep))[k] for _ in range(n_perm)])
    vals = vals[~np.isnan(vals)]
    if not len(vals):
        return None, None
    return float(np.quantile(vals, 0.9)), float((1 + np.sum(vals >= observed - 1e-12)) / (1 + len(vals)))


def gaps(y_true, y_pred, groups, min_group: int = MIN_GROUP, min_class: int = MIN_CLASS, n_perm: int = N_PERM) -> dict:
    """Demographic-parity and equalized-odds differences (negative vs rest) over reliable groups and over all groups,
    the accuracy range over reliable groups, and each reliable-group difference's chance level and p-value."""
    yt, yp = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    yt_neg, yp_neg = yt == "negative", yp == "negative"
    groups = np.asarray(groups, dtype=object)
    dp_groups, eo_groups = _reliable(yt, groups, min_group, min_class)
    dp, eo = _diffs(yt_neg, yp_neg, groups, dp_groups, eo_groups)
    all_groups = sorted(set(groups))
    both = [g for g in all_groups if yt_neg[groups == g].any() and (~yt_neg[groups == g]).any()]
    dp_all, eo_all = _diffs(yt_neg, yp_neg, groups, all_groups, both)
    acc = [_acc(yt[groups == g], yp[groups == g]) for g in dp_groups]
    dp_chance, dp_p = _permutation(yt_neg, yp_neg, groups, dp_groups, dp, "dp", n_perm)
    eo_chance, eo_p = _permutation(yt_neg, yp_neg, groups, eo_groups, eo, "eo", n_perm)
    return {"dp_diff": dp, "eo_diff": eo, "dp_diff_all_groups": dp_all, "eo_diff_all_groups": eo_all,
            "dp_chance": dp_chance, "dp_p": dp_p, "eo_chance": eo_chance, "eo_p": eo_p,
            "accuracy_gap": float(max(acc) - min(acc)) if len(acc) >= 2 else None,
            "groups": len(all_groups), "groups_reliable_dp": len(dp_groups), "groups_reliable_eo": len(eo_groups),
            "small_groups": [g for g in all_groups if g not in dp_groups]}


def overall(y_true, y_pred) -> dict:
    return {"n": len(y_true), "accuracy": _acc(y_true, y_pred), "macro_f1": _macro_f1(y_true, y_pred),
            "selection_rate": _sel(y_true, y_pred)}


def binary(pred) -> np.ndarray:
    """negative / other: how predictions are scored against rating-derived labels (neutral is not an error there)."""
    return np.where(np.asarray(pred, dtype=object) == "negative", "negative", "other").astype(object)


# ---- mitigation: per-group thresholds ------------------------------------------------------------------------------

def fit_thresholds(y_true, p_negative, pred, groups, constraint: str = "equalized_odds", min_group: int = MIN_GROUP,
                   min_class: int = MIN_CLASS, gate: float = GATE, grid=GRID) -> tuple[dict[str, float], dict]:
    """({group: threshold on P(negative)}, target): a group's threshold brings its operating point closest to the
    model's overall one on this (validation) data: (TPR, FPR) for equalized odds, the selection rate for demographic
    parity. Only groups whose rates stray by more than `gate` standard errors get one (ties: nearest 0.5); the
    others, and groups too small, keep the model's own argmax rule."""
    if constraint not in CONSTRAINTS:
        raise ValueError(f"constraint must be one of {CONSTRAINTS}")
    yt_neg = np.asarray(y_true, dtype=object) == "negative"
    yp_neg = np.asarray(pred, dtype=object) == "negative"
    pn = np.asarray(p_negative, dtype=float)
    groups = np.asarray(groups, dtype=object)
    target = {"tpr": float(yp_neg[yt_neg].mean()) if yt_neg.any() else None,
              "fpr": float(yp_neg[~yt_neg].mean()) if (~yt_neg).any() else None, "selection_rate": float(yp_neg.mean())}
    dp_groups, eo_groups = _reliable(np.asarray(y_true, dtype=object), groups, min_group, min_class)
    keep = eo_groups if constraint == "equalized_odds" else dp_groups
    out = {}
    for g in keep:
        m = (groups == g) & ~np.isnan(pn)
        pos, now = yt_neg[m], yp_neg[m]

        def off(rate: float, ref: float, n: int) -> float:  # distance from the target in standard errors
            return abs(rate - ref) / max(np.sqrt(max(ref * (1 - ref), 0.01) / max(n, 1)), 1e-9)

        if constraint == "equalized_odds":
            stray = max(off(now[pos].mean(), target["tpr"], pos.sum()), off(now[~pos].mean(), target["fpr"], (~pos).sum()))
        else:
            stray = off(now.mean(), target["selection_rate"], len(now))
        if stray <= gate:
            continue
        dec = pn[m][None, :] >= grid[:, None]  # (T, n)
        if constraint == "equalized_odds":
            cost = np.maximum(np.abs(dec[:, pos].mean(1) - target["tpr"]), np.abs(dec[:, ~pos].mean(1) - target["fpr"]))
        else:
            cost = np.abs(dec.mean(1) - target["selection_rate"])
        best = np.flatnonzero(cost <= cost.min() + 1e-12)
        out[str(g)] = float(grid[best[np.argmin(np.abs(grid[best] - 0.5))]])
    return out, target


# ---- the audit --------------------------------------------------------------------------------------------------

def records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records"))


def _truth_pred(name: str, df: pd.DataFrame, pred) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) as scored on this data set: 3 classes on the test split, negative/other on held-back reviews."""
    yt = df["y_true"].to_numpy(object)
    return (yt, np.asarray(pred, dtype=object)) if name == "test" else (yt, binary(pred))


def run_audit(clf, data: dict[str, pd.DataFrame] | None = None, features=FEATURES, constraint: str = "equalized_odds",
              min_group: int = MIN_GROUP, min_class: int = MIN_CLASS, gate: float = GATE, n_perm: int = N_PERM,
              progress=None) -> dict:
    """Audit clf (anything with predict(texts) -> dicts with sentiment and sentiment_scores, as ReviewClassifier) on
    the test split and held-back reviews, then fit and evaluate per-group thresholds for each mitigable feature."""
    data = audit_data() if data is None else data
    preds = {}
    for k, (name, df) in enumerate(data.items()):
        if progress:
            progress(k, len(data), f"scoring {name} ({len(df)} reviews)")
        preds[name] = predict_frame(clf, df["text"].tolist())
    report = [n for n in ("test", "heldback") if n in data and len(data[n])]
    features = [f for f in features if all(f in data[n] for n in report)]
    audit = {"audited_at": datetime.now(UTC).isoformat(timespec="seconds"), "model_version": clf.config.version,
             "constraint": constraint, "min_group": min_group, "min_class": min_class, "gate": gate,
             "features": features, "overall": {}, "groups": {}, "gaps": {}, "mitigation": {},
             "datasets": {n: {"n": len(df), "negative": int((df["y_true"] == "negative").sum())} for n, df in data.items()}}
    for name in report:
        df = data[name]
        yt, yp = _truth_pred(name, df, preds[name]["pred"])
        audit["overall"][name] = overall(yt, yp)
        audit["groups"][name] = {f: records(group_metrics(yt, yp, df[f], min_group)) for f in features}
        audit["gaps"][name] = {f: gaps(yt, yp, df[f], min_group, min_class, n_perm) for f in features}
    if "heldback" in report:
        audit["mitigation"] = _mitigate(data, preds, audit, report, constraint, min_group, min_class, gate, n_perm)
        if gate > 0:  # the same thresholds without the gate: what "correcting" every group would do
            audit["mitigation_forced"] = _mitigate(data, preds, audit, report, constraint, min_group, min_class, 0.0,
                                                   n_perm)
    if progress:
        progress(len(data), len(data), "done")
    return audit


def _mitigate(data, preds, audit, report, constraint, min_group, min_class, gate, n_perm) -> dict:
    """{feature: thresholds fitted on the held-back reviews, and the figures before/after on each data set}."""
    val, pv, out = data["heldback"], preds["heldback"], {}
    for f in [f for f in MITIGABLE if f in audit["features"]]:
        fit = fit_thresholds(val["y_true"], pv["p_negative"], pv["pred"], val[f], constraint, min_group, min_class, gate)
        thr, target = fit
        m = {"constraint": constraint, "gate": gate, "fitted_on": "heldback", "thresholds": thr, "target": target,
             "before": {}, "after": {}, "groups_after": {}}
        for name in report:
            df, p = data[name], preds[name]
            if name == "heldback":  # cross-fitted: thresholds from the other fold
                after = p["pred"].to_numpy(object).copy()
                for fold in (0, 1):
                    tr, te = (df["fold"] != fold).to_numpy(), (df["fold"] == fold).to_numpy()
                    t_fold, _ = fit_thresholds(df["y_true"][tr], p["p_negative"][tr], p["pred"][tr], df[f][tr],
                                               constraint, min_group // 2, min_class // 2, gate)
                    after[te] = apply_thresholds(p["pred"][te], p[te].reset_index(drop=True), df[f][te], t_fold)
            else:
                after = apply_thresholds(p["pred"], p, df[f], thr)
            yt, y0 = _truth_pred(name, df, p["pred"])
            _, y1 = _truth_pred(name, df, after)
            g0, g1 = audit["gaps"][name][f], gaps(yt, y1, df[f], min_group, min_class, n_perm)
            o0, o1 = audit["overall"][name], overall(yt, y1)
            keys = ("dp_diff", "eo_diff", "dp_chance", "eo_chance", "dp_p", "eo_p")
            m["before"][name] = {"accuracy": o0["accuracy"], "macro_f1": o0["macro_f1"], **{k: g0[k] for k in keys}}
            m["after"][name] = {"accuracy": o1["accuracy"], "macro_f1": o1["macro_f1"], **{k: g1[k] for k in keys},
                                "changed_predictions": int(np.sum(y1 != y0))}
            m["groups_after"][name] = records(group_metrics(yt, y1, df[f], min_group))
        out[f] = m
    return out


def summary(audit: dict, feature: str = "age_band", dataset: str = "test") -> dict:
    """The one-line figures: model, n, accuracy, and for each feature its DP/EO differences and the mitigation's."""
    out = {"model_version": audit.get("model_version"), "dataset": dataset,
           "n": audit.get("overall", {}).get(dataset, {}).get("n"),
           "accuracy": rounded(audit.get("overall", {}).get(dataset, {}).get("accuracy"))}
    for f in audit.get("features", []):
        g = audit.get("gaps", {}).get(dataset, {}).get(f, {})
        out[f"{f}_dp_diff"], out[f"{f}_eo_diff"] = rounded(g.get("dp_diff")), rounded(g.get("eo_diff"))
        out[f"{f}_eo_p"] = rounded(g.get("eo_p"), 3)
        out[f"{f}_small_groups"] = len(g.get("small_groups", []))
    m = audit.get("mitigation", {}).get(feature)
    if m and dataset in m["after"]:
        out["mitigation"] = feature
        out["mitigated_groups"] = len(m["thresholds"])
        out["eo_diff_after"] = rounded(m["after"][dataset]["eo_diff"])
        out["dp_diff_after"] = rounded(m["after"][dataset]["dp_diff"])
        out["accuracy_after"] = rounded(m["after"][dataset]["accuracy"])
    f = audit.get("mitigation_forced", {}).get(feature)
    if f and dataset in f["after"]:
        out["eo_diff_after_forced"] = rounded(f["after"][dataset]["eo_diff"])
        out["accuracy_after_forced"] = rounded(f["after"][dataset]["accuracy"])
    return out


def rounded(x, nd: int = 4):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else round(float(x), nd)


# ---- persistence: beside the model version, and in its card -------------------------------------------------------

def save_audit(folder: Path | str, audit: dict) -> Path:
    """fairness.json beside the weights, and a Fairness section in the model card (README.md, metrics.json)."""
    from models.classifier import CONFIG_FILE, ClassifierConfig, write_card

    folder = Path(folder)
    audit = {**audit, "model_path": str(folder)}
    write_text_atomic(folder / AUDIT_FILE, json.dumps(audit, indent=1, default=str))
    metrics = folder / "metrics.json"
    card = json.loads(metrics.read_text()) if metrics.exists() else {}
    card["fairness"] = card_summary(audit)
    raw = json.loads((folder / CONFIG_FILE).read_text()) if (folder / CONFIG_FILE).exists() else {}
    write_card(folder, ClassifierConfig.from_dict(raw), card)
    return folder / AUDIT_FILE


def load_audit(folder: Path | str) -> dict | None:
    p = Path(folder) / AUDIT_FILE
    try:
        return json.loads(p.read_text()) if p.exists() else None
    except ValueError:
        return None


def card_summary(audit: dict) -> dict:
    """What the model card shows: per feature, the gaps before/after mitigation and the accuracy cost (test split)."""
    rows = []
    for f in audit.get("features", []):
        g = audit["gaps"].get("test", {}).get(f, {})
        m = audit.get("mitigation", {}).get(f, {})
        b, a = m.get("before", {}).get("test", {}), m.get("after", {}).get("test", {})
        forced = audit.get("mitigation_forced", {}).get(f, {}).get("after", {}).get("test", {})
        rows.append({"feature": f, "groups": g.get("groups"), "small_groups": len(g.get("small_groups", [])),
                     "dp_diff": rounded(g.get("dp_diff")), "eo_diff": rounded(g.get("eo_diff")),
                     "eo_chance": rounded(g.get("eo_chance")), "eo_p": rounded(g.get("eo_p"), 3),
                     "mitigated_groups": len(m.get("thresholds", {})), "eo_diff_after": rounded(a.get("eo_diff")),
                     "dp_diff_after": rounded(a.get("dp_diff")), "accuracy_before": rounded(b.get("accuracy")),
                     "accuracy_after": rounded(a.get("accuracy")), "eo_diff_forced": rounded(forced.get("eo_diff")),
                     "accuracy_forced": rounded(forced.get("accuracy"))})
    return {"audited_at": audit.get("audited_at"), "constraint": audit.get("constraint"),
            "min_group": audit.get("min_group"), "n_test": audit.get("overall", {}).get("test", {}).get("n"),
            "rows": rows}


def audit_model(folder: Path | str | None = None, device: str = "auto", progress=None, **kw) -> tuple[dict, Path]:
    """Audit a model folder (default: the active sentiment model), save the result beside it; (audit, json path)."""
    from analysis.errors import ShoplensError
    from models import registry
    from models.classifier import ReviewClassifier

    if folder is None:
        act = registry.active("sentiment")
        if act is None:
            raise ShoplensError("No sentiment model is active to audit", fix="run `shoplens train sentiment` first")
        folder = act["path"]
    clf = ReviewClassifier.from_pretrained(folder, device)
    audit = run_audit(clf, progress=progress, **kw)
    audit["model_version"] = audit.get("model_version") or Path(folder).name
    return audit, save_audit(folder, audit)


# ---- the switch: per-group thresholds when scoring the database ----------------------------------------------------

def settings_path() -> Path:
    return home() / "settings" / "fairness.json"


def load_settings() -> dict:
    """{"enabled": bool, "feature": one of MITIGABLE, "who", "at"}; off by default."""
    try:
        s = json.loads(settings_path().read_text())
    except (OSError, ValueError):
        s = {}
    feature = s.get("feature") if s.get("feature") in MITIGABLE else "age_band"
    return {"enabled": bool(s.get("enabled")), "feature": feature, "who": s.get("who"), "at": s.get("at")}


def save_settings(enabled: bool, feature: str = "age_band", who: str = "app") -> dict:
    if feature not in MITIGABLE:
        raise ValueError(f"feature must be one of {MITIGABLE}")
    p = settings_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    s = {"enabled": bool(enabled), "feature": feature, "who": who,
         "at": datetime.now(UTC).isoformat(timespec="seconds")}
    write_text_atomic(p, json.dumps(s))
    return s


@dataclass
class ScoringMitigation:
    """Per-group thresholds of one feature for one model version, applied to database scoring."""
    feature: str
    thresholds: dict[str, float]
    constraint: str

    @property
    def tag(self) -> str:
        return f"fair-{self.feature}"

    def groups(self, frame: pd.DataFrame, texts: list[str]) -> list[str]:
        if self.feature == "length_band":
            return [length_band(t) for t in texts]
        if self.feature == "age_band":
            return [age_band(a) for a in frame.get("customer_age", pd.Series([None] * len(texts)))]
        return [_category(c) for c in frame.get("category", pd.Series([None] * len(texts)))]

    def apply(self, texts: list[str], frame: pd.DataFrame, preds: list[dict]) -> list[dict]:
        """preds (from predict, with their sentiment_scores) with sentiment/score replaced by the per-group rule."""
        p = frame_of(preds)
        new = apply_thresholds(p["pred"], p, self.groups(frame.reset_index(drop=True), texts), self.thresholds)
        out = []
        for i, (o, s) in enumerate(zip(preds, new, strict=True)):
            if s != "unknown" and s != o["sentiment"]:
                o = {**o, "sentiment": s, "score": float(p.loc[i, f"p_{s}"])}
            out.append(o)
        return out


def scoring_mitigation(clf) -> ScoringMitigation | None:
    """The switched-on mitigation for this model, or None (switched off, or no audit saved for this version)."""
    s = load_settings()
    if not s["enabled"] or clf is None:
        return None
    from models import registry

    folder = next((v["path"] for v in _versions() if v["version"] == clf.config.version), None)
    act = registry.active("sentiment")
    if folder is None and act and act["version"] == clf.config.version:
        folder = act["path"]
    audit = load_audit(folder) if folder else None
    m = (audit or {}).get("mitigation", {}).get(s["feature"])
    if not m or not m.get("thresholds"):
        return None
    return ScoringMitigation(s["feature"], {str(k): float(v) for k, v in m["thresholds"].items()}, m["constraint"])


def _versions() -> list[dict]:
    from models import registry

    out = []
    for task in ("all", *registry.TASKS):
        out += registry.versions(task)
    return out


# ---- frames for the page -----------------------------------------------------------------------------------------

def groups_frame(audit: dict, dataset: str = "test", after_feature: str | None = None) -> pd.DataFrame:
    """feature, group, n, ..., small: the per-group rows of one data set (after mitigation of after_feature)."""
    rows = []
    for f, recs in audit.get("groups", {}).get(dataset, {}).items():
        if after_feature and f == after_feature:
            recs = audit["mitigation"][f]["groups_after"][dataset]
        rows += [{"feature": f, **r} for r in recs]
    return pd.DataFrame(rows)


def mitigation_frame(audit: dict, dataset: str = "test", key: str = "mitigation") -> pd.DataFrame:
    """feature, stage (before/after), accuracy, macro_f1, dp_diff, eo_diff, eo_chance, eo_p: one row per stage."""
    rows = []
    for f, m in audit.get(key, {}).items():
        for stage in ("before", "after"):
            r = m[stage].get(dataset)
            if r:
                rows.append({"feature": f, "stage": stage, "accuracy": r["accuracy"], "macro_f1": r["macro_f1"],
                             "dp_diff": r["dp_diff"], "eo_diff": r["eo_diff"], "eo_chance": r["eo_chance"],
                             "eo_p": r["eo_p"], "groups_mitigated": len(m["thresholds"]) if stage == "after" else 0})
    return pd.DataFrame(rows, columns=["feature", "stage", "accuracy", "macro_f1", "dp_diff", "eo_diff", "eo_chance",
                                       "eo_p", "groups_mitigated"])
