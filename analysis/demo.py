"""The bundled demo shop: UCI Online Retail orders plus the Women's E-Commerce Clothing Reviews, linked by a
documented, seeded rule so that every page has something to show.

Demo linkage (the two sets come from different shops): review r goes to the h-th buyer in customer_id order, where
h = hash(review_id || ':shoplens-demo') mod (number of buyers); within that buyer's orders it attaches to order
(h div buyers) mod (their order count), and is dated 3-23 days after that order. Rows linked this way carry
linkage = 'demo' and the UI says so. Real uploads keep their own customer_id / order_id / created_at."""
from __future__ import annotations

from analysis import ingest, store
from analysis.config import DEMO_DATA_DIR

ORDERS_FILE = DEMO_DATA_DIR / "online_retail.csv.gz"
REVIEWS_FILE = DEMO_DATA_DIR / "womens_clothing_reviews.csv.gz"


def build(con, db_path=None, who: str = "demo") -> dict:
    """Replace orders and reviews with the demo shop's and link them; returns both load summaries."""
    orders = ingest.load_file(con, "orders", ORDERS_FILE, mode="replace", who=who, db_path=db_path)
    reviews = ingest.load_file(con, "reviews", REVIEWS_FILE, mode="replace", who=who, db_path=db_path)
    with store.transaction(con):
        for report in (orders, reviews):  # what the pages call "Demo data" and start-shop removes
            con.execute("INSERT OR REPLACE INTO demo_uploads VALUES (?, ?, now())", [report.upload_id, report.table])
        link_reviews(con)
        store.audit(con, who, "demo_linkage", "reviews", {"rule": "seeded hash, see analysis/demo.py"})
    return {"orders": orders.summary(), "reviews": reviews.summary()}


def link_reviews(con) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _links AS
           WITH buyers AS (
               SELECT customer_id, row_number() OVER (ORDER BY customer_id) - 1 AS ci
               FROM (SELECT DISTINCT customer_id FROM orders WHERE customer_id IS NOT NULL AND status <> 'cancelled')),
           buyer_orders AS (
               SELECT customer_id, order_id, min(order_date) AS d,
                      row_number() OVER (PARTITION BY customer_id ORDER BY min(order_date), order_id) - 1 AS oi,
                      count(*) OVER (PARTITION BY customer_id) AS n_orders
               FROM orders WHERE customer_id IS NOT NULL AND status <> 'cancelled' GROUP BY customer_id, order_id),
           picks AS (
               SELECT review_id, h, CAST(h % n AS BIGINT) AS ci, h // n AS h2
               FROM (SELECT review_id, hash(review_id || ':shoplens-demo') AS h,
                            (SELECT count(*) FROM buyers) AS n FROM reviews)),
           linked AS (
               SELECT p.review_id, b.customer_id, p.h, p.h2 FROM picks p JOIN buyers b ON b.ci = p.ci)
           SELECT l.review_id, l.customer_id, bo.order_id, bo.d + to_days(CAST(3 + l.h % 21 AS INTEGER)) AS created_at
           FROM linked l JOIN buyer_orders bo ON bo.customer_id = l.customer_id AND bo.oi = CAST(l.h2 % bo.n_orders AS BIGINT)"""
    )
    con.execute(
        """UPDATE reviews SET customer_id = k.customer_id, order_id = k.order_id, created_at = k.created_at,
                  linkage = 'demo'
           FROM _links k WHERE reviews.review_id = k.review_id"""
    )
    con.execute("DROP TABLE _links")


def ensure(con, db_path=None) -> bool:
    """Build the demo on a first start (no orders and no uploads yet, and the shop not started empty on purpose with
    `shoplens start-shop`); True when it did."""
    empty = con.execute("SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM uploads) "
                        "+ (SELECT count(*) FROM shop_settings WHERE \"key\" = 'started_at')").fetchone()[0] == 0
    if empty:
        build(con, db_path)
    return empty
