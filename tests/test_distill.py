"""The distillation teacher's labels (models/distill.py) as weak training data: what the student may and may not see."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import ShoplensError
from models.data import SENTIMENTS, load_labels
from models.distill import teacher_labels
from models.train import TrainConfig, plan

pytestmark = pytest.mark.skipif(teacher_labels() is None, reason="no teacher file ships")


@pytest.fixture(scope="module")
def teacher():
    return teacher_labels().set_index("id")


def test_teacher_file_is_a_distribution_per_review(teacher):
    probs = teacher[[f"p_{s}" for s in SENTIMENTS]].to_numpy()
    assert np.allclose(probs.sum(1), 1.0, atol=2e-3)
    assert teacher.index.is_unique and len(teacher) > 20_000


def test_weak_rows_are_the_teachers_argmax_weighted_by_its_confidence(teacher):
    from models.data import teacher_sentiment

    rows = teacher_sentiment(set(), {s: 50 for s in SENTIMENTS}, min_confidence=0.6)
    assert sorted({r["sentiment"] for r in rows}) == sorted(SENTIMENTS)
    for r in rows:
        p = teacher.loc[r["id"], [f"p_{s}" for s in SENTIMENTS]].to_numpy()
        assert r["sentiment"] == SENTIMENTS[int(p.argmax())]
        assert r["confidence"] == pytest.approx(p.max()) and r["confidence"] >= 0.6
        assert r["weak"] and r["topics"] is None


def test_hand_read_and_held_back_reviews_never_reach_the_student():
    """The teacher scored every demo review, the test split too; those rows must never train the student."""
    cfg = TrainConfig(mode="fast", weak_source="teacher", weak_per_class={"negative": 300, "positive": 300})
    p = plan(cfg)
    labelled = {r["id"] for r in load_labels()}
    weak_ids = {r["id"] for r in p.weak}
    assert not weak_ids & labelled
    assert {r["sentiment"] for r in p.weak} == set(SENTIMENTS)  # the teacher gives neutral rows too


def test_unknown_weak_source_is_refused_by_name():
    with pytest.raises(ShoplensError, match="Unknown weak_source 'stars'"):
        plan(TrainConfig(mode="fast", weak_source="stars"))
