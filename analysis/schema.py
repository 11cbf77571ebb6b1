"""The canonical tables, in one place, so that ingest, analytics and migrations agree on names and types."""
from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 2  # 2: shop_settings, product_names, demo_uploads (analysis/shop.py)


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    kind: str  # id | text | timestamp | number | integer | status


ORDERS = (
    Column("order_id", "VARCHAR", "id"),
    Column("customer_id", "VARCHAR", "id"),
    Column("order_date", "TIMESTAMP", "timestamp"),
    Column("product_id", "VARCHAR", "id"),
    Column("product_name", "VARCHAR", "text"),
    Column("category", "VARCHAR", "text"),
    Column("quantity", "DOUBLE", "number"),
    Column("unit_price", "DOUBLE", "number"),
    Column("line_total", "DOUBLE", "number"),
    Column("country", "VARCHAR", "text"),
    Column("status", "VARCHAR", "status"),
)
REVIEWS = (
    Column("review_id", "VARCHAR", "id"),
    Column("text", "VARCHAR", "text"),
    Column("title", "VARCHAR", "text"),
    Column("rating", "INTEGER", "integer"),
    Column("created_at", "TIMESTAMP", "timestamp"),
    Column("product_id", "VARCHAR", "id"),
    Column("customer_id", "VARCHAR", "id"),
    Column("order_id", "VARCHAR", "id"),
    Column("category", "VARCHAR", "text"),
    Column("customer_age", "INTEGER", "integer"),
)
CUSTOMERS = (
    Column("customer_id", "VARCHAR", "id"),
    Column("name", "VARCHAR", "text"),
    Column("email", "VARCHAR", "text"),
    Column("country", "VARCHAR", "text"),
    Column("city", "VARCHAR", "text"),
    Column("signup_date", "TIMESTAMP", "timestamp"),
    Column("age", "INTEGER", "integer"),
    Column("gender", "VARCHAR", "text"),
)
PRODUCTS = (
    Column("product_id", "VARCHAR", "id"),
    Column("product_name", "VARCHAR", "text"),
    Column("category", "VARCHAR", "text"),
    Column("price", "DOUBLE", "number"),
)

# The latest label of each review (`shoplens score` appends a row per model version; readers want the newest).
LATEST_LABELS = ("(SELECT * FROM review_labels QUALIFY row_number() OVER (PARTITION BY review_id "
                 "ORDER BY scored_at DESC) = 1)")

LOADABLE = {"orders": ORDERS, "reviews": REVIEWS, "customers": CUSTOMERS, "products": PRODUCTS}

# Bookkeeping columns every loadable table carries: which upload a row came from, where in the file,
# a hash for duplicate detection, and (reviews) extra source columns kept as JSON.
META_COLUMNS = {
    "orders": "_upload_id BIGINT, _line BIGINT, _row_hash UBIGINT",
    "reviews": "_upload_id BIGINT, _line BIGINT, _row_hash UBIGINT, linkage VARCHAR, extra JSON",
    "customers": "_upload_id BIGINT, _line BIGINT, _row_hash UBIGINT",
    "products": "_upload_id BIGINT, _line BIGINT, _row_hash UBIGINT",
}

# What a table cannot do without: each entry is a list of alternatives, each alternative a set of columns.
REQUIRED = {
    "orders": [[{"order_date"}], [{"line_total"}, {"quantity", "unit_price"}]],
    "reviews": [[{"text"}, {"rating"}]],
    "customers": [[{"customer_id"}]],
    "products": [[{"product_id"}]],
}


def table_ddl(table: str) -> str:
    cols = ", ".join(f"{c.name} {c.sql_type}" for c in LOADABLE[table])
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols}, {META_COLUMNS[table]})"


SUPPORT_DDL = [
    "CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL, migrated_at TIMESTAMP NOT NULL)",
    "CREATE SEQUENCE IF NOT EXISTS upload_seq START 1",
    """CREATE TABLE IF NOT EXISTS uploads (
        upload_id BIGINT PRIMARY KEY, table_name VARCHAR, file_name VARCHAR, file_sha256 VARCHAR,
        file_format VARCHAR, mode VARCHAR, rows_in BIGINT, accepted BIGINT, rejected BIGINT,
        rejects_file VARCHAR, mapping JSON, who VARCHAR, "at" TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        "at" TIMESTAMP, who VARCHAR, action VARCHAR, target VARCHAR, details JSON)""",
    """CREATE TABLE IF NOT EXISTS column_mappings (
        source_key VARCHAR, table_name VARCHAR, mapping JSON, updated_at TIMESTAMP,
        PRIMARY KEY (source_key, table_name))""",
    """CREATE TABLE IF NOT EXISTS review_labels (
        review_id VARCHAR, model_version VARCHAR, sentiment VARCHAR, sentiment_score DOUBLE,
        topics VARCHAR[], topic_scores JSON, text_hash UBIGINT, scored_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS label_corrections (
        review_id VARCHAR, field VARCHAR, old VARCHAR, new VARCHAR, who VARCHAR, "at" TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS drafts (
        draft_id VARCHAR, segment VARCHAR, channel VARCHAR, offer VARCHAR, subject VARCHAR, body VARCHAR,
        facts JSON, checks JSON, model_version VARCHAR, status VARCHAR, who VARCHAR, "at" TIMESTAMP)""",
    # v2: the shop's own name, currency and product display names, and which uploads are the bundled demo's
    """CREATE TABLE IF NOT EXISTS shop_settings (
        "key" VARCHAR PRIMARY KEY, "value" VARCHAR, who VARCHAR, "at" TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS product_names (
        product_id VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, who VARCHAR, "at" TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS demo_uploads (upload_id BIGINT PRIMARY KEY, table_name VARCHAR, "at" TIMESTAMP)""",
]
