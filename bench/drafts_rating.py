"""Candidates for the reading-based rating of issue 16: the shipped writer (slot templates) and the old SmolLM2
fine-tune ("model" writer) on the same requests, in one run, written to bench/results/drafts_rating_candidates.csv
(id, shop, channel, segment, writer, subject, body, all_checks_pass, held_back) for a person to rate 1-5.

    python bench/drafts_rating.py [--writers template,model] [--n 2] [--replies 12] [--seed 0] [--max-requests K]
                                  [--only demo/sms --seed 1 --out FILE]   # a supplement: ids model-026-s10

Requests: the demo shop (brand "Hollow Oak Gifts"; 6 segments x email, SMS, ad, and --replies 1-2 star reviews) and
every record of bench/other_shop_facts.json (12 shops that are in no corpus or training data: email, SMS, ad, reply).
n candidates per request and writer; the model writer keeps failing candidates (marked all_checks_pass False: they
would be held back in the app), so the sheet shows what each writer produces. Facts come from the app's own builders.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "results" / "drafts_rating_candidates.csv"
DEMO_BRAND = "Hollow Oak Gifts"
DEMO_SEGMENTS = ("Champions", "Loyal", "New", "Potential loyalist", "At risk", "Hibernating")
DEMO_OFFERS = ("15% off with code THANKS15", "free delivery on orders over £30", "10% off your next order with code BACK10")
COLUMNS = ["id", "shop", "channel", "segment", "writer", "subject", "body", "all_checks_pass", "held_back"]


def demo_requests(replies: int) -> list[tuple[str, dict]]:
    """(shop, facts) for the demo shop: each segment in each channel (offers rotating), then 1-2 star replies."""
    from analysis import demo, rfm, store
    from analysis.campaign_facts import reply_facts, segment_facts

    path = Path(tempfile.mkdtemp(prefix="rating_demo_")) / "demo.duckdb"
    con = store.connect(path)
    demo.build(con, path)
    table = rfm.rfm_table(con)
    out = []
    for i, seg in enumerate(DEMO_SEGMENTS):
        for j, ch in enumerate(("email", "sms", "ad")):
            offer = DEMO_OFFERS[(i + j) % len(DEMO_OFFERS)]
            out.append(("demo", segment_facts(con, seg, ch, offer, tone=("warm", "plain", "playful")[i % 3],
                                              brand=DEMO_BRAND, table=table)))
    ids = [r[0] for r in con.execute("SELECT review_id FROM reviews WHERE rating <= 2 AND length(text) > 40 "
                                     "ORDER BY review_id LIMIT ?", [replies]).fetchall()]
    remedies = ("a full refund", "a free exchange", "a free replacement")
    out += [("demo", reply_facts(con, rid, brand=DEMO_BRAND, remedy=remedies[k % 3])) for k, rid in enumerate(ids)]
    return out


def other_requests() -> list[tuple[str, dict]]:
    """(shop, facts) from bench/other_shop_facts.json: email, SMS and ad for the record's segment, and a reply."""
    from analysis.campaign_facts import MERGE_TAG

    shops = json.loads((ROOT / "bench" / "other_shop_facts.json").read_text())["shops"]
    out = []
    for s in shops:
        base = {"brand": s["brand"], "segment": s["segment"], "segment_size": 500, "offer": s["offer"],
                "tone": s["tone"], "top_products": s["top_products"], "praised": s["praised"],
                "complaints": s["complaints"], "merge_tag": MERGE_TAG}
        from analysis import rfm
        base["segment_description"] = rfm.SEGMENTS[s["segment"]]
        out += [(s["shop"], {**base, "channel": ch}) for ch in ("email", "sms", "ad")]
        out.append((s["shop"], {"brand": s["brand"], "channel": "reply", "review": s["review"], "remedy": s["remedy"],
                                "tone": "warm" if s["tone"] != "plain" else "plain", "merge_tag": MERGE_TAG}))
    return out


def writers(names: list[str]):
    """{name: CopyWriter} built as the CLI builds them (models.copy_writer.make): the copy model is loaded once, and
    only for a writer that needs it ("template + model" with Qwen installed loads no SmolLM2)."""
    from functools import cache

    from models.copy_writer import make
    from models.generator import Generator

    load = cache(Generator.active)
    return {name: make(name, load, "cpu") for name in names}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writers", default="template,model")
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--replies", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-requests", type=int, default=0, help="per writer; 0 = all")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--only", default="", help="SHOP/CHANNEL (e.g. demo/sms): only those requests, same indices "
                                                "(a supplement to an earlier run)")
    args = ap.parse_args()
    import torch

    torch.manual_seed(args.seed)
    demo, other = demo_requests(args.replies), other_requests()
    # demo and other shops interleaved, so a run stopped early (the model writer is slow on a busy CPU) is balanced
    reqs = [r for pair in zip(demo, other, strict=False) for r in pair] + demo[len(other):] + other[len(demo):]
    ws = writers(args.writers.split(","))
    rows, summary = [], {}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fh = open(args.out, "w", newline="", encoding="utf-8")  # written as it goes: a stopped run keeps its rows
    wr = csv.DictWriter(fh, fieldnames=COLUMNS)
    wr.writeheader()
    for wname, w in ws.items():
        t0 = time.perf_counter()
        for k, (shop, facts) in enumerate(reqs):
            if args.max_requests and k >= args.max_requests:
                break
            if args.only and args.only != f"{shop}/{facts['channel']}":
                continue
            first = len(rows)
            drafts = w.draft(facts, n=args.n, keep_failing=True, seed=args.seed)
            held = [f"{h['part']}: {h['text'][:60]} ({'; '.join(h['reasons'])[:200]})" for d in drafts
                    for h in d.get("held_back") or []]
            for j, d in enumerate(drafts):
                tail = f"s{args.seed}{j}" if args.only else str(j)  # a supplement's ids never repeat the run's
                rows.append({"id": f"{wname}-{k:03d}-{tail}", "shop": shop, "channel": facts["channel"],
                             "segment": facts.get("segment") or "", "writer": d["writer"],
                             "subject": d.get("subject") or "", "body": d.get("body") or "",
                             "all_checks_pass": all(d["checks"].values()), "held_back": " | ".join(held) if j == 0 else ""})
            wr.writerows(rows[first:])
            fh.flush()
            print(f"{wname} {k + 1}/{len(reqs)} {shop} {facts['channel']} {time.perf_counter() - t0:.0f}s",
                  file=sys.stderr, flush=True)
        mine = [r for r in rows if r["id"].startswith(wname + "-")]
        summary[wname] = {"candidates": len(mine), "demo": sum(r["shop"] == "demo" for r in mine),
                          "other_shops": sum(r["shop"] != "demo" for r in mine),
                          "all_checks_pass": sum(r["all_checks_pass"] for r in mine),
                          "seconds": round(time.perf_counter() - t0, 1)}
    fh.close()
    print(json.dumps({"out": args.out, "requests": len(reqs), "n": args.n, "writers": summary}))


if __name__ == "__main__":
    main()
