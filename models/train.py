"""train(): fine-tune the review classifier on hand-read labels plus rating-derived weak labels, evaluate, version."""
from __future__ import annotations

import copy
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np
import torch
from torch import nn

from analysis.errors import ShoplensError
from models import registry
from models.classifier import ClassifierConfig, ReviewClassifier
from models.data import DEFAULT_TOPICS, SENTIMENTS, heldback, load_labels, weak_sentiment
from models.metrics import binary_balanced_accuracy, sentiment_report, topic_report, tune_thresholds

Progress = Callable[[int, int, str], None]


@dataclass
class TrainConfig:
    task: str = "all"  # sentiment | topics | all (one model, both heads)
    epochs: int = 3
    batch_size: int = 16
    lr: float = 6e-5  # encoder
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_length: int = 128
    freeze_layers: int = 0  # bottom encoder layers (and embeddings) kept frozen; 0 = full fine-tune
    weak_per_class: dict[str, int] = field(default_factory=lambda: {"negative": 700, "neutral": 250, "positive": 700})
    weak_weight: float = 0.5
    val_fraction: float = 0.15
    patience: int = 1
    seed: int = 13
    device: str = "auto"
    heldback_n: int = 2000
    min_per_class: int = 5
    min_per_topic: int = 5
    topics: list[str] = field(default_factory=lambda: list(DEFAULT_TOPICS))
    baselines: bool = False


def _split_validation(recs: list[dict], fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    rnd = random.Random(seed)
    train, val = [], []
    for cls in SENTIMENTS:
        part = sorted((r for r in recs if r["sentiment"] == cls), key=lambda r: r["id"])
        rnd.shuffle(part)
        k = max(1, round(len(part) * fraction)) if len(part) >= 4 else 0
        val += part[:k]
        train += part[k:]
    return train, val


def _targets(recs: list[dict], topics: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sentiment index (N,), topic presence (N, K), topic mask (N,) = 1 where topics were read)."""
    s = np.array([SENTIMENTS.index(r["sentiment"]) for r in recs], np.int64)
    y = np.array([[1.0 if t in (r["topics"] or {}) else 0.0 for t in topics] for r in recs], np.float32)
    m = np.array([0.0 if r.get("topics") is None else 1.0 for r in recs], np.float32)
    return s, y.reshape(len(recs), len(topics)), m


def _train_batches(lengths: list[int], batch_size: int, rnd: random.Random) -> list[list[int]]:
    """Shuffled, then sorted by length inside chunks of 50 batches: little padding, still random order."""
    idx = list(range(len(lengths)))
    rnd.shuffle(idx)
    out = []
    chunk = batch_size * 50
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c:c + chunk], key=lambda i: lengths[i])
        out += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    rnd.shuffle(out)
    return out


def evaluate(clf: ReviewClassifier, recs: list[dict], tune: bool = False) -> dict:
    """Sentiment and topic reports on hand-read records; tune=True sets topic thresholds from them first."""
    texts = [r["text"] for r in recs]
    sent, top = clf.predict_proba(texts)
    pred = [clf.config.sentiments[k] for k in sent.argmax(1)]
    _, y, _ = _targets(recs, clf.config.topics)
    if tune:
        clf.config.topic_thresholds = {t: float(v) for t, v in
                                       zip(clf.config.topics, tune_thresholds(y, top), strict=True)}
    thr = clf.thresholds()
    return {"sentiment": sentiment_report([r["sentiment"] for r in recs], pred, list(clf.config.sentiments)),
            "topics": topic_report(y, (top >= thr).astype(int), clf.config.topics, thr)}


def evaluate_heldback(clf: ReviewClassifier, labelled_ids: set[int], n: int) -> dict:
    hb = heldback(labelled_ids, n)
    hb = hb[hb["rating"] != 3]
    sent, _ = clf.predict_proba(hb["text"].tolist())
    return binary_balanced_accuracy(hb["rating"].to_numpy(), [clf.config.sentiments[k] for k in sent.argmax(1)])


def train(cfg: TrainConfig | None = None, labels: list[dict] | None = None, progress: Progress | None = None,
          activate: str = "auto") -> dict:
    """Fine-tune, evaluate on the test split, save a versioned folder with a card, activate if not worse.

    activate: 'auto' (only when not worse than the active model), 'always', or 'never'. Returns a summary dict."""
    cfg = cfg or TrainConfig()
    if cfg.task not in ("sentiment", "topics", "all"):
        raise ShoplensError(f"Unknown task '{cfg.task}'", fix="use sentiment, topics or all")
    t0 = time.time()
    torch.manual_seed(cfg.seed)
    rnd = random.Random(cfg.seed)
    recs = labels if labels is not None else load_labels()
    bad = [r for r in recs if r.get("sentiment") not in SENTIMENTS]
    if bad:
        raise ShoplensError(f"{len(bad)} labels have a sentiment outside {SENTIMENTS} (e.g. id {bad[0]['id']})")
    hand_train = [r for r in recs if r.get("split", "train") == "train"]
    test = [r for r in recs if r.get("split") == "test"]
    counts = Counter(r["sentiment"] for r in hand_train)
    if cfg.task != "topics":
        few = {c: counts.get(c, 0) for c in SENTIMENTS if counts.get(c, 0) < cfg.min_per_class}
        if few:
            raise ShoplensError("Too few hand-read labels to train sentiment: " + ", ".join(
                f"{c} has {n}" for c, n in few.items()), fix=f"label at least {cfg.min_per_class} reviews per class")
    if not test:
        raise ShoplensError("No test split in the labels", fix="give about a quarter of the labels split='test'")
    topic_counts = Counter(t for r in hand_train for t in (r.get("topics") or {}))
    extra = sorted(t for t in topic_counts if t not in cfg.topics)
    wanted = list(cfg.topics) + extra
    topics = [t for t in wanted if topic_counts.get(t, 0) >= cfg.min_per_topic]
    notes = [f"topic '{t}' left out: {topic_counts.get(t, 0)} training examples (need {cfg.min_per_topic})"
             for t in wanted if t not in topics]
    if cfg.task == "topics" and not topics:
        raise ShoplensError("No topic has enough hand-read examples to train", fix="label more reviews with topics")

    train_recs, val = _split_validation(hand_train, cfg.val_fraction, cfg.seed)
    labelled = {int(r["id"]) for r in recs}
    weak = []
    if cfg.task != "topics" and sum(cfg.weak_per_class.values()) > 0:
        hb_ids = set(heldback(labelled, cfg.heldback_n)["id"]) if cfg.heldback_n else set()
        weak = weak_sentiment(labelled | hb_ids, cfg.weak_per_class, seed=cfg.seed)
    data = train_recs + weak

    clf = ReviewClassifier.from_backbone(ClassifierConfig(topics=topics, max_length=cfg.max_length, task=cfg.task),
                                         device=cfg.device)
    dev, net = clf.choice.device, clf.net
    for name, p in net.encoder.named_parameters():
        frozen = name.startswith("embeddings") and cfg.freeze_layers > 0
        frozen |= any(name.startswith(f"encoder.layer.{k}.") for k in range(cfg.freeze_layers))
        p.requires_grad = not frozen
    ids = clf.tokenizer([r["text"] for r in data], truncation=True, max_length=cfg.max_length)["input_ids"]
    s_true, y_true, t_mask = _targets(data, topics)
    w = np.array([cfg.weak_weight if r.get("weak") else 1.0 for r in data], np.float32)
    freq = np.bincount(s_true, minlength=3).astype(np.float32) + 1.0
    class_w = torch.tensor((freq.sum() / freq) ** 0.5 / ((freq.sum() / freq) ** 0.5).mean(), device=dev)
    ce = nn.CrossEntropyLoss(weight=class_w, reduction="none")
    bce = nn.BCEWithLogitsLoss(reduction="none")
    enc_params = [p for p in net.encoder.parameters() if p.requires_grad]
    head_params = list(net.sentiment_head.parameters()) + list(net.topic_head.parameters())
    opt = torch.optim.AdamW([{"params": enc_params, "lr": cfg.lr}, {"params": head_params, "lr": cfg.head_lr}],
                            weight_decay=cfg.weight_decay)
    steps_per_epoch = (len(data) + cfg.batch_size - 1) // cfg.batch_size
    total = steps_per_epoch * cfg.epochs
    warm = max(1, int(total * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm))))

    history, best, best_score, bad_epochs, step = [], None, -1.0, 0, 0
    for epoch in range(cfg.epochs):
        net.train()
        te = time.time()
        losses = []
        for batch in _train_batches([len(x) for x in ids], cfg.batch_size, rnd):
            enc = clf.tokenizer.pad({"input_ids": [ids[i] for i in batch]}, return_tensors="pt")
            with torch.autocast(dev.type, dtype=clf.choice.dtype, enabled=dev.type == "cuda"):
                s_log, t_log = net(enc["input_ids"].to(dev), enc["attention_mask"].to(dev))  # (B,3), (B,K)
            loss = torch.zeros((), device=dev)
            if cfg.task != "topics":
                sw = torch.tensor(w[batch], device=dev)
                loss = loss + (ce(s_log.float(), torch.tensor(s_true[batch], device=dev)) * sw).sum() / sw.sum()
            tm = torch.tensor(t_mask[batch], device=dev)
            if cfg.task != "sentiment" and topics and tm.sum() > 0:
                tl = bce(t_log.float(), torch.tensor(y_true[batch], device=dev)).mean(1)  # (B,)
                loss = loss + (tl * tm).sum() / tm.sum()
            if loss.requires_grad:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
            opt.zero_grad(set_to_none=True)
            sched.step()
            step += 1
            losses.append(float(loss.detach()))
            if progress:
                progress(step, total, f"epoch {epoch + 1}/{cfg.epochs} loss {np.mean(losses[-20:]):.3f}")
        epoch_s = time.time() - te
        net.eval()
        v = evaluate(clf, val, tune=True) if val else {}
        score = {"sentiment": v.get("sentiment", {}).get("macro_f1", 0.0),
                 "topics": v.get("topics", {}).get("macro_f1", 0.0)}
        score = score[cfg.task] if cfg.task in score else (score["sentiment"] + score["topics"]) / 2
        history.append({"epoch": epoch + 1, "train_loss": float(np.mean(losses)), "epoch_seconds": round(epoch_s, 1),
                        "val_sentiment_macro_f1": v.get("sentiment", {}).get("macro_f1"),
                        "val_topic_macro_f1": v.get("topics", {}).get("macro_f1"), "val_score": score})
        if score > best_score:
            best_score, bad_epochs = score, 0
            best = ({k: t.detach().cpu().clone() for k, t in net.state_dict().items()},
                    copy.deepcopy(clf.config.topic_thresholds))
        else:
            bad_epochs += 1
            if bad_epochs > cfg.patience:
                break
    if best is not None:
        net.load_state_dict(best[0])
        clf.config.topic_thresholds = best[1]
    net.eval()

    if progress:
        progress(total, total, "evaluating on the test split")
    metrics = evaluate(clf, test)
    if cfg.task == "sentiment":
        metrics.pop("topics")
    if cfg.task == "topics":
        metrics.pop("sentiment")
    elif cfg.heldback_n:
        metrics["heldback_binary"] = evaluate_heldback(clf, labelled, cfg.heldback_n)
    baselines = None
    if cfg.baselines:
        from models import baselines as bl

        baselines = bl.run_all(recs, weak, heldback_n=cfg.heldback_n, topics=topics)

    version = registry.new_version()
    clf.config.version = version
    card = {"version": version, "task": cfg.task, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "device": clf.choice.name, "train_seconds": round(time.time() - t0, 1),
            "data": {"hand_train": len(train_recs), "hand_validation": len(val), "hand_test": len(test),
                     "weak_sentiment": len(weak), "heldback_for_binary_eval": cfg.heldback_n,
                     "train_sentiment_counts": dict(Counter(r["sentiment"] for r in data)),
                     "labels": "models/data/review_labels/labels.jsonl (hand-read, see GUIDELINES.md)"},
            "metrics": metrics, "baselines": baselines, "history": history,
            "hyperparameters": asdict(cfg), "notes": notes}
    root = registry.models_root() / cfg.task
    tmp = root / f".{version}.partial"
    final = root / version
    clf.save_pretrained(tmp, card)  # a run killed here leaves only a .partial folder, never a half-active model
    tmp.rename(final)
    decided = []
    for task in (("sentiment", "topics") if cfg.task == "all" else (cfg.task,)):
        ok, why = registry.should_activate(task, card)
        if activate == "always" or (activate == "auto" and ok):
            registry.activate(task, final, card)
            decided.append(task)
        notes.append(f"{task}: {'activated' if task in decided else 'not activated'} ({why})")
    card["activated_for"] = decided
    clf.write_card(final, card)  # the card records the activation outcome
    return {"task": cfg.task, "version": version, "path": str(final), "activated_for": decided,
            "sentiment_macro_f1": metrics.get("sentiment", {}).get("macro_f1"),
            "topic_macro_f1": metrics.get("topics", {}).get("macro_f1"),
            "heldback_balanced_accuracy": metrics.get("heldback_binary", {}).get("balanced_accuracy"),
            "epochs_run": len(history), "epoch_seconds": [h["epoch_seconds"] for h in history],
            "train_seconds": card["train_seconds"], "device": clf.choice.name}
