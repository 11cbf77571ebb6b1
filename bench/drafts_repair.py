"""What analysis.draft_repair adds, measured on candidates already generated (no sampling noise between before and
after): re-parses each logged raw candidate, checks it, repairs it, checks again. Prints JSON.

    python bench/drafts_repair.py bench/out/drafts_eval_ft_candidates.jsonl --per-channel 2   # drafts_eval log
    python bench/drafts_repair.py CANDS.jsonl --facts FACTS.json                              # {"i", "raw"} lines

A drafts_eval log carries no facts: they are rebuilt with drafts_eval's own selection (first k test records per
channel, in channel order), so pass the --per-channel, --skip and --channels that produced the log.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rescore(rows: list[tuple[dict, str]]) -> dict:
    from analysis.draft_checks import CheckConfig
    from analysis.draft_repair import repair
    from models.generator import Generator

    cfg = CheckConfig()
    gen = Generator.__new__(Generator)  # to_draft needs only the check config and a version, not the weights
    gen.check_config, gen.model_version = cfg, "logged"
    before = after = 0
    fails_before: dict[str, int] = {}
    fails_after: dict[str, int] = {}
    repaired: dict[str, int] = {}
    by_channel: dict[str, list[int]] = {}
    for facts, raw in rows:
        d = gen.to_draft(raw, facts)
        ok = all(d["checks"].values())
        fixed = None if ok else repair(d, facts, cfg)
        if fixed:
            d = fixed[0]
            for k in fixed[1]:
                repaired[k] = repaired.get(k, 0) + 1
        ok2 = all(d["checks"].values())
        before, after = before + ok, after + ok2
        c = by_channel.setdefault(facts["channel"], [0, 0, 0])
        c[0], c[1], c[2] = c[0] + 1, c[1] + ok, c[2] + ok2
        for k, v in gen.to_draft(raw, facts)["checks"].items():
            fails_before[k] = fails_before.get(k, 0) + (not v)
        for k, v in d["checks"].items():
            fails_after[k] = fails_after.get(k, 0) + (not v)
    n = max(len(rows), 1)
    return {"candidates": len(rows), "pass_all_before": before / n, "pass_all_after": after / n,
            "by_channel": {ch: {"candidates": c[0], "before": c[1], "after": c[2]} for ch, c in by_channel.items()},
            "checks_repaired": repaired,
            "failed_before": {k: v for k, v in sorted(fails_before.items(), key=lambda x: -x[1]) if v},
            "failed_after": {k: v for k, v in sorted(fails_after.items(), key=lambda x: -x[1]) if v}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("candidates")
    ap.add_argument("--facts", help="JSON list of facts records indexed by each line's `i`")
    ap.add_argument("--per-channel", type=int, default=2)
    ap.add_argument("--skip", type=int, default=0, help="the --skip the drafts_eval run used")
    ap.add_argument("--channels", default="email,sms,ad,reply")
    ap.add_argument("--n", type=int, default=3, help="candidates per request in the drafts_eval log")
    a = ap.parse_args()
    lines = [json.loads(x) for x in Path(a.candidates).open(encoding="utf-8")]
    out = {}
    if a.facts:
        facts = json.loads(Path(a.facts).read_text())
        out["all"] = rescore([(facts[r["i"]], r["raw"]) for r in lines])
    else:
        from bench.drafts_eval import select_records
        from models.train_generator import load_corpus

        sel = [r["facts"] for r in select_records(load_corpus("test"), a.channels.split(","), a.per_channel, a.skip)]
        for model in dict.fromkeys(r["model"] for r in lines):
            mine = [r for r in lines if r["model"] == model]
            assert len(mine) == len(sel) * a.n, "the log does not match --per-channel/--channels/--n"
            for j, r in enumerate(mine):
                assert r["channel"] == sel[j // a.n]["channel"]
            out[model] = rescore([(sel[j // a.n], r["raw"]) for j, r in enumerate(mine)])
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
