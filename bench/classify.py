"""Classifier benchmark: scoring throughput (texts/s on the clothing reviews) of Shoplens' scorer (length bucketing,
dynamic padding, optional int8) against a plain transformers pipeline("text-classification") in the same run, and
fine-tune time per epoch. Same script on CPU (2 threads) and GPU (device auto). Prints JSON, writes bench/out/.

    python bench/classify.py [--model FOLDER] [--n 2000] [--baseline-n 400] [--device auto|cpu|cuda]
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


def main() -> None:
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, pipeline

    from models import backbone, registry
    from models.classifier import ClassifierConfig, ReviewClassifier
    from models.data import clothing_reviews, load_labels
    from models.metrics import sentiment_report
    from models.train import TrainConfig, _targets, _train_batches

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="model folder (default: the active sentiment model, else untuned)")
    ap.add_argument("--n", type=int, default=2000, help="reviews scored by Shoplens")
    ap.add_argument("--baseline-n", type=int, default=400, help="reviews scored by the pipeline baseline")
    ap.add_argument("--train-samples", type=int, default=320, help="samples timed for the fine-tune epoch estimate")
    ap.add_argument("--device", default="auto")
    a = ap.parse_args()

    act = registry.active("sentiment")
    folder = a.model or (act["path"] if act else None)
    clf = (ReviewClassifier.from_pretrained(folder, a.device) if folder
           else ReviewClassifier.from_backbone(ClassifierConfig(), a.device))
    dev = clf.choice
    gpu = dev.device.type == "cuda"
    reviews = clothing_reviews().sample(frac=1.0, random_state=1)
    texts = reviews["text"].tolist()[: a.n]
    res = {"device": dev.name, "torch_threads": torch.get_num_threads(), "model": folder or "untuned backbone",
           "n_scored": len(texts), "load_avg_1m_at_start": os.getloadavg()[0], "cpus": os.cpu_count()}

    bs = 256 if gpu else 64
    res["shoplens_texts_per_s"] = throughput(lambda x: clf.predict_proba(x, batch_size=bs), texts)

    # plain pipeline baseline: same backbone as a sequence classifier, default batching, truncation only
    hf = AutoModelForSequenceClassification.from_pretrained(str(backbone.backbone_dir()), num_labels=3,
                                                            local_files_only=True)
    pipe = pipeline("text-classification", model=hf.to(dev.dtype) if gpu else hf, tokenizer=backbone.load_tokenizer(),
                    device=0 if gpu else "cpu")
    bn = texts[: (a.baseline_n * 10 if gpu else a.baseline_n)]
    res["pipeline_n"] = len(bn)
    res["pipeline_texts_per_s"] = throughput(lambda x: pipe(x, truncation=True, max_length=clf.config.max_length), bn)
    res["speedup_vs_pipeline"] = res["shoplens_texts_per_s"] / res["pipeline_texts_per_s"]

    test = [r for r in load_labels() if r["split"] == "test"]
    if not gpu and folder:  # int8 dynamic quantization: faster on CPU, kept only if accuracy holds
        base = clf.predict([r["text"] for r in test])
        q = ReviewClassifier.from_pretrained(folder, "cpu").quantize()
        res["int8_texts_per_s"] = throughput(lambda x: q.predict_proba(x, batch_size=bs), texts)
        qp = q.predict([r["text"] for r in test])
        gold = [r["sentiment"] for r in test]
        f32 = sentiment_report(gold, [p["sentiment"] for p in base], clf.config.sentiments)["macro_f1"]
        i8 = sentiment_report(gold, [p["sentiment"] for p in qp], clf.config.sentiments)["macro_f1"]
        res["test_macro_f1_fp32"], res["test_macro_f1_int8"] = f32, i8
        res["int8_agreement"] = float(np.mean([x["sentiment"] == y["sentiment"] for x, y in zip(base, qp, strict=True)]))

    # fine-tune time: timed steps of a full fine-tune (both heads) on labelled texts, scaled to one default epoch
    cfg = TrainConfig()
    recs = [r for r in load_labels() if r["split"] == "train"]
    n_train = a.train_samples * (10 if gpu else 1)
    recs = (recs * (1 + n_train // max(1, len(recs))))[:n_train]
    net = ReviewClassifier.from_backbone(ClassifierConfig(), a.device)
    ids = net.tokenizer([r["text"] for r in recs], truncation=True, max_length=cfg.max_length)["input_ids"]
    s, y, _ = _targets(recs, net.config.topics)
    opt = torch.optim.AdamW(net.net.parameters(), lr=cfg.lr)
    net.net.train()
    import random

    t = time.perf_counter()
    for i, batch in enumerate(_train_batches([len(x) for x in ids], cfg.batch_size, random.Random(0))):
        if i == 1:
            t = time.perf_counter()  # first step is warm-up
            done = 0
        enc = net.tokenizer.pad({"input_ids": [ids[j] for j in batch]}, return_tensors="pt")
        with torch.autocast(dev.device.type, dtype=dev.dtype, enabled=gpu):
            sl, tl = net.net(enc["input_ids"].to(dev.device), enc["attention_mask"].to(dev.device))
            loss = torch.nn.functional.cross_entropy(sl.float(), torch.tensor(s[batch], device=dev.device)) + \
                torch.nn.functional.binary_cross_entropy_with_logits(tl.float(), torch.tensor(y[batch], device=dev.device))
        loss.backward()
        opt.step()
        opt.zero_grad()
        if i >= 1:
            done += len(batch)
    if gpu:
        torch.cuda.synchronize()
    per_sample = (time.perf_counter() - t) / max(1, done)
    epoch_n = 880 + sum(cfg.weak_per_class.values())  # default: ~880 hand-read train + weak sentiment reviews
    all_n = len(clothing_reviews())
    res.update({"train_samples_per_s": 1 / per_sample, "default_epoch_samples": epoch_n,
                "est_seconds_per_default_epoch": per_sample * epoch_n,
                "est_seconds_per_epoch_all_reviews": per_sample * all_n})
    res["load_avg_1m_at_end"] = os.getloadavg()[0]  # other jobs on the same cores lower every figure above
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"classify_{dev.device.type}.json").write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
