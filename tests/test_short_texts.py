"""What teaches the fast model one-line reviews of other shops: review titles as short weak rows, and the general
opinion flags of the lexicon (issue 19: the starter called most one-line reviews neutral)."""
from __future__ import annotations

import re

import pytest

from models.data import clothing_reviews, load_labels, weak_sentiment, with_titles
from models.lexicon import default_lexicon, features, general_cues
from models.train import TrainConfig, _weak_source_note, plan


def _flags(text: str) -> set[str]:
    return {k for k, v in general_cues().items() if re.search(v, text, re.I)}


@pytest.mark.parametrize("text, expected", [
    ("Great value.", {"general:praise"}),
    ("Bad choice.", {"general:complaint"}),
    ("Well made and sturdy, works as described", {"general:praise"}),
    ("The charger didn't work.", {"general:complaint"}),
    ("Do not buy this phone", {"general:complaint"}),
    ("It was not good.", {"general:praise", "general:negated_praise"}),
    ("I wouldn't recommend it", {"general:praise", "general:negated_praise"}),
    ("Not bad at all", {"general:complaint", "general:negated_complaint"}),
    ("The box is blue.", set()),
])
def test_general_flags_read_praise_complaint_and_negation(text, expected):
    assert _flags(text) == expected


def test_general_flags_are_part_of_every_new_models_lexicon():
    lex = default_lexicon(["quality"])
    assert set(general_cues()) <= set(lex)
    x = features(["Useless, stopped working after a week.", "Lovely"], lex)
    names = list(lex)
    assert x[0, names.index("general:complaint")] == 1 and x[0, names.index("general:praise")] == 0
    assert x[1, names.index("general:praise")] == 1


def test_each_weak_review_is_followed_by_its_title_with_the_same_label():
    rows = weak_sentiment(set(), {"negative": 40, "positive": 40}, seed=3)
    out = with_titles(rows)
    titles = [r for r in out if r.get("title_only")]
    assert 0 < len(titles) <= len(rows) and len(out) == len(rows) + len(titles)
    full = {r["id"]: r for r in rows}
    texts = clothing_reviews().set_index("id")["text"]
    for t in titles:
        src = full[t["id"]]
        assert t["sentiment"] == src["sentiment"] and t["weak"] and t["topics"] is None
        assert len(t["text"]) >= 3 and texts.loc[t["id"]].startswith(t["text"])  # "Title. Body"
    assert [r for r in out if not r.get("title_only")] == rows  # the full reviews are untouched, in order


def test_plan_adds_titles_only_when_asked_and_never_from_labelled_reviews():
    small = {"negative": 60, "positive": 60}
    with_t = plan(TrainConfig(mode="fast", weak_per_class=small))
    without = plan(TrainConfig(mode="fast", weak_per_class=small, weak_titles=False))
    assert not any(r.get("title_only") for r in without.weak)
    assert sum(bool(r.get("title_only")) for r in with_t.weak) > 0
    assert not {r["id"] for r in with_t.weak} & {r["id"] for r in load_labels()}
    note = _weak_source_note(TrainConfig(), with_t.weak)
    assert "title alone" in note and "star ratings" in note
