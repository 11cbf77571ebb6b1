"""The `shoplens` command line contract: one JSON line and exit 0, or one stderr line and exit 2."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shoplens(*args, home):
    env = {**os.environ, "PYTHONPATH": ROOT, "SHOPLENS_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT)


def test_load_prints_summary(tmp_path, write):
    f = write("o.csv", "InvoiceDate,Quantity,UnitPrice,CustomerID\n2011-01-01,1,2,5\n2011-01-02,x,4,6\n")
    r = shoplens("--db", str(tmp_path / "c.duckdb"), "load", "orders", str(f), home=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["rows_in"] == 2 and out["accepted"] == 1 and out["rejected"] == 1
    assert os.path.exists(out["rejects_file"])


def test_fatal_error_is_one_line_exit_2(tmp_path, write):
    f = write("o.csv", "Foo,Bar\n1,2\n")
    r = shoplens("--db", str(tmp_path / "c.duckdb"), "load", "orders", str(f), "--map", "order_date=Nope", home=tmp_path)
    assert r.returncode == 2
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
    assert 'Column "Nope" is not in o.csv' in r.stderr


def test_demo_command(tmp_path):
    r = shoplens("--db", str(tmp_path / "d.duckdb"), "demo", home=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["orders"]["rows_in"] == 541909
    assert out["orders"]["accepted"] + out["orders"]["rejected"] == 541909
    assert out["reviews"]["accepted"] == 23486


def test_damaged_or_folder_db_is_one_line_and_left_as_is(tmp_path, demo_file):
    """A corrupt, truncated or folder --db: exit 2, one line on stderr, no traceback, the file unchanged."""
    good = demo_file.read_bytes()
    cases = {"corrupt.duckdb": b"garbage\n", "truncated.duckdb": good[: len(good) // 3], "short.duckdb": good[:5000]}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "folder.duckdb").mkdir()
    for name in [*cases, "folder.duckdb"]:
        r = shoplens("--db", str(tmp_path / name), "segments", "--out", str(tmp_path / "s.csv"), home=tmp_path)
        assert r.returncode == 2 and r.stdout == "", (name, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, (name, r.stderr)
        assert ("is a folder" if name == "folder.duckdb" else "is not a readable Shoplens database") in r.stderr
        if name in cases:
            assert (tmp_path / name).read_bytes() == cases[name]
    assert not (tmp_path / "s.csv").exists()


def test_home_database_rejects_are_owner_only(tmp_path, write):
    """A fresh home is 0700; the database and rejects reports 0600; a database elsewhere (/tmp-like folder) keeps its
    rejects under the home, never in a shared folder beside it."""
    import stat

    home = tmp_path / "home"
    f = write("o.csv", "InvoiceDate,Quantity,UnitPrice,CustomerID\n2011-01-01,1,2,5\n2011-01-02,x,4,6\n")
    r = shoplens("--db", str(home / "shoplens.duckdb"), "load", "orders", str(f), home=home)
    assert r.returncode == 0, r.stderr
    rejects = json.loads(r.stdout)["rejects_file"]

    def mode(p):
        return oct(stat.S_IMODE(os.stat(p).st_mode))

    assert mode(home) == "0o700" and mode(home / "shoplens.duckdb") == "0o600"
    assert mode(os.path.dirname(rejects)) == "0o700" and mode(rejects) == "0o600"
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    r = shoplens("--db", str(shared / "x.duckdb"), "load", "orders", str(f), home=home)
    assert r.returncode == 0, r.stderr
    rejects = json.loads(r.stdout)["rejects_file"]
    assert rejects.startswith(str(home / "rejects" / "x-")) and mode(rejects) == "0o600"
    assert mode(shared / "x.duckdb") == "0o600" and not (shared / "rejects").exists()
    assert mode(shared) == "0o777"  # a folder that is not Shoplens's own is left as it is


# issue 17: numbers that would start a job with a nonsense setting are refused by the parser, before any work
@pytest.mark.parametrize("args", [
    ["train", "sentiment", "--epochs", "-1"], ["train", "all", "--max-minutes", "nan"],
    ["train", "all", "--encoder-layers", "9"], ["train", "all", "--weak-labels", "stars"], ["score", "--limit", "-5"],
    ["fairness", "--horizon-days", "0"]])
def test_nonsense_job_settings_are_refused_before_work(tmp_path, args):
    r = shoplens("--db", str(tmp_path / "c.duckdb"), *args, home=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(f"shoplens {args[0]}: error: argument")


def test_classify_missing_file_is_refused_before_the_model_loads(tmp_path):
    r = shoplens("--db", str(tmp_path / "c.duckdb"), "classify", str(tmp_path / "nope.csv"), "--text-column", "t",
                 "--out", str(tmp_path / "o.csv"), home=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [f"shoplens classify: No file at {tmp_path / 'nope.csv'}. "
                                             "Fix: check the path (a CSV with a header row)"]


# issue 17: `shoplens reply --n 0 / -1` ended in a traceback (after loading the copy model)
@pytest.mark.parametrize("n", ["0", "-1"])
def test_reply_with_no_candidates_is_one_line_exit_2(tmp_path, write, n):
    db = str(tmp_path / "c.duckdb")
    f = write("r.csv", "review_id,text,rating\nr1,The coat arrived torn and nobody answered my emails,1\n")
    assert shoplens("--db", db, "load", "reviews", str(f), home=tmp_path).returncode == 0
    r = shoplens("--db", db, "reply", "--review-id", "r1", "--n", n, home=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("shoplens reply: --n must be between 1 and 16 candidates")


def test_refusal_quoting_a_newline_stays_one_line(tmp_path):
    """A file name with a newline is quoted back escaped, so the refusal is still one line (issue 17, finding 7)."""
    r = shoplens("--db", str(tmp_path / "c.duckdb"), "load", "orders", str(tmp_path / "evil\nname.csv"), home=tmp_path)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "evil\\nname.csv" in r.stderr, r.stderr


# issue 17: `shoplens reply --out` JSON carried facts.review.text unmasked, so a marketer read any review by id
def test_reply_json_never_holds_the_reviewers_name_or_address(tmp_path, write, monkeypatch, capsys):
    from analysis.draft_checks import run_checks
    from dashboard import cli
    from dashboard.commands import drafts

    class Parrot:
        """Quotes the facts verbatim: the worst a copy model can do with what it is given."""
        model_version, last_candidates = "parrot", []

        def draft(self, facts, n=1, keep_failing=False):
            d = {"segment": None, "channel": "reply", "offer": facts["remedy"], "subject": None, "preheader": None,
                 "body": f"Hi, sorry. You wrote: {facts['review']['text']}", "cta": None, "facts": facts,
                 "model_version": "parrot"}
            return [{**d, "checks": run_checks(d, facts)}]

    review = "Hi, it's Tom Baker from 1600 Pennsylvania Ave NW, Washington, DC 20500. The coat arrived torn."
    db = str(tmp_path / "c.duckdb")
    f = write("r.csv", f'review_id,text,rating\nr1,"{review}",1\n')
    assert shoplens("--db", db, "load", "reviews", str(f), home=tmp_path).returncode == 0
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path))
    monkeypatch.setattr(drafts, "load_generator", lambda device="auto": Parrot())
    out = tmp_path / "reply.json"
    assert cli.main(["--db", db, "reply", "--review-id", "r1", "--n", "1", "--brand", "Test shop", "--writer", "model", "--show-failing",
                     "--out", str(out)]) == 0
    capsys.readouterr()
    text = out.read_text(encoding="utf-8")
    [obj] = json.loads(text)
    assert "coat arrived torn" in obj["facts"]["review"]["text"] and "[NAME]" in obj["facts"]["review"]["text"]
    assert not [s for s in ("Tom", "Baker", "Pennsylvania", "20500") if s in text]


def test_database_damaged_past_its_header_is_one_line(tmp_path, write):
    """A small database cut to a third opens (its header and catalog survive) and fails only when a table is read:
    still one line and exit 2, not DuckDB's traceback (bench/hostile.py found it)."""
    rows = "".join(f"{i},P{i % 7},MUG,{1 + i % 3},2011-0{1 + i % 9}-11 10:00:00,2.5,{500 + i % 40},France\n"
                   for i in range(400))
    f = write("o.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" + rows)
    db = tmp_path / "small.duckdb"
    assert shoplens("--db", str(db), "load", "orders", str(f), home=tmp_path).returncode == 0
    data = db.read_bytes()
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(data[: len(data) // 3])
    r = shoplens("--db", str(cut), "segments", "--out", str(tmp_path / "s.csv"), home=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "is not a readable Shoplens database" in r.stderr, r.stderr
    assert cut.read_bytes() == data[: len(data) // 3]


@pytest.mark.parametrize("flags, titles, tuned", [([], True, True), (["--no-titles"], False, True),
                                                  (["--plain-backbone"], True, False)])
def test_train_flags_reach_the_model_card(tmp_path, flags, titles, tuned):
    """A tiny real Fast run from the command line (30 hand-read labels, 20 weak reviews a class): the card says
    whether the reviews' titles were trained on, and the model records the encoder its heads sit on (the starter's
    tuned encoder unless --plain-backbone)."""
    from models import tuned_encoder

    (tmp_path / "train.json").write_text(json.dumps({
        "label_limit": 30, "weak_per_class": {"negative": 20, "positive": 20}, "heldback_n": 0, "min_per_class": 2,
        "min_per_topic": 2, "fast_max_length": 64}))
    r = shoplens("train", "all", "--mode", "fast", "--device", "cpu", "--activate", "never", *flags, home=tmp_path)
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "models" / "all" / json.loads(r.stdout)["version"]
    card = json.loads((folder / "metrics.json").read_text())
    assert card["hyperparameters"]["weak_titles"] is titles
    assert ("title alone" in card["data"]["weak_labels_from"]) is titles
    config = json.loads((folder / "shoplens_classifier.json").read_text())
    assert config["encoder_delta"] == (tuned_encoder.shipped_id() if tuned else "")
    assert any("tuned encoder" in n for n in card["notes"]) is tuned
