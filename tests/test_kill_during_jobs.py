"""A retrain or a draft batch killed with SIGKILL at its most fragile moments: afterwards the active model still
loads and classifies, no half-written version or card is visible, and the drafts table holds all of a request's
candidates or none of them. The kills are real SIGKILLs of a child process, sent by the child itself at a chosen
point (a patched step) so every window is hit on every run rather than by timing luck."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from analysis import store
from models import registry
from models.train import TrainConfig, train
from tests.test_classifier import TINY, tiny_labels

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The child trains like the Retrain button does and kills itself at KILL_AT.
RETRAIN_CHILD = """
import os, signal, sys
from tests.test_classifier import TINY, tiny_labels
from models import classifier, registry, train as train_mod
from analysis import atomic_file

where = sys.argv[1]
die = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
if where == "training":  # mid-fit: the first progress report
    progress = die
else:
    progress = None
if where == "saving_weights":  # the weights file is written, the folder is still .partial
    real_save = classifier.ReviewClassifier.save_pretrained
    def save(self, folder, card=None):
        from safetensors.torch import save_file
        folder.mkdir(parents=True, exist_ok=True)
        save_file({"half": __import__("torch").zeros(3)}, str(folder / classifier.WEIGHTS_FILE))
        die()
    classifier.ReviewClassifier.save_pretrained = save
if where == "between_activations":  # sentiment switched, topics not yet
    real_activate = registry.activate
    calls = []
    def activate(task, folder, card):
        calls.append(task)
        if len(calls) == 2:
            die()
        real_activate(task, folder, card)
    registry.activate = activate
if where == "card_rewrite":  # both pointers switched, the card is being re-written with the outcome
    real_write = atomic_file.write_text_atomic
    def write(path, text, mode=None):
        if path.name == "metrics.json" and ".partial" not in str(path):
            with open(str(path) + ".half", "w") as f:
                f.write(text[: len(text) // 2])
            die()
        return real_write(path, text, mode)
    classifier.write_text_atomic = write
cfg = train_mod.TrainConfig(mode="fast", task="all", **TINY)
train_mod.train(cfg, labels=tiny_labels(), progress=progress, activate="always")
print("FINISHED")
"""


@pytest.fixture(scope="module")
def first_model(model_home):
    """The model that must survive every killed retrain."""
    return train(TrainConfig(mode="fast", task="all", **TINY), labels=tiny_labels(), activate="always")


def _child(code: str, *args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": ROOT, "SHOPLENS_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)


def _assert_models_usable(before_versions: set[str]) -> dict[str, str]:
    """Both tasks point at a complete folder that loads and classifies; every listed version has a readable card."""
    from models.classifier import ReviewClassifier

    listed = registry.versions("all")  # a task="all" run keeps its folders under models/all/
    for v in listed:  # a card is either whole or the old one: versions() parses every metrics.json
        assert json.loads((registry.models_root() / "all" / v["version"] / "metrics.json").read_text())
    active = {}
    for task in ("sentiment", "topics"):
        info = registry.active(task)
        assert info is not None, f"no active {task} model after the kill"
        active[task] = info["version"]
        clf = ReviewClassifier.from_pretrained(info["path"], "cpu")
        got = clf.predict(["The seams ripped after one wash, very disappointed.", "Lovely soft sweater, fits well."])
        assert [g["sentiment"] in ("negative", "neutral", "positive") for g in got] == [True, True]
    assert {v["version"] for v in listed} >= before_versions
    return active


@pytest.mark.parametrize("where", ["training", "saving_weights", "between_activations", "card_rewrite"])
def test_kill_9_during_retrain_keeps_a_working_active_model(model_home, first_model, where):
    before_versions = {v["version"] for v in registry.versions("all")}
    before_active = {t: registry.active(t)["version"] for t in ("sentiment", "topics")}
    r = _child(RETRAIN_CHILD, where, home=model_home)
    assert r.returncode == -9 and "FINISHED" not in r.stdout, r.stderr[-2000:]

    active = _assert_models_usable(before_versions)
    new = {v["version"] for v in registry.versions("all")} - before_versions
    if where in ("training", "saving_weights"):  # nothing new is visible; the old model stays
        assert active == before_active and not new
    if where == "between_activations":  # one pointer moved to a complete folder, the other did not: both work
        assert active["sentiment"] in new and active["topics"] == before_active["topics"]
    if where == "card_rewrite":  # the new version is complete and active; its card is the pre-activation one
        assert active["sentiment"] in new and active["topics"] in new
    # and the next retrain runs normally over whatever the kill left behind
    done = train(TrainConfig(mode="fast", task="all", **TINY), labels=tiny_labels(), activate="never")
    assert done["version"] in {v["version"] for v in registry.versions("all")}


DRAFT_CHILD = """
import os, signal, sys
from analysis import drafts_store, store

con = store.connect(sys.argv[1])
real_save = drafts_store.save
calls = []
def save(con, draft, who, status="new"):
    calls.append(1)
    if len(calls) == 2:  # the first candidate is inserted, the batch is not finished
        os.kill(os.getpid(), signal.SIGKILL)
    return real_save(con, draft, who, status)
drafts_store.save = save
draft = {"segment": "Champions", "channel": "sms", "offer": "15% off with code THANKS15", "subject": None,
         "body": "Shop: Take 15% off with code THANKS15. Reply STOP to opt out", "facts": {"segment": "Champions"},
         "checks": {"offer_exact": True}, "model_version": "test", "preheader": None, "cta": None}
drafts_store.save_all(con, [dict(draft) for _ in range(3)], "tester")  # what `shoplens draft` calls
print("FINISHED")
"""


def test_kill_9_during_a_draft_batch_stores_all_candidates_or_none(tmp_path):
    path = tmp_path / "drafts.duckdb"
    con = store.connect(path)
    from analysis import drafts_store

    kept = drafts_store.save(con, {"segment": "Lost", "channel": "email", "offer": "10% off", "subject": "s",
                                   "body": "b", "facts": {}, "checks": {}, "model_version": "test"}, "tester")
    con.close()
    r = _child(DRAFT_CHILD, str(path), home=tmp_path)
    assert r.returncode == -9 and "FINISHED" not in r.stdout, r.stderr[-2000:]
    con = store.connect(path)
    assert con.execute("SELECT draft_id FROM drafts").fetchall() == [(kept,)]  # the earlier draft, none of the batch
    con.close()


def test_kill_9_of_the_draft_command_mid_generation(demo_db, tmp_path):
    """The real `shoplens draft` killed while the model loads or writes: the database opens with the drafts it had,
    and the output file is either absent or whole JSON."""
    import signal
    import time

    con = store.connect(demo_db)
    before = con.execute("SELECT count(*) FROM drafts").fetchone()[0]
    con.close()
    out = tmp_path / "drafts.json"
    env = {**os.environ, "PYTHONPATH": ROOT, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "draft", "--db", str(demo_db), "--segment",
                             "Champions", "--channel", "sms", "--offer", "15% off with code THANKS15", "--brand", "Test shop", "--out",
                             str(out)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(8)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    con = store.connect(demo_db)
    after = con.execute("SELECT count(*) FROM drafts").fetchone()[0]
    con.close()
    written = json.loads(out.read_text()) if out.exists() else None  # whole JSON, or no file at all
    assert after == before or (written is not None and after - before == len(written))
