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
