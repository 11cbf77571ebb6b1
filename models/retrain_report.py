"""What a Retrain will cost before it starts, and why a finished one was or was not activated, in plain words.

Why: a "Fast: about a minute" label that took 20 minutes and a silent "not activated" taught users nothing (issue
18). The expected time here comes from measurements only: the embedding speed the last real pass recorded in the
embedding cache, how many training texts are not cached yet, and the fitting and evaluation times of the newest
fast model's card on this machine (scaled by rows). Where nothing was measured yet, it says so instead of guessing.
"""
from __future__ import annotations

from collections import Counter

from models import registry


def estimate_fast(cfg, labels: list[dict]) -> dict:
    """{"texts", "to_embed", "texts_per_second", "embed_seconds", "fit_seconds", "evaluate_seconds", "total_seconds"}
    for a Fast run of cfg on labels (seconds None where no measurement exists yet)."""
    from models.classifier import ClassifierConfig, cache_name
    from models.data import heldback
    from models.embed import EmbeddingCache, text_key
    from models.text import clean
    from models.train import fast_encoder_delta, plan

    p = plan(cfg, labels)
    hb = heldback(p.labelled, cfg.heldback_n).to_dict("records") if cfg.heldback_n and cfg.task != "topics" else []
    texts = [clean(r["text"])[0] for r in p.train_recs + p.weak + p.test + hb]
    config = ClassifierConfig(max_length=cfg.fast_max_length, pooling=cfg.pooling, encoder_layers=cfg.encoder_layers,
                              encoder_delta=fast_encoder_delta(cfg))
    cache = EmbeddingCache(cache_name(config))
    to_embed = cache.missing(list({text_key(t) for t in texts}))
    speed = cache.speed() or {}
    rate = speed.get("texts_per_second")
    embed_s = 0.0 if not to_embed else (to_embed / rate if rate else None)
    fit_s, eval_s = _last_fast_phases(len(p.train_recs) + len(p.weak))
    parts = [embed_s, fit_s, eval_s]
    return {"texts": len(texts), "to_embed": to_embed, "texts_per_second": rate, "speed_measured_at":
            speed.get("measured_at"), "embed_seconds": embed_s, "fit_seconds": fit_s, "evaluate_seconds": eval_s,
            "total_seconds": None if any(x is None for x in parts) else sum(parts)}


def expected_time_line(est: dict) -> str:
    """One short line from estimate_fast(): the total first, then its parts, the reading of new texts only when there
    are any (a tiny shop used to read a paragraph about caches before a 20-second run)."""
    parts = [f"fit {duration(est['fit_seconds'])}", f"evaluate {duration(est['evaluate_seconds'])}"]
    if est["to_embed"]:
        rate = est["texts_per_second"]
        parts.insert(0, f"reading {est['to_embed']:,} new texts {duration(est['embed_seconds'])}"
                        + (f" at {rate:.0f}/s" if rate else ""))
    if est["total_seconds"] is None:
        return ("Expected time: not measured on this machine yet; the first run measures it"
                + (" (classifying every review first makes retrains faster)." if est["to_embed"] else "."))
    return f"Expected time: **{duration(est['total_seconds'])}** ({', '.join(parts)}; measured here)."


def _last_fast_phases(rows: int) -> tuple[float | None, float | None]:
    """(fit seconds, evaluate seconds) of the newest fast model with recorded phases, fit scaled to `rows` rows."""
    for v in registry.versions("all"):
        card = _card(v["path"])
        ph = card.get("phases") or {}
        if card.get("mode") == "fast" and "fit_seconds" in ph:
            then = sum((card.get("data") or {}).get(k, 0) for k in ("hand_train", "weak_sentiment")) or rows
            return ph["fit_seconds"] * rows / then, ph.get("evaluate_seconds")
    return None, None


def _card(path: str) -> dict:
    import json
    from pathlib import Path

    try:
        return json.loads((Path(path) / "metrics.json").read_text())
    except (OSError, ValueError):
        return {}


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "not measured yet"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def outcome(res: dict, card: dict, corrections: list[dict]) -> list[str]:
    """Sentences for the page after a Retrain: what was activated and why, or why not and what would help."""
    lines = []
    for task, why in (res.get("activation") or {}).items():
        if task in res.get("activated_for", []):
            lines.append(f"**{task}: activated** ({why}).")
        else:
            lines.append(f"**{task}: not activated** — {why}.")
    if res.get("activated_for") and set(res["activated_for"]) >= set(res.get("activation") or {}):
        return lines + _corrections_line(res)
    lines += _corrections_line(res)
    if "sentiment" in (res.get("activation") or {}) and "sentiment" not in res.get("activated_for", []):
        lines += what_would_help(card, corrections)
    return lines


def _corrections_line(res: dict) -> list[str]:
    c = (res.get("corrections") or {}).get("sentiment") or {}
    if not c.get("total"):
        return ["No corrections were used: correcting wrong labels on this page is what teaches the model your shop."]
    line = f"The new model gets {c['fixed']} of your {c['total']} sentiment correction(s) right."
    if c.get("wrong"):
        line += (" The rest contradict the many training reviews that read like them even at a high weight: "
                 "correct a few more reviews of the same kind.")
    return [line]


def what_would_help(card: dict, corrections: list[dict]) -> list[str]:
    """The commonest sentiment errors of the candidate on the hand-read test split (measured), and the corrections
    made so far by kind, so the user knows which corrections teach the model most."""
    m = (card.get("metrics") or {}).get("sentiment") or {}
    conf, names = m.get("confusion"), m.get("labels") or []
    out = []
    if conf:
        errors = sorted(((conf[i][j], names[i], names[j]) for i in range(len(names)) for j in range(len(names))
                         if i != j and conf[i][j]), reverse=True)[:3]
        if errors:
            out.append(f"What would help: on the {m.get('n', 0):,} hand-read test reviews its commonest errors are "
                       + ", ".join(f"{n} {t} read as {p}" for n, t, p in errors)
                       + ". Correcting reviews of those kinds (e.g. a review that is "
                       + f"{errors[0][1]} but labelled {errors[0][2]}) teaches it most.")
    kinds = Counter((c.get("old") or "?", c["new"]) for c in corrections if c.get("field") == "sentiment")
    if kinds:
        out.append("Sentiment corrections so far: " + ", ".join(f"{n} {o} → {w}" for (o, w), n in kinds.most_common())
                   + ".")
    return out
