"""Sharing outside the team: the per-segment and topic releases (close to the truth at large ε, each customer
bounded), `shoplens share` (statement header, budget charged, refusal past the budget) and the Share page."""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import dp, dp_releases, rfm, store
from analysis.errors import ShoplensError
from analysis.users import UserStore

N = 400  # customers


def fill_shop(con, labels: bool = True) -> None:
    """400 customers with 1-5 orders spread over nine months (so every kind of RFM segment has people), one whale;
    200 of them wrote one review each, c0 wrote 31 (all alike), and 40 reviews have no customer.

    Topics per review (latest label): i % 4 in (0, 1): quality 0.9, fit_size 0.7, comfort 0.6 (comfort is the third
    and falls under a 2-topic bound); otherwise delivery_packaging 0.8, quality 0.55. Anonymous: price_value."""
    rows = []
    for i in range(N):
        for j in range(1 + i % 5):
            rows.append((f"o{i}-{j}", f"c{i}", f"2024-0{1 + (i * 7 + j) % 9}-15", "GB" if i % 3 else "FR",
                         10.0 * (1 + i % 11), "ok"))
    rows.append(("whale", "c1", "2024-03-01", "GB", 1e9, "ok"))
    rows.append(("cx", "c2", "2024-03-01", "GB", 5e8, "cancelled"))
    orders = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_date", "country", "line_total", "status"])
    reviews, lab = [], []
    for i in range(200):
        for k in range(31 if i == 0 else 1):
            rid = f"r{i}-{k}"
            reviews.append((rid, f"c{i}", "Dresses" if i % 2 == 0 else "Tops", 4 + i % 2))
            if i % 4 in (0, 1):
                lab.append((rid, ["quality", "fit_size", "comfort"], {"quality": 0.9, "fit_size": 0.7, "comfort": 0.6}))
            else:
                lab.append((rid, ["delivery_packaging", "quality"], {"delivery_packaging": 0.8, "quality": 0.55}))
    for a in range(40):
        reviews.append((f"anon{a}", None, "Tops", 3))
        lab.append((f"anon{a}", ["price_value"], {"price_value": 0.9}))
    con.register("orders_df", orders)
    con.execute("INSERT INTO orders (order_id, customer_id, order_date, country, line_total, status) SELECT "
                "order_id, customer_id, CAST(order_date AS TIMESTAMP), country, line_total, status FROM orders_df")
    con.register("reviews_df", pd.DataFrame(reviews, columns=["review_id", "customer_id", "category", "rating"]))
    con.execute("INSERT INTO reviews (review_id, customer_id, category, rating) SELECT * FROM reviews_df")
    if labels:
        for rid, topics, scores in lab:
            # an older label first: only the latest per review may count
            con.execute("INSERT INTO review_labels VALUES (?, 'old', 'neutral', 0.5, ['comfort'], '{}', 0, "
                        "TIMESTAMP '2020-01-01')", [rid])
            con.execute("INSERT INTO review_labels VALUES (?, 'v1', 'positive', 0.9, ?, ?, 0, TIMESTAMP '2024-10-01')",
                        [rid, topics, json.dumps(scores)])
    con.unregister("orders_df")
    con.unregister("reviews_df")


@pytest.fixture
def shop(db):
    con, _ = db
    fill_shop(con)
    return con


def loose(con) -> None:
    """Budgets large enough for ε = 20 releases, so the noise (scale ~0.05-0.5) lets the bounded truth show."""
    for d in ("orders", "reviews"):
        dp.set_budget(con, d, 1000.0, 0.5)


def by_group(frame: pd.DataFrame, key: str, value: str) -> dict:
    return dict(zip(frame[key], frame[value], strict=True))


# ---------------------------------------------------------------- the new releases
def test_customers_per_segment_close_and_each_customer_once(shop):
    loose(shop)
    truth = rfm.rfm_table(shop)["segment"].value_counts().to_dict()
    res = dp_releases.release(shop, "customers", "segment", 20.0, delta=1e-3)
    got = by_group(res.frame, "segment", "customers")
    assert got and set(got) <= set(truth)
    assert all(abs(got[s] - truth[s]) <= 1 for s in got), (got, truth)
    assert all(truth[s] <= 2 for s in set(truth) - set(got))  # only tiny groups may be suppressed
    assert abs(sum(got.values()) - N) <= len(truth)  # one segment per customer: the sizes add up to the customers
    assert res.suppressed == len(truth) - len(got)
    s = res.statement
    assert "customers per segment" in s and "ε = 20" in s and "groups per customer = 1" in s and "RFM segments" in s
    assert dp.budget(shop, "orders")["releases"] == 1 and dp.budget(shop, "reviews")["releases"] == 0
    assert not shop.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]  # cleaned up


def test_revenue_per_segment_clamps_each_customer(shop):
    loose(shop)
    seg = rfm.rfm_table(shop)[["customer_id", "segment"]]
    spend = shop.execute("SELECT customer_id, sum(line_total) AS rev FROM orders WHERE status <> 'cancelled' "
                         "GROUP BY 1").df().merge(seg, on="customer_id")
    truth = spend.assign(rev=spend["rev"].clip(0, 100)).groupby("segment")["rev"].sum().to_dict()
    res = dp_releases.release(shop, "revenue", "segment", 20.0, revenue_bound=100.0, delta=1e-3)
    got = by_group(res.frame, "segment", "revenue")
    # noise scale 10 (bound 100 at ε/2 = 10): within 10 scales, while the unclamped 1e9 whale would be off the chart
    assert got and all(abs(got[s] - truth[s]) < 100 for s in got), (got, truth)
    assert "[0, 100]" in res.statement and "revenue per segment" in res.statement


def expected_topics(max_topics: int) -> dict:
    """(category, topic) -> reviews, from the fixture's design: c0's 31 reviews count 5 times, not 31."""
    top = {0: ["quality", "fit_size", "comfort"], 1: ["delivery_packaging", "quality"]}
    out: dict = {}
    for i in range(200):
        cat = "Dresses" if i % 2 == 0 else "Tops"
        for t in top[0 if i % 4 in (0, 1) else 1][:max_topics]:
            out[(cat, t)] = out.get((cat, t), 0) + (5 if i == 0 else 1)
    out[("Tops", "price_value")] = 40  # anonymous reviews: each its own person
    return out


@pytest.mark.parametrize("max_topics", [2, 3])
def test_topic_counts_per_category_bound_reviews_and_topics(shop, max_topics):
    loose(shop)
    res = dp_releases.release(shop, "topics", "category", 20.0, max_reviews=5, max_topics=max_topics, delta=1e-3)
    got = {(c, t): n for c, t, n in res.frame[["category", "topic", "reviews"]].itertuples(index=False)}
    want = expected_topics(max_topics)
    assert set(got) == set(want)  # with 2 topics per review, comfort (always third) is never counted
    # noise scale 5 × max_topics / 20 ≤ 0.75; unbounded, c0 would put Dresses/quality at 131 instead of 104
    assert all(abs(got[k] - want[k]) <= 6 for k in want), (got, want)
    assert "reviews per customer = 5" in res.statement and f"topics per review = {max_topics}" in res.statement
    assert dp.budget(shop, "reviews")["releases"] == 1 and dp.budget(shop, "orders")["releases"] == 0


def test_topic_counts_per_segment_charge_both_datasets(shop):
    loose(shop)
    seg = dict(rfm.rfm_table(shop)[["customer_id", "segment"]].itertuples(index=False))
    want: dict = {}
    for i in range(200):
        want[seg[f"c{i}"]] = want.get(seg[f"c{i}"], 0) + (5 if i == 0 else 1)  # every review names quality
    res = dp_releases.release(shop, "topics", "segment", 20.0, max_topics=2, delta=1e-3)
    quality = {s: n for s, t, n in res.frame[["segment", "topic", "reviews"]].itertuples(index=False)
               if t == "quality"}
    assert quality and all(abs(quality[s] - want[s]) <= 5 for s in quality), (quality, want)  # scale 0.5
    assert "price_value" not in set(res.frame["topic"])  # anonymous reviews belong to no segment
    assert "datasets 'reviews' and 'orders'" in res.statement
    assert dp.budget(shop, "reviews")["releases"] == dp.budget(shop, "orders")["releases"] == 1


def test_rating_per_segment_is_close(shop):
    loose(shop)
    seg = dict(rfm.rfm_table(shop)[["customer_id", "segment"]].itertuples(index=False))
    ratings: dict = {}
    for i in range(200):
        ratings.setdefault(seg[f"c{i}"], []).extend([4 + i % 2] * (5 if i == 0 else 1))
    res = dp_releases.release(shop, "rating", "segment", 20.0, delta=1e-3)
    got = by_group(res.frame, "segment", "avg_rating")
    # the rating sums have noise scale 1 (2 × 5 reviews at ε/2 = 10), spread over the segment's reviews
    assert got and all(abs(got[s] - sum(ratings[s]) / len(ratings[s])) < 0.05 + 10 / len(ratings[s]) for s in got)


def test_topics_without_labels_say_to_score_and_spend_nothing(db):
    con, _ = db
    fill_shop(con, labels=False)
    for by in ("category", "segment"):
        with pytest.raises(ShoplensError, match="shoplens score"):
            dp_releases.release(con, "topics", by, 1.0)
    assert dp.ledger(con).empty


def test_a_release_on_two_datasets_needs_both_budgets(shop):
    dp.set_budget(shop, "orders", 1.0)
    dp_releases.release(shop, "customers", "segment", 1.0)
    with pytest.raises(dp.BudgetExceeded, match="dataset 'orders' has ε = 0"):
        dp_releases.release(shop, "topics", "segment", 0.5)
    assert dp.budget(shop, "reviews")["releases"] == 0 and dp.budget(shop, "orders")["releases"] == 1


@pytest.mark.parametrize("what,by", [("customers", "category; DROP TABLE orders"), ("customers", "nope"),
                                     ("orders", "country"), ("topics", "country")])
def test_only_listed_releases_run(shop, what, by):
    with pytest.raises(ShoplensError):
        dp_releases.release(shop, what, by, 1.0)
    assert shop.execute("SELECT count(*) FROM orders").fetchone()[0] > 1000 and dp.ledger(shop).empty


def test_export_csv_states_the_terms_first(shop):
    res = dp_releases.release(shop, "customers", "country", 1.0)
    text = dp_releases.export_csv(res, "Shoplens shared export")
    head = text.splitlines()[:2]
    assert head[0] == "# Shoplens shared export" and head[1].startswith("# Differentially private release")
    assert "ε = 1" in head[1] and "δ = 1e-07" in head[1]
    import io

    back = pd.read_csv(io.StringIO(text), comment="#")
    assert list(back.columns) == ["country", "customers"] and len(back) == len(res.frame)


# ---------------------------------------------------------------- command line
@pytest.fixture
def cli_shop(tmp_path, monkeypatch):
    """A small shop on disk (closed, as the CLI opens it itself) and a marketer and an admin with API tokens."""
    path = tmp_path / "shop.duckdb"
    con = store.connect(path)
    fill_shop(con)
    con.close()
    users = UserStore(tmp_path / "users.json")
    monkeypatch.setenv("SHOPLENS_USERS", str(tmp_path / "users.json"))
    tokens = {}
    for role in ("marketer", "admin"):
        users.add(f"{role}1", role, password=f"{role}-password", must_change=False)
        tokens[role] = users.create_token(f"{role}1")
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["marketer"])
    return path, tokens


def run_cli(capsys, *argv):
    from dashboard import cli

    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def ledger_rows(path) -> list:
    con = store.connect(path)
    try:
        return [tuple(r) for r in dp.ledger(con)[["dataset", "who", "query", "epsilon"]].iloc[::-1].itertuples(
            index=False)]
    finally:
        con.close()


def test_cli_share_writes_the_statement_and_charges_the_budget(cli_shop, capsys, tmp_path):
    path, _ = cli_shop
    out = tmp_path / "segments.csv"
    code, stdout, err = run_cli(capsys, "--db", path, "share", "customers", "--by", "segment", "--epsilon", "2",
                                "--out", out)
    assert code == 0, err
    result = json.loads(stdout)
    assert len(stdout.strip().splitlines()) == 1
    assert result["release"] == "customers per segment" and result["epsilon"] == 2 and result["delta"] == 1e-7
    assert result["groups"] > 3 and result["suppressed"] >= 0 and result["budget_left"] == {"orders": 8.0}
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# Shoplens shared export: customers per segment; released by marketer1")
    assert lines[0].endswith("; money in GBP")  # the shop currency (none set: the demo's), as the page writes it
    assert lines[1].startswith("# Differentially private release (customers per segment)") and "ε = 2" in lines[1]
    frame = pd.read_csv(out, comment="#")
    assert list(frame.columns) == ["segment", "customers"] and len(frame) == result["groups"]
    assert ledger_rows(path) == [("orders", "marketer1", "customers per segment", 2.0)]


def test_cli_past_the_budget_exits_2_and_leaves_the_ledger(cli_shop, capsys, monkeypatch, tmp_path):
    path, tokens = cli_shop
    code, _, err = run_cli(capsys, "--db", path, "share", "--dataset", "orders", "--set-budget", "1.5")
    assert code == 2 and "needs admin" in err  # marketers release, they do not set budgets
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["admin"])
    code, stdout, err = run_cli(capsys, "--db", path, "share", "--dataset", "orders", "--set-budget", "1.5")
    assert code == 0, err
    assert json.loads(stdout)["budget"]["orders"]["epsilon_total"] == 1.5
    monkeypatch.setenv("SHOPLENS_TOKEN", tokens["marketer"])
    assert run_cli(capsys, "--db", path, "share", "revenue", "--epsilon", "1", "--revenue-bound", "50")[0] == 0
    before = ledger_rows(path)
    out = tmp_path / "again.csv"
    code, stdout, err = run_cli(capsys, "--db", path, "share", "customers", "--epsilon", "1", "--out", out)
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1
    assert "Privacy budget exceeded: this release needs ε = 1" in err and "has ε = 0.5," in err and "Fix:" in err
    assert ledger_rows(path) == before and len(before) == 1 and not out.exists()


def test_cli_share_refuses_bad_input_before_spending(cli_shop, capsys, tmp_path):
    path, _ = cli_shop
    for argv in (["customers", "--epsilon", "50"], ["customers", "--epsilon", "1", "--out", tmp_path / "x.txt"],
                 ["customers", "--epsilon", "1", "--out", tmp_path / "missing" / "x.csv"], ["customers"],
                 ["rating", "--by", "country", "--epsilon", "1"]):
        code, _, err = run_cli(capsys, "--db", path, "share", *argv)
        assert code == 2 and err.startswith("shoplens share: "), (argv, err)
    assert ledger_rows(path) == []


# ---------------------------------------------------------------- the Share page
@pytest.fixture(scope="module")
def page_home(tmp_path_factory):
    h = tmp_path_factory.mktemp("share_home")
    path = h / "shoplens.duckdb"
    con = store.connect(path)
    fill_shop(con)
    con.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLENS_HOME", str(h))
    mp.setenv("SHOPLENS_DB", str(path))
    mp.setenv("SHOPLENS_USERS", str(h / "users.json"))
    yield path
    mp.undo()


def page(role: str) -> AppTest:
    at = AppTest.from_file("../dashboard/app.py", default_timeout=120)
    at.session_state["auth_user"] = {"username": f"a-{role}", "role": role}
    at.run()
    at.switch_page("views/share.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Share"]
    return at


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def app_ledger(path) -> list:
    from dashboard import state

    return state._database(str(path))[0].cursor().execute(
        'SELECT dataset, who, query, epsilon FROM dp_ledger ORDER BY "at"').fetchall()


def test_marketer_releases_once_and_sees_the_statement(page_home):
    at = page("marketer")
    assert not any(k.key.startswith("share_budget") for k in at.number_input)  # the budget is an admin's
    assert not any(b.key.startswith("share_set_budget") for b in at.button)
    assert any("Only an admin" in c.value for c in at.caption)
    assert metric(at, "orders: total ε") == "10" and metric(at, "Spent") == "0"
    at.selectbox(key="share_what").set_value("Customers per segment").run()
    at.number_input(key="share_epsilon").set_value(2.0).run()
    at.button(key="share_release").click().run()
    assert not at.exception and not at.error
    statement = at.info[0].value
    assert "customers per segment" in statement and "ε = 2" in statement and "δ = 1e-07" in statement
    table = next(d.value for d in at.dataframe if "segment" in d.value.columns)
    assert list(table.columns) == ["segment", "customers"] and abs(table["customers"].sum() - N) < 60
    assert metric(at, "Spent") == "2" and metric(at, "Left") == "8"
    assert [b.key for b in at.get("download_button")] == ["share_download"]
    assert app_ledger(page_home) == [("orders", "a-marketer", "customers per segment", 2.0)]
    log = next(d.value for d in at.dataframe if "query" in d.value.columns)
    assert log["who"].tolist() == ["a-marketer"]
    # past the budget: the message and its fix, no traceback, nothing charged
    at.number_input(key="share_epsilon").set_value(9.0).run()
    at.button(key="share_release").click().run()
    assert not at.exception and "Privacy budget exceeded" in at.error[0].value and "Fix:" in at.error[0].value
    assert len(app_ledger(page_home)) == 1


def test_admin_changes_the_budget_and_topics_release(page_home):
    at = page("admin")
    at.selectbox(key="share_what").set_value("Topic counts per segment").run()
    assert {m.label for m in at.metric} >= {"orders: total ε", "reviews: total ε"}
    at.number_input(key="share_budget_reviews").set_value(3.0).run()
    at.button(key="share_set_budget_reviews").click().run()
    assert not at.exception and metric(at, "reviews: total ε") == "3"
    at.button(key="share_release").click().run()
    assert not at.exception and not at.error
    assert "topic counts per segment" in at.info[0].value
    assert math.isclose(sum(e for d, _, _, e in app_ledger(page_home) if d == "reviews"), 1.0)



def test_cli_share_tiny_epsilon_is_refused_before_anything_is_charged(cli_shop, capsys):
    """5e-324 is above 0 but its noise scale overflows: refused in one line, and neither ε nor δ is charged."""
    path, _ = cli_shop
    for eps in ("5e-324", "0.0001"):
        code, stdout, err = run_cli(capsys, "--db", path, "share", "customers", "--by", "segment", "--epsilon", eps)
        assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1, err
        assert err.startswith("shoplens share: ε must be a number from 0.001 to 20")
    assert ledger_rows(path) == []
    code, stdout, err = run_cli(capsys, "--db", path, "share", "customers", "--epsilon", "0.001")
    assert code == 0, err  # the smallest allowed ε still releases
