"""Campaign and reply drafts: sample several candidates in one batch, parse, check, rank.

    gen = Generator.from_pretrained(folder)      # the base cache or a fine-tuned version folder
    drafts = gen.draft(facts, n=3)               # list of DESIGN.md §3 draft objects, best first

Decoding (models.sampling; on CPU with float16 weights for the few-row steps, models.device.HalfDecodeLinear):
nucleus sampling with a repetition penalty on the generated tokens only (the usual penalty also hits the prompt,
which pushes the model away from copying the offer and product names verbatim), every token that would write a
character outside printable ASCII plus currency symbols (£ € ¥ ₹ ...) suppressed (so no emoji), no word a check rejects unless the facts
hold it (BannedWords: an invented "today", an echoed "system"), stop at the end-of-turn marker, but never before an
email or ad has its body (BodyBeforeStop). Each candidate runs through analysis.draft_checks; a failing one
gets a minimal repair when that makes every check pass (analysis.draft_repair: offer or remedy verbatim, one apology
sentence, the brand as given, a sentence with an invented date or number dropped, whole sentences dropped to fit a
length), else it is dropped (or kept and marked with `keep_failing=True`); passing ones are ranked by mean token
log-probability, unrepaired first.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from analysis import money
from analysis.draft_checks import OPT_OUT, CheckConfig, fact_bound_words, run_checks
from analysis.draft_repair import repair
from models.prompt import MAX_NEW_TOKENS, answer_prefix, parse_output, prompt
from models.sampling import NonFiniteLogits, Sampled, sample

ALLOWED_EXTRA = money.SYMBOL_CHARS  # "£€¥₹..." a shop's offer may hold, in any shop currency
OPT_OUT_ANY = re.compile(r"\s*\b" + re.escape(OPT_OUT).replace(r"\ ", r"\s+") + r"\b[.!]?", re.I)


@dataclass
class GenStats:
    """What the last generate call cost: wall seconds, new tokens (summed over candidates), candidates."""
    seconds: float = 0.0
    new_tokens: int = 0
    candidates: int = 0


class GeneratedRepetitionPenalty:
    """Repetition penalty over the tokens generated so far (positions >= prompt_len), never the prompt's."""

    def __init__(self, prompt_len: int, penalty: float):
        self.prompt_len, self.penalty = prompt_len, penalty

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor,
                 rows: Sequence[int] | None = None) -> torch.FloatTensor:
        gen = input_ids[:, self.prompt_len:]  # (B, T_new)
        if gen.numel() == 0 or self.penalty == 1.0:
            return scores
        s = torch.gather(scores, 1, gen)
        s = torch.where(s < 0, s * self.penalty, s / self.penalty)
        return scores.scatter(1, gen, s)


class BodyBeforeStop:
    """No end-of-turn before the copy has a body: candidates marked `needs` (email and ad candidates, which start at
    `subject:`) cannot stop until their text holds a `body:` line followed by at least `min_chars` characters.

    Without it the model sometimes ends the turn after the preheader, and the candidate fails the offer and format
    checks with no copy to repair (2 of the 6 failed email candidates in bench/drafts_eval.py, 2026-11-29)."""

    BODY = re.compile(r"(?im)^\s*body\s*:")

    def __init__(self, prompt_len: int, tokenizer, stop_ids: list[int], needs: list[bool], min_chars: int = 40):
        self.prompt_len, self.tok, self.stop_ids, self.min_chars = prompt_len, tokenizer, stop_ids, min_chars
        self.open = {i for i, n in enumerate(needs) if n}  # candidates still without a body

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor,
                 rows: Sequence[int] | None = None) -> torch.FloatTensor:
        """`rows[j]` is the candidate that batch row j holds (models.sampling drops finished rows); default: row j."""
        rows = range(input_ids.shape[0]) if rows is None else rows
        banned = []
        for j, cand in enumerate(rows):
            if cand not in self.open:
                continue
            text = self.tok.decode(input_ids[j, self.prompt_len:], skip_special_tokens=True)
            m = self.BODY.search(text)
            if m is None or len(text[m.end():].strip()) < self.min_chars:
                banned.append(j)
            else:
                self.open.discard(cand)
        if banned:
            at = torch.tensor(banned, device=scores.device)
            sub = scores.index_select(0, at)
            sub[:, self.stop_ids] = float("-inf")
            scores = scores.index_copy(0, at, sub)
        return scores


class BannedWords:
    """-inf for the token ids `always` (emoji and other non-ASCII text, for every prompt) and for the words of
    analysis.draft_checks.fact_bound_words (an invented "today", "April" or "three", an echoed "system" or
    "instructions"): each prompt has its own word list, since a word the facts hold is allowed. A word that is one
    token is masked at every step, through one mask per prompt built once; a longer one loses its last token when
    the row has just written the others ("tom" + "orrow").

    Why at decoding and not only in the checks: such a word fails the whole candidate, or costs the sentence or
    subject it sits in when repaired (15 of the 23 failed candidates of five bench/drafts_eval.py draws of test
    records 5-11 held one)."""

    def __init__(self, tokenizer, words_per_prompt: Sequence[Sequence[str]], n: int, always: Sequence[int] = ()):
        self.n, self.masks = n, None
        self.single, self.multi = [], []
        for words in words_per_prompt:
            seqs = {s for w in words for s in _word_token_seqs(tokenizer, w)}
            self.single.append(sorted({s[0] for s in seqs if len(s) == 1} | set(always)))
            self.multi.append(sorted(s for s in seqs if len(s) > 1))
        self.look = max((len(s) - 1 for m in self.multi for s in m), default=0)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor,
                 rows: Sequence[int] | None = None) -> torch.FloatTensor:
        rows = range(input_ids.shape[0]) if rows is None else rows
        if self.masks is None:  # one mask per prompt, built once at the width of the scores
            self.masks = torch.zeros(len(self.single), scores.shape[-1], dtype=torch.bool, device=scores.device)
            for b, ids in enumerate(self.single):
                self.masks[b, [i for i in ids if i < scores.shape[-1]]] = True
        prompts = torch.tensor([cand // self.n for cand in rows], device=scores.device)
        scores = scores.masked_fill(self.masks[prompts], float("-inf"))
        if self.look:
            tail = input_ids[:, -self.look:].tolist()
            for j, b in enumerate(prompts.tolist()):
                for s in self.multi[b]:
                    if tuple(tail[j][len(tail[j]) - len(s) + 1:]) == s[:-1]:
                        scores[j, s[-1]] = float("-inf")
        return scores


@lru_cache(maxsize=4096)
def _word_token_seqs(tok, word: str) -> tuple[tuple[int, ...], ...]:
    """The token ids of a word at the start of a line and after a space (its two common spellings in BPE)."""
    return tuple(tuple(tok.encode(v, add_special_tokens=False)) for v in (word, " " + word))


@lru_cache(maxsize=4)
def _suppressed_ids(tok) -> tuple[int, ...]:
    """Token ids whose text holds a character outside printable ASCII, newline and currency symbols (emoji)."""
    keep = set()
    for s in [p + c for c in ALLOWED_EXTRA for p in ("", " ")]:
        ids = tok.encode(s, add_special_tokens=False)
        if len(ids) == 1:
            keep.add(ids[0])
    special = set(tok.all_special_ids)
    bad = []
    for i in range(len(tok)):
        if i in special or i in keep:
            continue
        s = tok.decode([i])
        if any(not (c in "\n\t" or " " <= c <= "~" or c in ALLOWED_EXTRA) for c in s):
            bad.append(i)
    return tuple(bad)


def model_version_of(folder: Path) -> str:
    m = folder / "metrics.json"
    if m.exists():
        return json.loads(m.read_text()).get("version", folder.name)
    return "smollm2-135m-instruct-base" if folder.name == "base" else folder.name


def active_source() -> tuple[Path | None, str]:
    """(folder of the shop's own active fine-tune, or None for base + shipped deltas, version drafts will carry).

    The one rule for which copy model drafts: models/generator/active.json when its folder exists, else the fine-tune
    that ships in the repo, else the bare base. The pages show this version without loading the model."""
    from models import generator_adapter
    from models.generator_base import generator_root

    p = generator_root() / "active.json"
    if p.exists():
        info = json.loads(p.read_text())
        if Path(info.get("path", "")).exists():
            return Path(info["path"]), info.get("version") or model_version_of(Path(info["path"]))
    if generator_adapter.available():
        return None, generator_adapter.version()
    return None, "smollm2-135m-instruct-base"


class Generator:
    """A loaded copy model plus its tokenizer; `draft` returns checked, ranked drafts."""

    def __init__(self, model, tokenizer, model_version: str, check_config: CheckConfig | None = None):
        self.model, self.tok, self.model_version = model, tokenizer, model_version
        self.check_config = check_config or CheckConfig()
        self.tok.padding_side = "left"
        if self.tok.pad_token_id is None:
            self.tok.pad_token = self.tok.eos_token
        self.stop_ids = [i for i in {self.tok.convert_tokens_to_ids("<|im_end|>"), self.tok.eos_token_id}
                         if isinstance(i, int) and i >= 0]
        self.last_stats = GenStats()
        self.last_candidates: list[dict] = []
        self.repair = True  # False shows every candidate exactly as sampled (bench/drafts_eval.py --no-repair)
        self.ban_fact_bound = True  # never sample a word the checks reject unless the facts hold it (BannedWords)
        self.half_decode = True  # float16 weights for few-row decoding steps on CPU (models.device.HalfDecodeLinear)

    @classmethod
    def from_pretrained(cls, folder: str | Path | None = None, device: str = "auto",
                        check_config: CheckConfig | None = None) -> Generator:
        """Load a generator folder (default: the base model cache, converted from GGUF the first time)."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from analysis.errors import ShoplensError
        from models.generator_base import base_dir, device_choice, ensure_base

        folder = Path(folder) if folder else ensure_base(base_dir())
        if not (folder / "config.json").exists():
            raise ShoplensError(f"No generator model in {folder}", fix="run `python -m models.train_generator` "
                                "or use the base model")
        choice = device_choice(device)
        tok = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=choice.dtype).to(choice.device).eval()
        return cls(model, tok, model_version_of(folder), check_config)

    @classmethod
    def active(cls, device: str = "auto") -> Generator:
        """The model active_source() names: the shop's own fine-tune, else base + shipped deltas, else the base."""
        from models import generator_adapter

        folder, version = active_source()
        gen = cls.from_pretrained(folder, device)
        if folder is None and generator_adapter.available():
            generator_adapter.apply(gen.model)
        gen.model_version = version  # drafts carry the version the pages show
        return gen

    def quantize(self) -> Generator:
        """int8 dynamic quantization of every Linear layer, CPU only: decoding a 135M model on two cores is bound by
        reading the float32 weights each step, and int8 weights read a quarter of the bytes. Measured, not default:
        2.5x faster drafting but 15/24 candidates pass vs 18/24 in float32 (bench/drafts_eval.py --int8)."""
        if self.model.device.type == "cpu":
            from models.device import int8_linear

            self.model = int8_linear(self.model)
            self.model_version += "-int8"
        return self

    @torch.inference_mode()
    def generate(self, facts_list: list[dict], n: int = 3, max_new_tokens: int | None = None,
                 temperature: float = 0.7, top_p: float = 0.9, repetition_penalty: float = 1.15,
                 seed: int | None = None) -> list[list[tuple[str, float]]]:
        """Raw candidates: for each facts record, n (text, mean log-prob) pairs, sampled in one batch."""
        if seed is not None:
            torch.manual_seed(seed)
        prefixes = [answer_prefix(f) for f in facts_list]
        texts = [prompt(f, self.tok) + p for f, p in zip(facts_list, prefixes, strict=True)]
        enc = self.tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.model.device)
        if self.half_decode:
            from models.device import half_decode

            half_decode(self.model)  # no-op once switched, on GPU and for quantized layers
        mnt = max_new_tokens or max(MAX_NEW_TOKENS.get(f.get("channel", "email"), 200) for f in facts_list)
        plen = enc["input_ids"].shape[1]
        needs = [f.get("channel", "email") in ("email", "ad") for f in facts_list for _ in range(n)]
        banned = [fact_bound_words(f, self.check_config) if self.ban_fact_bound else [] for f in facts_list]

        def run() -> list[Sampled]:
            procs = [BannedWords(self.tok, banned, n, always=_suppressed_ids(self.tok)),
                     GeneratedRepetitionPenalty(plen, repetition_penalty)]
            if any(needs):
                procs.append(BodyBeforeStop(plen, self.tok, self.stop_ids, needs))
            return sample(self.model, enc["input_ids"], enc["attention_mask"], n, mnt, self.stop_ids, procs,
                          temperature, top_p)

        t0 = time.perf_counter()
        try:
            cands = run()
        except NonFiniteLogits:  # only float16 decoding steps can overflow: redo the request in float32
            if not self.half_decode:
                raise
            from models.device import half_decode

            self.half_decode = False  # for the rest of this model's life
            half_decode(self.model, on=False)
            cands = run()
        self.last_stats = GenStats(time.perf_counter() - t0, sum(len(c.tokens) for c in cands), len(cands))
        return [[(prefixes[b] + self.tok.decode(c.tokens, skip_special_tokens=True), c.mean_logprob)
                 for c in cands[b * n:(b + 1) * n]] for b in range(len(facts_list))]

    def to_draft(self, text: str, facts: dict) -> dict:
        """Parse one candidate into the DESIGN.md §3 object and run the checks."""
        ch = facts.get("channel", "email")
        fields = parse_output(text, ch)
        if ch in ("sms", "ad") and fields["body"]:
            # the opt-out line is ours to add to an SMS, once and as written, and never belongs in a public ad: any
            # copy the model wrote ("reply STOP to opt out.", mid-text or twice) goes first
            body = OPT_OUT_ANY.sub("", " ".join(fields["body"].split())).strip().rstrip(",;:-").rstrip()
            if ch == "sms":
                body = body.rstrip(" .")
                body += (" " if body[-1:] in "!?" else ". ") + OPT_OUT
            fields["body"] = body or None
        checks = run_checks(fields, facts, self.check_config)
        return {"segment": facts.get("segment"), "channel": ch,
                "offer": facts.get("offer") if ch != "reply" else facts.get("remedy"),
                **fields, "facts": facts, "checks": checks, "model_version": self.model_version}

    def draft_many(self, facts_list: list[dict], n: int = 3, keep_failing: bool = False, **gen) -> list[list[dict]]:
        """draft() for several facts records in one batch."""
        raw = self.generate(facts_list, n=n, **gen)
        shown, self.last_candidates = [], []
        for facts, cands in zip(facts_list, raw, strict=True):
            drafts = []
            for text, lp in cands:
                d = self.to_draft(text, facts)
                ok = all(d["checks"].values())
                fixed = None if ok or not self.repair else repair(d, facts, self.check_config)
                if fixed:  # a near miss made to pass by a minimal, re-checked edit (analysis.draft_repair)
                    d, ok = fixed[0], True
                self.last_candidates.append({**d, "passed": ok, "logprob": lp, "raw": text,
                                             "repaired": fixed[1] if fixed else []})
                if ok or keep_failing:
                    drafts.append((not ok, bool(fixed), -lp, d))
            drafts.sort(key=lambda x: x[:3])  # passing first, the model's own copy before repaired copy
            shown.append([x[3] for x in drafts])
        return shown

    def draft(self, facts: dict, n: int = 3, keep_failing: bool = False, **gen) -> list[dict]:
        """n sampled candidates for one facts record; passing ones first, best mean log-prob first."""
        return self.draft_many([facts], n=n, keep_failing=keep_failing, **gen)[0]
