"""Recommendations from item-item co-purchase, with a reason for each, and the products that over-index in a segment.

Items are merchandise products (postage, fees and adjustments are left out) from completed orders with a customer.
Similarity of products i and j: customers who bought both / sqrt(buyers of i * buyers of j) (cosine), keeping each
product's `neighbours` most similar ones bought together by at least `min_support` customers. A customer's score for
product j is the sum of its similarity to everything they bought (a sparse matrix product, customers x products
times products x products); what they already bought is never recommended. The
reason names the bought product that contributes most: "bought together with X by N customers". Customers with fewer
than k candidates (or no history) get the most popular products they have not bought, reason "popular: ...".

evaluate() checks this on a time split: train before a cut-off, then hit-rate@k (share of customers, with history before
the cut-off, who bought at least one recommended new product in the window after it) and catalogue coverage, against
recommending the most popular products."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import sparse

from analysis import data_gaps
from analysis.errors import ShoplensError
from analysis.overview import NON_MERCHANDISE
from analysis.rfm import _day_end, _to_date, resolve_as_of

REC_COLUMNS = ["customer_id", "rank", "product_id", "product_name", "score", "reason"]


@dataclass
class Basket:
    """Who bought what up to a date, as a sparse 0/1 matrix (customers x products), with ids and popularity."""
    x: sparse.csr_matrix  # (C, P)
    customers: np.ndarray  # (C,) customer ids
    products: np.ndarray  # (P,) product ids
    buyers: np.ndarray  # (P,) distinct customers per product


def basket(con, before: date) -> Basket:
    d = con.execute(
        """WITH cp AS (SELECT DISTINCT customer_id, product_id FROM orders
                       WHERE customer_id IS NOT NULL AND product_id IS NOT NULL AND status IS DISTINCT FROM 'cancelled'
                         AND order_date < ? AND NOT regexp_matches(coalesce(product_name, ''), ?))
           SELECT dense_rank() OVER (ORDER BY customer_id) - 1 AS c, dense_rank() OVER (ORDER BY product_id) - 1 AS p,
                  customer_id, product_id FROM cp""",
        [_day_end(before), NON_MERCHANDISE],
    ).fetchnumpy()
    c, p = np.asarray(d["c"], dtype=np.int64), np.asarray(d["p"], dtype=np.int64)
    n_c, n_p = (int(c.max()) + 1, int(p.max()) + 1) if len(c) else (0, 0)
    customers, products = np.empty(n_c, dtype=object), np.empty(n_p, dtype=object)
    customers[c], products[p] = d["customer_id"], d["product_id"]
    x = sparse.csr_matrix((np.ones(len(c), dtype=np.float32), (c, p)), shape=(n_c, n_p))
    return Basket(x, customers, products, np.asarray(x.sum(axis=0)).ravel())


def similarities(b: Basket, neighbours: int = 50, min_support: int = 2) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """(S, N): cosine similarity of each product to its `neighbours` closest, and the co-buyer counts behind them,
    both (P, P) sparse. Co-buyers come from X'X, far faster than a SQL self-join once wholesale buyers hold
    thousands of products."""
    co = (b.x.T @ b.x).tocsr()  # (P, P) customers who bought both
    co.setdiag(0)
    co.data[co.data < min_support] = 0
    co.eliminate_zeros()
    rows, cols, sims, counts = [], [], [], []
    for i in range(co.shape[0]):
        lo, hi = co.indptr[i], co.indptr[i + 1]
        if lo == hi:
            continue
        j, n = co.indices[lo:hi], co.data[lo:hi].astype(np.float64)
        sim = n / np.sqrt(b.buyers[i] * b.buyers[j])
        keep = np.lexsort((j, -sim))[:neighbours]  # most similar first, ties by product index
        rows.append(np.full(len(keep), i))
        cols.append(j[keep])
        sims.append(sim[keep])
        counts.append(n[keep])
    shape = co.shape
    if not rows:
        return sparse.csr_matrix(shape), sparse.csr_matrix(shape)
    r, c = np.concatenate(rows), np.concatenate(cols)
    return (sparse.csr_matrix((np.concatenate(sims), (r, c)), shape=shape),
            sparse.csr_matrix((np.concatenate(counts), (r, c)), shape=shape))


def _top_k(b: Basket, rows: np.ndarray, k: int, sim: sparse.csr_matrix | None) -> list[tuple[int, int, float, int]]:
    """(customer row, product index, score, source) for the top k of each row; source 0 = co-purchase,
    1 = popularity fill. sim None gives the popularity baseline."""
    popular = np.lexsort((np.arange(len(b.buyers)), -b.buyers))
    mine = b.x[rows]  # (R, P)
    scores = None
    if sim is not None:
        scores = (mine @ sim).tocsr()
        scores = (scores - scores.multiply(mine)).tocsr()  # never what they already bought
        scores.eliminate_zeros()
    out = []
    for n, row in enumerate(rows):
        picked: list[tuple[int, int, float, int]] = []
        if scores is not None:
            lo, hi = scores.indptr[n], scores.indptr[n + 1]
            j, v = scores.indices[lo:hi], scores.data[lo:hi]
            order = np.lexsort((j, -v))[:k]
            picked = [(row, int(j[o]), float(v[o]), 0) for o in order]
        if len(picked) < k:
            bought = set(mine.indices[mine.indptr[n]:mine.indptr[n + 1]].tolist())
            seen = {p for _, p, _, _ in picked}
            for p in popular:
                if len(picked) >= k:
                    break
                if p not in bought and p not in seen:
                    picked.append((row, int(p), 0.0, 1))
        out.extend(picked)
    return out


@dataclass
class Recommender:
    """A fitted co-purchase model: the basket up to as_of, similarities (S), co-buyer counts (N), product names."""
    basket: Basket
    sim: sparse.csr_matrix
    counts: sparse.csr_matrix
    names: dict
    as_of: date

    def recommend(self, customers: list[str] | None = None, k: int = 10) -> pd.DataFrame:
        """REC_COLUMNS for the given customers (None: every customer with a purchase)."""
        _check_k(k)
        b = self.basket
        if customers is None:
            rows = np.arange(len(b.customers))
        else:
            index = {c: i for i, c in enumerate(b.customers)}
            missing = [c for c in customers if c not in index]
            if missing:
                raise ShoplensError(f"No completed orders (up to {self.as_of}) for customer "
                                    f"{', '.join(map(str, missing[:5]))}",
                                    where="--customer", fix="check the id on the Customers page (ids are matched exactly)")
            rows = np.array([index[c] for c in dict.fromkeys(customers)], dtype=np.int64)
        if len(b.products) == 0:
            return pd.DataFrame(columns=REC_COLUMNS)
        return _explain(b, _top_k(b, rows, k, self.sim), self.sim, self.counts, self.names)


def _check_k(k) -> None:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= 100:
        raise ShoplensError(f"k={k!r} is not a number between 1 and 100", where="--k", fix="pass e.g. --k 10")


def fit(con, as_of=None, neighbours: int = 50, min_support: int = 2) -> Recommender:
    """Build the co-purchase model from the orders up to as_of (default: the last order)."""
    data_gaps.require(con, "orders.product_id", "Recommendations", where="shoplens recommend")
    ctx = resolve_as_of(con, as_of)
    b = basket(con, ctx.as_of)
    sim, counts = similarities(b, neighbours, min_support)
    names = dict(con.execute(
        """SELECT o.product_id, coalesce(any_value(pn.display_name), mode(o.product_name))
           FROM orders o LEFT JOIN product_names pn ON pn.product_id = o.product_id
           WHERE o.product_id IS NOT NULL AND o.order_date < ? GROUP BY 1""", [_day_end(ctx.as_of)]).fetchall())
    return Recommender(b, sim, counts, names, ctx.as_of)


def recommend(con, customers: list[str] | None = None, k: int = 10, as_of=None, neighbours: int = 50,
              min_support: int = 2) -> pd.DataFrame:
    """REC_COLUMNS for the given customers (None: every customer with a purchase), using orders up to as_of."""
    _check_k(k)
    return fit(con, as_of, neighbours, min_support).recommend(customers, k)


def _explain(b: Basket, picked, sim, counts, names: dict) -> pd.DataFrame:
    """Ranks, names and the reason: the customer's bought product most similar to the recommended one."""
    arr = np.array([(r, p, src) for r, p, _, src in picked], dtype=np.int64).reshape(-1, 3)
    via = np.full(len(arr), -1, dtype=np.int64)
    co = arr[:, 2] == 0
    if co.any():
        # contribution of each bought product i to recommendation (row, p) is S[i, p]; the reason is the largest
        contrib = b.x[arr[co, 0]].multiply(sim.T.tocsr()[arr[co, 1]]).tocsr()  # (recs, P)
        via[co] = np.asarray(contrib.argmax(axis=1)).ravel()
    n_via = np.zeros(len(arr), dtype=np.int64)
    if co.any():
        n_via[co] = np.asarray(counts[via[co], arr[co, 1]]).ravel().astype(np.int64)
    recs = []
    rank, last = 0, None
    for (row, p, score, src), v, n in zip(picked, via, n_via, strict=True):
        rank = rank + 1 if row == last else 1
        last = row
        if src == 0:
            reason = (b.products[v], f"by {n} customer{'s' if n != 1 else ''}")
        else:
            n_buyers = int(b.buyers[p])
            reason = (None, f"popular: bought by {n_buyers} customer{'s' if n_buyers != 1 else ''}")
        recs.append((b.customers[row], rank, b.products[p], round(score, 4), reason[0], reason[1]))
    df = pd.DataFrame(recs, columns=["customer_id", "rank", "product_id", "score", "via", "why"])
    df["product_name"] = [names.get(p) or p for p in df["product_id"]]
    df["reason"] = [f"bought together with {names.get(v) or v} {w}" if isinstance(v, str) else w
                    for v, w in zip(df["via"], df["why"], strict=True)]
    return df[REC_COLUMNS]


def holdout(con, cutoff, horizon_days: int, where: str = "recommendation check"):
    """The time split both the recommender check and its fairness audit score: (resolved cut-off, basket before it,
    truth {basket row: products new to that customer bought in the horizon (-1: new to the shop, unhittable)},
    the basket rows that have any truth)."""
    data_gaps.require(con, "orders.product_id", "recommendation check", where=where)
    ctx = resolve_as_of(con, _to_date(cutoff, "cut-off date"))
    end = ctx.as_of + timedelta(days=horizon_days)
    b = basket(con, ctx.as_of)
    future = con.execute(
        """SELECT DISTINCT customer_id, product_id FROM orders
           WHERE customer_id IS NOT NULL AND product_id IS NOT NULL AND status IS DISTINCT FROM 'cancelled'
             AND order_date >= ? AND order_date < ? AND NOT regexp_matches(coalesce(product_name, ''), ?)""",
        [_day_end(ctx.as_of), _day_end(end), NON_MERCHANDISE],
    ).fetchall()
    c_index = {c: i for i, c in enumerate(b.customers)}
    p_index = {p: i for i, p in enumerate(b.products)}
    bought = {(r, int(p)) for r in range(len(b.customers)) for p in b.x.indices[b.x.indptr[r]:b.x.indptr[r + 1]]}
    truth: dict[int, set[int]] = {}
    for cust, prod in future:
        r, p = c_index.get(cust), p_index.get(prod, -1)
        if r is not None and (r, p) not in bought:
            truth.setdefault(r, set()).add(p)  # p = -1: a product new to the catalogue, which no method can hit
    if not truth:
        raise ShoplensError(f"No returning customer bought a new product in the {horizon_days} days after {ctx.as_of}",
                            where=where, fix="pick an earlier cut-off date")
    return ctx, b, truth, np.array(sorted(truth), dtype=np.int64)


def hits(b: Basket, rows: np.ndarray, truth: dict[int, set[int]], k: int, sim) -> tuple[set[int], list]:
    """(rows with a bought product among their k recommendations, the recommendations); sim None: popularity."""
    picked = _top_k(b, rows, k, sim)
    return {r for r, p, _, _ in picked if p in truth[r]}, picked


def evaluate(con, cutoff, horizon_days: int = 90, k: int = 10, neighbours: int = 50, min_support: int = 2) -> dict:
    """Hit-rate@k and catalogue coverage of co-purchase vs popularity on the time split at cutoff: customers with
    purchases before it who bought at least one product new to them in the horizon after it."""
    ctx, b, truth, rows = holdout(con, cutoff, horizon_days)
    sim, _ = similarities(b, neighbours, min_support)
    out = {"cutoff": str(ctx.as_of), "horizon_days": horizon_days, "k": k, "test_customers": len(rows),
           "catalogue": len(b.products)}
    for name, s in (("copurchase", sim), ("popularity", None)):
        hit, picked = hits(b, rows, truth, k, s)
        out[f"hit_rate_{name}"] = len(hit) / len(rows)
        out[f"coverage_{name}"] = len({p for _, p, _, _ in picked}) / len(b.products)
    return out


def segment_products(con, rfm: pd.DataFrame, segment: str, top: int = 10, min_customers: int | None = None) -> pd.DataFrame:
    """Products that over-index in a segment: product_id, product_name, segment_buyers, segment_share (of the
    segment's customers), overall_share, lift = segment_share / overall_share; highest lift first. Only products
    bought by at least min_customers of the segment (default: 5 % of it, at least 3) count, so lift is not noise."""
    seg = rfm.loc[rfm["segment"] == segment, ["customer_id"]]
    if min_customers is None:
        min_customers = max(3, int(np.ceil(0.05 * len(seg))))
    if seg.empty:
        return pd.DataFrame(columns=["product_id", "product_name", "segment_buyers", "segment_share",
                                     "overall_share", "lift"])
    name = f"_seg_{uuid.uuid4().hex[:8]}"
    con.register(name, seg)
    try:
        return con.execute(
            f"""WITH cp AS (SELECT DISTINCT customer_id, product_id FROM orders
                            WHERE customer_id IS NOT NULL AND product_id IS NOT NULL
                              AND status IS DISTINCT FROM 'cancelled' AND NOT regexp_matches(coalesce(product_name, ''), ?)
                              AND customer_id IN (SELECT customer_id FROM (SELECT unnest(?::VARCHAR[]) AS customer_id))),
                    n AS (SELECT (SELECT count(*) FROM {name}) AS seg_n, ?::BIGINT AS all_n),
                    p AS (SELECT product_id, count(*) AS buyers,
                                 count(*) FILTER (WHERE customer_id IN (SELECT customer_id FROM {name})) AS seg_buyers
                          FROM cp GROUP BY 1)
                SELECT p.product_id, coalesce(pn.display_name, nm.product_name, p.product_id) AS product_name,
                       p.seg_buyers AS segment_buyers, p.seg_buyers / n.seg_n AS segment_share,
                       p.buyers / n.all_n AS overall_share, (p.seg_buyers / n.seg_n) / (p.buyers / n.all_n) AS lift
                FROM p CROSS JOIN n
                LEFT JOIN (SELECT product_id, mode(product_name) AS product_name FROM orders GROUP BY 1) nm USING (product_id)
                LEFT JOIN product_names pn ON pn.product_id = p.product_id  -- the shop's display name (Shop settings)
                WHERE p.seg_buyers >= ? ORDER BY lift DESC, segment_buyers DESC LIMIT ?""",
            [NON_MERCHANDISE, rfm["customer_id"].tolist(), len(rfm), min_customers, top],
        ).df()
    finally:
        con.unregister(name)
