"""Lifetime value and churn risk: a BG/NBD purchase model (Fader, Hardie & Lee 2005) with Gamma-Gamma spend
(Fader & Hardie 2013), fitted by maximum likelihood with scipy, plus a holdout check against what happened next.

Why not PyMC-Marketing: 1.3.0 needs Python >= 3.12 (this project runs 3.11); 0.19.2 installs, but its first fit
compiles for ~80 s, a warm import + MAP fit still takes ~9 s, and on the demo data its default priors put the MAP
on the boundary (a = 0, so P(alive) = 1 for everyone). The closed-form likelihoods below fit in well under a second.

Units: a purchase is a day with at least one completed order (several orders on one day count once); time is in
days. Per customer: frequency x = repeat purchase days, recency t_x = days from first to last purchase, T = days
from first purchase to the as-of date, and the mean spend of the repeat purchase days (Gamma-Gamma uses x > 0)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from analysis.errors import ShoplensError
from analysis.rfm import AsOf, _day_end, resolve_as_of


def summary_data(con, as_of=None) -> pd.DataFrame:
    """customer_id, frequency, recency, T, monetary_value (mean spend of repeat days, 0 when none), purchases,
    first_purchase."""
    ctx = as_of if isinstance(as_of, AsOf) else resolve_as_of(con, as_of)
    return con.execute(
        """WITH d AS (SELECT customer_id, order_date::DATE AS day, sum(line_total) AS spend FROM orders
                      WHERE customer_id IS NOT NULL AND status IS DISTINCT FROM 'cancelled' AND order_date < ?
                      GROUP BY 1, 2)
           SELECT customer_id, count(*) - 1 AS frequency,
                  date_diff('day', min(day), max(day))::DOUBLE AS recency,
                  date_diff('day', min(day), ?::DATE)::DOUBLE AS T,
                  coalesce((sum(spend) - arg_min(spend, day)) / nullif(count(*) - 1, 0), 0) AS monetary_value,
                  count(*) AS purchases, min(day) AS first_purchase
           FROM d GROUP BY 1 ORDER BY 1""",
        [_day_end(ctx.as_of), ctx.as_of],
    ).df()


# ---- BG/NBD ------------------------------------------------------------------------------------------------------

def _bgnbd_ll(params, x, tx, T, w):
    r, alpha, a, b = np.exp(params)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
    ll = a1 + a2 + np.where(x > 0, np.logaddexp(a3, a4), a3)
    return -(w * ll).sum() / w.sum()


def _gg_ll(params, x, m, w):
    p, q, v = np.exp(params)
    ll = (special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q) + q * np.log(v)
          + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(x * m + v))
    return -(w * ll).sum() / w.sum()


def _fit(fun, x0, args) -> np.ndarray:
    res = optimize.minimize(fun, x0, args=args, method="L-BFGS-B", bounds=[(-12, 12)] * len(x0))
    if not np.isfinite(res.fun):
        raise ShoplensError("The purchase model did not converge", where="CLV fit",
                            fix="check the orders: the model needs a spread of first-purchase dates and repeat buyers")
    return np.exp(res.x)


@dataclass
class CLVModel:
    """Fitted parameters: BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, v, or None without repeat spend)."""
    r: float
    alpha: float
    a: float
    b: float
    gg: tuple[float, float, float] | None
    n_customers: int
    n_repeaters: int

    def expected_purchases(self, t, x, tx, T) -> np.ndarray:
        """Expected purchase days in the next t days given each customer's history."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
        z = t / (alpha + T + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        return num / self._alive_denominator(x, tx, T)

    def _alive_denominator(self, x, tx, T):
        ratio = np.where(x > 0, self.a / (self.b + np.maximum(x, 1) - 1)
                         * np.exp((self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + tx))), 0.0)
        return 1 + ratio

    def purchase_survival(self, t, x, tx, T, y_max: int | None = None) -> np.ndarray:
        """P(Y >= y) for y = 1..y_max, shape (customers, y_max): the exact predictive distribution of purchase days
        in the next t days. Given alive at T, lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b + x) independently,
        so Y = min(N, G) with N negative binomial and G beta-geometric (the purchase after which the customer drops)."""
        x, tx, T = (np.asarray(v, dtype=float).reshape(-1) for v in (x, tx, T))
        if y_max is None:
            y_max = int(min(2000, 20 + 10 * float(np.max(self.expected_purchases(t, x, tx, T), initial=0.0))))
        ys = np.arange(1, y_max + 1)[None, :]  # (1, Y)
        prob = ((self.alpha + T) / (self.alpha + T + t))[:, None]  # (C, 1)
        n_at_least = stats.nbinom.sf(ys - 1, (self.r + x)[:, None], prob)  # P(N >= y), (C, Y)
        g_at_least = np.exp(special.betaln(self.a, (self.b + x)[:, None] + ys - 1) - special.betaln(self.a, self.b + x)[:, None])
        return self.p_alive(x, tx, T)[:, None] * n_at_least * g_at_least

    def purchase_quantiles(self, t, x, tx, T, qs=(0.1, 0.5, 0.9), surv=None) -> np.ndarray:
        """Quantiles of purchase days in the next t days, shape (customers, len(qs)): the median is the forecast
        that minimises absolute error; 0.1 and 0.9 bound an 80 % predictive interval."""
        surv = self.purchase_survival(t, x, tx, T) if surv is None else surv
        cdf = 1 - np.concatenate([surv, np.zeros((surv.shape[0], 1))], axis=1)  # P(Y <= y), y = 0..y_max
        return np.stack([(cdf < q - 1e-12).sum(axis=1) for q in qs], axis=1).astype(float)

    def p_alive(self, x, tx, T) -> np.ndarray:
        x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
        return 1 / self._alive_denominator(x, tx, T)

    def expected_spend(self, x, m) -> np.ndarray:
        """Gamma-Gamma conditional mean spend per purchase day; the population mean for customers without repeats."""
        x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
        if self.gg is None:
            return np.full(x.shape, np.nan)
        p, q, v = self.gg
        pop = p * v / (q - 1) if q > 1 else np.nan
        cond = p * (v + x * m) / (p * x + q - 1)
        return np.where(x > 0, cond, pop)


def fit(summary: pd.DataFrame) -> CLVModel:
    """Maximum-likelihood fit on a summary_data frame (customers with identical histories are fitted once, weighted)."""
    if summary.empty:
        raise ShoplensError("No customers with completed orders to fit", where="CLV fit", fix="load orders with customer ids")
    if (summary["frequency"] > 0).sum() == 0:
        raise ShoplensError("No customer has bought on two different days, so repeat buying cannot be modelled",
                            where="CLV fit", fix="load a longer order history (the model needs repeat customers)")
    if summary["T"].max() <= 0:
        raise ShoplensError("All orders are on one day, so purchase rates cannot be estimated", where="CLV fit",
                            fix="load orders that span several weeks or pick a later as-of date")
    g = summary.groupby(["frequency", "recency", "T"]).size().rename("w").reset_index()
    x, tx, T, w = (g[c].to_numpy(float) for c in ("frequency", "recency", "T", "w"))
    x0 = np.log([1.0, max(summary["T"].mean(), 1.0), 1.0, 1.0])
    r, alpha, a, b = _fit(_bgnbd_ll, x0, (x, tx, T, w))
    rep = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    gg = None
    if len(rep) >= 2:
        gg = tuple(float(v) for v in _fit(_gg_ll, np.log([1.0, 2.0, float(rep["monetary_value"].mean())]),
                        (rep["frequency"].to_numpy(float), rep["monetary_value"].to_numpy(float),
                         np.ones(len(rep)))))
    return CLVModel(float(r), float(alpha), float(a), float(b), gg, len(summary), int((summary["frequency"] > 0).sum()))


def predict(model: CLVModel, summary: pd.DataFrame, horizon_days: int = 90) -> pd.DataFrame:
    """customer_id, expected_purchases (next horizon_days) with an 80 % predictive interval (purchases_low/high)
    and median, p_alive, p_no_purchase (no purchase in the horizon; churn risk is 1 - p_alive), expected_spend,
    predicted_clv (undiscounted spend over the horizon, before margin) and
    clv_low/high (the purchase interval times expected spend; uncertainty in spend itself is not included)."""
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    ep = model.expected_purchases(horizon_days, x, tx, T)
    spend = model.expected_spend(x, summary["monetary_value"].to_numpy(float))
    surv = model.purchase_survival(horizon_days, x, tx, T)
    q = model.purchase_quantiles(horizon_days, x, tx, T, surv=surv)
    return pd.DataFrame({"customer_id": summary["customer_id"].to_numpy(), "expected_purchases": ep,
                         "purchases_low": q[:, 0], "purchases_median": q[:, 1], "purchases_high": q[:, 2],
                         "p_alive": model.p_alive(x, tx, T), "p_no_purchase": 1 - surv[:, 0], "expected_spend": spend,
                         "predicted_clv": ep * spend, "clv_low": q[:, 0] * spend, "clv_high": q[:, 2] * spend})


def customer_values(con, as_of=None, horizon_days: int = 90) -> tuple[pd.DataFrame, CLVModel]:
    """Fit on everything up to the as-of date and predict the next horizon_days for each customer."""
    _check_horizon(horizon_days)
    s = summary_data(con, as_of)
    model = fit(s)
    return predict(model, s, horizon_days), model


def _check_horizon(horizon_days) -> None:
    if not isinstance(horizon_days, (int, np.integer)) or horizon_days < 1 or horizon_days > 3650:
        raise ShoplensError(f"The horizon {horizon_days!r} is not a number of days between 1 and 3650",
                            where="--horizon-days", fix="pass e.g. --horizon-days 90")


FREQUENCY_GROUPS = ["0", "1", "2", "3", "4", "5", "6-9", "10+"]


def _freq_group(x: pd.Series) -> pd.Series:
    return pd.cut(x, [-1, 0, 1, 2, 3, 4, 5, 9, np.inf], labels=FREQUENCY_GROUPS)


@dataclass
class Holdout:
    """Fit up to cutoff, predict (cutoff, cutoff + horizon]; compare with what happened."""
    cutoff: date
    horizon_days: int
    per_customer: pd.DataFrame  # customer_id, frequency, group, predicted (mean), predicted_median, naive, actual
    by_group: pd.DataFrame  # group, customers, predicted, naive, actual (sums)
    totals: dict
    model: CLVModel
    notes: list[str]


def holdout(con, cutoff, horizon_days: int = 90) -> Holdout:
    """The calibration/holdout check. The naive baseline predicts each customer's past rate of repeat purchase days
    (frequency / T) continued over the horizon. Totals compare expected (mean) purchases; per-customer MAE uses the
    model's median forecast (the point forecast that minimises absolute error), and mae_model_mean the mean."""
    _check_horizon(horizon_days)
    ctx = resolve_as_of(con, cutoff)
    s = summary_data(con, ctx)
    model = fit(s)
    end = ctx.as_of + timedelta(days=horizon_days)
    actual = con.execute(
        """SELECT customer_id, count(DISTINCT order_date::DATE) AS actual FROM orders
           WHERE customer_id IS NOT NULL AND status IS DISTINCT FROM 'cancelled' AND order_date >= ? AND order_date < ?
           GROUP BY 1""",
        [_day_end(ctx.as_of), _day_end(end)],
    ).df()
    last = con.execute("SELECT max(order_date)::DATE FROM orders WHERE customer_id IS NOT NULL").fetchone()[0]
    notes = list(ctx.notes)
    if last is None or last <= ctx.as_of:
        raise ShoplensError(f"No orders after the cut-off {ctx.as_of} to compare with", where="holdout check",
                            fix="pick an earlier cut-off date so that some orders fall after it")
    if last < end:
        notes.append(f"Orders end on {last}, before the holdout end {end}: the holdout covers "
                     f"{(last - ctx.as_of).days} of {horizon_days} days, so actual purchases are undercounted.")
    x, tx, T = s["frequency"].to_numpy(float), s["recency"].to_numpy(float), s["T"].to_numpy(float)
    pc = pd.DataFrame({"customer_id": s["customer_id"], "frequency": s["frequency"],
                       "group": _freq_group(s["frequency"]),
                       "predicted": model.expected_purchases(horizon_days, x, tx, T),
                       "predicted_median": model.purchase_quantiles(horizon_days, x, tx, T, qs=(0.5,))[:, 0],
                       "naive": np.where(T > 0, x / np.maximum(T, 1) * horizon_days, 0.0)})
    pc = pc.merge(actual, on="customer_id", how="left").fillna({"actual": 0})
    by = (pc.groupby("group", observed=False)
          .agg(customers=("customer_id", "size"), predicted=("predicted", "sum"), naive=("naive", "sum"),
               actual=("actual", "sum")).reset_index())
    totals = {
        "cutoff": str(ctx.as_of), "horizon_days": horizon_days, "customers": len(pc),
        "actual_total": float(pc["actual"].sum()), "predicted_total": float(pc["predicted"].sum()),
        "naive_total": float(pc["naive"].sum()),
        "mae_model": float((pc["predicted_median"] - pc["actual"]).abs().mean()),
        "mae_model_mean": float((pc["predicted"] - pc["actual"]).abs().mean()),
        "mae_naive": float((pc["naive"] - pc["actual"]).abs().mean()),
        "rmse_model": float(np.sqrt(((pc["predicted"] - pc["actual"]) ** 2).mean())),
        "rmse_naive": float(np.sqrt(((pc["naive"] - pc["actual"]) ** 2).mean())),
    }
    return Holdout(ctx.as_of, horizon_days, pc, by, totals, model, notes)
