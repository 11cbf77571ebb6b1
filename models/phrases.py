"""The phrase-model contract: a local model proposes the few words of a draft that vary (a subject line, an opening
sentence), never the whole draft. models.copy_writer fits each proposal into a slot template's frame and keeps it
only when every meaning check passes; otherwise the template's own line stands.

    class PhraseModel(Protocol):
        name: str
        def propose(self, kind, facts, n, frame) -> list[str]: ...

kind is "subject" (an email subject or ad headline) or "hook" (one opening sentence for the body); facts is the
campaign facts record (analysis.campaign_facts); frame is the template sentence the proposal must fit (the
template's own subject or hook, slots filled), given so a model can rephrase within it. Proposals are plain text,
one line each, no field labels; fewer than n (even none) is allowed.

SmolPhrases puts the SmolLM2 fine-tune (models.generator, the old whole-draft writer) behind this contract: it
samples whole email drafts and keeps their subject lines or first body sentences.
"""
from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

KINDS = ("subject", "hook")
MAX_TOKENS = {"subject": 24, "hook": 96}  # SmolPhrases: enough for the subject line / the headers and a sentence


@runtime_checkable
class PhraseModel(Protocol):
    name: str            # e.g. "SmolLM2-135M fine-tune", "Qwen2.5-1.5B Q4_K_M"
    def propose(self, kind: str, facts: dict, n: int, frame: str) -> list[str]: ...


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown phrase kind {kind!r}: use one of {', '.join(KINDS)}")
    return kind


def first_sentence(text: str) -> str:
    """The first sentence of a body after any greeting line ("Hi {{ first_name }},")."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    if lines and re.match(r"(?i)^(hi|hello|dear|hey)\b.*,$", lines[0]):
        lines = lines[1:]
    body = " ".join(lines)
    m = re.match(r"(.+?[.!?])(?:\s|$)", body)
    return (m.group(1) if m else "").strip()


class SmolPhrases:
    """The SmolLM2 fine-tune (models.generator.Generator.active()) behind the PhraseModel contract."""

    name = "SmolLM2-135M fine-tune"

    def __init__(self, generator=None, device: str = "auto"):
        self._gen, self.device = generator, device

    @property
    def generator(self):
        """Loaded on first use: building the writer costs nothing until a proposal is asked for."""
        if self._gen is None:
            from models.generator import Generator

            self._gen = Generator.active(self.device)
        return self._gen

    def propose(self, kind: str, facts: dict, n: int, frame: str) -> list[str]:
        check_kind(kind)
        from models.prompt import parse_output

        f = {**facts, "channel": "email"}  # email drafts carry both a subject and a body to take the hook from
        # a subject is the first line the model writes; a hook needs the header lines and the body's first sentence
        raw = self.generator.generate([f], n=n, max_new_tokens=MAX_TOKENS[kind])[0]
        out = []
        for text, _ in raw:
            if kind == "subject":
                line, complete, _ = text.partition("\n")  # a subject cut by the token cap is no proposal
                s = line.partition(":")[2] if complete else ""
            else:
                s = first_sentence(parse_output(text, "email").get("body") or "")
            s = " ".join(s.split())
            if s and s not in out:
                out.append(s)
        return out
