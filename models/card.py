"""The README.md model card written beside every saved classifier: data, metrics, date, base model, settings."""
from __future__ import annotations

import json


def _table(rows: list[list], head: list[str]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _f(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def render_card(config, card: dict) -> str:
    m = card.get("metrics", {})
    out = [f"# Shoplens review classifier {config.version or ''}".rstrip(), "",
           f"- Task: {config.task} (sentiment: {', '.join(config.sentiments)}; topics: {', '.join(config.topics)})",
           f"- Base model: {config.base_model}" + (f", bottom {config.encoder_layers} layers"
                                                   if config.encoder_layers else ""),
           f"- Trained: {card.get('trained_at', '')} on {card.get('device', '')} in {card.get('train_seconds', 0):.0f} s",
           f"- Data: {json.dumps(card.get('data', {}))}", ""]
    s = m.get("sentiment")
    if s:
        out += ["## Sentiment (hand-read test split, never trained on)", "",
                f"Macro-F1 **{_f(s['macro_f1'])}**, accuracy {_f(s['accuracy'])}, n={s['n']}.", "",
                _table([[c, _f(v['precision']), _f(v['recall']), _f(v['f1']), v['support']]
                        for c, v in s["per_class"].items()], ["class", "precision", "recall", "F1", "n"]), "",
                "Confusion matrix (rows true, columns predicted: " + ", ".join(s["labels"]) + "): "
                + json.dumps(s["confusion"]), ""]
    b = m.get("heldback_binary")
    if b:
        out += [f"Held-back rating-derived binary labels (1-2 vs 4-5 stars, neutral counts wrong): balanced accuracy "
                f"**{_f(b['balanced_accuracy'])}** (recall negative {_f(b['recall_negative'])}, positive "
                f"{_f(b['recall_positive'])}, n={b['n']}).", ""]
    t = m.get("topics")
    if t:
        out += ["## Topics (hand-read test split)", "", f"Macro-F1 **{_f(t['macro_f1'])}** over {len(t['per_topic'])} "
                "topics.", "", _table([[k, _f(v['precision']), _f(v['recall']), _f(v['f1']), v['support'],
                                        v.get('threshold', 0.5)] for k, v in t["per_topic"].items()],
                                      ["topic", "precision", "recall", "F1", "n", "threshold"]), ""]
    if card.get("baselines"):
        out += ["## Baselines (same test split)", "", "```json", json.dumps(card["baselines"], indent=1), "```", ""]
    fair = card.get("fairness")
    if fair:
        out += ["## Fairness audit (hand-read test split, negative vs rest)", "",
                f"Audited {fair.get('audited_at')}; groups under {fair.get('min_group')} reviews are listed but left "
                f"out of the gaps. Mitigation: per-group thresholds on P(negative) ({fair.get('constraint')}), "
                "fitted on held-back validation reviews, only for groups beyond chance ('forced': every group); off unless "
                "switched on (Fairness page).", "",
                _table([[r["feature"], r["groups"], r["small_groups"], _f(r["dp_diff"]), _f(r["eo_diff"]),
                         _f(r.get("eo_chance")), _f(r.get("eo_p")), r.get("mitigated_groups", "–"),
                         _f(r["eo_diff_after"]), _f(r["accuracy_before"]), _f(r["accuracy_after"]),
                         _f(r.get("eo_diff_forced")), _f(r.get("accuracy_forced"))] for r in fair.get("rows", [])],
                       ["feature", "groups", "small", "DP diff", "EO diff", "EO by chance", "EO p", "own thresholds",
                        "EO mitigated", "accuracy", "accuracy mitigated", "EO forced", "accuracy forced"]), ""]
    out += ["## Hyper-parameters", "", "```json", json.dumps(card.get("hyperparameters", {}), indent=1), "```", "",
            "## History (validation per epoch)", "", "```json", json.dumps(card.get("history", []), indent=1), "```", ""]
    if card.get("notes"):
        out += ["## Notes", ""] + [f"- {n}" for n in card["notes"]] + [""]
    return "\n".join(out)
