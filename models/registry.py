"""Model versions on disk: $SHOPLENS_HOME/models/<task>/<version>/ and which one is active per task."""
from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

from analysis.atomic_file import write_text_atomic
from analysis.config import home

TASKS = ("sentiment", "topics")
KEY_METRIC = {"sentiment": ("sentiment", "macro_f1"), "topics": ("topics", "macro_f1")}


def models_root() -> Path:
    return home() / "models"


def new_version() -> str:
    return datetime.now(UTC).strftime("v%Y%m%d-%H%M%S")


def _pointer(task: str) -> Path:
    return models_root() / task / "active.json"


def active(task: str) -> dict | None:
    """{"version", "path", "metric", "activated_at"} of the active model for a task, or None."""
    p = _pointer(task)
    if not p.exists():
        return None
    try:
        info = json.loads(p.read_text())
    except ValueError:
        return None
    return info if Path(info.get("path", "")).exists() else None


def metric_of(card: dict, task: str) -> float | None:
    group, name = KEY_METRIC[task]
    return (card.get("metrics", {}).get(group) or {}).get(name)


def activate(task: str, folder: Path, card: dict) -> None:
    """Point the task at folder; written to a temp file then renamed, so a crash leaves the old pointer intact."""
    info = {"version": folder.name, "path": str(folder), "metric": metric_of(card, task),
            "activated_at": datetime.now(UTC).isoformat(timespec="seconds")}
    write_text_atomic(_pointer(task), json.dumps(info))


CORRECTION_TOLERANCE = 0.01  # share of the test reviews a candidate that learnt corrections may newly get wrong (net)


def correction_allowance(n_test: int) -> int:
    """Net test reviews a candidate that fixes corrections may lose: 1% of the test split, at least one review."""
    return max(1, math.ceil(CORRECTION_TOLERANCE * n_test))


def should_activate(task: str, card: dict) -> tuple[bool, str]:
    """Activate when no model is active, or the new one is not worse on the task's test metric. A sentiment
    candidate that gets at least one of the marketers' corrections right may be worse by a small tolerance: on the
    same test reviews it may get at most correction_allowance(n) more wrong than the active model does (net).

    Why the tolerance: a correction is one review among thousands of training rows, and a model that learnt it can
    differ from the active one by a review or two on the test split by chance; a strict gate threw such models away
    and the correction changed nothing (issue 19). The reason says which rule decided, in words."""
    cur = active(task)
    new = metric_of(card, task)
    if new is None:
        return False, f"no {task} metric"
    if cur is None or cur.get("metric") is None:
        return True, "first model for this task"
    corr = card.get("corrections") or {}
    fixed = (corr.get(task) or {}).get("fixed", 0)
    total = (corr.get(task) or {}).get("total", 0)
    if new >= cur["metric"] - 1e-9:
        return True, f"test macro-F1 {new:.3f} ≥ active {cur['metric']:.3f}"
    gap = f"test macro-F1 {new:.3f} < active {cur['metric']:.3f} ({cur['version']} stays active)"
    paired = corr.get("paired") if task == "sentiment" else None
    if fixed and paired and paired.get("active") == cur["version"]:
        net, allowed = paired["newly_wrong"] - paired["newly_right"], correction_allowance(paired["n"])
        said = (f"it gets {fixed} of {total} correction(s) right, and of the {paired['n']:,} test reviews it gets "
                f"{paired['newly_wrong']} wrong that the active model gets right and {paired['newly_right']} right "
                f"that it gets wrong (net {net:+d}; allowed {allowed}: 1% of the test reviews, at least one)")
        return (True, f"test macro-F1 {new:.3f} < active {cur['metric']:.3f}, but {said}") if net <= allowed else \
            (False, f"{gap}; {said}")
    if total and not fixed:
        gap += f"; it gets none of the {total} correction(s) right, so no tolerance applies"
    return False, gap


def versions(task: str) -> list[dict]:
    """Every finished version of a task with its metrics, newest first."""
    root = models_root() / task
    out = []
    for d in sorted(root.glob("v*"), reverse=True) if root.exists() else []:
        m = d / "metrics.json"
        if d.is_dir() and m.exists():
            card = json.loads(m.read_text())
            out.append({"version": d.name, "path": str(d), "metrics": card.get("metrics", {}),
                        "trained_at": card.get("trained_at"), "activated_for": card.get("activated_for", []),
                        "mode": "starter" if card.get("starter") else card.get("mode", "finetune")})
    return out
