"""Fairness figures for the active classifier and the segment models: per-group metrics, DP/EO differences with their
chance level, before/after per-group thresholds (gated and forced), the accuracy cost, and CLV / hit-rate by country.

    python bench/fairness.py [--rerun] [--device cpu] [--db PATH] [--save bench/results/fairness.txt]

Without --rerun the audit saved beside the active model (fairness.json) is reused when there is one.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pandas as pd  # noqa: E402

from models import fairness, registry  # noqa: E402

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)


def _f(x, nd=3):
    return "–" if x is None else f"{x:.{nd}f}"


def report(audit: dict, seg: dict | None) -> None:
    print(f"model {audit['model_version']} · audited {audit['audited_at']} · constraint {audit['constraint']} · "
          f"min group {audit['min_group']} (EO also needs {audit['min_class']} per side) · gate {audit['gate']} SE")
    for name, info in audit["datasets"].items():
        print(f"  {name}: n={info['n']} ({info['negative']} negative)")
    for ds in audit["groups"]:
        o = audit["overall"][ds]
        print(f"\n=== {ds}: accuracy {o['accuracy']:.3f}, macro-F1 {o['macro_f1']:.3f}, "
              f"share predicted negative {o['selection_rate']:.3f}, n={o['n']}")
        for f, rows in audit["groups"][ds].items():
            g = audit["gaps"][ds][f]
            df = pd.DataFrame(rows).round(3)
            print(f"\n-- {f}: DP diff {_f(g['dp_diff'])} (chance {_f(g['dp_chance'])}, p={_f(g['dp_p'], 2)}); "
                  f"EO diff {_f(g['eo_diff'])} (chance {_f(g['eo_chance'])}, p={_f(g['eo_p'], 2)}); "
                  f"over all groups DP {_f(g['dp_diff_all_groups'])} EO {_f(g['eo_diff_all_groups'])}; "
                  f"small groups: {len(g['small_groups'])}")
            print(df.to_string(index=False))
    for key, label in (("mitigation", "gated"), ("mitigation_forced", "forced (every group)")):
        print(f"\n=== mitigation, {label}: per-group thresholds on P(negative), fitted on held-back reviews")
        rows = []
        for f, m in audit.get(key, {}).items():
            for ds in m["before"]:
                b, a = m["before"][ds], m["after"][ds]
                rows.append({"feature": f, "data": ds, "own thresholds": len(m["thresholds"]),
                             "acc before": b["accuracy"], "acc after": a["accuracy"],
                             "acc cost": a["accuracy"] - b["accuracy"], "macroF1 before": b["macro_f1"],
                             "macroF1 after": a["macro_f1"], "DP before": b["dp_diff"], "DP after": a["dp_diff"],
                             "EO before": b["eo_diff"], "EO after": a["eo_diff"], "EO p after": a["eo_p"],
                             "changed": a["changed_predictions"]})
            print(f"  {f}: thresholds {m['thresholds'] or 'none'}")
        print(pd.DataFrame(rows).round(3).to_string(index=False))
    if seg:
        for key, cols in (("clv", ["country", "customers", "actual", "predicted", "mae", "mae_se", "mae_naive", "bias",
                                   "mae_per_purchase", "small"]),
                          ("recommend", ["country", "customers", "hit_rate", "hit_rate_low", "hit_rate_high",
                                         "hit_rate_popularity", "small"])):
            df, info = seg[key]
            print(f"\n=== segments by country: {key} (cut-off {info['cutoff']}, {info['horizon_days']} days)")
            print({k: v for k, v in info.items() if k.endswith("_gap")})
            show = pd.concat([df[~df["pooled"]].head(12), df[df["pooled"]]])
            print(show[cols].round(3).to_string(index=False))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rerun", action="store_true")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--db", default=None)
    ap.add_argument("--horizon-days", type=int, default=91)
    ap.add_argument("--save", default=None)
    a = ap.parse_args()
    act = registry.active("sentiment")
    if act is None:
        sys.exit("no active sentiment model: run `shoplens train all` first")
    t0 = time.time()
    audit = None if a.rerun else fairness.load_audit(act["path"])
    if audit is None or audit.get("model_version") != act["version"]:
        audit, _ = fairness.audit_model(act["path"], device=a.device)
    audit_s = time.time() - t0
    seg = None
    from analysis import store
    from analysis.config import default_db_path

    db = Path(a.db or default_db_path())
    if db.exists():
        from analysis import fairness_segments

        con = store.connect(db, read_only=True)
        try:
            seg = fairness_segments.audit(con, horizon_days=a.horizon_days)
        finally:
            con.close()
    buf = io.StringIO()
    with redirect_stdout(buf):
        report(audit, seg)
        print(f"\naudit {audit_s:.0f} s, total {time.time() - t0:.0f} s")
    print(buf.getvalue())
    if a.save:
        Path(a.save).write_text(buf.getvalue())


if __name__ == "__main__":
    main()
