"""The fine-tuned copy model that ships in the repo, as its LoRA deltas on the base weights (19 MB).

The base SmolLM2 writes no draft that passes the checks (0 of 24 in bench/drafts_eval.py), and a fine-tune takes
about forty minutes on this CPU, so a fresh install without this would draft nothing usable. A merged fine-tune is a
538 MB folder; what it changed is a low-rank update of seven projections per layer (two LoRA r=16 runs, the second
continuing the first, so rank 32), so the repo keeps only those factors (recovered from the merged weights by SVD,
stored in float16: largest error 1.5e-5) and adds them to the base at load time. A version the shop trains itself
(models/generator/active.json in its home) always wins over the shipped one. Reproduce the shipped files with:

    python -m models.train_generator --lr 3e-4 --seed 13 --max-minutes 22
    python -m models.train_generator --lr 6e-4 --seed 14 --max-minutes 16 --init-from <first version folder>
    python -m models.generator_adapter export <second version folder> --rank 32
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from analysis.atomic_file import write_text_atomic
from analysis.errors import ShoplensError

ADAPTER_DIR = Path(__file__).resolve().parent / "data" / "generator_adapter"
DELTAS_FILE = "deltas.safetensors"
INFO_FILE = "adapter.json"


def export(tuned: Path | str, base: Path | str | None = None, out: Path = ADAPTER_DIR, rank: int = 32) -> dict:
    """Factor tuned - base into B @ A (rank `rank`) for every tensor the fine-tune changed; keep the card."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    from models.generator_base import base_dir, ensure_base

    tuned = Path(tuned)
    base = Path(base) if base else ensure_base(base_dir())
    factors, worst, changed = {}, 0.0, 0
    with safe_open(str(tuned / "model.safetensors"), "pt") as t, safe_open(str(base / "model.safetensors"), "pt") as b:
        for key in t.keys():
            delta = t.get_tensor(key).float() - b.get_tensor(key).float()
            if not delta.abs().max() > 0:
                continue
            if delta.dim() != 2:
                raise ShoplensError(f"{key} changed but is not a matrix", fix="export only LoRA fine-tunes")
            u, s, vh = torch.linalg.svd(delta, full_matrices=False)
            left, right = (u[:, :rank] * s[:rank]).half(), vh[:rank].contiguous().half()
            worst = max(worst, float((left.float() @ right.float() - delta).abs().max()))
            factors[f"{key}::B"], factors[f"{key}::A"] = left.contiguous(), right
            changed += 1
    out.mkdir(parents=True, exist_ok=True)
    save_file(factors, str(out / DELTAS_FILE))
    card = json.loads((tuned / "metrics.json").read_text())
    for name in ("metrics.json", "README.md"):
        if (tuned / name).exists():
            shutil.copy(tuned / name, out / name)
    info = {"version": card.get("version", tuned.name), "rank": rank, "tensors": changed,
            "max_abs_reconstruction_error": worst, "base_model": card.get("base_model")}
    write_text_atomic(out / INFO_FILE, json.dumps(info, indent=1))
    return info


def available() -> bool:
    return (ADAPTER_DIR / DELTAS_FILE).exists() and (ADAPTER_DIR / INFO_FILE).exists()


def version() -> str:
    return "shipped-" + json.loads((ADAPTER_DIR / INFO_FILE).read_text())["version"]


def apply(model) -> str:
    """Add the shipped deltas to a base model in memory; returns the version name drafts are stored under."""
    import torch
    from safetensors.torch import load_file

    if not available():
        raise ShoplensError("The shipped copy-model adapter is missing from models/data/generator_adapter",
                            fix="run `python -m models.generator_adapter export <fine-tuned folder>`")
    params = dict(model.named_parameters())
    factors = load_file(str(ADAPTER_DIR / DELTAS_FILE))
    for key in {k.rsplit("::", 1)[0] for k in factors}:
        if key not in params:
            raise ShoplensError(f"The shipped adapter changes {key}, which the base model does not have",
                                fix="re-export the adapter against this base model")
        p = params[key]
        delta = factors[f"{key}::B"].float() @ factors[f"{key}::A"].float()
        with torch.no_grad():
            p.add_(delta.to(device=p.device, dtype=p.dtype))
    return version()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="factor a merged LoRA fine-tune into the shipped deltas")
    e.add_argument("folder")
    e.add_argument("--rank", type=int, default=32)
    a = ap.parse_args(argv)
    print(json.dumps(export(a.folder, rank=a.rank)))


if __name__ == "__main__":
    main()
