"""Which words drove a review's label: occlusion. Drop each short window of words, re-score, and credit each word
with the largest fall in the label's probability among the windows that held it.

Why occlusion: it needs nothing but the model's own scoring (works for the frozen-backbone heads, a fine-tuned
encoder and the cue-word flags alike) and its answer reads plainly: "without these words the model was this much
less sure". Cost: one scoring pass over about 2 × words / window variants of the text (about a second or two for a
review on 2 CPU cores), so pages compute it for the few reviews on screen only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.text import clean

MAX_WORDS = 160  # longer reviews: the words past this are shown but not tested (keeps one review to a few seconds)


@dataclass
class Drivers:
    words: list[str]  # the cleaned text split on spaces
    weights: list[float]  # per word: fall in the label's probability when a window holding it is dropped (≥ 0)
    label: str  # what was explained: a sentiment, or a topic name
    probability: float  # the label's probability for the whole text
    phrases: list[tuple[str, float]]  # the strongest windows, (text, fall), strongest first

    def top_words(self, share: float = 0.5) -> set[int]:
        """Indices of the words whose weight is at least `share` of the strongest one (and above zero)."""
        peak = max(self.weights, default=0.0)
        return {i for i, w in enumerate(self.weights) if peak > 0 and w >= share * peak and w > 0.01}


def explain(clf, text: str, sentiment: str | None = None, topic: str | None = None, window: int = 3,
            top: int = 3) -> Drivers | None:
    """Drivers of `sentiment` (default: the predicted one) or of `topic` for one text; None when the text is
    unusable (empty, not English) or too short to occlude."""
    cleaned, why = clean(text)
    words = cleaned.split(" ") if cleaned else []
    if why or len(words) < 2:
        return None
    n = min(len(words), MAX_WORDS)
    window = max(1, min(window, n - 1))
    stride = max(1, window // 2 + 1)
    spans = [(a, min(a + window, n)) for a in range(0, n, stride)]
    variants = [" ".join(words[:a] + words[b:]) for a, b in spans]
    texts = [cleaned] + variants
    sent, tops = clf.heads_proba(clf.embed(texts, cache=False), clf.cues(texts))  # (1+V, S), (1+V, K)
    if topic is not None:
        if topic not in clf.config.topics:
            return None
        probs, label = tops[:, list(clf.config.topics).index(topic)], topic
    else:
        names = list(clf.config.sentiments)
        k = names.index(sentiment) if sentiment in names else int(sent[0].argmax())
        probs, label = sent[:, k], names[k]
    falls = np.maximum(probs[0] - probs[1:], 0.0)  # (V,)
    weights = np.zeros(len(words), np.float32)
    for (a, b), f in zip(spans, falls, strict=True):
        weights[a:b] = np.maximum(weights[a:b], f)
    order = np.argsort(-falls)[:top]
    phrases = [(" ".join(words[spans[i][0]:spans[i][1]]), float(falls[i])) for i in order if falls[i] > 0.01]
    return Drivers(words, [float(w) for w in weights], label, float(probs[0]), phrases)
