"""Who writes a draft: the slot templates alone, the templates with a phrase model's subject lines and opening
sentences, or the whole-draft copy model (the old path). One interface for the CLI and the pages:

    w = CopyWriter("template")                                  # no model loaded
    w = CopyWriter("template+model", phrases=SmolPhrases(gen))  # proposals checked, the template's line otherwise
    w = CopyWriter("model", generator=gen)                      # models.generator.Generator
    drafts = w.draft(facts, n=3)    # DESIGN.md §3 objects plus `writer` and `held_back`; passing ones first

Every candidate goes through analysis.draft_checks (form and meaning). A candidate that fails is held back with its
reasons, never shown as passing (`keep_failing=True` shows it, marked by its failed checks, for the marketer to
fix); identical candidates in one request are merged. A phrase model's proposal that fails a check is held back
and the template's own line is used, so "template + model" is never worse than "template".

held_back: on each draft, the proposals held back while writing it; the request's candidates held back as a whole
(failed, duplicates) go on the first shown draft, so the stored drafts keep why they were chosen.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from analysis import copy_templates, template_writer
from analysis.draft_checks import CheckConfig, explain
from analysis.errors import ShoplensError

WRITERS = ("template", "template+model", "model")
LABELS = {"template": "template", "template+model": "template + model", "model": "model"}


@dataclass
class WriteStats:
    """What the last request cost: wall seconds, new tokens (model writers), candidates considered."""
    seconds: float = 0.0
    new_tokens: int = 0
    candidates: int = 0


def check_writer(name: str) -> str:
    """The writer's canonical name ("template + model" and "template+model" are the same writer)."""
    key = (name or "").replace(" ", "")
    if key not in WRITERS:
        raise ShoplensError(f"Unknown writer '{name}'", fix="use template, template+model or model")
    return key


def _reasons(fields: dict, facts: dict, cfg: CheckConfig) -> list[str]:
    return [f"{k}: {r}" for k, v in explain(fields, facts, cfg).items() for r in v]


def _key(d: dict) -> tuple:
    return tuple(" ".join((d.get(k) or "").split()).lower() for k in ("subject", "preheader", "body", "cta"))


class CopyWriter:
    """Writes checked drafts with one of WRITERS; duck-types models.generator.Generator for the pages and the CLI
    (draft, last_candidates, last_stats, model_version)."""

    def __init__(self, writer: str = "template", generator=None, phrases=None, templates=None,
                 check_config: CheckConfig | None = None):
        self.writer = check_writer(writer)
        self.generator, self.phrases = generator, phrases
        self.templates = templates or copy_templates.load()
        self.cfg = check_config or CheckConfig()
        if self.writer == "model" and generator is None:
            raise ValueError("the model writer needs a generator")
        if self.writer == "template+model" and phrases is None:
            raise ValueError("the template+model writer needs a phrase model")
        self.last_candidates: list[dict] = []
        self.last_stats = WriteStats()

    @property
    def model_version(self) -> str:
        if self.writer == "model":
            return self.generator.model_version
        if self.writer == "template+model":
            return f"{self.templates.version} + {self.phrases.name}"
        return self.templates.version

    @property
    def label(self) -> str:
        return LABELS[self.writer]

    # ------------------------------------------------------------------------------------------ one draft object
    def _draft(self, fields: dict, facts: dict, model_version: str | None = None) -> dict:
        from analysis.draft_checks import run_checks

        ch = facts.get("channel", "email")
        return {"segment": facts.get("segment"), "channel": ch,
                "offer": facts.get("remedy") if ch == "reply" else facts.get("offer"),
                "subject": fields.get("subject"), "preheader": fields.get("preheader"), "body": fields.get("body"),
                "cta": fields.get("cta"), "facts": facts, "checks": run_checks(fields, facts, self.cfg),
                "model_version": model_version or self.model_version, "writer": self.label, "held_back": []}

    # ------------------------------------------------------------------------------------------ writers
    def _template(self, facts: dict, n: int, seed: int | None) -> list[dict]:
        return [self._draft(f, facts) for f in template_writer.write(facts, self.templates, n, seed)]

    def _proposals(self, kind: str, facts: dict, n: int, frame: str | None) -> list[str]:
        if not frame:
            return []
        try:
            return [p for p in self.phrases.propose(kind, facts, n, frame) if isinstance(p, str) and p.strip()]
        except ShoplensError:
            raise
        except Exception as exc:  # a failing phrase model costs its proposals, never the draft
            self._model_errors.append(f"{self.phrases.name} failed to propose a {kind}: {type(exc).__name__}: {exc}")
            return []

    def _template_model(self, facts: dict, n: int, seed: int | None) -> list[dict]:
        """Template candidates whose subject and opening are the phrase model's proposals where those pass every
        check in place; a proposal that fails is held back with the reasons, and the template's line stays."""
        base = template_writer.write(facts, self.templates, n, seed)
        if facts.get("channel") == "reply":
            return [self._draft(f, facts) for f in base]
        frame = template_writer.frames(facts, self.templates, 0, seed)
        props = {k: self._proposals(k, facts, n, frame.get(k)) for k in ("subject", "hook")}
        out = []
        for i, fields in enumerate(base):
            held, used = [], {}
            for kind in ("subject", "hook"):
                if i >= len(props[kind]):
                    continue
                text = " ".join(props[kind][i].split())
                trial = template_writer.render(facts, self.templates, i, seed, **{**used, kind: text})
                why = _reasons(trial, facts, self.cfg)
                if why:
                    held.append({"part": kind, "text": text, "reasons": why})
                else:
                    used[kind] = text
            fields = template_writer.render(facts, self.templates, i, seed, **used) if used else fields
            d = self._draft(fields, facts)
            d["held_back"] = held
            d["model_parts"] = sorted(used)  # which lines the model wrote; the rest is the template's
            out.append(d)
        return out

    def _model(self, facts: dict, n: int, keep_failing: bool, **gen) -> list[dict]:
        """The old whole-draft path; every candidate it sampled is judged here, so failing ones are held back."""
        shown = self.generator.draft(facts, n=n, keep_failing=True, **gen)
        return [{**d, "writer": self.label, "held_back": []} for d in shown]

    # ------------------------------------------------------------------------------------------ the request
    def draft(self, facts: dict, n: int = 3, keep_failing: bool = False, seed: int | None = None,
              **gen) -> list[dict]:
        """Up to n checked drafts for one facts record, passing ones first; failing and duplicate candidates are
        held back (recorded on the first shown draft) unless keep_failing shows the failing ones as failing."""
        t0 = time.perf_counter()
        self._model_errors: list[str] = []
        if self.writer == "template":
            cands = self._template(facts, n, seed)
        elif self.writer == "template+model":
            cands = self._template_model(facts, n, seed)
        else:
            cands = self._model(facts, n, keep_failing, **{k: v for k, v in gen.items() if v is not None})
        shown, held, seen = [], [], {}
        for j, d in enumerate(cands):
            ok = all(d["checks"].values())
            k = _key(d)
            if k in seen:
                held.append({"part": "draft", "text": d.get("subject") or (d.get("body") or "")[:80],
                             "reasons": [f"same as candidate {seen[k] + 1}: merged"]})
                continue
            seen[k] = j
            if ok or keep_failing:
                shown.append(d)
            else:
                held.append({"part": "draft", "text": d.get("subject") or (d.get("body") or "")[:80],
                             "reasons": _reasons(d, facts, self.cfg)})
        held += [{"part": "model", "text": "", "reasons": [e]} for e in self._model_errors]
        shown.sort(key=lambda d: not all(d["checks"].values()))  # passing first, order otherwise kept
        if shown and held:
            shown[0] = {**shown[0], "held_back": shown[0]["held_back"] + held}
        stats = getattr(self.generator, "last_stats", None) if self.writer == "model" else None
        self.last_candidates = [{**d, "passed": all(d["checks"].values())} for d in cands]
        self.last_held_back = held
        self.last_stats = WriteStats(time.perf_counter() - t0, getattr(stats, "new_tokens", 0), len(cands))
        return shown


def make(writer: str, load_generator=None, device: str = "auto") -> CopyWriter:
    """A CopyWriter for `writer`; `load_generator(device)` is called only when the writer needs the copy model
    (the model writer, or "template + model" when the Qwen phrase model is not installed). `phrase_note` on the
    writer says when the SmolLM2 fallback proposes instead of Qwen."""
    from models import phrase_choice

    writer = check_writer(writer)
    if writer == "template":
        return CopyWriter("template")
    if writer == "model":
        return CopyWriter("model", generator=load_generator(device))
    phrases, note = phrase_choice.phrase_model(load_generator, device)
    w = CopyWriter("template+model", phrases=phrases)
    w.phrase_note = note
    return w
