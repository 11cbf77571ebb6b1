"""Baselines on the same test split: TF-IDF + logistic regression, and zero-shot similarity with the un-tuned backbone."""
from __future__ import annotations

import json

import numpy as np
import torch

from models.data import SENTIMENTS, heldback
from models.metrics import binary_balanced_accuracy, sentiment_report, topic_report

SENTIMENT_DESCRIPTIONS = {
    "negative": "A negative review: disappointed, poor, bad, I am returning it, would not recommend.",
    "neutral": "A neutral review: it is okay, average, nothing special, mixed feelings.",
    "positive": "A positive review: love it, great, beautiful, highly recommend, very happy.",
}
TOPIC_DESCRIPTIONS = {
    "quality": "quality of the material and fabric, stitching, how well made and durable it is, thin or cheap",
    "fit_size": "fit and size: runs small or large, true to size, length, petite, too tight or loose",
    "appearance": "appearance: colour, print, pattern, style, how it looks and how flattering or pretty it is",
    "comfort": "comfort: soft, itchy, scratchy, stretchy, breathable, cosy, comfortable to wear",
    "price_value": "price and value for money: expensive, sale, discount, worth it, overpriced",
    "delivery_packaging": "shipping and delivery: arrived quickly or late, package, box, packaging, damaged in the mail",
    "customer_service": "customer service and store staff, sales associate, return or exchange process, refund, sold out",
    "effectiveness": "whether it works as intended: keeps me warm, bra support, waterproof, does its job",
}


def _topic_matrix(recs, topics):
    return np.array([[1 if t in (r["topics"] or {}) else 0 for t in topics] for r in recs]).reshape(len(recs), -1)


def tfidf_lr(train: list[dict], weak: list[dict], test: list[dict], hb, topics: list[str]) -> dict:
    """Word 1-2-gram TF-IDF + logistic regression (class-balanced), trained on the same data as the model."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    data = train + weak
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    x = vec.fit_transform([r["text"] for r in data])
    sw = np.array([0.5 if r.get("weak") else 1.0 for r in data])
    lr = LogisticRegression(max_iter=2000, class_weight="balanced", C=4.0)
    lr.fit(x, [r["sentiment"] for r in data], sample_weight=sw)
    xt = vec.transform([r["text"] for r in test])
    out = {"sentiment": sentiment_report([r["sentiment"] for r in test], list(lr.predict(xt)), list(SENTIMENTS))}
    out["heldback_binary"] = binary_balanced_accuracy(hb["rating"].to_numpy(), list(lr.predict(vec.transform(hb["text"]))))
    xh = vec.transform([r["text"] for r in train])
    y, yt = _topic_matrix(train, topics), _topic_matrix(test, topics)
    pred = np.zeros_like(yt)
    for k in range(len(topics)):
        if 0 < y[:, k].sum() < len(y):
            pred[:, k] = LogisticRegression(max_iter=2000, class_weight="balanced", C=4.0).fit(xh, y[:, k]).predict(xt)
    out["topics"] = topic_report(yt, pred, topics)
    return out


@torch.inference_mode()
def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence embeddings from the un-tuned backbone (length-bucketed)."""
    from models import backbone, device
    from models.classifier import length_batches

    device.set_threads()
    tok, enc = backbone.load_tokenizer(), backbone.load_encoder().eval()
    ids = tok(list(texts), truncation=True, max_length=128)["input_ids"]
    out = np.zeros((len(texts), enc.config.hidden_size), np.float32)
    for idx in length_batches([len(x) for x in ids], batch_size):
        b = tok.pad({"input_ids": [ids[i] for i in idx]}, return_tensors="pt")
        h = enc(**b).last_hidden_state
        m = b["attention_mask"].unsqueeze(-1).float()
        e = (h * m).sum(1) / m.sum(1)
        out[idx] = torch.nn.functional.normalize(e, dim=-1).numpy()
    return out


def zero_shot(train: list[dict], test: list[dict], hb, topics: list[str]) -> dict:
    """Cosine similarity to label descriptions; sentiment = most similar; topics above one global threshold
    (the threshold is the one that maximises topic macro-F1 on the hand-read train split)."""
    descs = [SENTIMENT_DESCRIPTIONS[s] for s in SENTIMENTS] + [TOPIC_DESCRIPTIONS.get(t, t.replace("_", " "))
                                                              for t in topics]
    e = embed(descs + [r["text"] for r in train] + [r["text"] for r in test] + hb["text"].tolist())
    d, rest = e[: len(descs)], e[len(descs):]
    etr, ete, ehb = rest[: len(train)], rest[len(train): len(train) + len(test)], rest[len(train) + len(test):]
    sd, td = d[:3], d[3:]
    pick = lambda x: [SENTIMENTS[k] for k in (x @ sd.T).argmax(1)]  # noqa: E731
    out = {"sentiment": sentiment_report([r["sentiment"] for r in test], pick(ete), list(SENTIMENTS)),
           "heldback_binary": binary_balanced_accuracy(hb["rating"].to_numpy(), pick(ehb))}
    ytr, yte = _topic_matrix(train, topics), _topic_matrix(test, topics)
    grid = np.arange(0.0, 0.6, 0.02)
    best = max(grid, key=lambda g: topic_report(ytr, (etr @ td.T >= g).astype(int), topics)["macro_f1"])
    out["topics"] = topic_report(yte, (ete @ td.T >= best).astype(int), topics)
    out["topics"]["threshold"] = float(best)
    return out


def run_all(recs: list[dict], weak: list[dict], heldback_n: int = 2000, topics: list[str] | None = None) -> dict:
    """Both baselines, summarised for the model card (full reports under 'detail')."""
    from models.data import DEFAULT_TOPICS

    topics = list(topics or DEFAULT_TOPICS)
    train = [r for r in recs if r.get("split", "train") == "train"]
    test = [r for r in recs if r.get("split") == "test"]
    hb = heldback({int(r["id"]) for r in recs}, heldback_n)
    hb = hb[hb["rating"] != 3]
    res = {"tfidf_logreg": tfidf_lr(train, weak, test, hb, topics), "zero_shot_backbone": zero_shot(train, test, hb, topics)}
    return {name: {"sentiment_macro_f1": r["sentiment"]["macro_f1"],
                   "heldback_balanced_accuracy": r["heldback_binary"]["balanced_accuracy"],
                   "topic_macro_f1": r["topics"]["macro_f1"],
                   "per_topic_f1": {t: round(v["f1"], 3) for t, v in r["topics"]["per_topic"].items()},
                   "per_class_f1": {c: round(v["f1"], 3) for c, v in r["sentiment"]["per_class"].items()}}
            for name, r in res.items()}


if __name__ == "__main__":
    from models.data import load_labels, weak_sentiment

    recs = load_labels()
    labelled = {int(r["id"]) for r in recs}
    hb_ids = set(heldback(labelled)["id"])
    print(json.dumps(run_all(recs, weak_sentiment(labelled | hb_ids, {"negative": 700, "neutral": 250,
                                                                     "positive": 700}, seed=13)), indent=1))
