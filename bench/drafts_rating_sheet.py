"""The blind reading sheet for issue 16: every candidate of bench/results/drafts_rating_candidates.csv beside the
facts its writer was given, shuffled, with the writer, the check results and the candidate id hidden, so a reader
rates what a customer would receive and cannot favour one writer.

    python bench/drafts_rating_sheet.py [--seed 16] [--candidates CSV --tag r2 [--ids FILE]]

Writes bench/results/drafts_rating_blind.csv (rid, shop, channel, facts, subject, body) for readers and
bench/results/drafts_rating_key.csv (rid -> candidate id) for bench/drafts_rating_summary.py; readers never open the
key or the candidates file. Facts are rebuilt with the same request order as bench/drafts_rating.py (the index in
a candidate id), so they are exactly what the writer saw.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results"


def facts_text(f: dict) -> str:
    """What the writer was told, in the words a reader checks a draft against (one line per fact)."""
    if f["channel"] == "reply":
        r = f["review"]
        return "\n".join([f"brand: {f['brand']}", f"review ({r['rating']} stars): {r['text']}",
                          f"review topics: {', '.join(r.get('topics') or []) or 'none'}",
                          f"remedy the shop offers: {f['remedy']}", f"tone: {f['tone']}"])
    lines = [f"brand: {f['brand']}", f"segment: {f['segment']} ({f.get('segment_description', '')})",
             f"offer: {f['offer']}", f"tone: {f['tone']}",
             f"top products: {', '.join(f.get('top_products') or []) or 'none'}"]
    lines += [f"praised ({p['topic']}): {p['quote']}" for p in f.get("praised") or []]
    lines += [f"complaint ({c['topic']}): {c['quote']}" for c in f.get("complaints") or []]
    if f.get("avg_order_value"):
        lines.append(f"average order value: {f['avg_order_value']} {f.get('currency', '')}")
    return "\n".join(lines)


def main() -> None:
    import drafts_rating

    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--replies", type=int, default=12, help="as given to bench/drafts_rating.py")
    ap.add_argument("--candidates", default=str(RESULTS / "drafts_rating_candidates.csv"))
    ap.add_argument("--tag", default="", help="a later round: files drafts_rating_blind_TAG.csv / _key_TAG.csv")
    ap.add_argument("--ids", default="", help="a file of candidate ids (one a line): only these go on the sheet")
    args = ap.parse_args()
    demo, other = drafts_rating.demo_requests(args.replies), drafts_rating.other_requests()
    reqs = [r for pair in zip(demo, other, strict=False) for r in pair] + demo[len(other):] + other[len(demo):]
    with open(args.candidates, encoding="utf-8") as fh:
        cands = list(csv.DictReader(fh))
    if args.ids:
        keep = set(Path(args.ids).read_text().split())
        cands = [c for c in cands if c["id"] in keep]
    random.Random(args.seed).shuffle(cands)
    sheet, key = [], []
    for i, c in enumerate(cands):
        shop, facts = reqs[int(c["id"].split("-")[1])]
        if shop != c["shop"] or facts["channel"] != c["channel"]:
            raise SystemExit(f"{c['id']}: request order differs from the candidates run ({shop}/{facts['channel']}); "
                             "rerun bench/drafts_rating.py with the same --replies")
        rid = f"{args.tag or 'r'}{'-' if args.tag else ''}{i + 1:03d}"
        sheet.append({"rid": rid, "shop": c["shop"], "channel": c["channel"], "facts": facts_text(facts),
                      "subject": c["subject"], "body": c["body"]})
        key.append({"rid": rid, "id": c["id"]})
    suffix = f"_{args.tag}" if args.tag else ""
    for name, rows in ((f"drafts_rating_blind{suffix}.csv", sheet), (f"drafts_rating_key{suffix}.csv", key)):
        with open(RESULTS / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    print(f"{len(sheet)} candidates -> {RESULTS / f'drafts_rating_blind{suffix}.csv'}")


if __name__ == "__main__":
    main()
