"""Item-item co-purchase recommendations: hand-checked ranks and reasons, exclusions, fill, the time-split check."""
import pandas as pd
import pytest

from analysis import recommend, rfm
from analysis.errors import ShoplensError
from tests.test_rfm import add_orders


def shop(con):
    baskets = {"A": ["1", "2"], "B": ["1", "2"], "C": ["1", "3"], "D": ["1"], "E": ["4"], "F": ["2", "5"]}
    rows = [(f"{c}{p}", c, "2024-01-10", p, 10.0) for c, ps in baskets.items() for p in ps]
    rows.append(("Apost", "A", "2024-01-10", "POST", 5.0))
    add_orders(con, rows)
    con.execute("UPDATE orders SET product_name = 'POSTAGE' WHERE product_id = 'POST'")


def test_ranks_scores_and_reasons_by_hand(db):
    con, _ = db
    shop(con)
    r = recommend.recommend(con, ["D"], k=3, min_support=1)
    # buyers: 1 -> 4, 2 -> 3, 3 -> 1; together with 1: 2 by A,B (cos 2/sqrt(4*3)), 3 by C (1/sqrt(4*1))
    assert r["product_id"].tolist()[:2] == ["2", "3"]
    assert r["score"].tolist()[:2] == [pytest.approx(2 / 12 ** 0.5, abs=1e-4), pytest.approx(0.5, abs=1e-4)]
    assert r["reason"].tolist()[:2] == ["bought together with P1 by 2 customers", "bought together with P1 by 1 customer"]
    assert r["rank"].tolist() == [1, 2, 3]
    assert r["reason"].iloc[2].startswith("popular: bought by")  # only two neighbours: the rest is filled


def test_never_recommends_what_was_bought_or_postage(db):
    con, _ = db
    shop(con)
    r = recommend.recommend(con, None, k=5, min_support=1)
    bought = con.execute("SELECT customer_id, product_id FROM orders").df()
    clash = r.merge(bought, on=["customer_id", "product_id"])
    assert clash.empty and "POST" not in set(r["product_id"])
    assert set(r["customer_id"]) == set("ABCDEF")
    e = r[r["customer_id"] == "E"]  # bought a product nobody else did: popularity only, most popular first
    assert e["product_id"].iloc[0] == "1" and e["reason"].iloc[0] == "popular: bought by 4 customers"


def test_min_support_drops_single_co_buyer_pairs(db):
    con, _ = db
    shop(con)
    r = recommend.recommend(con, ["D"], k=2)  # default min_support=2: 1-3 (one customer) is not a neighbour
    assert r["reason"].iloc[0] == "bought together with P1 by 2 customers"
    assert r["reason"].iloc[1].startswith("popular")


def test_unknown_customer_and_bad_k(db):
    con, _ = db
    shop(con)
    with pytest.raises(ShoplensError, match="No completed orders"):
        recommend.recommend(con, ["nobody"])
    with pytest.raises(ShoplensError, match="between 1 and 100"):
        recommend.recommend(con, ["A"], k=0)


def test_time_split_hit_rate_by_hand(db):
    con, _ = db
    shop(con)
    # after the cut-off: D buys 2 (co-purchase top pick), E buys 5 (neither method's top-1), A re-buys 1 (not new)
    add_orders(con, [("x1", "D", "2024-02-05", "2", 10.0), ("x2", "E", "2024-02-05", "5", 10.0),
                     ("x3", "A", "2024-02-05", "1", 10.0)])
    ev = recommend.evaluate(con, "2024-01-31", 30, k=1, min_support=1)
    assert ev["test_customers"] == 2
    assert ev["hit_rate_copurchase"] == 0.5  # D gets 2; E (no neighbours) gets popular 1
    assert ev["hit_rate_popularity"] == 0.5  # D: 1 is bought, so 2 (hit); E: 1 (miss)
    assert ev["coverage_popularity"] == pytest.approx(2 / 5)


def test_segment_products_lift(db):
    con, _ = db
    shop(con)
    table = pd.DataFrame({"customer_id": list("ABCDEF"), "segment": ["Champions"] * 2 + ["Lost"] * 4})
    p = recommend.segment_products(con, table, "Champions", min_customers=2).set_index("product_id")
    assert p.loc["2", "lift"] == pytest.approx((2 / 2) / (3 / 6))
    assert p.loc["1", "lift"] == pytest.approx((2 / 2) / (4 / 6))
    assert list(p.index) == ["2", "1"]
    assert recommend.segment_products(con, table, "New").empty
    assert set(rfm.SEGMENTS) >= {"Champions", "Lost"}


def test_demo_copurchase_beats_popularity(demo_con):
    ev = recommend.evaluate(demo_con, "2011-09-09", 91)
    assert ev["hit_rate_copurchase"] > ev["hit_rate_popularity"]
    assert ev["coverage_copurchase"] > ev["coverage_popularity"]


def test_cli_on_demo(demo_con, tmp_path, capsys):
    import json
    import shutil

    from dashboard import cli
    src = demo_con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    demo_con.execute("CHECKPOINT")
    path = str(tmp_path / "copy.duckdb")  # the CLI opens read-only; DuckDB refuses a second, differently-configured handle
    shutil.copy(src, path)
    out = tmp_path / "recs.csv"
    assert cli.main(["--db", path, "recommend", "--customer", "12347", "--k", "5", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 5
    recs = pd.read_csv(out, dtype={"customer_id": str, "product_id": str})
    assert list(recs.columns) == recommend.REC_COLUMNS and recs["rank"].tolist() == [1, 2, 3, 4, 5]
    assert recs["reason"].str.startswith("bought together with").all()
    seg = tmp_path / "seg.csv"
    assert cli.main(["--db", path, "segments", "--as-of", "2011-06-30", "--horizon-days", "91", "--out", str(seg)]) == 0
    summary = json.loads(capsys.readouterr().out)
    h = summary["holdout"]
    assert h["cutoff"] == "2011-06-30" and h["mae_model"] < h["mae_naive"]
    df = pd.read_csv(seg)
    assert list(df.columns) == ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                                "segment", "expected_purchases", "p_alive", "predicted_clv"]
    assert len(df) == summary["customers"] == h["customers"]
