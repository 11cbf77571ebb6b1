"""LlamaPhrases: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, run by llama-cpp-python) behind the PhraseModel contract.

Why this model: issue 16 found SmolLM2-135M cannot hold a sentence of copy together; this 1.5B instruct model writes
plain, grounded lines without fine-tuning when shown a few corpus examples (models.phrase_prompt). It proposes only
the words that vary (subjects, hooks); models.copy_writer keeps a proposal only when every meaning check passes.

llama.cpp threads spin while idle unless OMP_WAIT_POLICY=PASSIVE, which would starve the app and other jobs on a
small CPU: it is set before llama_cpp is imported. All layers go to the GPU when llama.cpp was built with CUDA and
one is visible (n_gpu_layers=-1), else the CPU runs SHOPLENS_THREADS threads (default 2).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
import time
from pathlib import Path

from analysis.config import home, private_dir
from analysis.errors import ShoplensError
from models import phrase_prompt, qwen_weights
from models.phrases import check_kind
from models.qwen_weights import Progress

N_CTX = 2048
MAX_TOKENS = {"subject": 24, "hook": 48}  # per requested line, plus numbering


def installed() -> bool:
    """llama-cpp-python importable and the 22 weight parts (or the assembled GGUF) in place: no loading, no hashing."""
    if importlib.util.find_spec("llama_cpp") is None:
        return False
    return qwen_weights.is_ready() or qwen_weights.parts_installed()


def _llama_module():
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import llama_cpp
    except ImportError as e:
        raise ShoplensError("llama-cpp-python is not installed (it runs the Qwen phrase model)",
                            fix=qwen_weights.INSTALL_FIX) from e
    return llama_cpp


def gpu_layers(llama_cpp) -> int:
    """-1 (every layer) when this llama.cpp build can offload and a CUDA device is visible, else 0."""
    if not llama_cpp.llama_supports_gpu_offload():
        return 0
    try:
        import torch
        return -1 if torch.cuda.is_available() else 0
    except ImportError:
        return -1


class LlamaPhrases:
    """Proposes subject lines and hooks with Qwen2.5-1.5B; loads on first use (or `load(progress)` up front)."""

    name = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"

    def __init__(self, seed: int = 0, temperature: float = 0.7, threads: int | None = None):
        self.seed, self.temperature = seed, temperature
        self.threads = threads or int(os.environ.get("SHOPLENS_THREADS", "2"))
        self._llm = None
        self._lock = threading.Lock()  # one llama context: one request at a time
        self.load_seconds: float | None = None
        self.device = "cpu"

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def load(self, progress: Progress | None = None):
        """Assemble/verify the GGUF if needed, load it and read the fixed prompt prefix once, reporting
        (fraction, message) to `progress`: 0-0.6 weights, 0.6-0.8 model, 0.8-1 prompt examples."""
        if self._llm is not None:
            return self._llm
        with self._lock:
            if self._llm is not None:
                return self._llm
            t0 = time.perf_counter()
            say = progress or (lambda f, m: None)
            path = qwen_weights.ensure(lambda f, m: say(0.6 * f, m))
            llama_cpp = _llama_module()
            ngl = gpu_layers(llama_cpp)
            self.device = "cuda" if ngl else "cpu"
            say(0.6, f"loading {self.name} ({self.device})")
            llm = llama_cpp.Llama(model_path=str(path), n_ctx=N_CTX, n_threads=self.threads,
                                  n_threads_batch=self.threads, n_gpu_layers=ngl, seed=self.seed, verbose=False)
            say(0.8, "reading the prompt examples")
            self._warm(llm)
            self._llm = llm
            self.load_seconds = time.perf_counter() - t0
            say(1.0, f"{self.name} ready in {self.load_seconds:.1f} s")
            return llm

    def _warm(self, llm) -> None:
        """Evaluate the fixed prefix (system + examples) so a request reads only its own facts. The evaluated state
        is saved once under $SHOPLENS_HOME/cache/qwen_prefix/ (keyed by the prefix, the weights and the device)
        and restored on later loads: reading the prefix takes about a minute on a busy 2-core CPU."""
        prompt = prompt_text(llm, phrase_prompt.prefix_messages(), add_generation_prompt=False)
        tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        path = prefix_state_path(prompt, self.device)
        llm.reset()
        if path.exists() and restore_prefix(llm, path, tokens):
            return
        llm.eval(tokens)
        save_prefix(llm, path, tokens)

    def complete(self, kind: str, facts: dict, n: int, frame: str) -> str:
        """The model's raw numbered reply for one request."""
        llm = self.load()
        msgs = phrase_prompt.messages(kind, facts, n, frame)
        with self._lock:
            r = llm.create_chat_completion(messages=msgs, max_tokens=MAX_TOKENS[kind] * n + 4 * n,
                                           temperature=self.temperature, top_p=0.9, repeat_penalty=1.05,
                                           seed=self.seed)
        return r["choices"][0]["message"]["content"] or ""

    def propose(self, kind: str, facts: dict, n: int, frame: str) -> list[str]:
        check_kind(kind)
        if n <= 0:
            return []
        return phrase_prompt.parse(kind, self.complete(kind, facts, n, frame), n)


def prefix_state_path(prompt: str, device: str) -> Path:
    key = hashlib.sha256(f"{qwen_weights.GGUF_SHA256}|{device}|{N_CTX}|{prompt}".encode()).hexdigest()[:20]
    return home() / "cache" / "qwen_prefix" / f"{key}.state"


def save_prefix(llm, path: Path, tokens: list[int]) -> None:
    """llama.cpp's own state file for the evaluated prefix, written under a temporary name and renamed."""
    import llama_cpp

    private_dir(path.parent)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    arr = (llama_cpp.llama_token * len(tokens))(*tokens)
    if llama_cpp.llama_state_save_file(llm.ctx, str(tmp).encode(), arr, len(tokens)):
        os.replace(tmp, path)
    else:
        tmp.unlink(missing_ok=True)


def restore_prefix(llm, path: Path, tokens: list[int]) -> bool:
    """Load a saved prefix state; False (and a clean context) when it is unreadable or for other tokens."""
    import ctypes

    import llama_cpp

    cap = len(tokens)
    out, count = (llama_cpp.llama_token * cap)(), ctypes.c_size_t(0)
    ok = llama_cpp.llama_state_load_file(llm.ctx, str(path).encode(), out, cap, ctypes.byref(count))
    if not ok or count.value != cap or list(out) != list(tokens):
        llm.reset()
        llm._ctx.kv_cache_clear()
        return False
    llm.input_ids[:cap] = tokens
    llm.n_tokens = cap
    llm._requires_eval = True  # the next request decodes its own suffix before sampling
    return True


def prompt_text(llm, msgs: list[dict], add_generation_prompt: bool = True) -> str:
    """The chat-templated text of `msgs` with the GGUF's own template (the one create_chat_completion applies)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    meta = llm.metadata
    fmt = Jinja2ChatFormatter(template=meta["tokenizer.chat_template"], eos_token="<|im_end|>", bos_token="",
                              add_generation_prompt=add_generation_prompt)
    return fmt(messages=msgs).prompt


def main() -> int:
    """`python -m models.llama_phrases`: assemble and verify the weights, load the model and save its prompt prefix
    (set-up runs it so the app's first load is quick); prints one JSON line."""
    import json
    import sys

    shown = set()

    def show(frac: float, what: str) -> None:
        if (what, int(frac * 10)) not in shown:
            shown.add((what, int(frac * 10)))
            print(f"{what}: {int(frac * 100)}%", file=sys.stderr, flush=True)

    try:
        m = LlamaPhrases()
        m.load(show)
    except ShoplensError as e:
        print(e, file=sys.stderr)
        return 2
    print(json.dumps({"model": m.name, "gguf": str(qwen_weights.gguf_path()), "device": m.device,
                      "load_seconds": round(m.load_seconds, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
