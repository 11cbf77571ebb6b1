"""CPU fine-tune benchmark (issue 19): is the full fine-tune (`shoplens train all --mode finetune`) worth its time on
a machine without a GPU, in domain and on the other shops' reviews?

Trains the fine-tune recipe with its defaults (LP-FT from the fast heads, then encoder + heads on the hand-read train
labels and the weak rated reviews with their titles; validation split of the hand-read train labels, best epoch kept)
in a scratch SHOPLENS_HOME, nothing activated, then puts it beside the shipped starter and TF-IDF + LR on the
in-domain test split and both out-of-domain sets (bench/classify.py's generalisation table). Prints the time of each
epoch, the validation figures, the held-back star-rating balanced accuracy and the table; JSON in bench/out/.
--fast-heads also refits the Fast recipe's heads on the fine-tuned encoder, frozen (what a Fast retrain would give
on top of a shipped fine-tuned encoder; about 6 more minutes, most of it embedding 31k texts with the new encoder).

    python bench/finetune_cpu.py [--home DIR] [--epochs N] [--max-minutes M] [--weak-per-class N] [--fast-heads]
"""
from __future__ import annotations

import argparse
import os
import time

from recipes import report, scratch_home, train_recipe


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="scratch SHOPLENS_HOME (default: a new temporary folder)")
    ap.add_argument("--epochs", type=int, default=None, help="default: TrainConfig's")
    ap.add_argument("--max-minutes", type=float, default=None, help="default: TrainConfig's")
    ap.add_argument("--weak-per-class", type=int, default=None,
                    help="rated reviews per sentiment (negative, positive; no 3-star); default: FINETUNE_WEAK")
    ap.add_argument("--fast-heads", action="store_true", help="also the Fast heads refitted on the tuned encoder")
    a = ap.parse_args()
    home = scratch_home(a.home, "shoplens_finetune_")

    import torch

    from models.train import TrainConfig

    torch.set_num_threads(min(torch.get_num_threads(), 2))  # the figures are for a 2-core machine
    over = {k: v for k, v in (("epochs", a.epochs), ("max_minutes", a.max_minutes)) if v is not None}
    if a.weak_per_class is not None:
        over["weak_per_class"] = {"negative": a.weak_per_class, "neutral": 0, "positive": a.weak_per_class}
    name = "full fine-tune, CPU (" + (", ".join(f"{k}={v}" for k, v in (
        ("epochs", a.epochs), ("max_minutes", a.max_minutes), ("weak_per_class", a.weak_per_class)) if v is not None)
        or "defaults") + ")"  # the table row says which recipe it is
    run, model = train_recipe(TrainConfig(mode="finetune", device="cpu", **over))
    card = run.pop("card")
    run.update({"history": card["history"], "phases": card["phases"], "data": card["data"],
                "hardware": card["hardware"],
                "heldback_balanced_accuracy": card["metrics"].get("heldback_binary", {}).get("balanced_accuracy")})
    runs, models = {name: run}, {name: model}
    if a.fast_heads:
        runs["fast heads on the fine-tuned encoder"], models["fast heads on the fine-tuned encoder"] = \
            fast_heads_on(run["path"], home)
    report("finetune_cpu", runs, models, "starter (shipped)")


def fast_heads_on(folder: str, home: str):
    """The Fast recipe (defaults) with the fine-tuned encoder in place of the backbone, frozen → (run, model).

    Its embeddings go to a cache of their own (home/fast_on_finetuned): cache names key the backbone's name, and this
    encoder is not the backbone."""
    from models.classifier import ReviewClassifier
    from models.train import TrainConfig, _fit_fast, plan

    os.environ["SHOPLENS_HOME"] = os.path.join(home, "fast_on_finetuned")
    cfg = TrainConfig(mode="fast", device="cpu")
    p = plan(cfg)
    clf = ReviewClassifier.from_pretrained(folder, "cpu")
    clf.config.frozen_encoder = True
    t = time.perf_counter()
    hist = _fit_fast(clf, p.train_recs, p.weak, cfg, p.weak_weight, None)[0]
    os.environ["SHOPLENS_HOME"] = home
    run = {"seconds": round(time.perf_counter() - t, 1), **{k: hist.get(k) for k in (
        "embed_seconds", "fit_seconds", "embedded_texts", "c_sentiment", "neutral_offset")}}
    return run, clf


if __name__ == "__main__":
    main()
