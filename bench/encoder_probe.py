"""Is a bigger frozen encoder worth its compute? Mean-pooled embeddings of the hand-read train/test splits and the
out-of-domain set from any sentence-transformers folder, class-balanced logistic regression heads (C and topic
thresholds chosen on a dev split of train), in-domain and out-of-domain figures computed as in bench/classify.py.

    python bench/encoder_probe.py FOLDER     # e.g. all-mpnet-base-v2 joined from its 5 PyPI parts (not shipped)
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def embed(tok, model, texts: list[str], batch: int = 32) -> np.ndarray:
    """L2-normalised mean-pooled embeddings, batched by length (less padding), returned in input order."""
    import torch

    order = np.argsort([len(t) for t in texts])
    parts = []
    for i in range(0, len(texts), batch):
        enc = tok([texts[j] for j in order[i:i + batch]], padding=True, truncation=True, max_length=256,
                  return_tensors="pt")
        with torch.inference_mode():
            h = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        parts.append(torch.nn.functional.normalize((h * mask).sum(1) / mask.sum(1), dim=-1).numpy())
    out = np.empty((len(texts), parts[0].shape[1]), np.float32)
    out[order] = np.concatenate(parts)
    return out


def main() -> None:
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split
    from transformers import AutoModel, AutoTokenizer

    from models.data import DEFAULT_TOPICS, load_labels
    from models.generalisation import report, topic_matrix
    from models.metrics import tune_thresholds
    from models.ood import load_ood

    torch.set_num_threads(2)
    tok, model = AutoTokenizer.from_pretrained(sys.argv[1]), AutoModel.from_pretrained(sys.argv[1]).eval()
    labels, topics = load_labels(), list(DEFAULT_TOPICS)
    sets = {"train": [r for r in labels if r["split"] == "train"], "test": [r for r in labels if r["split"] == "test"],
            "ood": load_ood()}
    t0 = time.time()
    emb = {k: embed(tok, model, [r["text"] for r in v]) for k, v in sets.items()}
    n = sum(len(v) for v in sets.values())
    print(f"embedded {n} texts in {time.time() - t0:.0f} s = {n / (time.time() - t0):.1f} texts/s", flush=True)
    x, ys, y = emb["train"], np.array([r["sentiment"] for r in sets["train"]]), topic_matrix(sets["train"], topics)
    fit, dev = train_test_split(np.arange(len(x)), test_size=0.15, random_state=13, stratify=ys)

    def lr(c):
        return LogisticRegression(max_iter=3000, class_weight="balanced", C=c)

    c = max((0.5, 1, 2, 4, 8, 16), key=lambda c: f1_score(ys[dev], lr(c).fit(x[fit], ys[fit]).predict(x[dev]),
                                                            average="macro"))
    thr = tune_thresholds(y[dev], np.stack([lr(c).fit(x[fit], y[fit, k]).predict_proba(x[dev])[:, 1]
                                            for k in range(len(topics))], 1))
    sent, heads = lr(c).fit(x, ys), [lr(c).fit(x, y[:, k]) for k in range(len(topics))]
    print("C", c)
    for name in ("test", "ood"):
        probs = np.stack([h.predict_proba(emb[name])[:, 1] for h in heads], 1)
        rep = report(sets[name], list(sent.predict(emb[name])), (probs >= thr).astype(int), topics)
        print(name, json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in rep.items()}))


if __name__ == "__main__":
    main()
