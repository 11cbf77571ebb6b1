"""Any shop's data on every page and in the CLI jobs: orders without product ids, without countries, without order
ids, and reviews without customers (tests/shops.py builds each). No page may raise or show an error box, and where
a figure cannot be computed the page says which column the shop's data lacks."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from analysis import data_gaps, dp_releases, fairness_segments, recommend, store
from tests.shops import SHOP_KINDS, build_shop

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["overview", "data", "feedback", "models_page", "segments", "cohorts", "customers", "campaigns", "replies",
         "fairness", "share", "admin"]
# what each kind lacks, as data_gaps names it
LACKS = {"no_product_ids": {"orders.product_id", "orders.country", "orders.order_id", "reviews.product_id",
                            "reviews.category"},
         "no_countries": {"orders.country"},
         "no_order_ids": {"orders.order_id"},
         "reviews_no_customers": {"reviews.customer_id"}}


@pytest.fixture(scope="module", params=SHOP_KINDS)
def shop(request, tmp_path_factory):
    """(kind, db path) of a database holding only that shop, its reviews classified by `shoplens score`; the app
    and the CLI open it (SHOPLENS_HOME/DB)."""
    kind = request.param
    home = tmp_path_factory.mktemp(kind)
    path = home / "shop.duckdb"
    build_shop(kind, path)
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPLENS_HOME", str(home))
    mp.setenv("SHOPLENS_DB", str(path))
    r = shoplens("score")
    assert r.returncode == 0, r.stderr
    yield kind, path
    mp.undo()


def shoplens(*args):
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT)


def test_data_gaps_name_what_each_shop_lacks(shop):
    kind, path = shop
    con = store.connect(path, read_only=True)
    try:
        assert set(data_gaps.check(con).missing()) == LACKS[kind]
    finally:
        con.close()


def test_cli_segments_and_recommend(shop, tmp_path):
    kind, _ = shop
    r = shoplens("segments", "--out", str(tmp_path / "seg.csv"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["customers"] > 100
    r = shoplens("recommend", "--all", "--out", str(tmp_path / "recs.csv"))
    if "orders.product_id" in LACKS[kind]:
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
        assert "No recommendations without product ids: this shop's orders carry none" in r.stderr
        assert "--map product_id=" in r.stderr
    else:
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["rows"] > 0


def spent(path) -> dict:
    con = store.connect(path)
    try:
        return {d: dp_releases.dp.budget(con, d)["epsilon_spent"] for d in ("orders", "reviews")}
    finally:
        con.close()


def test_cli_share_refuses_a_grouping_the_data_lacks_without_charging(shop, tmp_path):
    kind, path = shop
    for what, by, key in (("revenue", "country", "orders.country"), ("rating", "category", "reviews.category"),
                          ("rating", "segment", "reviews.customer_id")):
        before = spent(path)
        r = shoplens("share", what, "--by", by, "--epsilon", "0.5", "--out", str(tmp_path / f"{what}_{by}.csv"))
        after = spent(path)
        if key in LACKS[kind]:
            assert r.returncode == 2, r.stdout
            assert f"without {data_gaps.COLUMNS[key][2]}" in r.stderr
            assert after == before  # nothing spent on a release that could show no group
        else:
            assert r.returncode == 0, r.stderr


def test_country_audit_says_what_is_missing(shop):
    """The Fairness page's and `shoplens fairness`' country audit: CLV errors by country even without product ids;
    no country column is named as the cause instead of 'pick an earlier cut-off date'."""
    kind, path = shop
    con = store.connect(path, read_only=True)
    try:
        if "orders.country" in LACKS[kind]:
            with pytest.raises(data_gaps.DataGapError, match="No country audit without countries"):
                fairness_segments.audit(con, horizon_days=60)
            return
        res = fairness_segments.audit(con, horizon_days=60)
        assert len(res["clv"][0]) >= 1
        if "orders.product_id" in LACKS[kind]:
            assert res["recommend"] is None and "product ids" in res["unavailable"]["recommend"]
    finally:
        con.close()


def test_recommend_names_the_missing_column(shop):
    kind, path = shop
    con = store.connect(path, read_only=True)
    try:
        if "orders.product_id" in LACKS[kind]:
            with pytest.raises(data_gaps.DataGapError, match="without product ids"):
                recommend.recommend(con, ["10001"])
        else:
            assert len(recommend.recommend(con, ["10001"], k=3)) == 3
    finally:
        con.close()


# The app holds its database open read-write in this process (st.cache_resource): page tests come last for each
# shop, after the commands and read-only checks above.
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(shop, page):
    kind, _ = shop
    at = AppTest.from_file("../dashboard/app.py", default_timeout=240)
    at.session_state["auth_user"] = ({"username": "test-admin", "role": "admin"} if page == "admin"
                                     else {"username": "tester", "role": "analyst"})
    at.run()
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    text = " ".join(e.value for e in list(at.info) + list(at.caption) + list(at.warning))
    assert "pick an earlier cut-off" not in text  # the cause is the data, not a date nobody can pick here
    assert "(at " not in text  # an error's code path ("at segment fairness audit") means nothing to a marketer
    if page in ("customers", "segments", "overview") and "orders.product_id" in LACKS[kind]:
        assert "without product ids: this shop's orders carry none" in text
    if page == "overview" and "orders.country" in LACKS[kind]:
        assert "No revenue by country without countries" in text
    if page == "segments" and "reviews.customer_id" in LACKS[kind]:
        assert "No feedback by segment without customer ids: this shop's reviews carry none" in text


def test_customers_page_searches_any_customer(shop):
    """The crash of issue 18: a customer whose orders carry no product ids opened a traceback."""
    at = AppTest.from_file("../dashboard/app.py", default_timeout=240)
    at.session_state["auth_user"] = {"username": "tester", "role": "analyst"}
    at.run()
    at.switch_page("views/customers.py")
    at.run()
    at.text_input(key="customers_search").input("10001").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.subheader[0].value.startswith("Customer 10001")
