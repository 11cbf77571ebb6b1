"""Is the starter's neutral offset chosen on rows its encoder was fine-tuned on? Does that change the choice?

The Fast fit picks C and the neutral-logit offset by 5-fold out-of-fold (OOF) sentiment macro-F1 over all hand-read
train rows. The shipped encoder was fine-tuned on 85% of those rows, so its OOF scores there are optimistic. The
other 15% (the fine-tune's validation split, 570 rows) were never seen by the encoder. This script computes the same
OOF logits as the Fast fit (models.train._oof_sentiment: same folds, weights and weak rows), then scores each C and
offset on the encoder-seen rows and the encoder-unseen rows apart. If both pick the same offset, the optimism
inflates the card's validation figure but does not bias the model. Scratch SHOPLENS_HOME, about 5 minutes on 2 cores
(most of it embedding 28k texts).

    python bench/neutral_offset_check.py [--home DIR]
"""
from __future__ import annotations

import argparse
import json

import numpy as np
from recipes import scratch_home

OFFSETS = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="scratch SHOPLENS_HOME (default: a new temporary folder)")
    scratch_home(ap.parse_args().home, "shoplens_offset_")
    import torch

    from models import starter
    from models.metrics import sentiment_report
    from models.train import TrainConfig, _clean, _grid, _oof_sentiment, _targets, plan

    torch.set_num_threads(min(torch.get_num_threads(), 2))
    clf = starter.load("cpu")
    cfg = TrainConfig(mode="fast")
    fast, tuned = plan(cfg), plan(TrainConfig(mode="finetune"))
    unseen_ids = {int(r["id"]) for r in tuned.val}
    hand = fast.train_recs
    weak = [r for r in fast.weak if int(r["id"]) % 10 != 0]  # the Fast fit's weak training rows
    texts = _clean(hand) + _clean(weak)
    x = np.hstack([clf.embed(texts), clf.cues(texts)])
    sd = x.std(0)
    x = (x - x.mean(0)) / np.where(sd < 1e-6, 1.0, sd)
    s, _, _ = _targets(hand + weak, clf.config.topics)
    w = np.array([fast.weak_weight if r.get("weak") else 1.0 for r in hand + weak], np.float32)
    names = list(clf.config.sentiments)
    unseen = np.array([int(r["id"]) in unseen_ids for r in hand])
    print(f"hand-read train rows {len(hand)} (encoder-unseen {int(unseen.sum())}), weak rows {len(weak)}, "
          "shipped starter: C {c_sentiment}, offset {neutral_offset}".format(
              **json.loads((starter.STARTER_DIR / "metrics.json").read_text())["history"][0]))

    def f1(rows: np.ndarray, pred: np.ndarray) -> float:
        return sentiment_report([names[i] for i in s[:len(hand)][rows]], [names[i] for i in pred[rows]],
                                names)["macro_f1"]

    print("C | offset | OOF macro-F1: all rows | encoder-seen | encoder-unseen")
    best = {}
    for c in _grid(cfg.fast_c_sentiment):
        oof = _oof_sentiment(x, s, w, len(hand), clf, cfg, c)
        for d in OFFSETS:
            adj = np.zeros(len(names), np.float32)
            adj[names.index("neutral")] = d
            pred = (oof + adj).argmax(1)
            row = {"all": f1(np.ones(len(hand), bool), pred), "seen": f1(~unseen, pred), "unseen": f1(unseen, pred)}
            print(f"{c} | {d:+.1f} | {row['all']:.3f} | {row['seen']:.3f} | {row['unseen']:.3f}", flush=True)
            for k, v in row.items():
                if v > best.get(k, (-1.0,))[0]:
                    best[k] = (v, c, d)
    for k, (v, c, d) in best.items():
        print(f"chosen on {k} rows: C {c}, offset {d:+.1f} (macro-F1 {v:.3f})")


if __name__ == "__main__":
    main()
