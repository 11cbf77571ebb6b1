"""How a saved classifier holds up on other shops' reviews, measured on demand and kept in its model folder.

Why: the test split that gates activation is the demo shop's own kind of review (women's clothing), so its figure
overstates what a shop selling something else should expect. Shoplens ships three hand-read sets from other kinds
of shop (models/data/ood_reviews: phones, restaurants, grocery), never trained on; scoring a model on them takes
seconds, and a marketer choosing or trusting a model should see those figures beside the in-domain one.

Measured once per version and stored as other_shops.json in its folder: a saved model's weights never change, and
the result records which label files it was measured on (an upgrade that changes them measures again). The Models
page and `shoplens other-shops` both read and write it."""
from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from analysis.atomic_file import write_text_atomic
from analysis.errors import ShoplensError

RESULT_FILE = "other_shops.json"

# (key, what the set is, the task its labels serve) in the order a page shows them
SETS = (
    ("test", "demo shop's test split: women's clothing", "all"),
    ("phones", "phones and accessories (sentences)", "all"),
    ("restaurants", "restaurants (sentences)", "sentiment"),
    ("grocery", "grocery and pet food (whole reviews)", "sentiment"),
)


def _label_files() -> dict[str, Path]:
    from models.data import LABELS_FILE
    from models.ood import GROCERY_FILE, OOD_FILE, RESTAURANT_FILE

    return {"test": LABELS_FILE, "phones": OOD_FILE, "restaurants": RESTAURANT_FILE, "grocery": GROCERY_FILE}


def labelled_sets() -> dict[str, list[dict]]:
    """Every hand-read set a model is judged on, by SETS key: the in-domain test split and the out-of-domain sets."""
    from models.data import load_labels
    from models.ood import load_ood

    files = _label_files()
    return {"test": [r for r in load_labels() if r["split"] == "test"],
            **{k: load_ood(files[k]) for k in ("phones", "restaurants", "grocery")}}


def readers_agree(recs: list[dict]) -> dict | None:
    """The second blind reading scored against the first, where a set has both: the most a model can be held to."""
    from models.data import SENTIMENTS
    from models.generalisation import balanced_binary
    from models.metrics import sentiment_report

    if not recs or not all(r.get("readings") for r in recs):
        return None
    first, second = [r["readings"][0] for r in recs], [r["readings"][1] for r in recs]
    return {"sentiment_macro_f1": sentiment_report(first, second, list(SENTIMENTS))["macro_f1"],
            "balanced_binary": balanced_binary(first, second)["balanced_accuracy"]}


def labels_id() -> str:
    """First 12 hex digits of the sha256 over the label files: what a stored result was measured on."""
    h = hashlib.sha256()
    for path in _label_files().values():
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def cached(folder: Path | str) -> dict | None:
    """The stored result for this model folder, or None when it was never measured on the installed label files."""
    path = Path(folder) / RESULT_FILE
    if not path.exists():
        return None
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None  # a damaged file is measured again rather than shown
    return result if isinstance(result, dict) and result.get("labels_id") == labels_id() else None


def measure(folder: Path | str, device: str = "auto") -> dict:
    """Score the model in `folder` on every set it has labels for → the result, also written to its folder.

    Sentiment figures are left out for a topics-only model and topic figures for a sentiment-only one and for the
    sets read for sentiment only."""
    from models.classifier import ReviewClassifier, is_model_folder
    from models.generalisation import classifier_report

    folder = Path(folder)
    if not is_model_folder(folder):
        raise ShoplensError(f"{folder} is not a saved Shoplens classifier",
                            fix="give a version folder (SHOPLENS_HOME/models/<task>/<version>), or leave --model out "
                                "for the active model")
    t0 = time.perf_counter()
    clf = ReviewClassifier.from_pretrained(folder, device)
    task = clf.config.task
    labelled, sets = labelled_sets(), {}
    for key, what, labels_for in SETS:
        r = classifier_report(clf, labelled[key])
        row = {"what": what, "reviews": r["n"], "neutral_reviews": r["n_neutral"]}
        if task in ("all", "sentiment"):
            row.update(sentiment_macro_f1=r["sentiment_macro_f1"], neutral_f1=r["per_class_f1"]["neutral"],
                       balanced_binary=r["balanced_binary"], readers_agree=readers_agree(labelled[key]))
        if task in ("all", "topics") and labels_for == "all":
            row["topic_macro_f1"] = r["topic_macro_f1"]
        sets[key] = row
    result = {"version": clf.config.version, "task": task, "device": clf.choice.name, "labels_id": labels_id(),
              "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "seconds": round(time.perf_counter() - t0, 1), "sets": sets}
    write_text_atomic(folder / RESULT_FILE, json.dumps(result, indent=1))
    return result
