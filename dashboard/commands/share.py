"""`shoplens share`: a differentially private aggregate for sharing outside the team (the Share page's releases),
charged to the dataset's privacy budget; `--set-budget` (admin) changes that budget.

Marketers may run it: only noisy aggregates come out. The CSV starts with the privacy statement as `#` lines."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from analysis import dp, dp_releases, shop, store
from analysis.atomic_file import write_text_atomic
from analysis.errors import ShoplensError
from analysis.users import AuthError, allows
from dashboard.commands import positive_int

BYS = sorted({b for _, b in dp_releases.RELEASES})


def _out(path: str | None) -> Path | None:
    """Checked before anything is released: a bad path must not cost privacy budget."""
    if path is None:
        return None
    out = Path(path)
    if out.suffix.lower() != ".csv":
        raise ShoplensError(f"--out {path} is not a .csv file", where="--out", fix="pass a path ending in .csv")
    if not out.parent.exists():
        raise ShoplensError(f"The folder {out.parent} does not exist", where="--out",
                            fix="create it or pick another path")
    return out


def cmd_share(args) -> dict:
    from dashboard import cli_auth

    if args.what is None and args.set_budget is None:
        raise ShoplensError("Say what to release", where="shoplens share",
                            fix=f"pass one of {', '.join(dp_releases.WHAT)}, or --set-budget with --dataset")
    if args.set_budget is not None and not allows(args.auth_role, "admin"):
        cli_auth.log(args, args.who, "access_denied", {"command": "share --set-budget", "needs": "admin",
                                                       "role": args.auth_role})
        raise AuthError(f"{args.who} is {args.auth_role}; shoplens share --set-budget needs admin",
                        fix="ask an admin to change the dataset's privacy budget")
    rel = dp_releases.get(args.what, args.by) if args.what else None
    if rel is None and args.dataset is None:
        raise ShoplensError("Say whose budget to set", where="--set-budget",
                            fix="pass --dataset orders|reviews, or the release (WHAT) whose datasets it is for")
    if args.set_budget is None and args.epsilon is None:
        raise ShoplensError("Say how much privacy budget to spend", where="--epsilon",
                            fix=f"pass --epsilon, a number from {dp.MIN_EPSILON:g} to {dp.MAX_EPSILON:g} (e.g. 1)")
    if args.epsilon is not None:
        dp.check_epsilon(args.epsilon)  # before the database is opened: a refused release charges neither ε nor δ
    out = _out(args.out) if args.epsilon is not None else None
    if not Path(args.db).exists():
        raise ShoplensError(f"No database at {args.db}", where="--db", fix="run `shoplens demo` or load a file first")
    con = store.connect(args.db)
    try:
        result: dict = {}
        if args.set_budget is not None:
            datasets = [args.dataset] if args.dataset else list(rel.datasets)
            for d in datasets:
                dp.set_budget(con, d, args.set_budget, dp.budget(con, d)["delta_total"], who=args.who)
                store.audit(con, args.who, "dp_budget_set", d, {"via": "cli", "epsilon_total": args.set_budget})
            result["budget"] = {d: dp.budget(con, d) for d in datasets}
        if args.epsilon is None:
            return result
        res = dp_releases.release(con, rel.what, rel.by, args.epsilon, revenue_bound=args.revenue_bound,
                                  max_reviews=args.max_reviews, max_topics=args.max_topics, as_of=args.as_of,
                                  who=args.who)
        result.update(dp_releases.summary(con, res))
        result["rows"] = len(res.frame)
        if out is not None:
            at = datetime.now().isoformat(timespec="seconds")
            write_text_atomic(out, dp_releases.export_csv(
                res, f"Shoplens shared export: {res.query}; released by {args.who} at {at}; money in "
                     f"{shop.currency(con)}"))  # as the Share page writes it
            result["out"] = str(out)
        store.audit(con, args.who, "dp_release", res.query, {"via": "cli", **result})
        return result
    finally:
        con.close()


def register(sub) -> None:
    s = sub.add_parser("share", help="a differentially private aggregate to share outside the team (CSV), charged "
                                     "to the dataset's privacy budget")
    s.add_argument("what", nargs="?", choices=list(dp_releases.WHAT),
                   help="customers (per country or segment), revenue (per country or segment), rating (average, per "
                        "category or segment), topics (review counts per topic, per category or segment)")
    s.add_argument("--by", choices=BYS, default=None,
                   help="group by; default: " + ", ".join(f"{w} by {b}" for w, b in dp_releases.DEFAULT_BY.items()))
    s.add_argument("--epsilon", type=float, default=None,
                   help=f"privacy budget this release spends (from {dp.MIN_EPSILON:g} to {dp.MAX_EPSILON:g}); "
                        "required to release")
    s.add_argument("--revenue-bound", type=float, default=dp_releases.DEFAULT_REVENUE_BOUND,
                   help="revenue: each customer's revenue per group is clamped to [0, this]")
    s.add_argument("--max-reviews", type=positive_int, default=dp_releases.DEFAULT_MAX_REVIEWS,
                   help="rating, topics: reviews counted per customer")
    s.add_argument("--max-topics", type=positive_int, default=dp_releases.DEFAULT_MAX_TOPICS,
                   help="topics: highest-scoring topics counted per review")
    s.add_argument("--as-of", default=None, help="per segment: segments as of this date (default: the last order)")
    s.add_argument("--out", default=None, help="CSV file to write, the privacy statement first as # lines")
    s.add_argument("--set-budget", type=float, default=None, metavar="EPS",
                   help="admin: set the total ε of the dataset(s) WHAT reads, or of --dataset")
    s.add_argument("--dataset", choices=["orders", "reviews"], default=None, help="with --set-budget: this dataset")
    s.set_defaults(func=cmd_share, min_role="marketer")
