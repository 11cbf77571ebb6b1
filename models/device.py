"""The one place that picks where models run: CUDA with bfloat16 when present, else CPU with float32."""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class DeviceChoice:
    device: torch.device
    dtype: torch.dtype  # dtype for autocast on GPU; CPU stays float32

    @property
    def name(self) -> str:
        return f"{self.device.type}/{str(self.dtype).replace('torch.', '')}"


def set_threads() -> None:
    """Keep CPU work to SHOPLENS_THREADS threads (default 2) so training never starves the app or other jobs."""
    torch.set_num_threads(int(os.environ.get("SHOPLENS_THREADS", "2")))


def choose(requested: str = "auto") -> DeviceChoice:
    """`auto` → cuda+bf16 when a GPU is visible, else cpu/float32; `cpu`/`cuda` force one (cuda without a GPU fails)."""
    from analysis.errors import ShoplensError

    requested = (requested or "auto").lower()
    if requested not in ("auto", "cpu", "cuda"):
        raise ShoplensError(f"Unknown device '{requested}'", fix="use auto, cpu or cuda")
    if requested == "cuda" and not torch.cuda.is_available():
        raise ShoplensError("--device cuda was asked for but no CUDA GPU is visible", fix="use --device auto or cpu")
    if requested in ("auto", "cuda") and torch.cuda.is_available():
        bf16 = torch.cuda.is_bf16_supported()
        return DeviceChoice(torch.device("cuda"), torch.bfloat16 if bf16 else torch.float16)
    set_threads()
    return DeviceChoice(torch.device("cpu"), torch.float32)


def int8_linear(module: torch.nn.Module) -> torch.nn.Module:
    """`module` with every Linear layer int8 dynamically quantized, for CPU inference only; measure accuracy before
    relying on it (bench/classify.py and bench/drafts_eval.py --int8 both found it costs quality here)."""
    import warnings

    with warnings.catch_warnings():  # torch.ao's deprecation notice; it is the API torch 2.13 ships
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(module, {torch.nn.Linear}, dtype=torch.qint8)
