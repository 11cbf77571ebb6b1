"""Reading notes -> a label shard: the annotator writes one short line per review while reading, this checks and expands it.

A note line is `<id> <sentiment> [topic codes]`, sentiment N (negative), U (neutral) or P (positive), each topic a
letter and a polarity: q quality, f fit_size, a appearance, c comfort, v price_value, d delivery_packaging,
s customer_service, e effectiveness; + positive, - negative, ~ mixed. Example: `17042 U a+ f- q~`.
Refuses (naming the line) an unknown code, a repeated id, or an id missing from / foreign to the reviews read.

    python models/data/review_labels/write_shard.py NOTES.txt READ.jsonl OUT.jsonl
READ.jsonl is the file of reviews that was read (one {"id": ...} per line), so every review read gets one label.
"""
from __future__ import annotations

import json
import sys

SENTIMENT = {"N": "negative", "U": "neutral", "P": "positive"}
TOPIC = {"q": "quality", "f": "fit_size", "a": "appearance", "c": "comfort", "v": "price_value",
         "d": "delivery_packaging", "s": "customer_service", "e": "effectiveness"}
POLARITY = {"+": "positive", "-": "negative", "~": "mixed"}


def parse_notes(lines, read_ids: list) -> list[dict]:
    """Label records in the order of `read_ids`; ValueError naming the note line on any problem."""
    by_id = {}
    for n, line in enumerate(lines, 1):
        parts = line.split("#")[0].split()
        if not parts:
            continue
        rid = parts[0] if isinstance(read_ids[0], str) else int(parts[0])
        if rid not in read_ids:
            raise ValueError(f"note line {n}: id {rid} is not among the reviews read")
        if rid in by_id:
            raise ValueError(f"note line {n}: id {rid} labelled twice")
        if len(parts) < 2 or parts[1] not in SENTIMENT:
            raise ValueError(f"note line {n}: sentiment must be N, U or P, got {parts[1:2]}")
        topics = {}
        for code in parts[2:]:
            if len(code) != 2 or code[0] not in TOPIC or code[1] not in POLARITY:
                raise ValueError(f"note line {n}: topic code {code!r} is not <letter in {''.join(TOPIC)}><+|-|~>")
            if TOPIC[code[0]] in topics:
                raise ValueError(f"note line {n}: topic {TOPIC[code[0]]} given twice")
            topics[TOPIC[code[0]]] = POLARITY[code[1]]
        by_id[rid] = {"id": rid, "sentiment": SENTIMENT[parts[1]], "topics": topics}
    missing = [r for r in read_ids if r not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} reviews read but not labelled, first: {missing[:5]}")
    return [by_id[r] for r in read_ids]


def main(notes: str, read: str, out: str) -> None:
    read_ids = [json.loads(line)["id"] for line in open(read, encoding="utf-8") if line.strip()]
    recs = parse_notes(open(notes, encoding="utf-8"), read_ids)
    with open(out, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    print(f"{out}: {len(recs)} labels")


if __name__ == "__main__":
    main(*sys.argv[1:4])
