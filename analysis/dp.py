"""Differentially private aggregates for sharing outside the team, with a privacy budget per dataset.

The unit of privacy is a customer: each customer's influence is bounded in SQL (at most `max_groups` groups,
revenue per group clamped to [0, `revenue_bound`], at most `max_reviews` reviews), then OpenDP adds the noise:
`make_laplace_threshold` releases the group sizes and which groups exist (groups whose noisy size falls under the
threshold are suppressed; that is where δ comes from), and `make_laplace` the sums. Every release states ε, δ and
the bounds (`DPResult.statement`), and is charged to the dataset's budget in `dp_ledger` first: a release that would
take the dataset past its total is refused with `BudgetExceeded`, and nothing is computed.

    res = dp.group_counts(con, "orders", by="country", epsilon=1.0)
    res.frame, res.statement
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import opendp.prelude as dp
import pandas as pd

from analysis import store
from analysis.errors import ShoplensError
from analysis.schema import LATEST_LABELS

dp.enable_features("contrib")
try:
    from importlib.metadata import version as _version

    _OPENDP_VERSION = _version("opendp")
except Exception:  # pragma: no cover - metadata missing in odd installs
    _OPENDP_VERSION = "?"

DEFAULT_TOTAL_EPSILON = 10.0
DEFAULT_TOTAL_DELTA = 1e-5
DEFAULT_DELTA = 1e-7
MAX_EPSILON = 20.0
MIN_EPSILON = 0.001  # below this the noise dwarfs any shop's numbers, and OpenDP's scale overflows near 5e-324
MAX_REVENUE_BOUND = 1e12  # keeps the noise scale (bound / ε) a finite number

LEDGER_DDL = [
    """CREATE TABLE IF NOT EXISTS dp_budget (
        dataset VARCHAR PRIMARY KEY, epsilon_total DOUBLE NOT NULL, delta_total DOUBLE NOT NULL,
        who VARCHAR, "at" TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS dp_ledger (
        dataset VARCHAR, "at" TIMESTAMP, who VARCHAR, query VARCHAR, epsilon DOUBLE, delta DOUBLE, params JSON)""",
]


class BudgetExceeded(ShoplensError):
    """A differentially private release would spend more privacy budget than the dataset has left."""


@dataclass
class DPResult:
    frame: pd.DataFrame          # one row per released group; noisy values only
    epsilon: float
    delta: float
    bounds: dict
    suppressed: int              # true groups not released (noisy size under the threshold)
    threshold: float
    query: str
    dataset: str | tuple[str, ...]  # several when the release reads several (e.g. reviews and, for segments, orders)
    mechanism: str = f"noise by OpenDP {_OPENDP_VERSION} (Laplace, threshold on group sizes)"
    notes: list[str] = field(default_factory=list)
    # Exact figures for the team, never part of the release or its export (revenue releases: per released group, the
    # actual net revenue and how much the per-customer cap clipped before noise). They are not private: stating an
    # exact total is what the noise exists to prevent, so only people who may read the raw data see them.
    team_only: pd.DataFrame | None = None

    @property
    def statement(self) -> str:
        """One paragraph to print at the top of a shared export."""
        b = "; ".join(f"{k} = {v}" for k, v in self.bounds.items())
        names = _datasets(self.dataset)
        of = f"dataset '{names[0]}'" if len(names) == 1 else "datasets " + " and ".join(f"'{n}'" for n in names)
        return (f"Differentially private release ({self.query}) of {of}: ε = {self.epsilon:g}, "
                f"δ = {self.delta:.2g}. Unit of privacy: one customer. Bounds: {b}. Groups whose noisy size was under "
                f"{self.threshold:.0f} are suppressed. Values are noisy on purpose; {self.mechanism}."
                + (" " + " ".join(self.notes) if self.notes else ""))


# ------------------------------------------------------------------ budget ledger
def ensure_tables(con) -> None:
    for ddl in LEDGER_DDL:
        con.execute(ddl)


def set_budget(con, dataset: str, epsilon_total: float, delta_total: float = DEFAULT_TOTAL_DELTA,
               who: str = "") -> None:
    """Set (or change) the total ε and δ a dataset may ever spend on shared releases."""
    _check_positive("total ε", epsilon_total)
    ensure_tables(con)
    con.execute("INSERT OR REPLACE INTO dp_budget VALUES (?, ?, ?, ?, ?)",
                [dataset, float(epsilon_total), float(delta_total), who, datetime.now()])


def budget(con, dataset: str) -> dict:
    """{'epsilon_total', 'delta_total', 'epsilon_spent', 'delta_spent', 'epsilon_left', 'delta_left', 'releases'}."""
    exact = _exact_budget(con, dataset)
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in exact.items()}


def _exact_budget(con, dataset: str) -> dict:
    """The budget in exact decimal arithmetic. ε and δ are typed as decimals (0.1, 1e-7); summing them as binary
    floats drifts (99 × 1e-7 + 1e-7 > 1e-5), which refused the 100th δ = 1e-7 release of a 1e-5 budget. Each stored
    float is read back as the shortest decimal that round-trips to it, so sums are exact."""
    ensure_tables(con)
    row = con.execute("SELECT epsilon_total, delta_total FROM dp_budget WHERE dataset = ?", [dataset]).fetchone()
    eps_total, delta_total = (_dec(v) for v in (row if row else (DEFAULT_TOTAL_EPSILON, DEFAULT_TOTAL_DELTA)))
    rows = con.execute("SELECT epsilon, delta FROM dp_ledger WHERE dataset = ?", [dataset]).fetchall()
    eps_spent = sum((_dec(e) for e, _ in rows), Decimal(0))
    delta_spent = sum((_dec(d) for _, d in rows), Decimal(0))
    return {"epsilon_total": eps_total, "delta_total": delta_total, "epsilon_spent": eps_spent,
            "delta_spent": delta_spent, "epsilon_left": eps_total - eps_spent, "delta_left": delta_total - delta_spent,
            "releases": len(rows)}


def _dec(x) -> Decimal:
    return Decimal(repr(float(x)))


def _show(x: Decimal) -> str:
    """A budget amount as it is, never rounded up to look like enough (0 when spent)."""
    x = max(x, Decimal(0)).normalize()
    return format(x, "f" if x == 0 or x >= Decimal("0.0001") else "g")


def charge(con, dataset: str | Sequence[str], epsilon: float, delta: float, query: str, params: dict,
           who: str = "") -> None:
    """Record a release against the dataset's budget (basic composition), or raise BudgetExceeded.

    A release that reads several datasets is charged to each of them, all or none: a customer's orders and reviews
    are both in it, so either budget running out must stop it."""
    ensure_tables(con)
    need_eps, need_delta = _dec(epsilon), _dec(delta)
    with store.transaction(con):
        for name in _datasets(dataset):
            b = _exact_budget(con, name)
            if need_eps > b["epsilon_left"] or need_delta > b["delta_left"]:
                raise BudgetExceeded(
                    f"Privacy budget exceeded: this release needs ε = {_show(need_eps)}, δ = {_show(need_delta)} but "
                    f"dataset '{name}' has ε = {_show(b['epsilon_left'])}, δ = {_show(b['delta_left'])} left of its "
                    f"total ε = {_show(b['epsilon_total'])}, δ = {_show(b['delta_total'])} ({b['releases']} releases "
                    "so far)",
                    fix="choose a smaller ε, or ask an admin to raise the dataset's budget (Share page, or "
                        "`shoplens share --dataset NAME --set-budget EPS`)")
        for name in _datasets(dataset):
            con.execute("INSERT INTO dp_ledger VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [name, datetime.now(), who, query, float(epsilon), float(delta),
                         json.dumps(params, default=str)])


def ledger(con, datasets: Sequence[str] | None = None) -> pd.DataFrame:
    """Past releases, newest first (dataset, at, who, query, epsilon, delta): what a reader of the exports may ask."""
    ensure_tables(con)
    names = list(datasets) if datasets is not None else None
    return con.execute("""SELECT dataset, "at", who, query, epsilon, delta FROM dp_ledger
                          WHERE ? IS NULL OR list_contains(?, dataset) ORDER BY "at" DESC""",
                       [names, names]).df()


# ------------------------------------------------------------------ helpers
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _datasets(dataset: str | Sequence[str]) -> tuple[str, ...]:
    return (dataset,) if isinstance(dataset, str) else tuple(dataset)


def check_epsilon(epsilon) -> None:
    """Refuse an ε outside [MIN_EPSILON, MAX_EPSILON] before anything is charged or computed."""
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not math.isfinite(epsilon) \
            or not MIN_EPSILON <= epsilon <= MAX_EPSILON:
        raise ShoplensError(f"ε must be a number from {MIN_EPSILON:g} to {MAX_EPSILON:g}, got {epsilon!r}",
                            where="--epsilon", fix="pass e.g. --epsilon 1 (smaller spends less budget but adds "
                                                   "more noise)")


def _check_positive(what: str, value: float, upper: float = math.inf) -> None:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 < value <= upper:
        raise ShoplensError(f"{what} must be a number above 0 and at most {upper:g}, got {value!r}")


def _columns(con, table: str) -> set[str]:
    """Columns of an existing table or view; the catalog is the whitelist for identifiers."""
    if not _IDENT.match(table):
        raise ShoplensError(f"unknown table {table!r}")
    cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                      [table]).fetchall()}
    if not cols:
        raise ShoplensError(f"unknown table {table!r}", fix="load data first, or pick orders or reviews")
    return cols


def _need(cols: set[str], table: str, *names: str) -> None:
    for n in names:
        if n not in cols:
            raise ShoplensError(f"table {table} has no column {n!r}", fix=f"choose one of {', '.join(sorted(cols))}")


def _threshold_release(counts: dict[str, float], d_in: tuple, epsilon: float, delta: float,
                       min_count: float) -> tuple[dict[str, float], float]:
    """Noisy counts for the groups whose noisy count clears the threshold; returns (released, threshold)."""
    l0, l1, linf = d_in
    scale = l1 / epsilon
    dom = dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=float, nan=False))
    metric = dp.l01inf_distance(dp.absolute_distance(T=float))

    def make(t: float):
        return dp.m.make_laplace_threshold(dom, metric, scale=scale, threshold=t)

    # smallest threshold whose δ is within budget (δ falls as the threshold rises)
    lo, hi = linf, linf + 1.0
    while make(hi).map(d_in)[1] > delta:
        hi *= 2
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if make(mid).map(d_in)[1] <= delta else (mid, hi)
    threshold = max(hi, float(min_count))
    meas = make(threshold)
    eps_used, delta_used = meas.map(d_in)
    assert eps_used <= epsilon * (1 + 1e-9) and delta_used <= delta, (eps_used, delta_used)
    return meas({str(k): float(v) for k, v in counts.items()}), threshold


def _laplace_vector(values: list[float], l1: float, epsilon: float) -> list[float]:
    if not values:
        return []
    dom = dp.vector_domain(dp.atom_domain(T=float, nan=False), size=len(values))
    meas = dp.m.make_laplace(dom, dp.l1_distance(T=float), scale=l1 / epsilon)
    assert meas.map(float(l1)) <= epsilon * (1 + 1e-9)
    return list(meas([float(v) for v in values]))


def _customer_key(cols: set[str], table: str, unknown_customer: str) -> tuple[str, str, str]:
    """(SQL for the privacy unit, WHERE clause, note) for rows whose customer is unknown.

    "exclude" leaves them out (safe: an anonymous buyer may stand behind many rows); "as_individuals" counts each
    row as its own person, which is only right where each row is a different person (e.g. anonymous reviews)."""
    if unknown_customer not in ("exclude", "as_individuals"):
        raise ShoplensError(f"unknown_customer must be 'exclude' or 'as_individuals', got {unknown_customer!r}")
    if "customer_id" not in cols:
        if unknown_customer == "exclude":
            raise ShoplensError(f"table {table} has no customer_id, so a customer's contribution cannot be bounded",
                                fix="map a customer column, or pass unknown_customer='as_individuals'")
        return "CAST(rowid AS VARCHAR)", "", "Each row is treated as a different person (no customer id)."
    if unknown_customer == "exclude":
        return "customer_id", "AND customer_id IS NOT NULL", "Rows without a customer id are left out."
    return ("coalesce(customer_id, '_row:' || CAST(rowid AS VARCHAR))", "",
            "Rows without a customer id are each treated as a different person.")


# ------------------------------------------------------------------ releases
def group_counts(con, table: str, by: str, epsilon: float, delta: float = DEFAULT_DELTA, max_groups: int = 1,
                 min_count: float = 0, dataset: str | None = None, who: str = "",
                 unknown_customer: str = "exclude") -> DPResult:
    """Noisy number of distinct customers per group (segment or category sizes)."""
    check_epsilon(epsilon)
    cols = _columns(con, table)
    _need(cols, table, by)
    unit, where, note = _customer_key(cols, table, unknown_customer)
    dataset = dataset or table
    params = {"table": table, "by": by, "max_groups": max_groups, "min_count": min_count}
    charge(con, dataset, epsilon, delta, f"customers per {by}", params, who)
    true = dict(con.execute(f"""
        SELECT g, count(*) FROM (
            SELECT unit, g, row_number() OVER (PARTITION BY unit ORDER BY hash(g)) AS k
            FROM (SELECT DISTINCT {unit} AS unit, CAST({by} AS VARCHAR) AS g FROM {table} WHERE {by} IS NOT NULL {where}))
        WHERE k <= ? GROUP BY g""", [max_groups]).fetchall())  # identifiers checked against the catalog
    released, threshold = _threshold_release(true, (max_groups, float(max_groups), 1.0), epsilon, delta, min_count)
    frame = pd.DataFrame({by: list(released), "customers": [max(0, round(v)) for v in released.values()]})
    return DPResult(frame.sort_values("customers", ascending=False, ignore_index=True), epsilon, delta,
                    {"groups per customer": max_groups}, len(true) - len(released), threshold,
                    f"customers per {by}", dataset, notes=[note])


def revenue_by_group(con, by: str = "country", epsilon: float = 1.0, revenue_bound: float = 5000.0,
                     delta: float = DEFAULT_DELTA, max_groups: int = 1, min_count: float = 0, table: str = "orders",
                     dataset: str | None = None, who: str = "", unknown_customer: str = "exclude") -> DPResult:
    """Noisy customers and revenue per group; each customer's revenue in a group is clamped to [0, revenue_bound].

    Half of ε releases the groups and their customer counts (with threshold), half the revenue sums."""
    check_epsilon(epsilon)
    _check_positive("revenue bound", revenue_bound, MAX_REVENUE_BOUND)
    cols = _columns(con, table)
    _need(cols, table, by, "line_total")
    unit, where, note = _customer_key(cols, table, unknown_customer)
    dataset = dataset or table
    params = {"table": table, "by": by, "revenue_bound": revenue_bound, "max_groups": max_groups}
    charge(con, dataset, epsilon, delta, f"revenue per {by}", params, who)
    status = "AND coalesce(status, '') <> 'cancelled'" if "status" in cols else ""
    rows = con.execute(f"""
        SELECT g, count(*) AS n, sum(least(greatest(rev, 0), ?)) AS clamped, sum(rev) AS actual,
               sum(greatest(rev - ?, 0)) AS clipped FROM (
            SELECT unit, g, rev, row_number() OVER (PARTITION BY unit ORDER BY hash(g)) AS k
            FROM (SELECT {unit} AS unit, CAST({by} AS VARCHAR) AS g, sum(line_total) AS rev FROM {table}
                  WHERE {by} IS NOT NULL AND line_total IS NOT NULL {status} {where} GROUP BY ALL))
        WHERE k <= ? GROUP BY g""", [float(revenue_bound), float(revenue_bound), max_groups]).fetchall()
    counts = {g: n for g, n, *_ in rows}
    clamped = {g: c for g, _, c, *_ in rows}
    exact = {g: (a, cl) for g, _, _, a, cl in rows}
    released, threshold = _threshold_release(counts, (max_groups, float(max_groups), 1.0), epsilon / 2, delta,
                                             min_count)
    keys = list(released)
    sums = _laplace_vector([clamped[k] for k in keys], max_groups * revenue_bound, epsilon / 2)
    frame = pd.DataFrame({by: keys, "customers": [max(0, round(released[k])) for k in keys],
                          "revenue": [max(0.0, round(s, 2)) for s in sums]})
    team = pd.DataFrame({by: keys, "actual_revenue": [round(float(exact[k][0]), 2) for k in keys],
                         "clipped_by_cap": [round(float(exact[k][1]), 2) for k in keys]})
    return DPResult(frame.sort_values("revenue", ascending=False, ignore_index=True), epsilon, delta,
                    {"groups per customer": max_groups, "revenue per customer per group": f"[0, {revenue_bound:g}]",
                     "cancelled lines": "excluded"}, len(counts) - len(released), threshold,
                    f"revenue per {by}", dataset, notes=[note, "ε is split equally between the counts and the sums."],
                    team_only=team.sort_values("actual_revenue", ascending=False, ignore_index=True))


def average_rating(con, by: str = "category", epsilon: float = 1.0, max_reviews: int = 5,
                   delta: float = DEFAULT_DELTA, min_count: float = 0, table: str = "reviews",
                   dataset: str | None = None, who: str = "", unknown_customer: str = "as_individuals") -> DPResult:
    """Noisy number of reviews and average rating per group; each customer contributes at most `max_reviews`."""
    check_epsilon(epsilon)
    cols = _columns(con, table)
    _need(cols, table, by, "rating")
    unit, where, note = _customer_key(cols, table, unknown_customer)
    dataset = dataset or table
    params = {"table": table, "by": by, "max_reviews": max_reviews}
    charge(con, dataset, epsilon, delta, f"average rating per {by}", params, who)
    rows = con.execute(f"""
        SELECT g, count(*) AS n, sum(least(greatest(rating, 1), 5) - 3) AS centred FROM (
            SELECT {unit} AS unit, CAST({by} AS VARCHAR) AS g, rating,
                   row_number() OVER (PARTITION BY {unit} ORDER BY hash(rowid)) AS k
            FROM {table} WHERE {by} IS NOT NULL AND rating IS NOT NULL {where})
        WHERE k <= ? GROUP BY g""", [max_reviews]).fetchall()
    counts = {g: n for g, n, _ in rows}
    centred = {g: c for g, _, c in rows}
    m = float(max_reviews)
    released, threshold = _threshold_release(counts, (max_reviews, m, m), epsilon / 2, delta, min_count)
    keys = list(released)
    sums = _laplace_vector([centred[k] for k in keys], 2 * m, epsilon / 2)
    avg = [min(5.0, max(1.0, 3 + s / max(released[k], 1.0))) for k, s in zip(keys, sums, strict=True)]
    frame = pd.DataFrame({by: keys, "reviews": [max(0, round(released[k])) for k in keys],
                          "avg_rating": [round(a, 2) for a in avg]})
    return DPResult(frame.sort_values("reviews", ascending=False, ignore_index=True), epsilon, delta,
                    {"reviews per customer": max_reviews, "rating": "[1, 5]"}, len(counts) - len(released),
                    threshold, f"average rating per {by}", dataset,
                    notes=[note, "ε is split equally between the counts and the rating sums."])


def topic_counts(con, by: str = "category", epsilon: float = 1.0, max_reviews: int = 5, max_topics: int = 3,
                 delta: float = DEFAULT_DELTA, min_count: float = 0, table: str = "reviews",
                 dataset: str | Sequence[str] | None = None, who: str = "",
                 unknown_customer: str = "as_individuals") -> DPResult:
    """Noisy number of reviews naming each topic per group (latest label per review, from `shoplens score`).

    Each customer contributes at most `max_reviews` labelled reviews and each review at most its `max_topics`
    highest-scoring topics, so one customer moves at most max_reviews × max_topics (group, topic) counts by one
    each, and any single count by at most max_reviews: that is the sensitivity the noise and threshold are set for."""
    check_epsilon(epsilon)
    _check_whole("reviews per customer", max_reviews)
    _check_whole("topics per review", max_topics)
    cols = _columns(con, table)
    _need(cols, table, by, "review_id")
    unit, where, note = _customer_key(cols, table, unknown_customer)
    dataset = dataset or table
    labelled = con.execute(f"SELECT count(*) FROM {table} JOIN {LATEST_LABELS} l USING (review_id)").fetchone()[0]
    if not labelled:
        raise ShoplensError("No review has topic labels yet, so there are no topic counts to release",
                            where=f"review_labels (for table {table})",
                            fix="score the reviews first: `shoplens score` (or Score reviews on the Models page)")
    params = {"table": table, "by": by, "max_reviews": max_reviews, "max_topics": max_topics}
    charge(con, dataset, epsilon, delta, f"topic counts per {by}", params, who)
    rows = con.execute(f"""
        WITH r AS (
            SELECT {unit} AS unit, CAST({by} AS VARCHAR) AS g, review_id, hash(rowid) AS h
            FROM {table} WHERE {by} IS NOT NULL {where}),
        kept AS (
            SELECT r.unit, r.g, l.topics, l.topic_scores,
                   row_number() OVER (PARTITION BY r.unit ORDER BY r.h, r.review_id) AS k
            FROM r JOIN {LATEST_LABELS} l USING (review_id) WHERE len(l.topics) > 0
            QUALIFY k <= ?),
        t AS (
            SELECT g, topic, row_number() OVER (PARTITION BY unit, k ORDER BY score DESC NULLS LAST, topic) AS j
            FROM (SELECT unit, k, g, topic, TRY_CAST(topic_scores ->> topic AS DOUBLE) AS score
                  FROM (SELECT unit, k, g, topic_scores, unnest(list_distinct(topics)) AS topic FROM kept)))
        SELECT g, topic, count(*) FROM t WHERE j <= ? GROUP BY g, topic""",
        [max_reviews, max_topics]).fetchall()  # identifiers checked against the catalog
    counts = {f"{g}\x1f{topic}": n for g, topic, n in rows}
    m, cells = float(max_reviews), max_reviews * max_topics
    released, threshold = _threshold_release(counts, (cells, float(cells), m), epsilon, delta, min_count)
    keys = [k.split("\x1f", 1) for k in released]
    frame = pd.DataFrame({by: [g for g, _ in keys], "topic": [t for _, t in keys],
                          "reviews": [max(0, round(v)) for v in released.values()]})
    return DPResult(frame.sort_values([by, "reviews"], ascending=[True, False], ignore_index=True), epsilon, delta,
                    {"reviews per customer": max_reviews, "topics per review": f"{max_topics} (highest-scoring)"},
                    len(counts) - len(released), threshold, f"topic counts per {by}", dataset,
                    notes=[note, "Only reviews scored by the classifier count (latest label per review)."])


def _check_whole(what: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ShoplensError(f"{what} must be a whole number from 1 to 1000, got {value!r}")
