"""Phrase models side by side: 3 subject lines and 3 opening sentences (hooks) per facts record from Qwen2.5-1.5B
(models.llama_phrases) and the SmolLM2 fine-tune (models.phrases.SmolPhrases), in the same run, with timings.
For a rater to read; nothing here scores the lines.

    python bench/phrases.py [--demo 10] [--other 10] [--n 3] [--models qwen,smol] [--out bench/results/phrases.txt]

Records: the first --demo email records of the bundled demo shop (every non-empty RFM segment, facts from the app's
own builder, brand "Hollow Oak Gifts") and the first --other records of bench/data/phrase_shops.jsonl (ten shops of
other kinds, written for this bench, in no training data or prompt). Frames (the template line a phrase must fit)
come from the slot templates (analysis.template_writer.frames) when they are installed, else from FRAMES below.
Load time is measured in this process for each model (Qwen: weights verified by stamp, prompt prefix from its
saved state when present: the output says which). Writes the table to --out and every line to bench/out/phrases.jsonl.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OTHER = ROOT / "bench" / "data" / "phrase_shops.jsonl"
DEMO_BRAND = "Hollow Oak Gifts"

# Used only when the slot templates (analysis.template_writer) are not installed: one plain line per meaning.
FRAMES = {
    "thanks": ("A thank-you from {brand}", "Thank you for every order you have placed with {brand}."),
    "welcome": ("Welcome to {brand}", "Thank you for your first order with {brand}."),
    "grow": ("Something for your next order", "Thank you for shopping with {brand} recently."),
    "nudge": ("A little something from {brand}", "We have something for your next order at {brand}."),
    "winback": ("We miss you at {brand}", "It has been a while since your last order, and we have missed you."),
}
MEANING = {"Champions": "thanks", "Loyal": "thanks", "New": "welcome", "Promising": "grow",
           "Potential loyalist": "grow", "Need attention": "nudge", "About to sleep": "nudge", "At risk": "winback",
           "Cannot lose them": "winback", "Hibernating": "winback", "Lost": "winback"}


def frames_for(facts: dict) -> tuple[dict, str]:
    """({"subject", "hook"} template lines for this record, where they came from)."""
    try:
        from analysis import copy_templates, template_writer
    except ImportError:
        subj, hook = FRAMES[MEANING.get(facts.get("segment"), "nudge")]
        return {"subject": subj.format(**facts), "hook": hook.format(**facts)}, "bench FRAMES"
    fr = template_writer.frames(facts, copy_templates.load(), 0, 0)
    return {"subject": fr.get("subject") or "", "hook": fr.get("hook") or ""}, "slot templates"


def demo_records(k: int) -> list[dict]:
    from bench.drafts_eval import demo_facts

    return [f for f in demo_facts(0, brand=DEMO_BRAND) if f["channel"] == "email"][:k]


def other_records(k: int) -> list[dict]:
    with open(OTHER, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()][:k]


def load_model(name: str):
    """(model, load seconds, note)."""
    t0 = time.perf_counter()
    if name == "qwen":
        from models import llama_phrases
        from models.phrase_prompt import prefix_messages  # noqa: F401  (imported before timing the load itself)

        m = llama_phrases.LlamaPhrases()
        m.load()
        llm = m._llm
        prompt = llama_phrases.prompt_text(llm, prefix_messages(), add_generation_prompt=False)
        note = "prompt prefix: saved state" if llama_phrases.prefix_state_path(prompt, m.device).exists() else ""
        return m, time.perf_counter() - t0, f"{m.device}; {note}"
    from models.phrases import SmolPhrases

    m = SmolPhrases()
    _ = m.generator
    return m, time.perf_counter() - t0, f"{m.generator.model_version}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", type=int, default=10)
    ap.add_argument("--other", type=int, default=10)
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--models", default="qwen,smol")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "phrases.txt"))
    args = ap.parse_args()

    records = [("demo", f) for f in demo_records(args.demo)] + [("other", f) for f in other_records(args.other)]
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    models, loads = {}, {}
    for name in names:
        models[name], secs, note = load_model(name)
        loads[name] = (secs, note)
        print(f"loaded {models[name].name}: {secs:.1f} s ({note})", flush=True)

    rows, times = [], {(m, k): [] for m in names for k in ("subject", "hook")}
    for i, (src, facts) in enumerate(records, 1):
        frame, frame_src = frames_for(facts)
        for kind in ("subject", "hook"):
            for name in names:
                t0 = time.perf_counter()
                out = models[name].propose(kind, facts, args.n, frame[kind])
                dt = time.perf_counter() - t0
                times[(name, kind)].append(dt)
                rows.append({"record": i, "source": src, "brand": facts["brand"], "segment": facts["segment"],
                             "tone": facts.get("tone"), "offer": facts.get("offer"),
                             "products": facts.get("top_products"), "kind": kind, "frame": frame[kind],
                             "frame_source": frame_src, "model": models[name].name, "seconds": round(dt, 2),
                             "lines": out})
                print(f"[{i}/{len(records)}] {facts['segment']} {kind} {name}: {dt:.1f} s, {len(out)} lines",
                      flush=True)
        Path(args.out).write_text(report(rows, times, loads, models, records[:i], args), encoding="utf-8")

    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "phrases.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    Path(args.out).write_text(report(rows, times, loads, models, records, args), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def report(rows, times, loads, models, records, args) -> str:
    load_avg = os.getloadavg()
    lines = [f"# bench/phrases.py — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
             f"{os.cpu_count()} CPUs, load average {load_avg[0]:.1f} at the end (other jobs shared the CPU)",
             f"# {len(records)} records ({sum(s == 'demo' for s, _ in records)} demo shop '{DEMO_BRAND}', "
             f"{sum(s == 'other' for s, _ in records)} other shops from bench/data/phrase_shops.jsonl), "
             f"{args.n} subjects + {args.n} hooks each; not rated here.", "", "## Timings (seconds, this run)", "",
             "| model | load | subjects: median (min-max) | hooks: median (min-max) | lines returned of asked |",
             "|---|---|---|---|---|"]
    for name, m in models.items():
        got = sum(len(r["lines"]) for r in rows if r["model"] == m.name)
        asked = args.n * 2 * len(records)
        cells = []
        for kind in ("subject", "hook"):
            t = times[(name, kind)]
            cells.append(f"{statistics.median(t):.1f} ({min(t):.1f}-{max(t):.1f})" if t else "-")
        lines.append(f"| {m.name} | {loads[name][0]:.1f} ({loads[name][1]}) | {cells[0]} | {cells[1]} | "
                     f"{got}/{asked} |")
    lines += ["", "## Lines", ""]
    last = None
    for r in rows:
        if r["record"] != last:
            last = r["record"]
            lines += ["", f"### {r['record']}. {r['brand']} ({r['source']}) — {r['segment']}, {r['tone']}; "
                          f"offer: {r['offer']}; products: {'; '.join(r['products'] or [])}"]
        if r["model"] == next(iter(models.values())).name:
            lines.append(f"{r['kind']} frame ({r['frame_source']}): {r['frame']}")
        lines.append(f"  {r['model']} [{r['seconds']:.1f} s]:")
        lines += [f"    - {s}" for s in r["lines"]] or ["    (none)"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
