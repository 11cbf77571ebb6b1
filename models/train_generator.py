"""LoRA fine-tune of the SmolLM2 copy model on the campaign corpus (train split); loss on the output tokens only.

    python -m models.train_generator [--epochs 1] [--max-minutes 25] [--device auto]

Writes $SHOPLENS_HOME/models/generator/<version>/ with the merged weights (safetensors), the tokenizer, metrics.json
and a README.md model card, and points models/generator/active.json at it. `--max-minutes` stops a CPU run
early; the card then says how much of the epoch was seen.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import torch

from analysis.atomic_file import write_text_atomic
from models.generator_base import BASE_NAME, base_dir, device_choice, ensure_base, generator_root
from models.prompt import format_output, prompt


@dataclass
class TrainConfig:
    epochs: float = 1.0
    lr: float = 3e-4
    batch_size: int = 4
    max_len: int = 384
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                                               "up_proj", "down_proj"])
    warmup_steps: int = 5
    seed: int = 13
    max_minutes: float | None = None
    eval_limit: int | None = 40
    device: str = "auto"
    init_from: str | None = None  # continue from an earlier merged version folder instead of the base


def load_corpus(split: str, path: Path | None = None) -> list[dict]:
    from analysis.draft_checks import corpus_path
    rows = [json.loads(line) for line in Path(path or corpus_path()).open(encoding="utf-8")]
    return [r for r in rows if r["split"] == split]


def encode(row: dict, tok, max_len: int) -> dict:
    """input_ids and labels (-100 over the prompt) for one example, cut to max_len tokens."""
    p = tok(prompt(row["facts"], tok), add_special_tokens=False)["input_ids"]
    o = tok(format_output(row["output"], row["facts"]["channel"]) + "<|im_end|>", add_special_tokens=False)["input_ids"]
    ids = (p + o)[:max_len]
    labels = ([-100] * len(p) + o)[:max_len]
    return {"input_ids": ids, "labels": labels}


def batches(items: list[dict], bs: int, pad_id: int, rng: random.Random):
    """Length-bucketed, shuffled batches, right-padded: (input_ids, attention_mask, labels), each (B, T)."""
    order = sorted(range(len(items)), key=lambda i: len(items[i]["input_ids"]))
    groups = [order[i:i + bs] for i in range(0, len(order), bs)]
    rng.shuffle(groups)
    for g in groups:
        T = max(len(items[i]["input_ids"]) for i in g)
        ids = torch.full((len(g), T), pad_id)
        mask = torch.zeros((len(g), T), dtype=torch.long)
        lab = torch.full((len(g), T), -100)
        for r, i in enumerate(g):
            n = len(items[i]["input_ids"])
            ids[r, :n] = torch.tensor(items[i]["input_ids"])
            mask[r, :n] = 1
            lab[r, :n] = torch.tensor(items[i]["labels"])
        yield ids, mask, lab


@torch.no_grad()
def eval_loss(model, items: list[dict], bs: int, pad_id: int, device) -> float:
    model.eval()
    tot, n = 0.0, 0
    for ids, mask, lab in batches(items, bs, pad_id, random.Random(0)):
        out = model(input_ids=ids.to(device), attention_mask=mask.to(device), labels=lab.to(device))
        k = int((lab[:, 1:] != -100).sum())
        tot, n = tot + float(out.loss) * k, n + k
    model.train()
    return tot / max(n, 1)


def render_card(cfg: TrainConfig, card: dict) -> str:
    m = card["metrics"]
    lines = [f"# Shoplens copy generator {card['version']}", "",
             f"- Base model: {BASE_NAME}", "- Method: LoRA (peft), merged into the base weights",
             f"- Started from: {cfg.init_from or 'the base model'}",
             f"- Trained: {card['trained_at']} on {card['device']} in {card['train_seconds']:.0f} s",
             f"- Data: campaign corpus (models/data/campaign_corpus), train split, {card['data']['train']} examples "
             f"({json.dumps(card['data']['by_task'])}); test split {card['data']['test']} examples",
             f"- Seen: {card['examples_seen']} examples = {card['epochs_done']:.2f} epochs "
             f"({card['steps']} optimizer steps){' - stopped by the time budget' if card['stopped_early'] else ''}",
             f"- Seconds per step (batch {cfg.batch_size}): {card['seconds_per_step']:.1f}; "
             f"projected seconds per full epoch: {card['seconds_per_epoch_projected']:.0f}", "",
             "## Metrics", "", f"- Test-split loss on output tokens ({card['data']['eval_n']} test examples, seeded sample): "
             f"start model {m['test_loss_base']:.3f}, after this run {m['test_loss']:.3f}",
             f"- Train loss, last 10 steps: {m['train_loss_last']:.3f}", "",
             "Draft-level quality (share of candidates passing every check, offer-exact rate, distinct-2): run "
             "`python bench/drafts_eval.py`.", "", "## Hyper-parameters", "", "```json",
             json.dumps(asdict(cfg), indent=1), "```", "", "## Loss history", "", "```json",
             json.dumps(card["history"]), "```", "",
             "Reproduce: `python -m models.train_generator` (the corpus and this command are in the repo).", ""]
    return "\n".join(lines)


def train(cfg: TrainConfig, out_root: Path | None = None) -> Path:
    from peft import LoraConfig, get_peft_model
    from tqdm import tqdm
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from models.registry import new_version

    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    choice = device_choice(cfg.device)
    folder = Path(cfg.init_from) if cfg.init_from else ensure_base(base_dir())
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).to(choice.device)
    train_rows, test_rows = load_corpus("train"), load_corpus("test")
    train_items = [encode(r, tok, cfg.max_len) for r in train_rows]
    rng_eval = random.Random(0)
    test_sample = rng_eval.sample(test_rows, min(len(test_rows), cfg.eval_limit or len(test_rows)))
    test_items = [encode(r, tok, cfg.max_len) for r in test_sample]
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    t_eval = time.perf_counter()
    base_loss = eval_loss(model, test_items, cfg.batch_size, pad, choice.device)
    eval_seconds = time.perf_counter() - t_eval
    model = get_peft_model(model, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                                             target_modules=cfg.target_modules, task_type="CAUSAL_LM"))
    model.train()
    steps_per_epoch = math.ceil(len(train_items) / cfg.batch_size)
    total = max(1, int(steps_per_epoch * cfg.epochs))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / cfg.warmup_steps) * max(0.05, 1 - s / total))
    use_amp = choice.device.type == "cuda"
    history, losses, step, seen, stopped = [], [], 0, 0, False
    t0 = time.perf_counter()
    bar = tqdm(total=total, desc="train generator", unit="step")
    while step < total and not stopped:
        for ids, mask, lab in batches(train_items, cfg.batch_size, pad, rng):
            with torch.autocast(choice.device.type, dtype=choice.dtype, enabled=use_amp):
                loss = model(input_ids=ids.to(choice.device), attention_mask=mask.to(choice.device),
                             labels=lab.to(choice.device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step, seen = step + 1, seen + ids.shape[0]
            losses.append(loss.item())
            history.append({"step": step, "loss": round(float(loss), 4), "seconds": round(time.perf_counter() - t0, 1)})
            bar.update(1)
            bar.set_postfix(loss=f"{float(loss):.3f}")
            if step >= total:
                break
            if cfg.max_minutes and time.perf_counter() - t0 > cfg.max_minutes * 60:
                stopped = True
                break
    bar.close()
    train_seconds = time.perf_counter() - t0
    test_loss = eval_loss(model, test_items, cfg.batch_size, pad, choice.device)

    version = new_version()
    out = Path(out_root or generator_root()) / version
    tmp = out.with_name(version + ".tmp")
    merged = model.merge_and_unload()
    merged.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    by_task: dict[str, int] = {}
    for r in train_rows:
        by_task[r["facts"]["channel"]] = by_task.get(r["facts"]["channel"], 0) + 1
    card = {"version": version, "base_model": BASE_NAME, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "device": choice.name, "threads": torch.get_num_threads(), "train_seconds": train_seconds,
            "eval_seconds_base": eval_seconds, "steps": step, "examples_seen": seen,
            "epochs_done": seen / len(train_items), "stopped_early": stopped,
            "seconds_per_step": train_seconds / max(step, 1),
            "seconds_per_epoch_projected": train_seconds / max(step, 1) * steps_per_epoch,
            "data": {"train": len(train_items), "test": len(test_rows), "eval_n": len(test_items), "by_task": by_task},
            "metrics": {"test_loss_base": base_loss, "test_loss": test_loss,
                        "train_loss_last": sum(losses[-10:]) / max(1, len(losses[-10:]))},
            "hyperparameters": asdict(cfg), "history": history}
    (tmp / "metrics.json").write_text(json.dumps(card, indent=1))
    (tmp / "README.md").write_text(render_card(cfg, card))
    tmp.rename(out)
    pointer = out.parent / "active.json"
    write_text_atomic(pointer, json.dumps({"version": version, "path": str(out), "metric": test_loss}))
    print(json.dumps({"version": version, "path": str(out), "steps": step, "epochs_done": round(card["epochs_done"], 3),
                      "train_seconds": round(train_seconds, 1), "test_loss_base": round(base_loss, 4),
                      "test_loss": round(test_loss, 4)}))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--max-len", type=int, default=384)
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--eval-limit", type=int, default=40)
    ap.add_argument("--device", default=os.environ.get("SHOPLENS_DEVICE", "auto"))
    ap.add_argument("--seed", type=int, default=13, help="shuffle seed (use another one when continuing)")
    ap.add_argument("--init-from", default=None, help="continue from an earlier version folder")
    a = ap.parse_args(argv)
    train(TrainConfig(epochs=a.epochs, lr=a.lr, batch_size=a.batch_size, max_len=a.max_len,
                      max_minutes=a.max_minutes, eval_limit=a.eval_limit, device=a.device,
                      init_from=a.init_from, seed=a.seed))


if __name__ == "__main__":
    main()
