"""PII masking quality on the planted test set (analysis/pii_testset.jsonl) and false masks on unplanted reviews.

    python bench/pii.py [--negatives 2000] [--seed 6] [--module path/to/pii.py]

Recall per type: a planted item counts as found when findings of the *same* type cover every one of its characters
("any type": covered by findings of any type, i.e. it is masked). False positives: masks on reviews where nothing was
planted, and masks on planted reviews that touch no planted item. Also times masking every demo review, and one text of 10 KB, 100 KB and
1 MB (so linearity shows). `--module` measures another copy of the masker (e.g. `git show HEAD~3:analysis/pii.py`).
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from analysis import pii  # noqa: E402

TESTSET = ROOT / "analysis" / "pii_testset.jsonl"
REVIEWS = ROOT / "analysis" / "demo_data" / "womens_clothing_reviews.csv.gz"


def covered(span: dict, findings: list, same_type: bool) -> bool:
    chars = set(range(span["start"], span["end"]))
    for f in findings:
        if not same_type or f.type == span["type"]:
            chars -= set(range(f.start, f.end))
    return not chars


def groups_of(span: dict) -> list[str]:
    """The rows a planted item counts in: its type, its name pool, and for the hardening items their form."""
    parts = span["source"].split(":")
    out = [span["type"]]
    pool = next((p for p in parts if p in ("in_list", "held_out")), None)
    if span["type"] == "NAME" and pool:
        out.append(f"NAME/{pool}")
    if parts[0] == "hardening":
        out.append(f"new/{parts[1]}")
    return out


def evaluate(records: list[dict]) -> dict:
    hits, hits_any, total = collections.Counter(), collections.Counter(), collections.Counter()
    misses = collections.defaultdict(list)
    extra = []
    for r in records:
        findings = pii.detect(r["text"])
        for s in r["spans"]:
            key = s["type"]
            groups = groups_of(s)
            ok, ok_any = covered(s, findings, True), covered(s, findings, False)
            for g in groups:
                total[g] += 1
                hits[g] += ok
                hits_any[g] += ok_any
            if not ok:
                misses[key].append(s["value"])
        for f in findings:
            if not any(f.start < s["end"] and s["start"] < f.end for s in r["spans"]):
                extra.append((f.type, r["text"][f.start:f.end]))
    return {"total": total, "hits": hits, "hits_any": hits_any, "misses": misses, "extra": extra}


def load_masker(path: str | None):
    """analysis.pii, or the masker module at `path` (to measure an older version on the same set)."""
    if not path:
        return pii
    spec = importlib.util.spec_from_file_location("pii_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def timing(records: list[dict], sizes=(10_000, 100_000, 1_000_000)) -> list[tuple[str, int, int, float, float]]:
    """(text kind, size, findings, wall seconds, CPU seconds) for one text per size: planted reviews run together,
    and a dense text where an item sits every ~40 characters (the worst case for resolving overlaps between
    findings), and distinct phone numbers back to back (the costliest kind to validate, none repeated).
    CPU time is printed too because a shared machine's load inflates wall time."""
    planted = " ".join(r["text"] for r in records)
    dense = " ".join(f"{r['text'][s['start']:s['end']]} and then" for r in records for s in r["spans"])
    rng = random.Random(0)  # every number different, so no validation result is reused
    phones = " ".join(f"call +44 20 7{rng.randint(100, 999)} {rng.randint(1000, 9999)}" for _ in range(60_000))
    out = []
    for kind, base in (("planted reviews", planted), ("dense items", dense), ("distinct phones", phones)):
        for n in sizes:
            text = (base * (n // len(base) + 1))[:n]
            clear = getattr(getattr(pii, "_phone_valid", None), "cache_clear", None)
            if clear:  # each timing starts cold: no phone validated in an earlier run is reused
                clear()
            t0, c0 = time.perf_counter(), time.process_time()
            _, found = pii.mask(text)
            out.append((kind, n, len(found), time.perf_counter() - t0, time.process_time() - c0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--negatives", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--testset", default=str(TESTSET), help="a file written by bench/make_pii_testset.py")
    ap.add_argument("--module", help="path of another analysis/pii.py to measure instead")
    ap.add_argument("--sizes", default="10000,100000,1000000", help="text sizes to time, comma-separated")
    args = ap.parse_args()
    global pii
    pii = load_masker(args.module)
    records = [json.loads(line) for line in Path(args.testset).read_text(encoding="utf-8").splitlines()]
    res = evaluate(records)
    print(f"planted test set: {len(records)} reviews, {sum(len(r['spans']) for r in records)} planted items\n")
    print(f"{'type':<24}{'planted':>8}{'found':>7}{'recall':>9}{'masked (any type)':>19}")
    forms = sorted(g for g in res["total"] if g.startswith("new/"))
    for t in list(pii.TYPES) + ["NAME/in_list", "NAME/held_out"] + forms:
        n = res["total"][t]
        if n:
            print(f"{t:<24}{n:>8}{res['hits'][t]:>7}{res['hits'][t] / n:>9.1%}{res['hits_any'][t] / n:>19.1%}")
    for t, vals in res["misses"].items():
        print(f"  missed {t}: {vals[:12]}")
    print(f"\nmasks on planted reviews touching no planted item: {len(res['extra'])} {res['extra'][:10]}")

    texts = pd.read_csv(REVIEWS, usecols=["Review Text"])["Review Text"]
    used = {r["row"] for r in records}
    pool = [i for i, t in texts.items() if isinstance(t, str) and i not in used]
    negatives = random.Random(args.seed).sample(pool, args.negatives)
    fp = collections.Counter()
    examples, fp_reviews = [], []
    for i in negatives:
        for f in pii.detect(texts[i]):
            fp[f.type] += 1
            fp_reviews.append((i, f))
            examples.append((f.type, texts[i][max(0, f.start - 20):f.end + 20]))
    affected = len({i for i, f in fp_reviews})
    print(f"false masks on {args.negatives} unplanted reviews: {sum(fp.values())} {dict(fp)} "
          f"(reviews affected: {affected}, false-positive rate {affected / args.negatives:.2%} of reviews)")
    for e in examples[:10]:
        print("  ", e)

    # The review bodies are mostly lower-case after the first word; titles are Title Case ("Love This Dress"),
    # a harder test for the name detector.
    titles = pd.read_csv(REVIEWS, usecols=["Title"])["Title"].dropna()
    title_hits = [(f.type, t[f.start:f.end]) for t in titles for f in pii.detect(t)]
    print(f"false masks on all {len(titles)} review titles: {len(title_hits)} "
          f"{dict(collections.Counter(h[0] for h in title_hits))} {title_hits[:15]}")

    all_texts = [t for t in texts if isinstance(t, str)]
    t0 = time.perf_counter()
    masked = pii.mask_many(all_texts)
    dt = time.perf_counter() - t0
    print(f"\nmasking all {len(all_texts)} demo reviews: {dt:.1f} s ({len(all_texts) / dt:.0f} reviews/s)")
    # Nothing is planted in the demo reviews: every mask there is a false positive (unless a review really holds
    # personal data), so this is the false-positive rate over the whole real set, not a sample.
    hit = [(m, t) for m, t in zip(masked, all_texts, strict=True) if m != t]
    kinds = collections.Counter(k for m, _ in hit for k in re.findall(r"\[(" + "|".join(pii.TYPES) + r")\]", m))
    print(f"reviews masked at all among all {len(all_texts)} demo reviews: {len(hit)} "
          f"({len(hit) / len(all_texts):.2%}) {dict(kinds)}")
    print(f"\nmasking one text (time should grow linearly with size; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs):")
    for kind, n, found, sec, cpu in timing(records, [int(x) for x in args.sizes.split(",")]):
        print(f"  {kind:<16}{n / 1000:>7.0f} KB  {found:>6} findings  {sec:>7.2f} s wall  {cpu:>6.2f} s CPU")


if __name__ == "__main__":
    main()
