"""Seeded samples of clothing reviews for hand labelling: rating-stratified plus keyword pools for rare topics.

Each pass writes its reviews to /tmp/label_shard_<k>.jsonl for the readers and records why each review was picked in
sample_pools.json (merged, so re-running one pass never drops another's entries):

    python models/data/review_labels/sample.py 4      # pass 1, 3 or 4 (pass 2 was not scripted, see below)
"""

import csv
import json
import random
import re
import sys
from pathlib import Path

POOLS_FILE = Path(__file__).with_name("sample_pools.json")
rows = list(csv.DictReader(open("/work/shared/data/womens_clothing_reviews.csv", encoding="utf-8")))
rows = [r for r in rows if (r["Review Text"] or "").strip()]
pools = {
    "delivery_packaging": re.compile(
        r"\b(ship(ping|ped)?|deliver(y|ed)|arriv(ed|al)|package|packag(ing|ed)|mail(ed)?|box)\b", re.I
    ),
    "customer_service": re.compile(
        r"(customer service|sales ?(associate|lady|girl|person|woman)|store (clerk|associate|employee)|exchange[ds]?|refund|back.?order|sold out|out of stock|the staff)",
        re.I,
    ),
}


def _save_pools(new: dict) -> None:
    all_pools = json.load(POOLS_FILE.open()) if POOLS_FILE.exists() else {}
    all_pools.update(new)
    json.dump(all_pools, POOLS_FILE.open("w"))


def _write_shards(sample: list[dict], first: int, k: int = 4, rating: bool = False) -> None:
    for i in range(k):
        with open(f"/tmp/label_shard_{first + i}.jsonl", "w") as f:
            for r in sample[i::k]:
                rec = {"id": int(r[""]), "title": r["Title"], "text": r["Review Text"]}
                f.write(json.dumps({**rec, "rating": int(r["Rating"])} if rating else rec) + "\n")


# First pass (seed 20261128): 160 reviews from each keyword pool, then a rating-stratified sample; the reader saw the
# star rating too. Shards 0-3.
def first_pass() -> None:
    rnd = random.Random(20261128)
    chosen = {}
    for name, rx in pools.items():
        cand = [r for r in rows if rx.search(r["Review Text"]) and r[""] not in chosen]
        for r in rnd.sample(cand, 160):
            chosen[r[""]] = name
    quota = {"1": 150, "2": 190, "3": 240, "4": 170, "5": 170}
    for rating, n in quota.items():
        cand = [r for r in rows if r["Rating"] == rating and r[""] not in chosen]
        for r in rnd.sample(cand, n):
            chosen[r[""]] = "rating"
    sample = [r for r in rows if r[""] in chosen]
    rnd.shuffle(sample)
    _write_shards(sample, 0, rating=True)
    _save_pools({r[""]: chosen[r[""]] for r in sample})


# Second pass (seed 7): delivery_packaging fell short of 60 after the first reading, so 140 more reviews whose text
# mentions shipping/arrival/packaging were sampled (pool "delivery_packaging_extra" in sample_pools.json).


def _draw_pass(seed: int, plan: list, first_shard: int) -> None:
    """Each (pool name, keep(row), n) draws n reviews not sampled before; title and text only go to the readers."""
    rnd = random.Random(seed)
    taken = set(json.load(POOLS_FILE.open()))
    new = {}
    for name, keep, n in plan:
        cand = [r for r in rows if r[""] not in taken and r[""] not in new and keep(r)]
        for r in rnd.sample(cand, n):
            new[r[""]] = name
    sample = [r for r in rows if r[""] in new]
    rnd.shuffle(sample)
    _write_shards(sample, first_shard)
    _save_pools(new)


# Third pass (2026-11-29, seed 20261129): neutral (27 test / 84 train), effectiveness (38) and delivery_packaging (71)
# were the weakest classes, so 520 more reviews were sampled: 240 three-star, 120 whose text matches the
# effectiveness cues, 80 more shipping/arrival/packaging mentions and 80 four/five-star. This time the reader saw
# title and text only (no star rating). Pools "pass3_*" in sample_pools.json; shards 5-8.
def third_pass() -> None:
    from models.lexicon import TOPIC_CUES

    _draw_pass(20261129, [
        ("pass3_three_star", lambda r: r["Rating"] == "3", 240),
        ("pass3_effectiveness", lambda r: re.search(TOPIC_CUES["effectiveness"], r["Review Text"], re.I), 120),
        ("pass3_delivery", lambda r: pools["delivery_packaging"].search(r["Review Text"]), 80),
        ("pass3_four_five_star", lambda r: r["Rating"] in ("4", "5"), 80),
    ], 5)


# Fourth pass (2026-11-29, seed 20261130): a blind second reading of the 475 test reviews agreed with these labels at
# sentiment macro-F1 0.89 (neutral 0.72) and topic macro-F1 0.92, so the labels are not what holds the model at 0.66 /
# 0.76: more examples are. 800 more reviews, sampled where the model is weakest: 250 three-star, 150 two- or
# four-star with a contrast word (mixed reviews), 100 each matching the delivery, customer-service and effectiveness
# cues, and 100 from all reviews. Title and text only (no star rating). Pools "pass4_*"; shards 9-12.
def fourth_pass() -> None:
    from models.lexicon import TOPIC_CUES

    contrast = re.compile(r"\b(but|however|although|though|except)\b", re.I)
    _draw_pass(20261130, [
        ("pass4_three_star", lambda r: r["Rating"] == "3", 250),
        ("pass4_mixed", lambda r: r["Rating"] in ("2", "4") and contrast.search(r["Review Text"]), 150),
        ("pass4_delivery", lambda r: pools["delivery_packaging"].search(r["Review Text"]), 100),
        ("pass4_customer_service", lambda r: pools["customer_service"].search(r["Review Text"]), 100),
        ("pass4_effectiveness", lambda r: re.search(TOPIC_CUES["effectiveness"], r["Review Text"], re.I), 100),
        ("pass4_any", lambda r: True, 100),
    ], 9)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repo root, for models.lexicon
    {"1": first_pass, "3": third_pass, "4": fourth_pass}[sys.argv[1] if len(sys.argv) > 1 else "4"]()
