"""Print facts compactly for a range of ids: python show.py 1 20"""

import json
import sys
from pathlib import Path

a, b = int(sys.argv[1]), int(sys.argv[2])
for line in open(Path(__file__).resolve().parent / "facts.jsonl", encoding="utf-8"):
    r = json.loads(line)
    i = int(r["id"][1:])
    if not a <= i <= b:
        continue
    f = r["facts"]
    if f["channel"] == "reply":
        print(
            f'{r["id"]} REPLY [{f["brand"]}] tone={f["tone"]} remedy="{f["remedy"]}" rating={f["review"]["rating"]} topics={f["review"]["topics"]}\n   review: {f["review"]["text"]}'
        )
    else:
        pr = "; ".join(f'{p["topic"]}: "{p["quote"]}"' for p in f["praised"])
        co = "; ".join(f'{p["topic"]}: "{p["quote"]}"' for p in f["complaints"])
        print(
            f'{r["id"]} {f["channel"].upper()} [{f["brand"]}] {f["segment"]} ({f["segment_description"]}) tone={f["tone"]} {f["currency"]}\n   offer="{f["offer"]}" products={f["top_products"]}\n   praised: {pr or "-"}\n   complaints: {co or "-"}'
        )
