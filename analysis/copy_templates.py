"""The slot templates drafts are written from: the vetted default that ships with Shoplens
(analysis/copy_data/copy_templates.json) with the shop's own file ($SHOPLENS_HOME/copy_templates.json) laid over it.

    t = load()                      # default + shop overrides, validated
    t.intent_for("At risk")         # "winback"
    t.slot("winback", "email", "subject")  # the vetted variants

The shop file holds only what it changes: objects are merged key by key, a list replaces the default list. A bad
shop file is refused with a message naming the file, the place in it and how to fix it; nothing is written.
analysis.template_writer fills the slots. Pure Python.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from analysis import rfm
from analysis.config import home
from analysis.errors import ShoplensError

DEFAULT_PATH = Path(__file__).resolve().parent / "copy_data" / "copy_templates.json"
SHOP_FILE = "copy_templates.json"
TONES = ("warm", "playful", "premium", "urgent", "plain")
SLOTS = {"brand", "offer", "products", "product", "first_name", "link", "remedy"}
# Which slots each channel's parts hold (every variant of an `offer` part must state the offer).
CHANNEL_PARTS = {"email": ("subject", "preheader", "opening", "products", "offer", "close", "cta"),
                 "sms": ("opening", "offer", "products"),
                 "ad": ("headline", "text", "cta")}
REPLY_PARTS = ("opening", "follow_up", "remedy", "next_step", "close")
_SLOT = re.compile(r"\{([^{}]*)\}")


def shop_path() -> Path:
    return home() / SHOP_FILE


@dataclass(frozen=True)
class Templates:
    """A validated templates document, where it came from, and a short fingerprint drafts record."""
    data: dict
    source: str  # "default" or the shop file's path
    version: str  # "templates-<8 hex>" of the merged document

    def intent_for(self, segment: str) -> str:
        for name, intent in self.data["intents"].items():
            if segment in intent["segments"]:
                return name
        raise ShoplensError(f"No copy template intent covers segment '{segment}'",
                            fix=f"add it to an intent's \"segments\" in {self.source}")

    def slot(self, intent: str, channel: str, part: str) -> list[str]:
        return list(self.data["intents"][intent][channel][part])


def merge(base: dict, over: dict) -> dict:
    """`over` laid on `base`: objects merged key by key, anything else (lists included) replaced."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def _read(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ShoplensError(f"The copy templates file {path} cannot be read ({exc.strerror})",
                            fix="check the file's permissions, or remove it to use the default templates") from exc
    except UnicodeDecodeError as exc:
        raise ShoplensError(f"The copy templates file {path} is not UTF-8 text",
                            fix="save it as UTF-8 JSON") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ShoplensError(f"The copy templates file {path} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                            f"column {exc.colno}", fix="fix the JSON there (a missing comma or quote is the usual "
                            "cause), or remove the file to use the default templates") from exc
    if not isinstance(doc, dict):
        raise ShoplensError(f"The copy templates file {path} must hold a JSON object", fix="start it with {")
    return doc


def problems(doc: dict) -> list[str]:
    """Every problem in a templates document, each as `where: what` (an empty list when it is valid)."""
    out: list[str] = []

    def variants(where: str, v, need: str | None = None, allowed: set[str] = SLOTS) -> None:
        if not isinstance(v, list) or not v:
            out.append(f"{where}: must be a non-empty list of sentences")
            return
        for i, s in enumerate(v):
            if not isinstance(s, str) or not s.strip():
                out.append(f"{where}[{i}]: must be a non-empty string")
                continue
            for name in _SLOT.findall(s):
                if name not in allowed:
                    out.append(f"{where}[{i}]: unknown slot {{{name}}} (use {', '.join('{' + x + '}' for x in sorted(allowed))})")
            if need and "{" + need + "}" not in s:
                out.append(f"{where}[{i}]: must contain {{{need}}}, so the {need} is stated as given")

    tones = doc.get("tones")
    if not isinstance(tones, dict):
        out.append("tones: missing (an object per tone with greeting and signoff lists)")
        tones = {}
    for t in TONES:
        if t not in tones:
            out.append(f"tones.{t}: missing")
            continue
        variants(f"tones.{t}.greeting", tones[t].get("greeting") if isinstance(tones[t], dict) else None,
                 need="first_name")
        variants(f"tones.{t}.signoff", tones[t].get("signoff") if isinstance(tones[t], dict) else None)
    team = doc.get("signoff_team")
    if not isinstance(team, dict) or not all(isinstance(team.get(k), str) and "{brand}" in team.get(k, "")
                                             for k in ("named", "generic")):
        out.append('signoff_team: needs "named" and "generic" strings, each with {brand}')
    intents = doc.get("intents")
    if not isinstance(intents, dict) or not intents:
        out.append("intents: missing (an object of intents, each with segments and email/sms/ad parts)")
        intents = {}
    seen: dict[str, str] = {}
    for name, it in intents.items():
        if not isinstance(it, dict):
            out.append(f"intents.{name}: must be an object")
            continue
        segs = it.get("segments")
        if not isinstance(segs, list) or not segs:
            out.append(f"intents.{name}.segments: must list segment names")
            segs = []
        for s in segs:
            if s not in rfm.SEGMENTS:
                out.append(f"intents.{name}.segments: unknown segment '{s}' (use {', '.join(rfm.SEGMENTS)})")
            elif s in seen:
                out.append(f"intents.{name}.segments: '{s}' is already in intents.{seen[s]}")
            else:
                seen[s] = name
        for ch, parts in CHANNEL_PARTS.items():
            block = it.get(ch)
            if not isinstance(block, dict):
                out.append(f"intents.{name}.{ch}: missing")
                continue
            for part in parts:
                allowed = SLOTS - {"remedy"} - ({"first_name"} if ch != "email" or part in ("subject", "cta") else set())
                need = "offer" if part == "offer" else None
                variants(f"intents.{name}.{ch}.{part}", block.get(part), need=need, allowed=allowed)
    for s in rfm.SEGMENTS:
        if s not in seen and intents:
            out.append(f"intents: no intent covers segment '{s}'")
    praise = doc.get("praise", {})
    if not isinstance(praise, dict):
        out.append("praise: must be an object of topic -> sentences")
    else:
        for topic, v in praise.items():
            variants(f"praise.{topic}", v, allowed={"brand"})
    variants("link", doc.get("link"), need="link", allowed={"link", "brand"})
    reply = doc.get("reply")
    if not isinstance(reply, dict):
        out.append("reply: missing")
        return out
    for part in REPLY_PARTS:
        variants(f"reply.{part}", reply.get(part), need="remedy" if part == "remedy" else None,
                 allowed={"brand", "remedy"})
    topics = reply.get("topics")
    if not isinstance(topics, dict) or "general" not in topics:
        out.append('reply.topics: needs an object of topic -> sentences, with a "general" entry')
    else:
        for topic, v in topics.items():
            variants(f"reply.topics.{topic}", v, allowed={"brand"})
    return out


def load(shop_file: Path | None = None) -> Templates:
    """The default templates with the shop's file (if any) merged over them; ShoplensError on a bad document."""
    base = _read(DEFAULT_PATH)
    path = Path(shop_file) if shop_file else shop_path()
    data, source = base, "default"
    if path.exists():
        data, source = merge(base, _read(path)), str(path)
    bad = problems(data)
    if bad:
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        where = f"the copy templates file {source}" if source != "default" else f"the default templates {DEFAULT_PATH}"
        raise ShoplensError(f"{where} has problems: " + "; ".join(bad[:3]) + more,
                            fix="correct those entries (see analysis/copy_data/README.md), or remove the shop file "
                                "to use the default templates")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:8]
    return Templates(data, source, f"templates-{digest}" + ("" if source == "default" else "-shop"))
