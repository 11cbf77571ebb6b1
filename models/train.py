"""train(): fine-tune the review classifier on hand-read labels plus rating-derived weak labels, evaluate, version."""
from __future__ import annotations

import copy
import json
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
from models import device as devices
from models import registry
from models.classifier import ClassifierConfig, ReviewClassifier
from models.data import (
    DEFAULT_TOPICS,
    SENTIMENTS,
    heldback,
    load_labels,
    teacher_sentiment,
    weak_sentiment,
    with_titles,
)
from models.metrics import binary_balanced_accuracy, sentiment_report, topic_report, tune_thresholds

Progress = Callable[[int, int, str], None]


FAST_WEAK = {"negative": 100_000, "neutral": 0, "positive": 100_000}  # every 1-2 and 4-5 star review; 3-star dropped
# What a CPU fine-tune can afford per epoch (with titles, ~5,600 weak rows: 5.4 min an epoch on 2 cores). No 3-star
# neutrals: a rating of 3 is no reading of the text, and the neutral class comes from the hand-read labels alone.
# Measured on 2026-12-06 (bench/finetune_cpu.py): beats the fast starter on every figure, in domain and out.
FINETUNE_WEAK = {"negative": 1500, "neutral": 0, "positive": 1500}


@dataclass
class TrainConfig:
    task: str = "all"  # sentiment | topics | all (one model, both heads)
    mode: str = "auto"  # fast: frozen backbone + logistic-regression heads | finetune | auto: finetune on cuda, else fast
    cues: bool = True  # cue-word flags (models/lexicon.py) beside the embedding
    pooling: str = "layers"  # see ReviewNet: mean of the kept layers (layers) or of the last one (last)
    # bottom backbone layers kept (0: all six). Four: 5-fold out-of-fold scores on the hand-read train split equal to
    # six (sentiment macro-F1 0.685 vs 0.684, topics 0.753 vs 0.762) at two thirds of the scoring cost
    encoder_layers: int = 4
    # inverse regularisation of the fast heads on standardised features: each list is a grid, the value with the best
    # out-of-fold score on the hand-read train split wins (a shop's data picks its own; a single number fixes it).
    # Sentiment: with review titles as weak rows (30,000 rows), 0.01 and 0.02 scored within 0.001 on validation and
    # 0.05 was picked in none of 5 runs; two values instead of three cut the Fast fit from 110 s to 77 s on 2 CPU threads
    fast_c_sentiment: float | list[float] = field(default_factory=lambda: [0.003, 0.01])
    # Topics: 0.01 won in every full-label Fast run on record (28 runs and 5 starters against 0.03), and each grid
    # value costs 5 folds of 8 heads (26 s on 2 threads), so the default tries 0.01 alone; a shop may give a grid
    fast_c_topics: float | list[float] = field(default_factory=lambda: [0.01])
    fast_max_length: int = 256  # the fast model embeds whole reviews (11% of them pass 128 tokens)
    warm_start: bool = True  # fine-tune: start the heads from the fast model's logistic regression (LP-FT)
    max_minutes: float = 25.0  # fine-tune: stop (keeping the best checkpoint) once training has run this long
    eval_every: int = 0  # fine-tune: validate every N steps as well as after each epoch (0: per epoch only)
    # fine-tune: a 6-epoch schedule peaked on validation at epoch 3 and gained nothing on test or on other shops'
    # reviews (bench/results/classify.txt, 2026-12-07), so 3 it stays
    epochs: int = 3
    batch_size: int = 16
    lr: float = 6e-5  # encoder
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_length: int = 128
    freeze_layers: int = 0  # bottom encoder layers (and embeddings) kept frozen; 0 = full fine-tune
    weak_per_class: dict[str, int] | None = None  # None: FAST_WEAK in fast mode, FINETUNE_WEAK when fine-tuning
    weak_weight: float = 0.5  # fast mode uses 0.3
    # where the weak sentiment labels come from: star ratings (1-2 / 4-5), or the distillation teacher's reading of
    # the text (models/distill.py; every class, 3-star reviews too, each row weighted by the teacher's confidence)
    weak_source: str = "ratings"
    # each weak review's title alone as a second, short weak row with the same label (models.data.with_titles): the
    # demo reviews are paragraphs, and without titles the model called most one-line reviews of other shops neutral
    weak_titles: bool = True
    # fast mode: fit the heads on the starter's fine-tuned encoder (models/tuned_encoder.py) when one ships, frozen as
    # the backbone would be; False fits them on the plain backbone. The fine-tune always starts from the backbone.
    tuned_encoder: bool = True
    val_fraction: float = 0.15
    patience: int = 1
    seed: int = 13
    device: str = "auto"
    heldback_n: int = 2000
    min_per_class: int = 5
    min_per_topic: int = 5
    topics: list[str] = field(default_factory=lambda: list(DEFAULT_TOPICS))
    baselines: bool = False
    label_limit: int = 0  # > 0: a seeded subset of about this many hand-read train labels (and a third as many test)


def config_defaults(**kw) -> TrainConfig:
    """TrainConfig with the shop's overrides from $SHOPLENS_HOME/train.json (e.g. a smaller preset on a slow
    machine), then kw; unknown keys in the file are ignored."""
    from analysis.config import home

    f = home() / "train.json"
    over = {}
    if f.exists():
        try:
            over = {k: v for k, v in json.loads(f.read_text()).items() if k in TrainConfig.__dataclass_fields__}
        except ValueError as exc:
            raise ShoplensError(f"{f} is not valid JSON ({exc})", fix="fix or delete the file") from exc
    return TrainConfig(**{**over, **kw})


def fast_encoder_delta(cfg: TrainConfig) -> str:
    """The tuned encoder a Fast run of cfg fits its heads on ("" = the plain backbone): the shipped one, unless the
    run asks for the plain backbone or keeps another number of layers than the tuned encoder has."""
    from models import backbone, tuned_encoder

    want = tuned_encoder.shipped_id() if cfg.tuned_encoder else ""
    if want and tuned_encoder.layer_count() != (cfg.encoder_layers or backbone.LAYERS):
        return ""
    return want


def _subset(recs: list[dict], limit: int, seed: int) -> list[dict]:
    """About `limit` hand-read train labels and limit/3 test labels, every sentiment kept; corrections always kept."""
    rnd = random.Random(seed)
    out = [r for r in recs if r.get("correction")]
    for split, n in (("train", limit), ("test", max(3, limit // 3))):
        part = [r for r in recs if r.get("split", "train") == split and not r.get("correction")]
        for cls in SENTIMENTS:
            group = sorted((r for r in part if r["sentiment"] == cls), key=lambda r: r["id"])
            rnd.shuffle(group)
            out += group[:max(4, round(n * len(group) / max(1, len(part))))]
    return out


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


def _clean(recs: list[dict]) -> list[str]:
    from models.text import clean

    return [clean(r["text"])[0] for r in recs]


def evaluate(clf: ReviewClassifier, recs: list[dict], tune: bool = False) -> dict:
    """Sentiment and topic reports on hand-read records; tune=True sets topic thresholds from them first."""
    texts = _clean(recs)
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
    sent, _ = clf.predict_proba(_clean(hb.to_dict("records")))
    return binary_balanced_accuracy(hb["rating"].to_numpy(), [clf.config.sentiments[k] for k in sent.argmax(1)])


CORRECTION_WEIGHT = 5.0  # a marketer's correction counts as this many hand-read labels in the fast heads' fit
CORRECTION_ROUNDS = 3  # refits that quadruple the weight of corrections the heads still get wrong (5 → 20 → 80 → 320)


def _fit_fast(clf: ReviewClassifier, hand: list[dict], weak: list[dict], cfg: TrainConfig, weak_weight: float,
              progress: Progress | None) -> list[dict]:
    """Frozen backbone: embed (cached), fit logistic-regression heads on [embedding, cue flags], topic thresholds
    from 5-fold out-of-fold predictions over the hand-read train split, and a neutral-logit offset chosen on
    validation (out-of-fold hand-read macro-F1 and the balanced accuracy on a held-out tenth of the weak labels).

    Corrections (records with correction=True) weigh CORRECTION_WEIGHT hand-read labels; when the chosen sentiment
    head still gets one wrong, its weight is quadrupled and the head refitted (at most CORRECTION_ROUNDS times), so
    a marketer's fix of a clear error is learnt rather than outvoted by thousands of weak labels.
    Reports every phase through progress(done, total, message): embedding, each C of each head with its folds."""
    from models.heads import fit_sentiment, fit_topics, oof_topic_thresholds

    te = time.time()
    # weak validation rows (never trained on): a tenth of the reviews by id, so a review and its title stay together
    held = (lambda r: int(r["id"]) % 10 == 0) if len(weak) >= 50 else (lambda r: False)
    weak_val = [r for r in weak if held(r)]
    weak = [r for r in weak if not held(r)]
    texts = _clean(hand) + _clean(weak) + _clean(weak_val)
    step = (lambda d, t: progress(d, t, f"embedding reviews: {d:,} of {t:,} not cached yet")) if progress else None
    if progress:
        progress(0, 1, f"embedding reviews: {len(texts):,} texts, cached ones read from disk")
    x_all = np.hstack([clf.embed(texts, progress=step), clf.cues(texts)])  # (N, H + F)
    embedded = dict(clf.last_embed)
    t_fit = time.time()
    nh, nt = len(hand), len(hand) + len(weak)
    mu, sd = x_all[:nt].mean(0), x_all[:nt].std(0)
    sd[sd < 1e-6] = 1.0
    x_all = (x_all - mu) / sd  # standardised for the fit (one C suits every feature); folded back into the heads
    x, x_wv = x_all[:nt], x_all[nt:]
    s_true, y_true, t_mask = _targets(hand + weak, clf.config.topics)
    corr = np.array([bool(r.get("correction")) for r in hand + weak])
    w = np.array([weak_weight * r.get("confidence", 1.0) if r.get("weak") else CORRECTION_WEIGHT
                  if r.get("correction") else 1.0 for r in hand + weak], np.float32)
    c_sent = _grid(cfg.fast_c_sentiment) if cfg.task != "topics" else []
    c_top = _grid(cfg.fast_c_topics) if cfg.task != "sentiment" and clf.config.topics else []
    folds = 5
    steps, done = (len(c_sent) + len(c_top)) * (folds + 1), 0

    def tick(msg: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, steps, msg)

    if progress:
        progress(0, steps, "fitting the heads")
    hist = {"epoch": 1, "step": 0, "mode": "fast", "weak_weight": weak_weight, "weak_validation": len(weak_val),
            "embedded_texts": embedded.get("texts", len(texts)), "embedded_new": embedded.get("new", 0),
            "embed_seconds": round(t_fit - te, 1)}
    net = clf.net
    with torch.no_grad():
        if c_sent:
            best = None
            for i, c in enumerate(c_sent, 1):
                label = f"sentiment head, C={c} ({i} of {len(c_sent)})"
                coef, bias = fit_sentiment(x, s_true, w, len(clf.config.sentiments), c)
                tick(f"{label}: fitted on every row")
                oof = _oof_sentiment(x, s_true, w, nh, clf, cfg, c, folds,
                                     on_fold=lambda k, lab=label: tick(f"{lab}: validation fold {k} of {folds}"))
                h = {"c_sentiment": c}
                offset = _neutral_offset(clf, s_true[:nh], oof, x_wv @ coef.T + bias if len(x_wv) else None,
                                         [r["rating"] for r in weak_val], h)
                if best is None or h["val_score"] > best[0]["val_score"]:
                    best = (h, coef, bias, offset)
            h, coef, bias, offset = best
            hist.update(h)
            k_neutral = list(clf.config.sentiments).index("neutral")
            adj = np.zeros(len(clf.config.sentiments), np.float32)
            adj[k_neutral] = offset
            rounds = 0
            while corr.any() and rounds < CORRECTION_ROUNDS:
                wrong = corr & ((x @ coef.T + bias + adj).argmax(1) != s_true)
                if not wrong.any():
                    break
                rounds += 1
                w[wrong] *= 4.0
                if progress:
                    progress(done, steps, f"sentiment head: refit with {int(wrong.sum())} correction(s) it still "
                                          f"gets wrong weighted {float(w[wrong].max()):g}x")
                coef, bias = fit_sentiment(x, s_true, w, len(clf.config.sentiments), h["c_sentiment"])
            if corr.any():
                hist["correction_refits"] = rounds
                hist["correction_weight_max"] = float(w[corr].max())
            bias = bias + adj
            coef, bias = _unstandardise(coef, bias, mu, sd)
            net.sentiment_head.weight.copy_(torch.from_numpy(coef))
            net.sentiment_head.bias.copy_(torch.from_numpy(bias))
        if c_top:
            best = None
            for i, c in enumerate(c_top, 1):
                thr, oof = oof_topic_thresholds(x[:nh], y_true[:nh], c=c, seed=cfg.seed)
                for k in range(folds):
                    tick(f"topic heads, C={c} ({i} of {len(c_top)}): validation fold {k + 1} of {folds}")
                f1 = topic_report(y_true[:nh], (oof >= thr).astype(int), clf.config.topics)["macro_f1"]
                tick(f"topic heads, C={c} ({i} of {len(c_top)}): scored")
                if best is None or f1 > best[0]:
                    best = (f1, c, thr)
            f1, c, thr = best
            w_top = np.where(corr[:nh], CORRECTION_WEIGHT, 1.0).astype(np.float32)
            mask = np.repeat(t_mask[:nh, None] > 0, len(clf.config.topics), 1)  # sentiment-only corrections: no topics
            coef, bias = fit_topics(x[:nh], y_true[:nh], w_top, c, mask)
            coef, bias = _unstandardise(coef, bias, mu, sd)
            net.topic_head.weight.copy_(torch.from_numpy(coef))
            net.topic_head.bias.copy_(torch.from_numpy(bias))
            clf.config.topic_thresholds = {t: float(v) for t, v in zip(clf.config.topics, thr, strict=True)}
            hist.update({"c_topics": c, "val_topic_macro_f1": f1})
    hist["fit_seconds"] = round(time.time() - t_fit, 1)
    hist["epoch_seconds"] = round(time.time() - te, 1)
    return [hist]


def _grid(c: float | list[float]) -> list[float]:
    return [float(v) for v in c] if isinstance(c, (list, tuple)) else [float(c)]


def _unstandardise(coef: np.ndarray, bias: np.ndarray, mu: np.ndarray, sd: np.ndarray):
    """Heads fitted on (x - mu) / sd → the same heads on raw x: W / sd and b - (W / sd) · mu."""
    w = (coef / sd).astype(np.float32)
    return w, (bias - w @ mu).astype(np.float32)


def _neutral_offset(clf: ReviewClassifier, s_hand: np.ndarray, oof: np.ndarray | None, weak_logits, weak_ratings,
                    hist: dict) -> float:
    """Offset added to the neutral logit, from a small grid, maximising the mean of out-of-fold hand-read macro-F1
    and weak-validation balanced accuracy (1-2 vs 4-5 stars, neutral counts wrong); 0 without validation data."""
    if oof is None:  # too few hand-read examples of a class to validate on
        hist.update({"neutral_offset": 0.0, "val_score": 0.0})
        return 0.0
    names = list(clf.config.sentiments)
    k = names.index("neutral")
    best, best_score = 0.0, -1.0
    for d in (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0):
        adj = np.zeros(len(names), np.float32)
        adj[k] = d
        f1 = sentiment_report([names[i] for i in s_hand], [names[i] for i in (oof + adj).argmax(1)], names)["macro_f1"]
        ba = None
        if weak_logits is not None:
            ba = binary_balanced_accuracy(np.asarray(weak_ratings), [names[i] for i in (weak_logits + adj).argmax(1)])[
                "balanced_accuracy"]
        score = f1 if ba is None else (f1 + ba) / 2
        if score > best_score + 1e-9:
            best, best_score = d, score
            hist.update({"val_sentiment_macro_f1": f1, "val_weak_balanced_accuracy": ba, "neutral_offset": d,
                         "val_score": score})
    return best


def _oof_sentiment(x, s_true, w, nh: int, clf: ReviewClassifier, cfg: TrainConfig, c: float, folds: int = 5,
                   on_fold=None):
    """Out-of-fold sentiment logits (nh, S) over the hand-read train rows (weak rows in every training fold);
    None when a class has fewer than `folds` hand-read examples."""
    from sklearn.model_selection import StratifiedKFold

    from models.heads import fit_sentiment

    if min(np.bincount(s_true[:nh], minlength=3)) < folds:
        return None
    logits = np.zeros((nh, len(clf.config.sentiments)), np.float32)
    rest = np.arange(nh, len(x))
    for k, (a, b) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=cfg.seed).split(x[:nh], s_true[:nh])):
        rows = np.concatenate([a, rest])
        coef, bias = fit_sentiment(x[rows], s_true[rows], w[rows], len(clf.config.sentiments), c)
        logits[b] = x[b] @ coef.T + bias
        if on_fold:
            on_fold(k + 1)
    return logits


def _finetune(clf: ReviewClassifier, data: list[dict], val: list[dict], topics: list[str], cfg: TrainConfig,
              weak_weight: float, rnd: random.Random, progress: Progress | None):
    """Full fine-tune of encoder + heads; early stopping on the validation split; the best epoch is kept."""
    dev, net = clf.choice.device, clf.net
    for name, p in net.encoder.named_parameters():
        frozen = name.startswith("embeddings") and cfg.freeze_layers > 0
        frozen |= any(name.startswith(f"encoder.layer.{k}.") for k in range(cfg.freeze_layers))
        p.requires_grad = not frozen
    texts = _clean(data)
    ids = clf.tokenizer(texts, truncation=True, max_length=cfg.max_length)["input_ids"]
    s_true, y_true, t_mask = _targets(data, clf.config.topics)
    cues = clf.cues(texts)  # (N, F)
    w = np.array([weak_weight if r.get("weak") else 1.0 for r in data], np.float32)
    freq = np.bincount(s_true, minlength=3).astype(np.float32) + 1.0
    class_w = torch.tensor((freq.sum() / freq) ** 0.5 / ((freq.sum() / freq) ** 0.5).mean(), device=dev)
    ce = nn.CrossEntropyLoss(weight=class_w, reduction="none")
    bce = nn.BCEWithLogitsLoss(reduction="none")
    enc_params = [p for p in net.encoder.parameters() if p.requires_grad]
    head_params = list(net.sentiment_head.parameters()) + list(net.topic_head.parameters())
    head_lr = cfg.lr if cfg.warm_start else cfg.head_lr  # warm-started heads move no faster than the encoder
    opt = torch.optim.AdamW([{"params": enc_params, "lr": cfg.lr}, {"params": head_params, "lr": head_lr}],
                            weight_decay=cfg.weight_decay)
    steps_per_epoch = (len(data) + cfg.batch_size - 1) // cfg.batch_size
    total = steps_per_epoch * cfg.epochs
    warm = max(1, int(total * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm))))

    history, best, best_score, bad_evals, step = [], None, -1.0, 0, 0
    t_start = time.time()
    stop = False

    def validate(epoch: int, seconds: float, losses: list[float]) -> bool:
        """Record validation figures, keep the best weights; True when patience has run out."""
        nonlocal best, best_score, bad_evals
        net.eval()
        v = evaluate(clf, val, tune=True) if val else {}
        net.train()
        score = {"sentiment": v.get("sentiment", {}).get("macro_f1", 0.0),
                 "topics": v.get("topics", {}).get("macro_f1", 0.0)}
        score = score[cfg.task] if cfg.task in score else (score["sentiment"] + score["topics"]) / 2
        history.append({"epoch": epoch + 1, "step": step, "train_loss": float(np.mean(losses)) if losses else None,
                        "epoch_seconds": round(seconds, 1),
                        "val_sentiment_macro_f1": v.get("sentiment", {}).get("macro_f1"),
                        "val_topic_macro_f1": v.get("topics", {}).get("macro_f1"), "val_score": score})
        if score > best_score:
            best_score, bad_evals = score, 0
            best = ({k: t.detach().cpu().clone() for k, t in net.state_dict().items()},
                    copy.deepcopy(clf.config.topic_thresholds))
            return False
        bad_evals += 1
        return bad_evals > cfg.patience

    if cfg.warm_start and val:
        validate(-1, 0.0, [])  # the warm-started heads are a candidate too
    for epoch in range(cfg.epochs):
        net.train()
        te = time.time()
        losses = []
        for batch in _train_batches([len(x) for x in ids], cfg.batch_size, rnd):
            enc = clf.tokenizer.pad({"input_ids": [ids[i] for i in batch]}, return_tensors="pt")
            with torch.autocast(dev.type, dtype=clf.choice.dtype, enabled=dev.type == "cuda"):
                s_log, t_log = net(enc["input_ids"].to(dev), enc["attention_mask"].to(dev),
                                   torch.tensor(cues[batch], device=dev))  # (B,3), (B,K)
            loss = torch.zeros((), device=dev)
            if cfg.task != "topics":
                sw = torch.tensor(w[batch], device=dev)
                loss = loss + (ce(s_log.float(), torch.tensor(s_true[batch], device=dev)) * sw).sum() / sw.sum()
            tm = torch.tensor(t_mask[batch], device=dev)
            if cfg.task != "sentiment" and clf.config.topics and tm.sum() > 0:
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
            out_of_time = time.time() - t_start > cfg.max_minutes * 60
            if out_of_time or (cfg.eval_every and step % cfg.eval_every == 0):
                stop = validate(epoch, time.time() - te, losses) or out_of_time
                if stop:
                    break
        if stop:
            break
        stop = validate(epoch, time.time() - te, losses) if not history or history[-1]["step"] != step else stop
        if stop:
            break
    if best is not None:
        net.load_state_dict(best[0])
        clf.config.topic_thresholds = best[1]
    net.eval()

    return history, total


@dataclass
class Plan:
    """What a training run will use, decided before any model is loaded (train() and the time estimate share it)."""
    mode: str
    recs: list[dict]
    train_recs: list[dict]
    val: list[dict]
    test: list[dict]
    weak: list[dict]
    labelled: set[int]
    topics: list[str]
    weak_weight: float
    notes: list[str]


def plan(cfg: TrainConfig, labels: list[dict] | None = None) -> Plan:
    """Check the labels and pick the mode, splits, topics and weak labels of a run (a ShoplensError when the labels
    cannot train the task)."""
    if cfg.weak_source not in ("ratings", "teacher"):
        raise ShoplensError(f"Unknown weak_source '{cfg.weak_source}'", fix="use ratings or teacher")
    recs = labels if labels is not None else load_labels()
    if cfg.label_limit > 0:
        recs = _subset(recs, cfg.label_limit, cfg.seed)
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

    mode = cfg.mode if cfg.mode != "auto" else ("finetune" if devices.choose(cfg.device).device.type == "cuda"
                                                 else "fast")
    if mode not in ("fast", "finetune"):
        raise ShoplensError(f"Unknown training mode '{cfg.mode}'", fix="use fast, finetune or auto")
    weak_per_class = cfg.weak_per_class if cfg.weak_per_class is not None else (
        FAST_WEAK if mode == "fast" else FINETUNE_WEAK)
    weak_weight = cfg.weak_weight if mode == "finetune" or cfg.weak_weight != 0.5 else 0.3
    if mode == "fast":
        train_recs, val = hand_train, []  # validation: 5-fold out-of-fold predictions over the hand-read train split
    else:
        train_recs, val = _split_validation(hand_train, cfg.val_fraction, cfg.seed)
    labelled = {int(r["id"]) for r in recs}
    weak = []
    if cfg.task != "topics" and sum(weak_per_class.values()) > 0:
        hb_ids = set(heldback(labelled, cfg.heldback_n)["id"]) if cfg.heldback_n else set()
        if cfg.weak_source == "teacher":
            weak = teacher_sentiment(labelled | hb_ids, {**weak_per_class, "neutral": weak_per_class.get(
                "neutral") or max(weak_per_class.values())}, seed=cfg.seed)
            if not weak:
                raise ShoplensError("weak_source='teacher' but no teacher labels ship with this install",
                                    fix="run python -m models.distill TEACHER_FOLDER, or use weak_source='ratings'")
        else:
            weak = weak_sentiment(labelled | hb_ids, weak_per_class, seed=cfg.seed)
        if cfg.weak_titles:
            weak = with_titles(weak)

    return Plan(mode, recs, train_recs, val, test, weak, labelled, topics, weak_weight, notes)


def _weak_source_note(cfg: TrainConfig, weak: list[dict]) -> dict | str | None:
    """Where the weak sentiment rows came from, for the card: rating rules, or the teacher with its own card."""
    if not weak:
        return None
    n_titles = sum(bool(r.get("title_only")) for r in weak)
    titles = (f"; {n_titles:,} of the rows are a review's title alone, with its review's label" if n_titles else "")
    if cfg.weak_source == "ratings":
        return "star ratings of unlabelled demo reviews: 1-2 negative, 4-5 positive, 3 not used" + titles
    from models.distill import TEACHER_CARD

    return {"teacher_labels": "models/data/teacher_sentiment.csv.gz (argmax, weighted by confidence)" + titles,
            "teacher_card": json.loads(TEACHER_CARD.read_text()) if TEACHER_CARD.exists() else None}


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
    p = plan(cfg, labels)
    mode, recs, train_recs, val, test, weak = p.mode, p.recs, p.train_recs, p.val, p.test, p.weak
    labelled, topics, weak_weight, notes = p.labelled, p.topics, p.weak_weight, p.notes
    data = train_recs + weak

    from models.lexicon import default_lexicon

    ccfg = ClassifierConfig(topics=topics, task=cfg.task, frozen_encoder=mode == "fast", pooling=cfg.pooling,
                            encoder_layers=cfg.encoder_layers,
                            encoder_delta=fast_encoder_delta(cfg) if mode == "fast" else "",
                            max_length=cfg.fast_max_length if mode == "fast" else cfg.max_length,
                            lexicon=default_lexicon(topics) if cfg.cues else {})
    if ccfg.encoder_delta:
        notes.append(f"heads fitted on the starter's fine-tuned encoder {ccfg.encoder_delta} (models/tuned_encoder.py; "
                     "its fine-tune is described in the starter's card), frozen")
    clf = ReviewClassifier.from_backbone(ccfg, device=cfg.device)
    t_fit = time.time()
    if mode == "fast":
        history = _fit_fast(clf, train_recs, weak, cfg, weak_weight, progress)
        total = 1
    else:
        if cfg.warm_start:  # linear probe first (LP-FT): heads start where the fast model ends, on cached embeddings
            clf.config.max_length, clf.config.frozen_encoder = cfg.fast_max_length, True
            _fit_fast(clf, train_recs, weak, cfg, 0.3, progress)
            clf.config.max_length, clf.config.frozen_encoder = cfg.max_length, False
        history, total = _finetune(clf, data, val, topics, cfg, weak_weight, rnd, progress)

    t_eval = time.time()
    if progress:
        progress(0, 2 if cfg.heldback_n and cfg.task != "topics" else 1,
                 f"evaluating on the {len(test):,} hand-read test reviews")
    metrics = evaluate(clf, test)
    if cfg.task == "sentiment":
        metrics.pop("topics")
    if cfg.task == "topics":
        metrics.pop("sentiment")
    elif cfg.heldback_n:
        if progress:
            progress(1, 2, f"evaluating on {cfg.heldback_n:,} held-back rated reviews")
        metrics["heldback_binary"] = evaluate_heldback(clf, labelled, cfg.heldback_n)
    corrections = correction_outcome(clf, [r for r in train_recs if r.get("correction")])
    if corrections["sentiment"]["fixed"] and cfg.task != "topics":
        corrections["paired"] = paired_with_active(clf, test)
    phases = {"fit_seconds": round(t_eval - t_fit, 1), "evaluate_seconds": round(time.time() - t_eval, 1)}
    if mode == "fast":
        phases.update({k: history[0][k] for k in ("embed_seconds", "embedded_texts", "embedded_new")})
        phases["fit_seconds"] = history[0]["fit_seconds"]
    baselines = None
    if cfg.baselines:
        from models import baselines as bl

        baselines = bl.run_all(recs, weak, heldback_n=cfg.heldback_n, topics=topics)

    version = registry.new_version()
    root = registry.models_root() / cfg.task
    while (root / version).exists():  # a fast run can finish within the same second as the previous one
        version = version.rsplit(".", 1)[0] + f".{int(version.rsplit('.', 1)[1]) + 1 if '.' in version else 2}"
    clf.config.version = version
    card = {"version": version, "task": cfg.task, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "device": clf.choice.name, "train_seconds": round(time.time() - t0, 1), "mode": mode,
            "data": {"hand_train": len(train_recs), "hand_validation": len(val), "hand_test": len(test),
                     "weak_sentiment": len(weak), "heldback_for_binary_eval": cfg.heldback_n,
                     "train_sentiment_counts": dict(Counter(r["sentiment"] for r in data)),
                     "labels": "models/data/review_labels/labels.jsonl (hand-read, see GUIDELINES.md)",
                     "weak_labels_from": _weak_source_note(cfg, weak)},
            "hardware": devices.hardware(clf.choice),
            "metrics": metrics, "baselines": baselines, "history": history, "corrections": corrections,
            "phases": phases, "hyperparameters": asdict(cfg), "notes": notes}
    if progress:
        progress(0, 1, "comparing with the active model and saving")
    final = clf.save_version(root, version, card)
    decided, reasons = [], {}
    for task in (("sentiment", "topics") if cfg.task == "all" else (cfg.task,)):
        ok, why = registry.should_activate(task, card)
        if activate == "always" or (activate == "auto" and ok):
            registry.activate(task, final, card)
            decided.append(task)
        reasons[task] = why
        notes.append(f"{task}: {'activated' if task in decided else 'not activated'} ({why})")
    card["activated_for"] = decided
    card["activation"] = reasons
    clf.write_card(final, card)  # the card records the activation outcome
    return {"task": cfg.task, "version": version, "path": str(final), "activated_for": decided,
            "sentiment_macro_f1": metrics.get("sentiment", {}).get("macro_f1"),
            "topic_macro_f1": metrics.get("topics", {}).get("macro_f1"),
            "heldback_balanced_accuracy": metrics.get("heldback_binary", {}).get("balanced_accuracy"),
            "epochs_run": len(history), "epoch_seconds": [h["epoch_seconds"] for h in history],
            "train_seconds": card["train_seconds"], "device": clf.choice.name, "mode": mode,
            "activation": reasons, "corrections": corrections, "phases": phases}


def correction_outcome(clf: ReviewClassifier, corrected: list[dict]) -> dict:
    """How many of the marketer's corrections the trained model now gets right, per field:
    {"sentiment": {"total", "fixed", "wrong": [ids]}, "topics": {...}} (topics: the predicted set equals the
    corrected one). The activation gate gives a model that fixes corrections a small tolerance."""
    out = {"sentiment": {"total": 0, "fixed": 0, "wrong": []}, "topics": {"total": 0, "fixed": 0, "wrong": []}}
    if not corrected:
        return out
    sent, top = clf.predict_proba(_clean(corrected))
    thr = clf.thresholds()
    for r, p, t in zip(corrected, sent, top, strict=True):
        _count(out["sentiment"], r["id"], clf.config.sentiments[int(p.argmax())] == r["sentiment"])
        if r.get("topics") is not None:
            want = set(r["topics"]) & set(clf.config.topics)
            got = {name for name, v, th in zip(clf.config.topics, t, thr, strict=True) if v >= th}
            _count(out["topics"], r["id"], got == want)
    return out


def paired_with_active(clf: ReviewClassifier, test: list[dict]) -> dict | None:
    """The candidate against the active sentiment model on the same hand-read test reviews: how many each gets right
    that the other gets wrong ({"n", "newly_wrong", "newly_right", "active"}); None without an active model.

    Why: the gate compares macro-F1 figures, and on a small test split one review flips them by several points; a
    paired count says in reviews what a candidate that learnt a correction costs."""
    act = registry.active("sentiment")
    if act is None:
        return None
    try:
        old = ReviewClassifier.from_pretrained(act["path"], device=clf.choice.device.type)
    except ShoplensError:
        return None
    texts = _clean(test)
    truth = np.array([r["sentiment"] for r in test])
    new_ok = np.array(clf.config.sentiments)[clf.predict_proba(texts)[0].argmax(1)] == truth
    old_ok = np.array(old.config.sentiments)[old.predict_proba(texts)[0].argmax(1)] == truth
    return {"n": len(test), "newly_wrong": int((old_ok & ~new_ok).sum()), "newly_right": int((new_ok & ~old_ok).sum()),
            "active": act["version"]}


def _count(tally: dict, rid, fixed: bool) -> None:
    tally["total"] += 1
    if fixed:
        tally["fixed"] += 1
    else:
        tally["wrong"].append(rid)
