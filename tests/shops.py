"""Small shops of each kind real exports come in, generated on the fly and loaded through the real ingest: the
pages and commands must work on every one of them, not only on the demo shop's full set of columns.

Kinds (SHOP_KINDS): orders without product ids (customer, date, quantity, amount: the issue 18 export), orders
without countries, orders without order ids (with identical repeat lines), and reviews without customers.
Every shop has ~14 months of orders ending mid-month (so the last month is partial) and reviews over the same time.
"""
from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from analysis import ingest, store

SHOP_KINDS = ("no_product_ids", "no_countries", "no_order_ids", "reviews_no_customers")

PRODUCTS = [(f"SKU-{i:03d}", name, cat, price) for i, (name, cat, price) in enumerate([
    ("Blue mug", "Kitchen", 6.5), ("Red mug", "Kitchen", 6.5), ("Tea towel", "Kitchen", 4.25),
    ("Linen apron", "Kitchen", 18.0), ("Oak board", "Kitchen", 24.99), ("Wool scarf", "Clothing", 32.0),
    ("Cotton socks", "Clothing", 7.1), ("Rain jacket", "Clothing", 89.0), ("Canvas tote", "Bags", 12.3),
    ("Leather wallet", "Bags", 45.0), ("Desk lamp", "Home", 39.9), ("Candle", "Home", 9.99)])]
COUNTRIES = ["Germany", "France", "Netherlands", "Spain"]
REVIEW_TEXTS = {
    5: ["Lovely quality, arrived quickly and well packed.", "Fits perfectly and the colour is beautiful."],
    4: ["Good value for the price, would buy again.", "Nice and comfortable, delivery took a few days."],
    3: ["It is fine, nothing special.", "Average quality, the size runs a little small."],
    2: ["Smaller than expected and the seams came loose.", "Slow delivery and the box was damaged."],
    1: ["Broke after one week, I want a refund.", "You charged my card twice, please refund it."],
}
END = datetime(2024, 6, 14, 17, 0)  # mid-month: June 2024 is a partial month
DAYS = 430


def order_rows(seed: int = 7, customers: int = 120) -> list[dict]:
    """Order lines with every column: several orders per customer, 1-3 lines each, a few cancellations."""
    rng = random.Random(seed)
    rows = []
    n = 0
    for c in range(customers):
        cid = str(10000 + c)
        country = COUNTRIES[c % len(COUNTRIES)]
        first = END - timedelta(days=rng.randrange(30, DAYS))
        for k in range(1 + int(rng.expovariate(0.5))):
            when = first + timedelta(days=k * rng.randrange(10, 60), hours=rng.randrange(0, 9), minutes=rng.randrange(60))
            if when > END:
                break
            n += 1
            oid = str(500000 + n)
            for pid, name, cat, price in rng.sample(PRODUCTS, rng.randint(1, 3)):
                qty = rng.choice([1, 1, 1, 2, 3, 6])
                cancelled = rng.random() < 0.02
                rows.append({"order_id": ("C" + oid) if cancelled else oid, "customer_id": cid,
                             "order_date": when.strftime("%Y-%m-%d %H:%M"), "product_id": pid, "product_name": name,
                             "category": cat, "quantity": -qty if cancelled else qty, "unit_price": price,
                             "country": country})
    return rows


def review_rows(orders: list[dict], seed: int = 11, n: int = 160) -> list[dict]:
    """Reviews of bought products, a few days after the order, ratings skewed positive as real shops' are."""
    rng = random.Random(seed)
    bought = [o for o in orders if not o["order_id"].startswith("C")]
    out = []
    for i in range(n):
        o = rng.choice(bought)
        rating = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 6])[0]
        when = datetime.strptime(o["order_date"], "%Y-%m-%d %H:%M") + timedelta(days=rng.randrange(2, 20))
        out.append({"review_id": f"R{i + 1}", "text": rng.choice(REVIEW_TEXTS[rating]),
                    "title": ["Great", "Good", "OK", "Meh", "Bad"][5 - rating], "rating": rating,
                    "created_at": min(when, END).strftime("%Y-%m-%d %H:%M"), "product_id": o["product_id"],
                    "customer_id": o["customer_id"], "order_id": o["order_id"], "category": o["category"],
                    "customer_age": rng.randrange(18, 75)})
    return out


def shop_files(kind: str, folder: Path) -> tuple[Path, Path]:
    """(orders.csv, reviews.csv) of a shop of `kind`, written into `folder`."""
    if kind not in SHOP_KINDS:
        raise ValueError(f"unknown shop kind {kind!r}; one of {SHOP_KINDS}")
    orders = order_rows()
    reviews = review_rows(orders)
    if kind == "no_product_ids":  # the export: customer, date, quantity, amount
        orders = [{"customer_id": o["customer_id"], "order_date": o["order_date"], "quantity": o["quantity"],
                   "amount": round(o["quantity"] * o["unit_price"], 2)} for o in orders
                  if not o["order_id"].startswith("C")]
        reviews = [{k: v for k, v in r.items() if k not in ("product_id", "category")} for r in reviews]
    elif kind == "no_countries":
        orders = [{k: v for k, v in o.items() if k != "country"} for o in orders]
    elif kind == "no_order_ids":
        orders = [{k: v for k, v in o.items() if k != "order_id"} for o in orders
                  if not o["order_id"].startswith("C")]
        orders += orders[::25]  # the same line again: a real repeat purchase in an export without order ids
        reviews = [{k: v for k, v in r.items() if k != "order_id"} for r in reviews]
    elif kind == "reviews_no_customers":
        reviews = [{k: v for k, v in r.items() if k not in ("customer_id", "order_id", "customer_age")}
                   for r in reviews]
    return _write(folder / f"{kind}_orders.csv", orders), _write(folder / f"{kind}_reviews.csv", reviews)


def _write(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def build_shop(kind: str, db_path: Path, **load_options) -> dict:
    """A database holding only the shop of `kind`, loaded with `shoplens load`'s own code; returns both reports."""
    orders_csv, reviews_csv = shop_files(kind, Path(db_path).parent / "files")
    con = store.connect(db_path)
    try:
        return {"orders": ingest.load_file(con, "orders", orders_csv, who="tester", db_path=db_path, **load_options),
                "reviews": ingest.load_file(con, "reviews", reviews_csv, who="tester", db_path=db_path)}
    finally:
        con.close()
