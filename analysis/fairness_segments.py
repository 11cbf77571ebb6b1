"""Do the segment models serve every country equally well? CLV holdout errors and recommendation hit-rates by country.

Both use the same time split as their own checks (clv.holdout, recommend.evaluate): fit on orders before a cut-off,
compare with the horizon after it. A customer's country is the one on most of their order lines before the cut-off.
Countries with fewer than `min_group` customers are listed with their n and flagged `small`; the gaps (largest minus
smallest) leave them out but count one pooled row of all small countries; the gaps over all countries are given too."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from analysis import clv, data_gaps, recommend
from analysis.errors import ShoplensError
from analysis.rfm import _day_end

MIN_GROUP = 30


def customer_country(con, before) -> pd.DataFrame:
    """customer_id, country: the country of most of each customer's order lines before the date (ties: first name)."""
    return con.execute(
        """SELECT customer_id, arg_max(country, n) AS country FROM (
               SELECT customer_id, coalesce(nullif(trim(country), ''), 'unknown') AS country, count(*) AS n
               FROM orders WHERE customer_id IS NOT NULL AND order_date < ? GROUP BY 1, 2
               ORDER BY 1, n DESC, 2)
           GROUP BY 1""", [_day_end(before)]).df()


def default_cutoff(con, horizon_days: int = 90):
    """The last order date minus the horizon, so the holdout window is fully observed."""
    last = con.execute("SELECT max(order_date)::DATE FROM orders WHERE customer_id IS NOT NULL").fetchone()[0]
    if last is None:
        raise ShoplensError("No orders with a customer id", where="segment fairness audit", fix="load orders first")
    return last - timedelta(days=horizon_days)


POOLED = "other (small countries pooled)"


def _by_country(pc: pd.DataFrame, aggs: dict, min_group: int) -> pd.DataFrame:
    """Per-country aggregates, small countries flagged, plus one pooled row of all small countries (counted in gaps)."""
    df = pc.groupby("country").agg(**aggs).reset_index()
    df["small"] = df["customers"] < min_group
    df["pooled"] = False
    small = set(df.loc[df["small"], "country"])
    if small:
        row = pc[pc["country"].isin(small)].assign(country=POOLED).groupby("country").agg(**aggs).reset_index()
        row["small"] = row["customers"] < min_group
        row["pooled"] = True
        df = pd.concat([df, row], ignore_index=True)
    return df.sort_values(["pooled", "customers", "country"], ascending=[True, False, True]).reset_index(drop=True)


def _wilson(hits: pd.Series, n: pd.Series, z: float = 1.645) -> tuple[pd.Series, pd.Series]:
    """90 % Wilson interval of a proportion."""
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _gap(df: pd.DataFrame, col: str) -> dict:
    """Largest minus smallest over countries (and the pooled row) with enough customers, and over every country."""
    big = df.loc[~df["small"], col].dropna()
    every = df.loc[~df["pooled"], col].dropna()
    return {"gap": float(big.max() - big.min()) if len(big) >= 2 else None,
            "gap_all": float(every.max() - every.min()) if len(every) >= 2 else None,
            "countries": int((~df["pooled"]).sum()), "countries_reliable": int((~df["small"] & ~df["pooled"]).sum()),
            "worst": None if big.empty else str(df.loc[big.idxmax() if col in ("mae", "mae_per_purchase") else
                                                       big.idxmin(), "country"])}


def clv_by_country(con, cutoff=None, horizon_days: int = 90, min_group: int = MIN_GROUP) -> tuple[pd.DataFrame, dict]:
    """(country, customers, actual, predicted, mae, mae_naive, bias, mae_per_purchase, small; totals) from the holdout.

    mae uses the median forecast (as clv.holdout does); bias = mean(predicted mean - actual); mae_per_purchase divides
    mae by the mean actual purchase days, so busy and quiet countries compare on one scale."""
    cutoff = default_cutoff(con, horizon_days) if cutoff is None else cutoff
    h = clv.holdout(con, cutoff, horizon_days)
    pc = h.per_customer.merge(customer_country(con, h.cutoff), on="customer_id", how="left")
    pc["country"] = pc["country"].fillna("unknown")
    pc["err"] = (pc["predicted_median"] - pc["actual"]).abs()
    pc["err_naive"] = (pc["naive"] - pc["actual"]).abs()
    pc["diff"] = pc["predicted"] - pc["actual"]
    df = _by_country(pc, {"customers": ("customer_id", "size"), "actual": ("actual", "mean"),
                          "predicted": ("predicted", "mean"), "mae": ("err", "mean"), "mae_se": ("err", "sem"),
                          "mae_naive": ("err_naive", "mean"), "bias": ("diff", "mean")}, min_group)
    df["mae_per_purchase"] = df["mae"] / df["actual"].where(df["actual"] > 0)
    info = {"cutoff": str(h.cutoff), "horizon_days": horizon_days, "customers": len(pc), "mae": h.totals["mae_model"],
            "mae_gap": _gap(df, "mae"), "mae_per_purchase_gap": _gap(df, "mae_per_purchase"),
            "bias_gap": _gap(df, "bias"), "notes": h.notes}
    return df, info


def recommend_by_country(con, cutoff=None, horizon_days: int = 90, k: int = 10, min_group: int = MIN_GROUP,
                         neighbours: int = 50, min_support: int = 2) -> tuple[pd.DataFrame, dict]:
    """(country, customers, hit_rate (co-purchase), hit_rate_popularity, small; totals): recommend.evaluate's time
    split, per customer: a hit when one of the k recommendations is a product new to them bought in the horizon."""
    cutoff = default_cutoff(con, horizon_days) if cutoff is None else cutoff
    ctx, b, truth, rows = recommend.holdout(con, cutoff, horizon_days, where="recommendation fairness audit")
    sim, _ = recommend.similarities(b, neighbours, min_support)
    hits = {}
    for name, s in (("hit_rate", sim), ("hit_rate_popularity", None)):
        got, _ = recommend.hits(b, rows, truth, k, s)
        hits[name] = [r in got for r in rows]
    pc = pd.DataFrame({"customer_id": b.customers[rows], **hits}).merge(customer_country(con, ctx.as_of),
                                                                         on="customer_id", how="left")
    pc["country"] = pc["country"].fillna("unknown")
    df = _by_country(pc, {"customers": ("customer_id", "size"), "hits": ("hit_rate", "sum"),
                          "hit_rate": ("hit_rate", "mean"), "hit_rate_popularity": ("hit_rate_popularity", "mean")},
                     min_group)
    df["hit_rate_low"], df["hit_rate_high"] = _wilson(df["hits"], df["customers"])
    info = {"cutoff": str(ctx.as_of), "horizon_days": horizon_days, "k": k, "customers": len(pc),
            "hit_rate": float(pc["hit_rate"].mean()), "hit_rate_gap": _gap(df, "hit_rate"),
            "hit_rate_popularity_gap": _gap(df, "hit_rate_popularity")}
    return df, info


def audit(con, cutoff=None, horizon_days: int = 90, k: int = 10, min_group: int = MIN_GROUP) -> dict:
    """Both checks: {"clv": (frame, info), "recommend": (frame, info)}, or one of them None with the reason in
    {"unavailable": {name: message}} when the shop's data lacks a column it needs (countries for either, product
    ids for recommendations): a shop without product ids still gets its CLV check."""
    gaps = data_gaps.check(con)
    if gaps.lacks("orders.country"):
        raise data_gaps.DataGapError(data_gaps.sentence("orders.country", "country audit"),
                                     where="segment fairness audit", fix=data_gaps.fix("orders.country"))
    out: dict = {"clv": clv_by_country(con, cutoff, horizon_days, min_group), "unavailable": {}}
    if gaps.lacks("orders.product_id"):
        out["recommend"] = None
        out["unavailable"]["recommend"] = data_gaps.explain("orders.product_id", "recommendation hit-rates by country")
    else:
        out["recommend"] = recommend_by_country(con, cutoff, horizon_days, k, min_group)
    return out
