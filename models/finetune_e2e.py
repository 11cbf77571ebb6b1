"""End-to-end fine-tune of the whole MiniLM encoder with both heads (not heads on frozen embeddings), for the
generalisation study of issue 19: class-weighted sentiment loss (balanced: n / (3 * count)), a dev split carved from
the hand-read *train* split (never the test split, never the out-of-domain set) that picks the best epoch, the topic
thresholds and a neutral prior (an offset on the neutral logit, folded into the head's bias so the saved model needs
nothing new to load). bf16 autocast only on a GPU.

    python -m models.finetune_e2e OUT_FOLDER [--epochs 3] [--layers 0] [--limit 0]
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.data import DEFAULT_TOPICS, SENTIMENTS

NEUTRAL_GRID = np.round(np.arange(-2.0, 2.01, 0.25), 2)


def split_dev(train: list[dict], fraction: float = 0.15, seed: int = 13) -> tuple[list[dict], list[dict]]:
    """(fit, dev): `fraction` of each sentiment class of the train split, seeded."""
    rnd, fit, dev = random.Random(seed), [], []
    for s in SENTIMENTS:
        part = sorted((r for r in train if r["sentiment"] == s), key=lambda r: r["id"])
        rnd.shuffle(part)
        k = round(len(part) * fraction)
        dev += part[:k]
        fit += part[k:]
    return fit, dev


def class_weights(labels: np.ndarray, n_classes: int = 3) -> np.ndarray:
    """Balanced weights n / (classes * count); a class absent from the data gets weight 1."""
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    return np.where(counts > 0, len(labels) / (n_classes * np.maximum(counts, 1)), 1.0).astype(np.float32)


def _batches(lengths: list[int], size: int, rnd: random.Random) -> list[list[int]]:
    idx = list(range(len(lengths)))
    rnd.shuffle(idx)
    out = []
    for c in range(0, len(idx), size * 40):  # sort inside chunks: little padding, still shuffled
        part = sorted(idx[c:c + size * 40], key=lambda i: lengths[i])
        out += [part[i:i + size] for i in range(0, len(part), size)]
    rnd.shuffle(out)
    return out


def _texts(recs: list[dict]) -> list[str]:
    from models.text import clean

    return [clean(r["text"])[0] for r in recs]


def dev_scores(clf, dev: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    return clf.predict_proba(_texts(dev))


def tune_on_dev(clf, dev: list[dict]) -> dict:
    """Topic thresholds (per topic, best F1) and the neutral offset (best macro-F1) from the dev split; the offset is
    added to the neutral bias of the sentiment head. Returns the dev figures after tuning."""
    from models.generalisation import topic_matrix
    from models.metrics import sentiment_report, topic_report, tune_thresholds

    sent, top = dev_scores(clf, dev)
    y = topic_matrix(dev, clf.config.topics)
    thr = tune_thresholds(y, top)
    clf.config.topic_thresholds = {t: float(v) for t, v in zip(clf.config.topics, thr, strict=True)}
    gold = [r["sentiment"] for r in dev]
    logp = np.log(np.clip(sent, 1e-9, 1))
    k = clf.config.sentiments.index("neutral")
    best = (-1.0, 0.0)
    for off in NEUTRAL_GRID:
        lp = logp.copy()
        lp[:, k] += off
        f1 = sentiment_report(gold, [clf.config.sentiments[j] for j in lp.argmax(1)], list(SENTIMENTS))["macro_f1"]
        best = max(best, (f1, float(off)), key=lambda b: (b[0], -abs(b[1])))
    with torch.no_grad():
        clf.net.sentiment_head.bias[k] += best[1]
    return {"dev_sentiment_macro_f1": best[0], "neutral_offset": best[1],
            "dev_topic_macro_f1": topic_report(y, (top >= thr).astype(int), clf.config.topics)["macro_f1"]}


def finetune(fit: list[dict], dev: list[dict], epochs: int = 3, lr: float = 5e-5, head_lr: float = 1e-3,
             batch_size: int = 16, max_length: int = 128, layers: int = 0, seed: int = 13, device: str = "auto",
             log=print):
    """Fine-tune a fresh classifier on `fit`; after each epoch score dev (sentiment + topic macro-F1 / 2) and keep the
    best epoch's weights. Returns (classifier tuned on dev, history with seconds per step)."""
    from models.classifier import ClassifierConfig, ReviewClassifier
    from models.generalisation import topic_matrix
    from models.lexicon import default_lexicon
    from models.metrics import sentiment_report, topic_report, tune_thresholds

    torch.manual_seed(seed)
    rnd = random.Random(seed)
    cfg = ClassifierConfig(lexicon=default_lexicon(list(DEFAULT_TOPICS)), pooling="last", encoder_layers=layers,
                           max_length=max_length, frozen_encoder=False)
    clf = ReviewClassifier.from_backbone(cfg, device)
    dev_t, net, gpu = clf.choice.device, clf.net, clf.choice.device.type == "cuda"
    texts = _texts(fit)
    ids = clf.tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    cues = clf.cues(texts).astype(np.float32)
    s_true = np.array([SENTIMENTS.index(r["sentiment"]) for r in fit], np.int64)
    y_true = topic_matrix(fit, cfg.topics).astype(np.float32)
    ce = nn.CrossEntropyLoss(weight=torch.tensor(class_weights(s_true), device=dev_t))
    bce = nn.BCEWithLogitsLoss()
    heads = list(net.sentiment_head.parameters()) + list(net.topic_head.parameters())
    opt = torch.optim.AdamW([{"params": net.encoder.parameters(), "lr": lr}, {"params": heads, "lr": head_lr}],
                            weight_decay=0.01)
    total = epochs * ((len(fit) + batch_size - 1) // batch_size)
    warm = max(1, total // 16)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm))))
    history, best, best_score, step = [], None, -1.0, 0
    gold_dev, y_dev = [r["sentiment"] for r in dev], topic_matrix(dev, cfg.topics)
    for epoch in range(epochs):
        net.train()
        t0, losses = time.time(), []
        for batch in _batches([len(x) for x in ids], batch_size, rnd):
            enc = clf.tokenizer.pad({"input_ids": [ids[i] for i in batch]}, return_tensors="pt")
            with torch.autocast(dev_t.type, dtype=torch.bfloat16, enabled=gpu):
                sl, tl = net(enc["input_ids"].to(dev_t), enc["attention_mask"].to(dev_t),
                             torch.from_numpy(cues[batch]).to(dev_t))
            loss = ce(sl.float(), torch.from_numpy(s_true[batch]).to(dev_t)) + \
                bce(tl.float(), torch.from_numpy(y_true[batch]).to(dev_t))
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            sched.step()
            step += 1
            losses.append(float(loss.detach()))
            if step % 20 == 0:
                log(f"epoch {epoch + 1} step {step}/{total} loss {np.mean(losses[-20:]):.3f} "
                    f"{len(losses) * batch_size / (time.time() - t0):.1f} samples/s")
        train_s = time.time() - t0
        net.eval()
        t1 = time.time()
        sent, top = dev_scores(clf, dev)
        thr = tune_thresholds(y_dev, top)
        sf = sentiment_report(gold_dev, [SENTIMENTS[k] for k in sent.argmax(1)], list(SENTIMENTS))["macro_f1"]
        tf = topic_report(y_dev, (top >= thr).astype(int), cfg.topics)["macro_f1"]
        history.append({"epoch": epoch + 1, "train_seconds": round(train_s, 1), "dev_seconds": round(time.time() - t1, 1),
                        "train_loss": float(np.mean(losses)), "dev_sentiment_macro_f1": sf, "dev_topic_macro_f1": tf})
        log(json.dumps(history[-1]))
        if (sf + tf) / 2 > best_score:
            best_score, best = (sf + tf) / 2, {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best)
    net.eval()
    return clf, history


def main() -> None:
    import os
    import platform

    from models import device as devices
    from models.data import load_labels

    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--layers", type=int, default=0, help="bottom encoder layers kept (0: all six)")
    ap.add_argument("--limit", type=int, default=0, help="> 0: only this many fit and dev reviews (tests)")
    ap.add_argument("--device", default="auto")
    a = ap.parse_args()
    devices.set_threads()
    t0 = time.time()
    fit, dev = split_dev([r for r in load_labels() if r["split"] == "train"])
    if a.limit:
        fit, dev = fit[: a.limit], dev[: max(30, a.limit // 4)]
    clf, history = finetune(fit, dev, epochs=a.epochs, layers=a.layers, device=a.device)
    tuned = tune_on_dev(clf, dev)
    card = {"recipe": "models/finetune_e2e.py: end-to-end fine-tune of every encoder layer and both heads",
            "trained_on": f"{len(fit)} hand-read train-split reviews (models/data/review_labels), dev {len(dev)} "
                          "carved from the train split; test split and out-of-domain set never seen",
            "epochs": a.epochs, "history": history, "dev_tuning": tuned, "seconds_total": round(time.time() - t0, 1),
            "hardware": f"{clf.choice.name}, {torch.get_num_threads()} torch threads, {os.cpu_count()} cpus, "
                        f"{platform.processor() or platform.machine()}"}
    clf.config.version = Path(a.out).name
    clf.save_pretrained(a.out, card)
    print(json.dumps(card, indent=1))


if __name__ == "__main__":
    main()
