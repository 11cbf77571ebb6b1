"""Header mapping of the real demo exports, overrides, and remembering a mapping per source."""
import csv
import gzip

import pytest

from analysis import ingest, mapping
from analysis.demo import ORDERS_FILE, REVIEWS_FILE
from analysis.errors import IngestError


def headers_of(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return next(csv.reader(f))


def test_online_retail_headers():
    m = mapping.suggest("orders", headers_of(ORDERS_FILE))
    assert m == {"order_id": "InvoiceNo", "customer_id": "CustomerID", "order_date": "InvoiceDate",
                 "product_id": "StockCode", "product_name": "Description", "quantity": "Quantity",
                 "unit_price": "UnitPrice", "country": "Country"}


def test_clothing_review_headers():
    hs = [h or f"column_{i}" for i, h in enumerate(headers_of(REVIEWS_FILE), start=1)]
    m = mapping.suggest("reviews", hs)
    assert m == {"review_id": "column_1", "text": "Review Text", "title": "Title", "rating": "Rating",
                 "product_id": "Clothing ID", "category": "Class Name", "customer_age": "Age"}


def test_override_wins_and_is_remembered(db, write):
    con, path = db
    f = write("o.csv", "When,Amount,Buyer\n2011-02-01,10.5,7\n")
    with pytest.raises(IngestError, match="Missing required column for orders: order_date"):
        ingest.load_file(con, "orders", f, db_path=path)
    r = ingest.load_file(con, "orders", f, overrides={"order_date": "When", "line_total": "Amount",
                                                      "customer_id": "Buyer"}, db_path=path)
    assert r.accepted == 1 and r.mapping["order_date"] == "When"
    # same headers next time: the remembered mapping applies without overrides
    f2 = write("o2.csv", "When,Amount,Buyer\n2011-02-02,3,8\n")
    assert ingest.load_file(con, "orders", f2, db_path=path).accepted == 1
    assert con.execute("SELECT order_id FROM orders ORDER BY 1").fetchall() == [("7-20110201000000",), ("8-20110202000000",)]


def test_override_to_unknown_column_is_explained(db, write):
    con, path = db
    f = write("o.csv", "InvoiceDate,Amount\n2011-02-01,10\n")
    with pytest.raises(IngestError, match='Column "Nope" is not in o.csv'):
        ingest.load_file(con, "orders", f, overrides={"line_total": "Nope"}, db_path=path)
    with pytest.raises(IngestError, match='"price_tag" is not a column of orders'):
        ingest.load_file(con, "orders", f, overrides={"price_tag": "Amount"}, db_path=path)
