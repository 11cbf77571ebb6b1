"""The model card a person reads on the Models page says, in words, what the model learned from and where it ran."""
from __future__ import annotations

import json

from models.card import render_card
from models.classifier import CONFIG_FILE, ClassifierConfig
from models.starter import STARTER_DIR
from models.train import TrainConfig, _weak_source_note


def _starter_card() -> tuple[ClassifierConfig, dict]:
    cfg = ClassifierConfig.from_dict(json.loads((STARTER_DIR / CONFIG_FILE).read_text()))
    return cfg, json.loads((STARTER_DIR / "metrics.json").read_text())


def test_shipped_starter_card_names_its_data_weak_labels_and_hardware():
    cfg, card = _starter_card()
    text = render_card(cfg, card)
    d, hw = card["data"], card["hardware"]
    assert f"hand-read labels: {d['hand_train']:,} train" in text and f"{d['hand_test']:,} test" in text
    assert f"weak sentiment labels: {d['weak_sentiment']:,}, from star ratings" in text
    assert f"({hw['cpu']}, {hw['cpu_cores']} cores, {hw['torch_threads']} threads)" in text
    assert "(embedding " in text and "fitting " in text
    assert '{"hand_train"' not in text  # no raw JSON in the Data section


def test_a_distilled_models_card_names_its_teacher_and_how_it_was_trained():
    cfg, card = _starter_card()
    card = {**card, "data": {**card["data"], "weak_labels_from": _weak_source_note(
        TrainConfig(weak_source="teacher"), [{"weak": True}])}}
    text = render_card(cfg, card)
    assert "from a teacher model's reading" in text and "teacher e2e" in text
    assert "finetune_e2e" in text  # how the teacher itself was trained
