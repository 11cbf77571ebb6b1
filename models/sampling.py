"""The sampling loop behind Generator.generate: nucleus sampling of n candidates per prompt, one batch.

Why not transformers' `generate`: on a 2-core CPU a draft request is ~200 decoding steps of a 135M model, and three
things it does cost a fifth of each step there (bench/generate.py, bench/drafts_eval.py):
- it prefills every candidate's copy of the prompt; here the prompt is read once and its cache copied n times;
- it keeps finished candidates in the batch until the last one stops; here they leave it, so the longest candidate
  of an email finishes at 1-2 rows, where a step costs about half of a 3-row step (models.device.HalfDecodeLinear);
- its top-p sorts the whole 49k vocabulary and samples over it at every step, after its default top-k of 50 has
  already cut it to 50 tokens; here the same distribution (top 50, then the nucleus among them) is drawn from the 50.

The score of a candidate is what transformers' `compute_transition_scores(normalize_logits=True)` gave: the mean
log-probability of its tokens (its stop token included) under the distribution it was sampled from, after the
processors, the temperature, the top-k and the nucleus. Every pass rate before this loop was measured with
transformers' sampling at top_k=50, top_p=0.9, which this loop reproduces.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

TOP_K = 50  # transformers' default, which every earlier draft evaluation used

# A processor sees the token ids so far of the rows still sampling, their scores, and which candidates those rows
# are (indices into the full batch of len(prompts) * n), and returns new scores.
Processor = Callable[[torch.LongTensor, torch.FloatTensor, Sequence[int]], torch.FloatTensor]


class NonFiniteLogits(RuntimeError):
    """The model gave inf/NaN logits (e.g. a float16 overflow): the candidates cannot be sampled."""


@dataclass
class Sampled:
    """One candidate: its new token ids (up to and including its stop token) and their mean log-probability."""
    tokens: list[int]
    mean_logprob: float


def nucleus(scores: torch.FloatTensor, top_p: float, top_k: int = TOP_K) -> tuple[torch.LongTensor, torch.FloatTensor]:
    """(token ids (B, k), probabilities (B, k)): the top_k highest scores, then among them the fewest tokens whose
    probability (softmax over the top_k) reaches top_p, never fewer than one, renormalised; others get 0."""
    top, idx = scores.topk(min(top_k, scores.shape[-1]), dim=-1)  # sorted, highest first
    probs = top.softmax(-1)
    before = probs.cumsum(-1) - probs  # probability mass of the tokens ranked above each one
    probs = probs.masked_fill(before >= max(top_p, 1e-6), 0.0)  # the best token has nothing before it: it stays
    return idx, probs / probs.sum(-1, keepdim=True)


def _forward(model, ids, mask, cache, positions) -> torch.FloatTensor:
    """Next-token logits, float32 (logits_to_keep=1: the prompt's other positions never go through the 49k-wide
    head); NonFiniteLogits when any is inf or NaN, so the caller can redo the request another way."""
    logits = model(input_ids=ids, attention_mask=mask, position_ids=positions, cache=cache, use_cache=True,
                   logits_to_keep=1).logits[:, -1].float()
    if not bool(torch.isfinite(logits).all()):
        raise NonFiniteLogits("the copy model produced inf/NaN scores")
    return logits


@torch.inference_mode()
def sample(model, input_ids: torch.LongTensor, attention_mask: torch.LongTensor, n: int, max_new_tokens: int,
           stop_ids: Sequence[int], processors: Sequence[Processor] = (), temperature: float = 0.7,
           top_p: float = 0.9, top_k: int = TOP_K) -> list[Sampled]:
    """n candidates for each of the (left-padded) prompts, in prompt order: candidate k of prompt b is b * n + k."""
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    logits = _forward(model, input_ids, attention_mask, cache, positions)
    cache.batch_repeat_interleave(n)
    ids, mask = input_ids.repeat_interleave(n, 0), attention_mask.repeat_interleave(n, 0)
    logits = logits.repeat_interleave(n, 0)
    rows = list(range(ids.shape[0]))  # which candidates the batch rows are
    tokens: list[list[int]] = [[] for _ in rows]
    logps: list[list[float]] = [[] for _ in rows]
    stops = torch.tensor(list(stop_ids), dtype=torch.long, device=ids.device)
    for step in range(max_new_tokens):
        scores = logits
        for p in processors:
            scores = p(ids, scores, rows)
        choices, probs = nucleus(scores / max(temperature, 1e-5), top_p, top_k)
        pick = torch.multinomial(probs, 1)  # (B, 1) positions in the nucleus
        nxt = choices.gather(1, pick).squeeze(1)
        lp = probs.gather(1, pick).squeeze(1).log()
        for r, t, lpv in zip(rows, nxt.tolist(), lp.tolist(), strict=True):
            tokens[r].append(t)
            logps[r].append(lpv)
        ids = torch.cat([ids, nxt[:, None]], 1)
        mask = torch.cat([mask, mask.new_ones(mask.shape[0], 1)], 1)
        done = torch.isin(nxt, stops)
        if step == max_new_tokens - 1 or bool(done.all()):
            break
        if bool(done.any()):  # finished candidates leave the batch and its cache
            keep = (~done).nonzero().squeeze(1)
            rows = [rows[i] for i in keep.tolist()]
            ids, mask, nxt = ids[keep], mask[keep], nxt[keep]
            cache.batch_select_indices(keep)
        positions = mask.sum(-1, keepdim=True) - 1
        logits = _forward(model, nxt[:, None], mask, cache, positions)
    return [Sampled(t, sum(lp) / max(len(lp), 1)) for t, lp in zip(tokens, logps, strict=True)]
