"""Seeded sample of clothing reviews for hand labelling: rating-stratified plus keyword pools for rare topics."""

import csv
import json
import random
import re

rows = list(csv.DictReader(open("/work/shared/data/womens_clothing_reviews.csv", encoding="utf-8")))
rows = [r for r in rows if (r["Review Text"] or "").strip()]
rnd = random.Random(20261128)
chosen = {}
pools = {
    "delivery_packaging": re.compile(
        r"\b(ship(ping|ped)?|deliver(y|ed)|arriv(ed|al)|package|packag(ing|ed)|mail(ed)?|box)\b", re.I
    ),
    "customer_service": re.compile(
        r"(customer service|sales ?(associate|lady|girl|person|woman)|store (clerk|associate|employee)|exchange[ds]?|refund|back.?order|sold out|out of stock|the staff)",
        re.I,
    ),
}
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
print(len(sample))
k = 4
for i in range(k):
    with open(f"/tmp/label_shard_{i}.jsonl", "w") as f:
        for r in sample[i::k]:
            f.write(
                json.dumps(
                    {"id": int(r[""]), "title": r["Title"], "text": r["Review Text"], "rating": int(r["Rating"])}
                )
                + "\n"
            )
json.dump({r[""]: chosen[r[""]] for r in sample}, open("/work/main/models/data/review_labels/sample_pools.json", "w"))

# Second pass (seed 7): delivery_packaging fell short of 60 after the first reading, so 140 more reviews whose text
# mentions shipping/arrival/packaging were sampled (pool "delivery_packaging_extra" in sample_pools.json).

# Third pass (2026-11-29, seed 20261129): neutral (27 test / 84 train), effectiveness (38) and delivery_packaging (71)
# were the weakest classes, so 520 more reviews were sampled: 240 three-star, 120 whose text matches the
# effectiveness cues, 80 more shipping/arrival/packaging mentions and 80 four/five-star. This time the reader saw
# title and text only (no star rating). Pools "pass3_*" in sample_pools.json; shards 5-8.
def third_pass():
    from models.lexicon import TOPIC_CUES

    rnd3 = random.Random(20261129)
    taken = set(json.load(open("/work/main/models/data/review_labels/sample_pools.json")))
    new = {}
    plan = [
        ("pass3_three_star", lambda r: r["Rating"] == "3", 240),
        ("pass3_effectiveness", lambda r: re.search(TOPIC_CUES["effectiveness"], r["Review Text"], re.I), 120),
        ("pass3_delivery", lambda r: pools["delivery_packaging"].search(r["Review Text"]), 80),
        ("pass3_four_five_star", lambda r: r["Rating"] in ("4", "5"), 80),
    ]
    for name, keep, n in plan:
        cand = [r for r in rows if r[""] not in taken and r[""] not in new and keep(r)]
        for r in rnd3.sample(cand, n):
            new[r[""]] = name
    sample3 = [r for r in rows if r[""] in new]
    rnd3.shuffle(sample3)
    for i in range(4):
        with open(f"/tmp/label_shard_{5 + i}.jsonl", "w") as f:
            for r in sample3[i::4]:
                f.write(json.dumps({"id": int(r[""]), "title": r["Title"], "text": r["Review Text"]}) + "\n")
    all_pools = json.load(open("/work/main/models/data/review_labels/sample_pools.json"))
    all_pools.update(new)
    json.dump(all_pools, open("/work/main/models/data/review_labels/sample_pools.json", "w"))


# Fourth pass (2026-11-29, seed 20261130): a blind second reading of the 475 test reviews agreed with these labels at
# sentiment macro-F1 0.89 (neutral 0.72) and topic macro-F1 0.92, so the labels are not what holds the model at 0.66 /
# 0.76: more examples are. 800 more reviews, sampled where the model is weakest: 250 three-star, 150 two- or
# four-star with a contrast word (mixed reviews), 100 each matching the delivery, customer-service and effectiveness
# cues, and 100 from all reviews. Title and text only (no star rating). Pools "pass4_*"; shards 9-12.
def fourth_pass():
    from models.lexicon import TOPIC_CUES

    rnd4 = random.Random(20261130)
    taken = set(json.load(open("/work/main/models/data/review_labels/sample_pools.json")))
    new = {}
    contrast = re.compile(r"\b(but|however|although|though|except)\b", re.I)
    plan = [
        ("pass4_three_star", lambda r: r["Rating"] == "3", 250),
        ("pass4_mixed", lambda r: r["Rating"] in ("2", "4") and contrast.search(r["Review Text"]), 150),
        ("pass4_delivery", lambda r: pools["delivery_packaging"].search(r["Review Text"]), 100),
        ("pass4_customer_service", lambda r: pools["customer_service"].search(r["Review Text"]), 100),
        ("pass4_effectiveness", lambda r: re.search(TOPIC_CUES["effectiveness"], r["Review Text"], re.I), 100),
        ("pass4_any", lambda r: True, 100),
    ]
    for name, keep, n in plan:
        cand = [r for r in rows if r[""] not in taken and r[""] not in new and keep(r)]
        for r in rnd4.sample(cand, n):
            new[r[""]] = name
    sample4 = [r for r in rows if r[""] in new]
    rnd4.shuffle(sample4)
    for i in range(4):
        with open(f"/tmp/label_shard_{9 + i}.jsonl", "w") as f:
            for r in sample4[i::4]:
                f.write(json.dumps({"id": int(r[""]), "title": r["Title"], "text": r["Review Text"]}) + "\n")
    all_pools = json.load(open("/work/main/models/data/review_labels/sample_pools.json"))
    all_pools.update(new)
    json.dump(all_pools, open("/work/main/models/data/review_labels/sample_pools.json", "w"))
