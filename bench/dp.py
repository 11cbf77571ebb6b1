"""Error of differentially private exports versus ε on the demo shop: customers and revenue per country,
average rating per category. Each ε is repeated `--reps` times with fresh noise; errors are over released groups.

    python bench/dp.py [--reps 20] [--revenue-bound 5000]

Revenue error is against the true (unclamped) revenue, so it includes the bias of clamping each customer's
revenue to the bound; "noise only" compares with the clamped truth.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EPSILONS = (0.1, 0.5, 1.0, 2.0, 5.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--revenue-bound", type=float, default=5000.0)
    ap.add_argument("--db", help="an existing Shoplens database (default: build the demo in a temp folder)")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp())
    os.environ["SHOPLENS_HOME"] = str(home)
    from analysis import demo, dp, store

    path = Path(args.db) if args.db else home / "demo.duckdb"
    con = store.connect(path)
    if not args.db:
        demo.build(con, path)
    dp.set_budget(con, "bench", 1e9, 1.0, who="bench")  # the bench spends freely; real datasets do not
    true_n = dict(con.execute("SELECT country, count(DISTINCT customer_id) FROM orders "
                              "WHERE customer_id IS NOT NULL GROUP BY 1").fetchall())
    true_rev = dict(con.execute("SELECT country, sum(line_total) FROM orders WHERE customer_id IS NOT NULL "
                                "AND coalesce(status, '') <> 'cancelled' GROUP BY 1").fetchall())
    clamped = dict(con.execute("""SELECT g, sum(least(greatest(r, 0), ?)) FROM (SELECT customer_id, country AS g,
        sum(line_total) AS r FROM orders WHERE customer_id IS NOT NULL AND coalesce(status, '') <> 'cancelled'
        GROUP BY ALL) GROUP BY g""", [args.revenue_bound]).fetchall())
    true_rating = dict(con.execute("SELECT category, avg(rating) FROM reviews WHERE category IS NOT NULL "
                                   "AND rating IS NOT NULL GROUP BY 1").fetchall())
    print(f"demo: {len(true_n)} countries, {sum(true_n.values())} customers with an id, revenue bound "
          f"{args.revenue_bound:g} per customer, δ = {dp.DEFAULT_DELTA:g}, {args.reps} runs per ε\n")
    hdr = (f"{'ε':>5} | {'countries':>9} | {'count MAE':>9} {'count MRE':>9} | {'revenue MAE':>11} {'MRE':>6} "
           f"{'MRE noise only':>14} | {'MRE >=50 cust (n, rev)':>22} | {'rating MAE':>10}")
    print(hdr)
    print("-" * len(hdr))
    for eps in EPSILONS:
        groups, c_abs, c_rel, r_abs, r_rel, r_rel_noise, a_abs = [], [], [], [], [], [], []
        big_c, big_r = [], []  # countries with >= 50 customers: the same groups at every ε
        for _ in range(args.reps):
            c = dp.group_counts(con, "orders", by="country", epsilon=eps, dataset="bench")
            groups.append(len(c.frame))
            for g, v in zip(c.frame["country"], c.frame["customers"], strict=True):
                c_abs.append(abs(v - true_n[g]))
                c_rel.append(abs(v - true_n[g]) / true_n[g])
                if true_n[g] >= 50:
                    big_c.append(abs(v - true_n[g]) / true_n[g])
            r = dp.revenue_by_group(con, by="country", epsilon=eps, revenue_bound=args.revenue_bound, dataset="bench")
            for g, v in zip(r.frame["country"], r.frame["revenue"], strict=True):
                r_abs.append(abs(v - true_rev[g]))
                r_rel.append(abs(v - true_rev[g]) / abs(true_rev[g]))
                r_rel_noise.append(abs(v - clamped[g]) / abs(clamped[g]))
                if true_n[g] >= 50:
                    big_r.append(abs(v - true_rev[g]) / abs(true_rev[g]))
            a = dp.average_rating(con, by="category", epsilon=eps, dataset="bench")
            for g, v in zip(a.frame["category"], a.frame["avg_rating"], strict=True):
                a_abs.append(abs(v - true_rating[g]))
        m = statistics.mean
        print(f"{eps:>5g} | {m(groups):>9.1f} | {m(c_abs):>9.1f} {m(c_rel):>9.1%} | {m(r_abs):>11,.0f} "
              f"{m(r_rel):>6.1%} {m(r_rel_noise):>14.1%} | {m(big_c) if big_c else 0:>10.1%} "
              f"{m(big_r) if big_r else 0:>11.1%} | {m(a_abs):>10.3f}")
    con.close()


if __name__ == "__main__":
    main()
