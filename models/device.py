"""The one place that picks where models run: CUDA with bfloat16 when present, else CPU with float32 (plus, for the
copy model's few-row decoding steps, float16 weights: HalfDecodeLinear)."""
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


def hardware(choice: DeviceChoice) -> dict:
    """What a model card records about where a step ran, so a time in it can be read ("306 s" means little without
    the CPU model and thread count, or the GPU)."""
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    out = {"device": choice.name, "cpu": cpu, "cpu_cores": os.cpu_count(), "torch_threads": torch.get_num_threads()}
    if choice.device.type == "cuda":
        out["gpu"] = torch.cuda.get_device_name(choice.device)
    return out


def int8_linear(module: torch.nn.Module) -> torch.nn.Module:
    """`module` with every Linear layer int8 dynamically quantized, for CPU inference only; measure accuracy before
    relying on it (bench/classify.py and bench/drafts_eval.py --int8 both found it costs quality here)."""
    import warnings

    with warnings.catch_warnings():  # torch.ao's deprecation notice; it is the API torch 2.13 ships
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(module, {torch.nn.Linear}, dtype=torch.qint8)


class HalfDecodeLinear(torch.nn.Linear):
    """A float32 Linear that multiplies by a float16 copy of its weight when it sees at most ROWS rows.

    Why: decoding a few candidates of a 135M model on two CPU cores is bound by reading the weights every step, and
    PyTorch's float16 matrix-vector kernel reads half the bytes and runs near the memory bandwidth, while float32 at
    3 rows falls into a GEMM path that reaches about a quarter of it. Measured on this 2-core EPYC (all of the
    SmolLM2 decoder and lm_head, one step): 3 rows 37-40 ms in float16 vs 72-90 ms in float32; 4 rows 50 vs 73;
    from 5 rows float32 is as fast or faster, and a prompt (hundreds of rows) is 7x slower in float16. So prompts and
    wide batches keep float32, and the few-row decoding steps use float16 (11-bit mantissa: greedy decoding gave
    the same 60 tokens as float32 on a test email). Weights stay float32 in the state dict; the copy is refreshed
    whenever the weight is changed in place (e.g. the shipped deltas added after loading)."""

    ROWS = 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.numel() > self.rows * x.shape[-1] or x.dtype != torch.float32:
            return torch.nn.functional.linear(x, self.weight, self.bias)
        if self.w16_version != self.weight._version:
            self._refresh_half()
        return torch.nn.functional.linear(x.to(torch.float16), self.w16, self.b16).to(x.dtype)

    def _refresh_half(self) -> None:
        with torch.no_grad():
            self.w16 = self.weight.detach().to(torch.float16)
            self.b16 = None if self.bias is None else self.bias.detach().to(torch.float16)
        self.w16_version = self.weight._version


def half_decode(module: torch.nn.Module, on: bool = True) -> int:
    """Switch every float32 CPU Linear in `module` to HalfDecodeLinear (in place; parameters, state dict keys and
    saving unchanged), or with on=False make the switched ones compute in float32 again; returns how many layers
    use float16 decoding now. Quantized or GPU layers are left as they are.

    There is no per-layer overflow check (it cost 8 ms of a ~90 ms step): an activation beyond float16's range
    (±65504) turns the logits into inf/NaN, models.sampling raises NonFiniteLogits on them (one check per step),
    and Generator.generate redoes the request in float32."""
    n = 0
    for m in module.modules():
        if on and type(m) is torch.nn.Linear and m.weight.dtype == torch.float32 and m.weight.device.type == "cpu":
            m.__class__ = HalfDecodeLinear
            m.register_buffer("w16", None, persistent=False)
            m.register_buffer("b16", None, persistent=False)
            m.w16_version = -1
        if isinstance(m, HalfDecodeLinear):
            m.rows = HalfDecodeLinear.ROWS if on else 0
            n += on
    return n
