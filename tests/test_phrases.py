"""The phrase-model contract (models.phrases): the protocol, the kinds, and SmolPhrases's sentence picking."""
import pytest

from models.phrases import PhraseModel, SmolPhrases, check_kind, first_sentence


def test_smol_phrases_meets_the_contract():
    assert isinstance(SmolPhrases(), PhraseModel)
    assert SmolPhrases.name


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown phrase kind"):
        check_kind("body")


def test_first_sentence_skips_the_greeting():
    assert first_sentence("Hi {{ first_name }},\nThank you for coming back. Here is more.") == "Thank you for coming back."
    assert first_sentence("no end mark here") == ""


@pytest.mark.slow
def test_smol_phrases_proposes_and_template_plus_model_only_shows_passing_drafts():
    """The real SmolLM2 behind the contract: one-line proposals without field labels; every draft the template +
    model writer shows passes every check, whatever the model proposed (failing proposals are held back)."""
    import torch

    from models.copy_writer import CopyWriter
    from models.generator import Generator

    torch.manual_seed(0)
    facts = {"brand": "Emberly", "channel": "email", "segment": "Champions", "segment_size": 81,
             "segment_description": "Bought recently, buy often and spend the most", "offer": "15% off with code GLOW15",
             "tone": "warm", "top_products": ["Fig and cedar candle"], "praised": [], "complaints": [],
             "merge_tag": "{{ first_name }}"}
    pm = SmolPhrases(Generator.from_pretrained(device="cpu"))
    subjects = pm.propose("subject", facts, 2, "A thank-you from Emberly")
    assert all("\n" not in s and not s.lower().startswith("subject") for s in subjects)
    drafts = CopyWriter("template+model", phrases=pm).draft(facts, n=2)
    assert drafts and all(all(d["checks"].values()) and d["writer"] == "template + model" for d in drafts)
    for d in drafts:
        for h in d["held_back"]:
            assert h["reasons"] and h["part"] in ("subject", "hook", "draft", "model")
