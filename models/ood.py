"""The out-of-domain labelled sets (models/data/ood_reviews/): Amazon cell-phone review sentences (sentiment and
topics), Yelp restaurant review sentences (sentiment only) and whole Amazon grocery reviews with title (sentiment
only; the one set with a real share of neutral reviews). Generalisation measures that are read only for reporting,
never for training, tuning or choosing settings (README there)."""
from __future__ import annotations

import json
from pathlib import Path

from analysis.errors import ShoplensError
from models.data import DEFAULT_TOPICS, SENTIMENTS

OOD_DIR = Path(__file__).resolve().parent / "data" / "ood_reviews"
OOD_FILE = OOD_DIR / "amazon_cells.jsonl"
RESTAURANT_FILE = OOD_DIR / "yelp_restaurants.jsonl"  # topics not read: {} on every line
GROCERY_FILE = OOD_DIR / "amazon_grocery.jsonl"  # topics not read: {} on every line


def load_ood(path: Path | str = OOD_FILE) -> list[dict]:
    """id, text, sentiment, topics {topic: polarity}, split 'ood'; a malformed line is a ShoplensError naming it."""
    path = Path(path)
    if not path.exists():
        raise ShoplensError(f"No out-of-domain label file at {path}", fix="restore models/data/ood_reviews/ from git")
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            ok = r["sentiment"] in SENTIMENTS and isinstance(r["text"], str) and r["text"].strip() and \
                all(t in DEFAULT_TOPICS for t in r.get("topics") or {})
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ShoplensError(f"{path.name} line {n} is not a label record ({type(exc).__name__}: {exc})",
                                fix="each line needs text, sentiment and topics; see the README beside it") from exc
        if not ok:
            raise ShoplensError(f"{path.name} line {n}: sentiment must be one of {SENTIMENTS}, text non-empty and "
                                f"topics from {DEFAULT_TOPICS}", fix="correct that line by hand")
        rec = {"id": int(r["id"]), "text": r["text"], "sentiment": r["sentiment"],
               "topics": dict(r.get("topics") or {}), "split": "ood"}
        if r.get("readings"):  # two blind readings (the grocery set): what readers' agreement is computed from
            rec["readings"] = list(r["readings"])
        out.append(rec)
    return out
