"""`shoplens fairness`: audit the active classifier across customer groups and the segment models across countries."""
from __future__ import annotations

import json
from pathlib import Path

from analysis.atomic_file import write_text_atomic
from analysis.data_gaps import DataGapError
from dashboard.commands import positive_int


def cmd_fairness(args) -> dict:
    from dashboard.commands.models import _bar
    from models import fairness

    audit, path = fairness.audit_model(args.model, device=args.device, progress=_bar("fairness"),
                                       constraint=args.constraint, gate=args.gate)
    out = {**fairness.summary(audit, args.feature), "audit_file": str(path)}
    full = {"classifier": audit}
    if not args.skip_segments:
        from analysis import fairness_segments, store

        con = store.connect(args.db, read_only=True) if Path(args.db).exists() else None
        if con is None:
            out["segments"] = f"skipped: no database at {args.db}"
        else:
            try:
                seg = fairness_segments.audit(con, horizon_days=args.horizon_days)
            except DataGapError as exc:  # e.g. no countries: the classifier audit above still stands
                seg = None
                out["segments"] = f"skipped: {exc}"
            finally:
                con.close()
            if seg is not None:
                _segment_summary(seg, out, full)
    if args.out:
        write_text_atomic(args.out, json.dumps(full, indent=1, default=str))  # a killed run leaves no half JSON
        out["out"] = args.out
    return out


def _segment_summary(seg: dict, out: dict, full: dict) -> None:
    """The country audit's gaps into the one-line summary and the full JSON; a part the data cannot support (no
    product ids: no hit-rates) is named with its reason instead."""
    from models import fairness

    full["segments"] = {k: {"by_country": fairness.records(v[0]), **v[1]}
                        for k, v in seg.items() if k != "unavailable" and v is not None}
    out["clv_mae_gap"] = fairness.rounded(seg["clv"][1]["mae_gap"]["gap"])
    out["clv_mae_worst"] = seg["clv"][1]["mae_gap"]["worst"]
    if seg["recommend"] is not None:
        out["hit_rate_gap"] = fairness.rounded(seg["recommend"][1]["hit_rate_gap"]["gap"])
        out["hit_rate_lowest"] = seg["recommend"][1]["hit_rate_gap"]["worst"]
    if seg["unavailable"]:
        out["unavailable"] = full["segments"]["unavailable"] = seg["unavailable"]


def register(sub) -> None:
    from models.fairness import CONSTRAINTS, GATE, MITIGABLE

    s = sub.add_parser("fairness", help="fairness audit: classifier by age/category/length, segments by country")
    s.add_argument("--out", default=None, help="write the full audit (per group, before/after) as JSON here")
    s.add_argument("--model", default=None, help="a model folder instead of the active sentiment model")
    s.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    s.add_argument("--constraint", choices=list(CONSTRAINTS), default="equalized_odds")
    s.add_argument("--gate", type=float, default=GATE, help="standard errors a group must stray before it gets its "
                                                            "own threshold (0: every group)")
    s.add_argument("--feature", choices=list(MITIGABLE), default="age_band", help="mitigation shown in the summary")
    s.add_argument("--horizon-days", type=positive_int, default=90)
    s.add_argument("--skip-segments", action="store_true", help="only the classifier audit")
    s.set_defaults(func=cmd_fairness)
