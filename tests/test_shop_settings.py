"""Shop settings and "start my shop": the store (analysis/shop.py), the migration from a version-1 database, the
one-transaction removal of the demo, and the `shoplens shop` / `start-shop` / `load` commands."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from analysis import demo, schema, shop, store
from analysis.errors import ShoplensError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def demo_copy(demo_file, tmp_path):
    """A fresh copy of the demo database with one label, one correction and one draft written on it."""
    path = tmp_path / "shop.duckdb"
    shutil.copy(demo_file, path)
    con = store.connect(path)
    rid = con.execute("SELECT review_id FROM reviews ORDER BY review_id LIMIT 1").fetchone()[0]
    con.execute("INSERT INTO review_labels VALUES (?, 'v1', 'positive', 0.9, ['quality'], '{}', 0, now())", [rid])
    con.execute("INSERT INTO label_corrections VALUES (?, 'sentiment', 'positive', 'negative', 'a', now())", [rid])
    con.execute("INSERT INTO drafts VALUES ('d1', 'Champions', 'email', 'x', 's', 'b', '{}', '{}', 'm', 'draft', "
                "'a', now())")
    con.close()
    return path


@pytest.fixture
def admin_token(cli_identity):
    from analysis.users import UserStore

    return UserStore(cli_identity).create_token("test-admin", "shop tests")


def shoplens(*args, home, token=None):
    env = {**os.environ, "PYTHONPATH": ROOT, "SHOPLENS_HOME": str(home)}
    if token:
        env["SHOPLENS_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT)


def _counts(con) -> dict:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("orders", "reviews", "review_labels", "label_corrections", "drafts")}


# ---------------------------------------------------------------- store
def test_settings_are_remembered_in_the_database(db):
    con, path = db
    assert shop.settings(con) == {"name": None, "currency": "GBP", "currency_set": False, "started_at": None}
    shop.set_name(con, "  Fig   & Cedar ", "t")
    shop.set_currency(con, "eur", "t")
    shop.set_product_names(con, {"85123A": "Heart T-light holder"}, "t")
    con.close()
    con = store.connect(path)
    assert shop.settings(con)["name"] == "Fig & Cedar" and shop.currency(con) == "EUR"
    assert shop.product_names(con)["display_name"].tolist() == ["Heart T-light holder"]
    shop.set_product_names(con, {"85123A": ""}, "t")  # an empty name forgets it
    assert shop.product_names(con).empty
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'shop_settings'").fetchone()[0] == 4


@pytest.mark.parametrize("name, what", [("", "empty"), ("x" * 61, "61 characters"), ("=HYPERLINK(1)", "formula"),
                                        ("a\x07b", "control")])
def test_bad_name_is_refused_and_nothing_stored(db, name, what):
    con, _ = db
    with pytest.raises(ShoplensError, match=what):
        shop.set_name(con, name, "t")
    assert shop.shop_name(con) is None


def test_bad_currency_leaves_the_stored_one(db):
    con, _ = db
    shop.set_currency(con, "SEK", "t")
    with pytest.raises(ShoplensError, match="ISO 4217"):
        shop.set_currency(con, "KRONA", "t")
    assert shop.currency(con) == "SEK"


def test_demo_rows_are_marked(demo_copy):
    con = store.connect(demo_copy)
    c = shop.demo_counts(con)
    assert c["orders"] == con.execute("SELECT count(*) FROM orders").fetchone()[0] > 500_000
    assert c["reviews"] == 23_486 and c["review_labels"] == 1 and c["label_corrections"] == 1 and c["drafts"] == 1
    assert shop.has_demo(con)


def test_migration_from_a_version_1_database_marks_the_demo(demo_copy):
    """A database written before version 2 (no settings tables, no demo marks) is migrated when opened."""
    con = store.connect(demo_copy)
    con.execute("DROP TABLE shop_settings; DROP TABLE product_names; DROP TABLE demo_uploads")
    con.execute("DELETE FROM schema_info; INSERT INTO schema_info VALUES (1, now())")
    con.close()
    con = store.connect(demo_copy)
    assert store.schema_version(con) == schema.SCHEMA_VERSION == 2
    assert con.execute("SELECT count(*) FROM demo_uploads").fetchone()[0] == 2
    assert shop.has_demo(con) and shop.settings(con)["currency"] == "GBP"


def test_migration_does_not_mark_a_shops_own_upload(tmp_path, write, demo_copy):
    """Only the bundled files (name and SHA-256) count as demo: a shop's own file of that name is its own data."""
    con = store.connect(demo_copy)
    from analysis import ingest
    own = write("online_retail.csv.gz", "order_date,line_total\n2024-01-01,5\n")
    rep = ingest.load_file(con, "orders", own, mode="append", who="t")
    con.execute("DROP TABLE demo_uploads; DELETE FROM schema_info; INSERT INTO schema_info VALUES (1, now())")
    con.close()
    con = store.connect(demo_copy)
    marked = [r[0] for r in con.execute("SELECT upload_id FROM demo_uploads").fetchall()]
    assert rep.upload_id not in marked and len(marked) == 2


def test_start_shop_removes_every_demo_row_and_keeps_own_rows(demo_copy, write):
    con = store.connect(demo_copy)
    from analysis import ingest
    ingest.load_file(con, "orders", write("own.csv", "customer_id,order_date,quantity,amount\nA,2024-01-02,1,10\n"),
                     mode="append", who="t")
    uploads_before = con.execute("SELECT count(*) FROM uploads").fetchone()[0]
    out = shop.start_shop(con, "t", name="Fig & Cedar", currency_code="EUR")
    assert out["removed"]["orders"] > 500_000 and out["removed"]["reviews"] == 23_486
    assert _counts(con) == {"orders": 1, "reviews": 0, "review_labels": 0, "label_corrections": 0, "drafts": 0}
    assert not shop.has_demo(con) and shop.started(con)
    assert shop.settings(con)["name"] == "Fig & Cedar" and shop.currency(con) == "EUR"
    assert con.execute("SELECT count(*) FROM uploads").fetchone()[0] == uploads_before  # history kept
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'start_shop'").fetchone()[0] == 1
    assert not demo.ensure(con)  # a started shop never gets the demo rebuilt into it


def test_start_shop_is_one_transaction(demo_copy, monkeypatch):
    """A failure at the last step (the audit row) leaves every demo row, label and draft where it was."""
    con = store.connect(demo_copy)
    before = _counts(con)

    def broken(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(shop.store, "audit", broken)
    with pytest.raises(RuntimeError):
        shop.start_shop(con, "t", name="Fig & Cedar")
    assert _counts(con) == before and shop.has_demo(con) and not shop.started(con) and shop.shop_name(con) is None


def test_start_shop_on_an_empty_database_begins_an_empty_shop(db):
    con, path = db
    out = shop.start_shop(con, "t", currency_code="CHF")
    assert not any(out["removed"].values()) and out["currency"] == "CHF"
    assert not demo.ensure(con, path) and con.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_start_shop_refuses_bad_settings_before_removing_anything(demo_copy):
    con = store.connect(demo_copy)
    before = _counts(con)
    with pytest.raises(ShoplensError):
        shop.start_shop(con, "t", currency_code="EURO")
    assert _counts(con) == before


# ---------------------------------------------------------------- CLI
def test_cli_shop_show_and_set(demo_copy, tmp_path, admin_token):
    db = str(demo_copy)
    r = shoplens("--db", db, "shop", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["currency"] == "GBP"
    r = shoplens("--db", db, "shop", "--name", "Fig & Cedar", "--currency", "EUR", "--product-name", "85123A=Heart "
                 "holder", home=tmp_path, token=admin_token)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["name"], out["currency"], out["product_names"]) == ("Fig & Cedar", "EUR", {"85123A": "Heart holder"})


def test_cli_bad_currency_exit_2_nothing_changed(demo_copy, tmp_path, admin_token):
    db = str(demo_copy)
    r = shoplens("--db", db, "shop", "--currency", "EURO", "--name", "New name", home=tmp_path, token=admin_token)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "did you mean EUR" in r.stderr
    con = store.connect(demo_copy, read_only=True)
    assert shop.settings(con)["name"] is None and shop.currency(con) == "GBP"


def test_cli_name_and_currency_need_admin(demo_copy, tmp_path):
    r = shoplens("--db", str(demo_copy), "shop", "--currency", "EUR", home=tmp_path)  # the analyst token
    assert r.returncode == 2 and "needs admin" in r.stderr


def test_cli_start_shop_asks_then_removes(demo_copy, tmp_path, admin_token):
    db = str(demo_copy)
    r = shoplens("--db", db, "start-shop", home=tmp_path, token=admin_token)
    assert r.returncode == 2 and "--yes" in r.stderr and "23,486 reviews" in r.stderr
    r = shoplens("--db", db, "start-shop", "--yes", "--currency", "EUR", home=tmp_path, token=admin_token)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["removed"]["reviews"] == 23_486
    con = store.connect(demo_copy, read_only=True)
    assert _counts(con)["orders"] == 0 and shop.currency(con) == "EUR"


def test_cli_load_into_the_demo_asks_replace_or_append(demo_copy, tmp_path, write):
    db = str(demo_copy)
    f = write("own.csv", "customer_id,order_date,quantity,amount\nA,2024-01-02,1,10\n")
    r = shoplens("--db", db, "load", "orders", str(f), home=tmp_path)
    assert r.returncode == 2 and "--mode replace" in r.stderr and "--mode append" in r.stderr
    assert "mixes the two shops" in r.stderr
    r = shoplens("--db", db, "load", "orders", str(f), "--mode", "replace", home=tmp_path)
    assert r.returncode == 0, r.stderr
    con = store.connect(demo_copy, read_only=True)
    assert _counts(con)["orders"] == 1 and shop.demo_counts(con)["reviews"] == 23_486


# ---------------------------------------------------------------- brand and product display names in copy
def test_product_display_names_reach_overview_and_campaign_facts(demo_copy):
    from analysis import campaign_facts, overview

    con = store.connect(demo_copy)
    top = overview.top_products(con).iloc[0]
    shop.set_product_names(con, {top["product_id"]: "Heart lantern"}, "t")
    assert overview.top_products(con).iloc[0]["product_name"] == "Heart lantern"
    facts = campaign_facts.segment_facts(con, "Champions", "email", "15% off with code THANKS15", brand="Fig")
    assert facts["currency"] == "GBP"
    first = facts["top_products"][0]  # the segment's favourite, by the name in the orders
    ids = [r[0] for r in con.execute("SELECT DISTINCT product_id FROM orders WHERE lower(product_name) = lower(?)",
                                     [first]).fetchall()]
    shop.set_product_names(con, {i: "Fig candle" for i in ids}, "t")
    named = campaign_facts.segment_facts(con, "Champions", "email", "15% off", brand="Fig")["top_products"]
    assert named[0] == "Fig candle" and first not in named
    shop.set_currency(con, "EUR", "t")
    assert campaign_facts.segment_facts(con, "Champions", "sms", "15% off", brand="Fig")["currency"] == "EUR"


def test_brand_is_the_shop_name_or_asked_for(db):
    con, _ = db
    with pytest.raises(ShoplensError, match="no name yet") as e:
        shop.brand(con)
    assert "--brand" in str(e.value) and "shoplens shop --name" in str(e.value)
    shop.set_name(con, "Fig & Cedar", "t")
    assert shop.brand(con) == "Fig & Cedar" and shop.brand(con, " Other  brand ") == "Other brand"
    with pytest.raises(ShoplensError, match="formula"):
        shop.brand(con, "=cmd")


def test_cli_draft_without_a_shop_name_asks_for_the_brand(demo_copy, tmp_path):
    r = shoplens("--db", str(demo_copy), "draft", "--segment", "Champions", "--channel", "sms", "--offer", "15% off",
                 "--out", str(tmp_path / "d.json"), home=tmp_path)
    assert r.returncode == 2 and "no name yet" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "d.json").exists()


def test_cli_demo_refuses_to_overwrite_a_shops_own_rows(tmp_path, write):
    db = str(tmp_path / "own.duckdb")
    f = write("own.csv", "customer_id,order_date,quantity,amount\nA,2024-01-02,1,10\n")
    assert shoplens("--db", db, "load", "orders", str(f), home=tmp_path).returncode == 0
    r = shoplens("--db", db, "demo", home=tmp_path)
    assert r.returncode == 2 and "your own 1 order lines" in r.stderr and "--yes" in r.stderr
    con = store.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == 1


def test_display_names_reach_recommendations_and_segment_products(demo_copy):
    from analysis import recommend, rfm

    con = store.connect(demo_copy)
    recs = recommend.recommend(con, customers=["12347"], k=3)
    pid = recs.iloc[0]["product_id"]
    shop.set_product_names(con, {pid: "Fig candle"}, "t")
    assert recommend.recommend(con, customers=["12347"], k=3).set_index("product_id").loc[pid, "product_name"] \
        == "Fig candle"
    table = rfm.rfm_table(con)
    over = recommend.segment_products(con, table, "Champions")
    shop.set_product_names(con, {over.iloc[0]["product_id"]: "Cedar lamp"}, "t")
    assert recommend.segment_products(con, table, "Champions").iloc[0]["product_name"] == "Cedar lamp"


def test_start_shop_killed_mid_transaction_leaves_the_demo_whole(demo_copy):
    """The process is killed (SIGKILL) at the last step inside the transaction, after every DELETE ran: the file
    reopens with every demo row, label, correction and draft where it was."""
    con = store.connect(demo_copy)
    before = _counts(con)
    con.close()
    script = ("import os, signal, sys\nfrom analysis import shop, store\n"
              "store.audit = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
              "shop.store.audit = store.audit\n"
              "shop.start_shop(store.connect(sys.argv[1]), 'killer', name='Half')\n")
    r = subprocess.run([sys.executable, "-c", script, str(demo_copy)], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": ROOT})
    assert r.returncode == -9, r.stderr
    con = store.connect(demo_copy)
    assert _counts(con) == before and shop.has_demo(con) and shop.shop_name(con) is None and not shop.started(con)
