"""`shoplens segments` (RFM segment, expected purchases, P(alive) and CLV per customer, plus the holdout check when
orders exist after the as-of date) and `shoplens recommend` (top-k products per customer, each with a reason)."""
from __future__ import annotations

from pathlib import Path

from analysis import clv, export_safety, recommend, rfm, shop, store
from analysis.errors import ShoplensError
from dashboard.commands import positive_int

SEGMENT_COLUMNS = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment",
                   "expected_purchases", "p_alive", "predicted_clv"]


CLV_COLUMNS = ["expected_purchases", "purchases_low", "purchases_median", "purchases_high", "p_alive", "p_no_purchase",
               "expected_spend", "predicted_clv", "clv_low", "clv_high"]


def _open(path: str):
    con = store.connect(path, read_only=True)
    con.execute("SET enable_progress_bar = false")
    return con


def _out(path: str) -> Path:
    out = Path(path)
    if out.suffix.lower() != ".csv":
        raise ShoplensError(f"--out {path} is not a .csv file", where="--out", fix="pass a path ending in .csv")
    if not out.parent.exists():
        raise ShoplensError(f"The folder {out.parent} does not exist", where="--out", fix="create it or pick another path")
    return out


def segment_frame(con, as_of=None, horizon_days: int = 90):
    """RFM and CLV joined per customer (SEGMENT_COLUMNS), the as-of context and the fitted model."""
    ctx = rfm.resolve_as_of(con, as_of)
    table = rfm.rfm_table(con, ctx)
    try:
        values, model = clv.customer_values(con, ctx, horizon_days)
    except ShoplensError as exc:  # RFM still stands; the CLV columns stay empty, and the note says why
        if exc.where == "--horizon-days":
            raise
        ctx.notes.append(f"No purchase-model figures: {exc}")
        return table.assign(**{c: float("nan") for c in CLV_COLUMNS}), ctx, None
    df = table.merge(values, on="customer_id", how="left")
    return df, ctx, model


def cmd_segments(args) -> dict:
    out = _out(args.out)
    con = _open(args.db)
    df, ctx, model = segment_frame(con, args.as_of, args.horizon_days)
    export_safety.to_csv(df[SEGMENT_COLUMNS], out)
    result = {"out": str(out), "as_of": str(ctx.as_of), "horizon_days": args.horizon_days, "customers": len(df),
              "segments": df["segment"].value_counts().to_dict(),
              "currency": shop.currency(con)}  # monetary and CLV columns are in the shop's currency
    if model is not None:
        result.update({
            "expected_purchases_total": round(float(df["expected_purchases"].sum()), 2),
            "predicted_clv_total": round(float(df["predicted_clv"].sum()), 2),
            "model": {"r": model.r, "alpha": model.alpha, "a": model.a, "b": model.b,
                      "gamma_gamma": list(model.gg) if model.gg else None}})
    if model is not None and ctx.last_order > ctx.as_of:  # what happened after the as-of date is known: check it
        h = clv.holdout(con, ctx, args.horizon_days)
        result["holdout"] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in h.totals.items()}
        extra = [n for n in h.notes if n not in ctx.notes]
        if extra:
            result["holdout_notes"] = extra
    if ctx.notes:
        result["notes"] = ctx.notes
    return result


def cmd_recommend(args) -> dict:
    out = _out(args.out)
    if not args.all and not args.customer:
        raise ShoplensError("Say whom to recommend for", where="shoplens recommend", fix="pass --customer ID or --all")
    con = _open(args.db)
    recs = recommend.recommend(con, None if args.all else args.customer, k=args.k, as_of=args.as_of)
    export_safety.to_csv(recs, out)
    return {"out": str(out), "customers": int(recs["customer_id"].nunique()), "rows": len(recs), "k": args.k,
            "from_copurchase": int((~recs["reason"].str.startswith("popular")).sum())}


def register(sub) -> None:
    s = sub.add_parser("segments", help="RFM segments, expected purchases, P(alive) and CLV per customer (CSV)")
    s.add_argument("--as-of", default=None, help="date to compute for (YYYY-MM-DD; default: the last order)")
    s.add_argument("--horizon-days", type=positive_int, default=90, help="days ahead for purchases and CLV")
    s.add_argument("--out", required=True, help="CSV file to write")
    s.set_defaults(func=cmd_segments)
    s = sub.add_parser("recommend", help="top-k product recommendations per customer, with reasons (CSV)")
    who = s.add_mutually_exclusive_group()
    who.add_argument("--customer", action="append", help="customer id (repeat for several)")
    who.add_argument("--all", action="store_true", help="every customer with a purchase")
    s.add_argument("--k", type=positive_int, default=10, help="products per customer (1-100)")
    s.add_argument("--as-of", default=None, help="use orders up to this date (YYYY-MM-DD)")
    s.add_argument("--out", required=True, help="CSV file to write")
    s.set_defaults(func=cmd_recommend)
