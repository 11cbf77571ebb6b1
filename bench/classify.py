"""Classifier benchmark: scoring throughput (texts/s on the clothing reviews) of Shoplens' scorer (length bucketing,
dynamic padding, optional int8, embedding cache for the fast model) against a plain transformers
pipeline("text-classification") in the same run, fine-tune time per epoch, and the quality table (models vs the
TF-IDF and zero-shot baselines on the hand-read test split and held-back rating-derived labels). Same script on CPU
(2 threads) and GPU (device auto). Prints JSON and the table, writes bench/out/classify_<device>.json.

    python bench/classify.py [--model FOLDER ...] [--n 2000] [--baseline-n 200] [--device auto|cpu|cuda] [--no-quality]
    python bench/classify.py --generalisation [--model FOLDER ...]   # only the in-domain vs out-of-domain table

The generalisation table (issue 19) puts every model beside TF-IDF + LR (fitted on the hand-read train split) and
the shipped starter, on the in-domain test split and the out-of-domain sets (models/data/ood_reviews: phones,
restaurants, grocery; never trained on): 3-class sentiment macro-F1, balanced binary accuracy (neutral gold excluded), topic macro-F1, per-class F1.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def throughput(fn, texts) -> float:
    fn(texts[:32])  # warm-up (kernel selection, allocator)
    t = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - t)


def compute_ceiling(clf, texts: list[str], dev, batch_tokens: int = 64 * 80) -> dict:
    """What the hardware allows at all: the encoder's FLOPs per review (its own layer count and widths, the reviews'
    real token counts) against the dense-matmul throughput measured here on the FFN's shape. No scorer of this
    encoder can beat `ceiling_texts_per_s` on this machine; `efficiency` is how close the scorer above gets."""
    import numpy as np
    import torch

    cfg = clf.net.encoder.config
    h, inter, layers = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    t = np.array([len(x) for x in clf.tokenizer(texts, truncation=True, max_length=clf.config.max_length)["input_ids"]])
    flops = float(np.mean(layers * (2 * t * (4 * h * h + 2 * h * inter) + 4 * t * t * h)))
    x = torch.randn(batch_tokens, h, device=dev.device, dtype=dev.dtype)
    w = torch.randn(inter, h, device=dev.device, dtype=dev.dtype)
    for _ in range(3):
        x @ w.T
    sync = torch.cuda.synchronize if dev.device.type == "cuda" else (lambda: None)
    sync()
    n, start = 200 if dev.device.type == "cuda" else 20, time.perf_counter()
    for _ in range(n):
        x @ w.T
    sync()
    gflops = n * 2 * batch_tokens * h * inter / (time.perf_counter() - start) / 1e9
    return {"encoder_layers": layers, "mean_tokens_per_review": float(t.mean()), "gflop_per_review": flops / 1e9,
            "matmul_gflops": gflops, "ceiling_texts_per_s": gflops * 1e9 / flops}


def finetune_timing(a, dev, gpu: bool) -> dict:
    """Timed steps of the full fine-tune (both heads, cue features) on labelled texts, scaled to one epoch."""
    import random

    import torch

    from models.classifier import ClassifierConfig, ReviewClassifier
    from models.data import clothing_reviews, load_labels
    from models.lexicon import default_lexicon
    from models.train import FINETUNE_WEAK, TrainConfig, _targets, _train_batches

    cfg = TrainConfig()
    recs = [r for r in load_labels() if r["split"] == "train"]
    n_train = a.train_samples * (10 if gpu else 1)
    recs = (recs * (1 + n_train // max(1, len(recs))))[:n_train]
    ccfg = ClassifierConfig(lexicon=default_lexicon(list(ClassifierConfig().topics)), pooling=cfg.pooling,
                            encoder_layers=cfg.encoder_layers)
    net = ReviewClassifier.from_backbone(ccfg, a.device)
    texts = [r["text"] for r in recs]
    ids = net.tokenizer(texts, truncation=True, max_length=cfg.max_length)["input_ids"]
    cues = net.cues(texts)
    s, y, _ = _targets(recs, net.config.topics)
    opt = torch.optim.AdamW(net.net.parameters(), lr=cfg.lr)
    net.net.train()
    t, done = time.perf_counter(), 0
    for i, batch in enumerate(_train_batches([len(x) for x in ids], cfg.batch_size, random.Random(0))):
        if i == 1:
            t, done = time.perf_counter(), 0  # first step is warm-up
        enc = net.tokenizer.pad({"input_ids": [ids[j] for j in batch]}, return_tensors="pt")
        with torch.autocast(dev.device.type, dtype=dev.dtype, enabled=gpu):
            sl, tl = net.net(enc["input_ids"].to(dev.device), enc["attention_mask"].to(dev.device),
                             torch.tensor(cues[batch], device=dev.device))
            loss = torch.nn.functional.cross_entropy(sl.float(), torch.tensor(s[batch], device=dev.device)) + \
                torch.nn.functional.binary_cross_entropy_with_logits(tl.float(), torch.tensor(y[batch], device=dev.device))
        loss.backward()
        opt.step()
        opt.zero_grad()
        done += len(batch)
    if gpu:
        torch.cuda.synchronize()
    per_sample = (time.perf_counter() - t) / max(1, done)
    epoch_n = 880 + sum(FINETUNE_WEAK.values())  # default: ~880 hand-read train + the weak sentiment sample
    return {"train_samples_per_s": 1 / per_sample, "default_epoch_samples": epoch_n,
            "est_seconds_per_default_epoch": per_sample * epoch_n,
            "est_seconds_per_epoch_all_reviews": per_sample * len(clothing_reviews())}


def quality(models: dict, heldback_n: int = 2000) -> dict:
    """Test-split and held-back figures for each model, and both baselines on the same data."""
    from models import baselines
    from models.data import heldback, load_labels, weak_sentiment
    from models.train import evaluate, evaluate_heldback

    recs = load_labels()
    test = [r for r in recs if r["split"] == "test"]
    labelled = {int(r["id"]) for r in recs}
    rows = {}
    for name, clf in models.items():
        m = evaluate(clf, test)
        rows[name] = {"sentiment_macro_f1": m["sentiment"]["macro_f1"], "topic_macro_f1": m["topics"]["macro_f1"],
                      "heldback_balanced_accuracy": evaluate_heldback(clf, labelled, heldback_n)["balanced_accuracy"]}
    hb_ids = set(heldback(labelled, heldback_n)["id"])
    weak = weak_sentiment(labelled | hb_ids, {"negative": 700, "neutral": 250, "positive": 700}, seed=13)
    for name, r in baselines.run_all(recs, weak, heldback_n=heldback_n).items():
        rows[name] = {k: r[k] for k in ("sentiment_macro_f1", "topic_macro_f1", "heldback_balanced_accuracy")}
    return rows


def generalisation(models: dict) -> dict:
    """{model: {"test": report, "ood": report, "restaurants": report, "grocery": report}} for each model and TF-IDF
    + LR (models/generalisation.py); restaurants and grocery carry sentiment labels only, so their topic figures are
    not read."""
    from models.data import DEFAULT_TOPICS, load_labels
    from models.generalisation import classifier_report, tfidf_lr_reports
    from models.other_shops import labelled_sets

    recs = load_labels()
    sets = {"ood" if k == "phones" else k: v for k, v in labelled_sets().items()}  # this table has called phones "ood"
    rows = {}
    for name, clf in models.items():
        t = time.perf_counter()
        rows[name] = {k: classifier_report(clf, v) for k, v in sets.items()}
        rows[name]["seconds"] = round(time.perf_counter() - t, 1)
    rows["tfidf_logreg (hand-read train)"] = tfidf_lr_reports([r for r in recs if r["split"] == "train"], sets,
                                                              list(DEFAULT_TOPICS))
    return rows


SENTIMENT_ONLY = ("restaurants", "grocery")  # sets read for sentiment only: no topic columns


def generalisation_table(rows: dict) -> str:
    """Markdown: in-domain test | out-of-domain phones | each sentiment-only set present (restaurants, grocery), per
    model; per-class sentiment F1 as neg/neu/pos."""
    def sent(r):
        pc = r["per_class_f1"]
        return f"{r['sentiment_macro_f1']:.3f} ({pc['negative']:.2f}/{pc['neutral']:.2f}/{pc['positive']:.2f})"

    def cell(r):
        return f"{sent(r)} | {r['balanced_binary']:.3f} | {r['topic_macro_f1']:.3f}"

    any_row = next(iter(rows.values()))
    extra = [s for s in SENTIMENT_ONLY if s in any_row]
    out = [f"| model | test sentiment F1 (neg/neu/pos) | test balanced binary | test topic F1 | OOD sentiment F1 "
           f"(neg/neu/pos; neutral rests on {any_row['ood']['n_neutral']} reviews) | OOD balanced binary | "
           "OOD topic F1 |" + "".join(f" {s} sentiment F1 | {s} balanced binary |" for s in extra),
           "|---|---|---|---|---|---|---|" + "---|---|" * len(extra)]
    out += [f"| {k} | {cell(v['test'])} | {cell(v['ood'])} |" + "".join(
        f" {sent(v[s])} | {v[s]['balanced_binary']:.3f} |" for s in extra) for k, v in rows.items()]
    out.append(f"test n={any_row['test']['n']}, OOD (phones) n={any_row['ood']['n']}" + "".join(
        f", {s} n={any_row[s]['n']} ({any_row[s]['n_neutral']} neutral)" for s in extra) + ". OOD per-topic F1: "
        + "; ".join(f"{k}: " + ", ".join(f"{t} {f:.2f}" for t, f in v["ood"]["per_topic_f1"].items())
                    for k, v in rows.items()))
    return "\n".join(out)


def table(rows: dict) -> str:
    out = ["| model | sentiment macro-F1 (test) | held-back balanced acc. | topic macro-F1 (test) |", "|---|---|---|---|"]
    out += [f"| {k} | {v['sentiment_macro_f1']:.3f} | {v['heldback_balanced_accuracy']:.3f} | {v['topic_macro_f1']:.3f} |"
            for k, v in rows.items()]
    return "\n".join(out)


def main() -> None:
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, pipeline

    from models import backbone, registry, starter
    from models.classifier import ReviewClassifier
    from models.data import clothing_reviews, load_labels
    from models.metrics import sentiment_report

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", default=None,
                    help="model folder (repeatable; default: the active sentiment model and the shipped starter)")
    ap.add_argument("--n", type=int, default=2000, help="reviews scored by Shoplens")
    ap.add_argument("--baseline-n", type=int, default=200, help="reviews scored by the pipeline baseline")
    ap.add_argument("--train-samples", type=int, default=240, help="samples timed for the fine-tune epoch estimate")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--no-quality", action="store_true", help="skip the quality table (baselines take ~2 min on CPU)")
    ap.add_argument("--generalisation", action="store_true",
                    help="only the in-domain vs out-of-domain table (with the shipped starter beside --model folders)")
    a = ap.parse_args()

    models = {}
    act = registry.active("sentiment")
    for folder in a.model or ([act["path"]] if act else []):
        clf = ReviewClassifier.from_pretrained(folder, a.device)
        models[clf.config.version or Path(folder).name] = clf
    if (a.generalisation or not a.model) and starter.available():
        models["starter (fast, shipped)"] = starter.load(a.device)
    if a.generalisation:
        g = generalisation(models)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "generalisation.json").write_text(json.dumps(g, indent=1))
        print(json.dumps(g, indent=1))
        print("\n" + generalisation_table(g))
        return
    first = next(iter(models.values()))
    dev = first.choice
    gpu = dev.device.type == "cuda"
    texts = clothing_reviews().sample(frac=1.0, random_state=1)["text"].tolist()[: a.n]
    res = {"device": dev.name, "torch_threads": torch.get_num_threads(), "n_scored": len(texts),
           "load_avg_1m_at_start": os.getloadavg()[0], "cpus": os.cpu_count(), "scoring": {}}

    bs = None  # the scorer's own default (32 on CPU, 256 on a GPU)
    for name, clf in models.items():
        frozen = clf.config.frozen_encoder
        clf.config.frozen_encoder = False  # cold: no embedding cache
        row = {"max_length": clf.config.max_length, "texts_per_s": throughput(
            lambda x, c=clf: c.predict_proba(x, batch_size=bs), texts)}
        clf.config.frozen_encoder = frozen
        if frozen:  # a fast model re-scoring reviews it has seen (cache filled by the first pass)
            clf.predict_proba(texts, batch_size=bs)
            row["cached_texts_per_s"] = throughput(lambda x, c=clf: c.predict_proba(x, batch_size=bs), texts)
        row["compute"] = compute_ceiling(clf, texts, dev)
        row["compute"]["efficiency"] = row["texts_per_s"] / row["compute"]["ceiling_texts_per_s"]
        res["scoring"][name] = row

    # plain pipeline baseline: same backbone as a sequence classifier, default batching, truncation only
    hf = AutoModelForSequenceClassification.from_pretrained(str(backbone.backbone_dir()), num_labels=3,
                                                            local_files_only=True)
    pipe = pipeline("text-classification", model=hf.to(dev.dtype) if gpu else hf, tokenizer=backbone.load_tokenizer(),
                    device=0 if gpu else "cpu")
    bn = texts[: (a.baseline_n * 10 if gpu else a.baseline_n)]
    res["pipeline_n"] = len(bn)
    res["pipeline_texts_per_s"] = throughput(lambda x: pipe(x, truncation=True, max_length=128), bn)
    for row in res["scoring"].values():
        row["speedup_vs_pipeline"] = row["texts_per_s"] / res["pipeline_texts_per_s"]

    test = [r for r in load_labels() if r["split"] == "test"]
    name, clf = next(iter(models.items()))
    if not gpu and not clf.config.frozen_encoder:  # int8 dynamic quantization: kept only if accuracy holds
        base = clf.predict([r["text"] for r in test])
        q = ReviewClassifier.from_pretrained(act["path"] if not a.model else a.model[0], "cpu").quantize()
        qp = q.predict([r["text"] for r in test])
        gold = [r["sentiment"] for r in test]
        res["int8"] = {"model": name, "texts_per_s": throughput(lambda x: q.predict_proba(x, batch_size=bs), texts),
                       "test_macro_f1_fp32": sentiment_report(gold, [p["sentiment"] for p in base],
                                                              clf.config.sentiments)["macro_f1"],
                       "test_macro_f1_int8": sentiment_report(gold, [p["sentiment"] for p in qp],
                                                              clf.config.sentiments)["macro_f1"],
                       "agreement": float(np.mean([x["sentiment"] == y["sentiment"]
                                                   for x, y in zip(base, qp, strict=True)]))}

    res["finetune"] = finetune_timing(a, dev, gpu)
    if not a.no_quality:
        res["quality"] = quality(models)
    res["load_avg_1m_at_end"] = os.getloadavg()[0]  # other jobs on the same cores lower every figure above
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"classify_{dev.device.type}.json").write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))
    if "quality" in res:
        print("\n" + table(res["quality"]))


if __name__ == "__main__":
    main()
