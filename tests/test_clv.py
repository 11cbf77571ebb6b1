"""BG/NBD + Gamma-Gamma: parameter recovery on simulated customers, internal consistency, the holdout check."""
import numpy as np
import pandas as pd
import pytest

from analysis import clv
from analysis.errors import ShoplensError
from tests.test_rfm import add_orders

TRUE = {"r": 0.6, "alpha": 20.0, "a": 0.8, "b": 3.0}


def simulate(n=3000, horizon=90, seed=7):
    """BG/NBD customers: (x, t_x, T) up to their own T and the purchases in the next `horizon` days."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], n)
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    T = rng.uniform(60, 360, n).round()
    x, tx, future = np.zeros(n), np.zeros(n), np.zeros(n)
    for i in range(n):
        t, alive = 0.0, True
        while alive:
            t += rng.exponential(1 / lam[i])
            if t > T[i] + horizon:
                break
            if t <= T[i]:
                x[i], tx[i] = x[i] + 1, t
            else:
                future[i] += 1
            alive = rng.random() > p[i]
    s = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "frequency": x, "recency": tx, "T": T,
                      "monetary_value": np.where(x > 0, rng.gamma(4, 10, n), 0.0)})
    return s, future


def test_recovers_parameters_and_predicts_simulated_future():
    s, future = simulate()
    m = clv.fit(s)
    assert m.r == pytest.approx(TRUE["r"], rel=0.25)
    assert m.alpha == pytest.approx(TRUE["alpha"], rel=0.35)
    assert m.a == pytest.approx(TRUE["a"], rel=0.5)
    assert m.b == pytest.approx(TRUE["b"], rel=0.6)
    pred = clv.predict(m, s, 90)
    assert pred["expected_purchases"].sum() == pytest.approx(future.sum(), rel=0.1)
    inside = (future >= pred["purchases_low"]) & (future <= pred["purchases_high"])
    assert 0.75 <= inside.mean() <= 0.99  # an 80 % interval of a discrete variable covers at least 80 %


def test_predictive_distribution_matches_closed_form_mean():
    s, _ = simulate(n=500)
    m = clv.fit(s)
    x, tx, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    surv = m.purchase_survival(90, x, tx, T, y_max=400)
    np.testing.assert_allclose(surv.sum(axis=1), m.expected_purchases(90, x, tx, T), rtol=1e-6)
    assert np.all(m.p_alive(np.zeros(3), np.zeros(3), np.array([1.0, 50, 300])) == 1.0)  # no repeat: never seen leaving


def test_gamma_gamma_spend_is_shrunk_towards_the_mean():
    s, _ = simulate(n=1500)
    m = clv.fit(s)
    spend = m.expected_spend(np.array([1.0, 50.0, 0.0]), np.array([400.0, 400.0, 0.0]))
    pop = m.gg[0] * m.gg[2] / (m.gg[1] - 1)
    assert pop == pytest.approx(40.0, rel=0.25)  # simulated mean spend gamma(4, 10)
    assert spend[2] == pytest.approx(pop) and pop < spend[0] < spend[1] < 400


def test_holdout_on_small_shop(db):
    con, _ = db
    rows = []
    rng = np.random.default_rng(3)
    for c in range(60):
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 120)))
        gap = int(rng.integers(5, 60))
        for k in range(int(rng.integers(1, 8))):
            rows.append((f"{c}-{k}", f"c{c}", start + pd.Timedelta(days=k * gap), "1", 20.0))
    add_orders(con, rows)
    h = clv.holdout(con, "2024-05-31", 60)
    t = h.totals
    assert t["customers"] == h.per_customer.shape[0] == h.by_group["customers"].sum()
    assert t["actual_total"] == h.per_customer["actual"].sum()
    assert set(h.by_group["group"].astype(str)) == set(clv.FREQUENCY_GROUPS)
    with pytest.raises(ShoplensError, match="No orders after"):
        clv.holdout(con, "2030-01-01", 60)
    with pytest.raises(ShoplensError, match="horizon"):
        clv.holdout(con, "2024-05-31", 0)


@pytest.mark.parametrize("cutoff", ["2011-03-31", "2011-06-30"])
def test_demo_holdout_beats_naive(demo_con, cutoff):
    t = clv.holdout(demo_con, cutoff, 91).totals
    assert t["mae_model"] < 0.95 * t["mae_naive"]
    assert t["rmse_model"] < t["rmse_naive"]
    assert t["predicted_total"] == pytest.approx(t["actual_total"], rel=0.05)


def test_demo_holdout_over_the_q4_peak_is_a_tie_on_mae(demo_con):
    """Measured, not hoped for: over Sep-Dec the shop's seasonal peak beats a steady-rate model; MAE ties the
    naive baseline (within 2 %), RMSE still wins, and the total is under-predicted."""
    t = clv.holdout(demo_con, "2011-09-09", 91).totals
    assert t["mae_model"] == pytest.approx(t["mae_naive"], rel=0.02)
    assert t["rmse_model"] < t["rmse_naive"]
    assert t["predicted_total"] < 0.8 * t["actual_total"]
