"""The starter model that ships in the repo: the fast model's linear heads (about 20 KB) on the frozen backbone.

A fresh install has no trained model; the first scoring call installs this one (a model folder + activation) in a
few seconds, so the demo reviews can be classified at once. The full fine-tune stays one Retrain away.
Reproduce the shipped files with one command (seeded, deterministic up to float rounding):

    python -m models.starter        # = shoplens train all --mode fast, then keep its config, heads and card
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from analysis.errors import ShoplensError
from models import registry

STARTER_DIR = Path(__file__).resolve().parent / "data" / "starter"
HEADS_FILE = "heads.safetensors"


def export(folder: Path | str, out: Path = STARTER_DIR) -> Path:
    """Keep the config, head weights and card of a trained fast model folder (never the encoder weights)."""
    from safetensors.torch import load_file, save_file

    from models.classifier import CONFIG_FILE, WEIGHTS_FILE

    folder = Path(folder)
    cfg = json.loads((folder / CONFIG_FILE).read_text())
    if not cfg.get("frozen_encoder"):
        raise ShoplensError(f"{folder} is not a fast (frozen-encoder) model", fix="train with --mode fast")
    state = load_file(str(folder / WEIGHTS_FILE))
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v for k, v in state.items() if not k.startswith("encoder.")}, str(out / HEADS_FILE))
    (out / CONFIG_FILE).write_text(json.dumps(cfg, indent=1))
    shutil.copy(folder / "metrics.json", out / "metrics.json")
    return out


def available(folder: Path | str = STARTER_DIR) -> bool:
    from models.classifier import CONFIG_FILE

    return (Path(folder) / HEADS_FILE).exists() and (Path(folder) / CONFIG_FILE).exists()


def load(device: str = "auto", folder: Path | str = STARTER_DIR):
    """The starter as a ReviewClassifier in memory (backbone encoder + shipped heads), without writing a folder;
    folder: another heads-only export (e.g. a copy of an earlier starter, to compare in one benchmark run)."""
    from safetensors.torch import load_file

    from models.classifier import CONFIG_FILE, ClassifierConfig, ReviewClassifier

    folder = Path(folder)
    if not available(folder):
        raise ShoplensError(f"The starter model files are missing from {folder}",
                            fix="run `python -m models.starter` or `shoplens train all`")
    raw = json.loads((folder / CONFIG_FILE).read_text())
    config = ClassifierConfig.from_dict(raw)
    clf = ReviewClassifier.from_backbone(config, device=device)
    clf.net.load_state_dict({**clf.net.state_dict(), **load_file(str(folder / HEADS_FILE))}, strict=True)
    clf.config.topic_thresholds = dict(config.topic_thresholds)
    return clf


def install(activate: bool = True) -> dict:
    """Write the starter as a model version (backbone encoder + shipped heads) and activate it for both tasks."""

    clf = load("cpu")
    card = json.loads((STARTER_DIR / "metrics.json").read_text())
    version = registry.new_version() + "-starter"
    clf.config.version = version
    card = {**card, "version": version, "starter": True,
            "notes": list(card.get("notes") or []) + ["starter model shipped in the repo (python -m models.starter): "
                                                      "frozen backbone + logistic-regression heads"]}
    final = clf.save_version(registry.models_root() / "all", version, card)
    if activate:
        for task in registry.TASKS:
            registry.activate(task, final, card)
    card["activated_for"] = list(registry.TASKS) if activate else []
    clf.write_card(final, card)
    return {"version": version, "path": str(final), "activated_for": card["activated_for"]}


def ensure_active() -> dict | None:
    """Install and activate the starter when no model is active for either task; returns what it installed."""
    if registry.active("sentiment") or registry.active("topics") or not available():
        return None
    return install()


def build() -> dict:
    """Train the fast model with the default recipe (not activated) and export its heads as the starter."""
    from models.train import TrainConfig, train

    res = train(TrainConfig(mode="fast"), activate="never")
    export(res["path"])
    return {**res, "starter": str(STARTER_DIR)}


if __name__ == "__main__":
    print(json.dumps(build()))
