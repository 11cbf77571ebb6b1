"""Draft quality: share of candidates passing every check, base vs fine-tuned, on the corpus test split; offer-exact
rate among shown drafts; distinct-2 across each request's candidates; seconds per request. Prints JSON, writes
bench/out/drafts_eval.json and the candidates to bench/out/drafts_eval_candidates.jsonl.

    python bench/drafts_eval.py [--models base,active] [--per-channel 1] [--skip 0] [--n 3] [--seed 0] [--no-repair]
                                 [--fp32 active] [--no-ban active] [--int8 active] [--name STEM] [--demo REPLIES]

`--per-channel k` takes the first k test facts of each channel (email, sms, ad, reply); the full test split is 57
records (--per-channel 0), about ten minutes a model on an idle 2-core CPU. `--demo R` drafts for the bundled demo
shop instead (33 segment requests and R replies, facts from the app's own builder).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def distinct_n(texts: list[str], n: int = 2) -> float | None:
    """Distinct n-grams over all n-grams across a request's candidates (1.0 = no n-gram repeated)."""
    grams = [tuple(t.lower().split()[i:i + n]) for t in texts for i in range(max(0, len(t.split()) - n + 1))]
    return len(set(grams)) / len(grams) if grams else None


def select_records(test: list[dict], channels: list[str], per_channel: int, skip: int = 0) -> list[dict]:
    """The corpus test records a run drafts for: records skip .. skip+per_channel-1 of each channel, in channel order
    (every record when per_channel is 0). bench/drafts_repair.py rebuilds a log's facts with it."""
    if not per_channel:
        return test
    by_channel = {ch: [x for x in test if x["facts"]["channel"] == ch] for ch in channels}
    return [r for rs in by_channel.values() for r in rs[skip:skip + per_channel]]


DEMO_OFFERS = ("15% off with code THANKS15", "free delivery on your next order", "£5 off orders over £40")


def demo_facts(replies: int, brand: str = "our shop") -> list[dict]:
    """Facts records of the bundled demo shop, made by the app's own builders (analysis.campaign_facts) in a
    temporary DuckDB file: every non-empty RFM segment in email, SMS and ad (the Campaigns page's default offer and
    two other common ones, tones in turn), then replies to the first `replies` reviews of the Replies queue. The
    demo has no classifier labels here, so feedback comes from ratings, as in a fresh app before scoring."""
    import tempfile

    from analysis import demo, drafts_store, rfm, store
    from analysis.campaign_facts import TONES, reply_facts, segment_facts
    from analysis.errors import ShoplensError

    db = Path(tempfile.mkdtemp(prefix="shoplens-drafts-eval-")) / "demo.duckdb"
    con = store.connect(db)
    demo.build(con, db)
    table = rfm.rfm_table(con)
    out, k = [], 0
    for seg in rfm.SEGMENTS:
        for ch in ("email", "sms", "ad"):
            try:
                out.append(segment_facts(con, seg, ch, DEMO_OFFERS[k % 3], tone=TONES[k % len(TONES)], brand=brand,
                                         table=table))
            except ShoplensError:  # an empty segment on this date
                break
            k += 1
    queue, _ = drafts_store.reply_queue(con, replies)
    out += [reply_facts(con, rid, brand=brand) for rid in queue["review_id"]]
    con.close()
    return out


def model_folder(name: str) -> Path | None:
    from models.generator_base import generator_root
    if name == "base":
        return None
    if name == "active":
        return Path(json.loads((generator_root() / "active.json").read_text())["path"])
    return Path(name)


def evaluate(gen, facts_list: list[dict], n: int, seed: int, log) -> dict:
    cands, shown, d2, secs, toks = 0, [], [], [], 0
    fails: dict[str, int] = {}
    passed = repaired = 0
    for i, f in enumerate(facts_list):
        t = time.perf_counter()
        out = gen.draft(f, n=n, seed=seed + i)
        secs.append(time.perf_counter() - t)
        toks += gen.last_stats.new_tokens
        shown += out
        for c in gen.last_candidates:
            cands += 1
            passed += c["passed"]
            repaired += bool(c.get("repaired"))
            for k, v in c["checks"].items():
                if not v:
                    fails[k] = fails.get(k, 0) + 1
            log.write(json.dumps({"model": gen.model_version, "channel": f["channel"], "passed": c["passed"],
                                  "failed": [k for k, v in c["checks"].items() if not v], "repaired": c.get("repaired"),
                                  "subject": c["subject"], "preheader": c["preheader"], "body": c["body"],
                                  "cta": c["cta"], "raw": c["raw"]}) + "\n")
        d = distinct_n([c["body"] or "" for c in gen.last_candidates])
        if d is not None:
            d2.append(d)
        print(f"  {gen.model_version} {f['channel']}: {sum(c['passed'] for c in gen.last_candidates)}/{n} pass, "
              f"{secs[-1]:.1f} s", flush=True)
    return {"requests": len(facts_list), "candidates": cands, "pass_all_rate": passed / max(cands, 1),
            "repaired": repaired,
            "shown": len(shown), "offer_exact_rate_shown": (sum(d["checks"]["offer_exact"] for d in shown) / len(shown))
            if shown else None, "distinct_2_mean": sum(d2) / len(d2) if d2 else None,
            "failed_checks": dict(sorted(fails.items(), key=lambda x: -x[1])),
            "seconds_per_request": secs, "new_tokens": toks, "tokens_per_s": toks / max(sum(secs), 1e-9)}


def main() -> None:
    import torch

    from models.generator import Generator
    from models.train_generator import load_corpus

    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="base,active")
    ap.add_argument("--per-channel", type=int, default=1)
    ap.add_argument("--skip", type=int, default=0, help="skip the first k test facts of each channel (records "
                    "already looked at while writing repairs)")
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--channels", default="email,sms,ad,reply")
    ap.add_argument("--name", default="drafts_eval", help="output file stem under bench/out/")
    ap.add_argument("--int8", default="", help="comma list of model names to also run int8-quantized (CPU)")
    ap.add_argument("--fp32", default="", help="comma list of model names to also run with float32 decoding "
                    "(no float16 weights for the decoding steps, as before models.device.HalfDecodeLinear)")
    ap.add_argument("--no-ban", default="", help="comma list of model names to also run without BannedWords (words "
                    "the checks reject unless the facts hold them are then sampled like any other)")
    ap.add_argument("--demo", type=int, default=-1, metavar="REPLIES", help="draft for the bundled demo shop instead "
                    "of the corpus test split: every segment in email, SMS and ad, plus REPLIES replies")
    ap.add_argument("--no-repair", action="store_true", help="score candidates exactly as sampled (no draft_repair)")
    a = ap.parse_args()
    facts = demo_facts(a.demo) if a.demo >= 0 else \
        [r["facts"] for r in select_records(load_corpus("test"), a.channels.split(","), a.per_channel, a.skip)]
    OUT.mkdir(parents=True, exist_ok=True)
    res = {"device": None, "threads": torch.get_num_threads(), "n": a.n, "facts": len(facts), "models": {}}
    with (OUT / f"{a.name}_candidates.jsonl").open("w") as log:
        runs = ([(m, "") for m in a.models.split(",") if m] + [(m, "int8") for m in a.int8.split(",") if m]
                + [(m, "fp32") for m in a.fp32.split(",") if m] + [(m, "noban") for m in a.no_ban.split(",") if m])
        for name, variant in runs:
            t = time.perf_counter()
            gen = Generator.from_pretrained(model_folder(name), a.device)
            if variant == "int8":
                gen.quantize()
            if variant == "noban":
                gen.ban_fact_bound = False
                gen.model_version += "-no-ban"
            if variant == "fp32":
                gen.half_decode = False
                gen.model_version += "-fp32-decode"
            gen.repair = not a.no_repair
            res["device"] = str(gen.model.device)
            load = time.perf_counter() - t
            r = evaluate(gen, facts, a.n, a.seed, log)
            r["load_seconds"] = load
            res["models"][f"{name} ({gen.model_version})"] = r
            del gen
    res["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)  # other work on the machine makes timings noisy
    (OUT / f"{a.name}.json").write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
