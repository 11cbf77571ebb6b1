"""The README.md model card written beside every saved classifier: data, metrics, date, base model, settings."""
from __future__ import annotations

import json


def _table(rows: list[list], head: list[str]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _f(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def _where(card: dict) -> str:
    """Device plus the machine, so a training time can be read against the hardware that gave it."""
    hw = card.get("hardware") or {}
    extra = ", ".join(x for x in (hw.get("gpu") or hw.get("cpu"), hw.get("cpu_cores") and f"{hw['cpu_cores']} cores",
                                  hw.get("torch_threads") and f"{hw['torch_threads']} threads") if x)
    return card.get("device", "") + (f" ({extra})" if extra else "")


def _phases(phases: dict) -> str:
    names = (("embed_seconds", "embedding"), ("fit_seconds", "fitting"), ("evaluate_seconds", "evaluating"))
    parts = [f"{label} {phases[k]:.0f} s" for k, label in names if isinstance(phases.get(k), int | float)]
    return f" ({', '.join(parts)})" if parts else ""


def _data_lines(data: dict) -> list[str]:
    """What the model learned from, in words: hand-read labels, weak labels and where those came from."""
    out = []
    if "hand_train" in data:
        out.append(f"  - hand-read labels: {data['hand_train']:,} train, {data.get('hand_validation', 0):,} validation, "
                   f"{data.get('hand_test', 0):,} test" + (f"; {data['labels']}" if data.get("labels") else ""))
    if data.get("weak_sentiment"):
        src = data.get("weak_labels_from")
        if isinstance(src, dict):  # a teacher: say which, and how it was made
            t = src.get("teacher_card") or {}
            src = (f"a teacher model's reading ({src.get('teacher_labels', '')}; teacher {t.get('teacher', '?')}, "
                   f"{t.get('reviews', '?'):,} reviews labelled in {t.get('seconds', '?')} s; trained: "
                   f"{t.get('teacher_training') or 'not recorded'})")
        out.append(f"  - weak sentiment labels: {data['weak_sentiment']:,}" + (f", from {src}" if src else ""))
    if data.get("train_sentiment_counts"):
        out.append("  - sentiment rows trained on: " + ", ".join(
            f"{k} {v:,}" for k, v in sorted(data["train_sentiment_counts"].items())))
    if data.get("heldback_for_binary_eval"):
        out.append(f"  - held back for the rating-derived check: {data['heldback_for_binary_eval']:,} reviews")
    known = {"hand_train", "hand_validation", "hand_test", "labels", "weak_sentiment", "weak_labels_from",
             "train_sentiment_counts", "heldback_for_binary_eval"}
    out += [f"  - {k}: {json.dumps(v)}" for k, v in data.items() if k not in known]
    return out


def _encoder_lines(enc: dict | None) -> list[str]:
    """The tuned encoder the heads sit on: what it was fine-tuned on, where, how long, and how it scored."""
    if not enc:
        return []
    ft, rec, test = enc.get("fine_tune") or {}, enc.get("fine_tune_recipe") or {}, enc.get("fine_tuned_model_test") or {}
    hist = [h for h in ft.get("history") or [] if h.get("epoch", 0) > 0]
    out = [f"- Encoder: the base model fine-tuned by this project (id {enc.get('id')}; its difference from the base, "
           f"{enc.get('bytes', 0) / 1e6:.1f} MB, int8 with a scale per row, {enc.get('file', '')}; {enc.get('moved_rows', 0):,} of "
           f"{enc.get('rows', 0):,} word embeddings moved), kept frozen under these heads",
           f"  - fine-tuned {ft.get('trained_at', '')} on {_where(ft)} in {ft.get('train_seconds', 0):.0f} s: "
           f"{len(hist)} epoch(s) of " + ", ".join(f"{h['epoch_seconds']:.0f} s" for h in hist)
           + f" (batch {rec.get('batch_size')}, learning rate {rec.get('lr')}, {rec.get('max_length')} tokens)",
           *["  " + line for line in _data_lines(ft.get("data") or {})]]
    if hist:
        out.append("  - validation sentiment macro-F1 by epoch: " + ", ".join(
            f"{h['val_sentiment_macro_f1']:.3f}" for h in hist if h.get("val_sentiment_macro_f1") is not None))
    if test.get("sentiment_macro_f1") is not None:
        out.append(f"  - the fine-tuned model itself on the test split: sentiment macro-F1 "
                   f"{_f(test.get('sentiment_macro_f1'))}, topics {_f(test.get('topic_macro_f1'))}, held-back "
                   f"balanced accuracy {_f(test.get('heldback_balanced_accuracy'))}")
    return out


def render_card(config, card: dict) -> str:
    m = card.get("metrics", {})
    out = [f"# Shoplens review classifier {config.version or ''}".rstrip(), "",
           f"- Task: {config.task} (sentiment: {', '.join(config.sentiments)}; topics: {', '.join(config.topics)})",
           f"- Base model: {config.base_model}" + (f", bottom {config.encoder_layers} layers"
                                                   if config.encoder_layers else ""),
           f"- Trained: {card.get('trained_at', '')} on {_where(card)} in {card.get('train_seconds', 0):.0f} s"
           + _phases(card.get("phases") or {}),
           "- Data:", *_data_lines(card.get("data", {})), *_encoder_lines(card.get("encoder_tuning")), ""]
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
