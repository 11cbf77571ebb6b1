"""Benchmark and model checks for customer segments. Prints measured figures only:

1. RFM + segment summary + cohorts on the demo data, warm (median of 5 runs after one cold run); target < 1 s.
2. The same on a generated 10M-line orders table; target < 15 s.
3. CLV (BG/NBD + Gamma-Gamma) fit + prediction time on the demo data; target < 30 s on CPU.
4. Holdout checks of the purchase model (fit up to a cut-off, predict the 91 days after) at three cut-offs.
5. Recommender hit-rate@10 and coverage vs the popularity baseline on time splits.

Usage: python bench/segments.py [--lines 10000000] [--skip-large] [--workdir DIR]"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import clv, cohorts, demo, recommend, rfm, store  # noqa: E402


def timed(fn, runs: int = 5) -> tuple[float, float]:
    """(cold seconds, median warm seconds)."""
    t = time.perf_counter()
    fn()
    cold = time.perf_counter() - t
    warm = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t)
    return cold, statistics.median(warm)


def segments_and_cohorts(con):
    ctx = rfm.resolve_as_of(con)
    table = rfm.rfm_table(con, ctx)
    rfm.segment_summary(table)
    rfm.rfm_grid(table)
    cohorts.cohort_table(con, ctx)
    return len(table)


def generate(con, lines: int, customers: int, products: int = 20000) -> None:
    """A synthetic shop: two years of order lines, ~5 lines per order, 2 % cancellations, 20 % without customer."""
    con.execute(
        """INSERT INTO orders (order_id, customer_id, order_date, product_id, product_name, quantity, unit_price,
                               line_total, country, status)
           SELECT 'o' || (i // 5), CASE WHEN hash(i // 5) % 5 = 0 THEN NULL ELSE 'c' || (hash(i // 5 + 1) % ?) END,
                  TIMESTAMP '2023-01-01' + to_seconds((hash(i // 5 + 2) % 63072000)::BIGINT),
                  'p' || (hash(i + 3) % ?), 'Product ' || (hash(i + 3) % ?), 1 + hash(i + 4) % 6,
                  1 + (hash(i + 5) % 2000) / 100, (1 + hash(i + 4) % 6) * (1 + (hash(i + 5) % 2000) / 100),
                  'UK', CASE WHEN hash(i // 5 + 6) % 50 = 0 THEN 'cancelled' ELSE 'completed' END
           FROM range(?) t(i)""",
        [customers, products, products, lines],
    )
    con.execute("CHECKPOINT")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=500_000)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="shoplens_bench_"))
    work.mkdir(parents=True, exist_ok=True)

    path = work / "demo.duckdb"
    con = store.connect(path)
    if con.execute("SELECT count(*) FROM orders").fetchone()[0] == 0:
        demo.build(con, path)
    con.execute("SET enable_progress_bar = false")
    n_lines = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    print(f"# Shoplens segments benchmark (demo: {n_lines:,} order lines)")

    n = segments_and_cohorts(con)
    cold, warm = timed(lambda: segments_and_cohorts(con))
    print(f"rfm+segments+cohorts demo: customers={n:,} cold={cold:.3f}s warm_median={warm:.3f}s (target < 1 s)")

    t = time.perf_counter()
    s = clv.summary_data(con)
    model = clv.fit(s)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    pred = clv.predict(model, s, 90)
    pred_s = time.perf_counter() - t
    print(f"clv demo: summary+fit={fit_s:.3f}s predict(90 d, with intervals)={pred_s:.3f}s customers={len(s):,} "
          f"(target < 30 s) params r={model.r:.4g} alpha={model.alpha:.4g} a={model.a:.4g} b={model.b:.4g} "
          f"gamma_gamma={tuple(round(v, 4) for v in model.gg) if model.gg else None}")
    print(f"clv demo: expected purchases next 90 d total={pred['expected_purchases'].sum():,.1f}, "
          f"predicted CLV total=£{pred['predicted_clv'].sum():,.0f}, median P(alive)={pred['p_alive'].median():.4f}, "
          f"median churn risk (no purchase in 90 d)={pred['p_no_purchase'].median():.3f}")

    for cutoff in ("2011-03-31", "2011-06-30", "2011-09-09"):
        t = time.perf_counter()
        h = clv.holdout(con, cutoff, 91)
        x = h.totals
        print(f"holdout cutoff={cutoff} horizon=91d customers={x['customers']:,}: actual={x['actual_total']:,.0f} "
              f"predicted={x['predicted_total']:,.1f} naive={x['naive_total']:,.1f} | MAE model(median)="
              f"{x['mae_model']:.4f} model(mean)={x['mae_model_mean']:.4f} naive={x['mae_naive']:.4f} | "
              f"RMSE model={x['rmse_model']:.4f} naive={x['rmse_naive']:.4f} | {time.perf_counter() - t:.2f}s")
        groups = "; ".join(f"{g.group}: n={g.customers} act={g.actual:.0f} pred={g.predicted:.0f} naive={g.naive:.0f}"
                           for g in h.by_group.itertuples())
        print(f"  by calibration repeat purchases: {groups}")

    for cutoff in ("2011-06-30", "2011-09-09"):
        t = time.perf_counter()
        ev = recommend.evaluate(con, cutoff, 91, k=10)
        print(f"recommend cutoff={cutoff} horizon=91d test_customers={ev['test_customers']:,} catalogue={ev['catalogue']:,}: "
              f"hit-rate@10 co-purchase={ev['hit_rate_copurchase']:.4f} popularity={ev['hit_rate_popularity']:.4f} | "
              f"coverage co-purchase={ev['coverage_copurchase']:.4f} popularity={ev['coverage_popularity']:.4f} | "
              f"{time.perf_counter() - t:.2f}s")
    t = time.perf_counter()
    recs = recommend.recommend(con, None, k=10)
    print(f"recommend --all demo: {recs['customer_id'].nunique():,} customers x 10 in {time.perf_counter() - t:.2f}s")
    con.close()

    if args.skip_large:
        return
    big = work / "large.duckdb"
    big.unlink(missing_ok=True)
    con = store.connect(big)
    con.execute("SET enable_progress_bar = false")
    t = time.perf_counter()
    generate(con, args.lines, args.customers)
    gen_s = time.perf_counter() - t
    n = segments_and_cohorts(con)
    cold, warm = timed(lambda: segments_and_cohorts(con), runs=3)
    print(f"rfm+segments+cohorts generated: lines={args.lines:,} customers={n:,} (generated in {gen_s:.1f}s) "
          f"cold={cold:.2f}s warm_median={warm:.2f}s (target < 15 s)")
    con.close()
    big.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
