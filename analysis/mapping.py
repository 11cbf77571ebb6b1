"""Map an export's headers onto canonical columns: suggest from synonyms, apply the analyst's overrides, remember."""
from __future__ import annotations

import json
import re
from datetime import datetime

from analysis import schema
from analysis.errors import IngestError

# Normalised (lower-case, letters and digits only) header names that mean a canonical column.
SYNONYMS: dict[str, dict[str, list[str]]] = {
    "orders": {
        "order_id": ["orderid", "invoiceno", "invoice", "invoicenumber", "ordernumber", "orderno", "order", "transactionid"],
        "customer_id": ["customerid", "customer", "clientid", "userid", "buyerid", "customernumber", "customeruniqueid"],
        "order_date": ["orderdate", "invoicedate", "date", "orderpurchasetimestamp", "purchasedate", "createdat",
                       "timestamp", "transactiondate", "orderedat"],
        "product_id": ["productid", "stockcode", "sku", "itemid", "productcode", "itemcode", "articleid"],
        "product_name": ["productname", "description", "itemname", "product", "title", "productdescription"],
        "category": ["category", "productcategory", "categoryname", "department", "productcategoryname"],
        "quantity": ["quantity", "qty", "units", "itemcount", "quantityordered"],
        "unit_price": ["unitprice", "price", "itemprice", "priceeach", "unitcost"],
        "line_total": ["linetotal", "amount", "total", "revenue", "sales", "totalprice", "lineamount", "paymentvalue",
                       "ordervalue", "totalamount"],
        "country": ["country", "countryname", "customercountry", "shipcountry", "customerstate"],
        "status": ["status", "orderstatus", "state"],
    },
    "reviews": {
        "review_id": ["reviewid", "id", "reviewnumber", "column1", "unnamed0", "index"],
        "text": ["text", "reviewtext", "review", "body", "comment", "comments", "reviewcommentmessage", "feedback",
                 "content", "reviewbody"],
        "title": ["title", "reviewtitle", "summary", "headline", "reviewcommenttitle", "subject"],
        "rating": ["rating", "stars", "score", "reviewscore", "starrating", "overallrating"],
        "created_at": ["createdat", "date", "reviewdate", "reviewcreationdate", "submittedat", "timestamp", "postedat"],
        "product_id": ["productid", "clothingid", "sku", "itemid", "stockcode", "asin"],
        "customer_id": ["customerid", "userid", "reviewerid", "customer", "clientid"],
        "order_id": ["orderid", "invoiceno", "ordernumber"],
        "category": ["category", "classname", "departmentname", "productcategory", "categoryname"],
        "customer_age": ["customerage", "age", "reviewerage"],
    },
    "customers": {
        "customer_id": ["customerid", "id", "clientid", "userid", "customeruniqueid"],
        "name": ["name", "fullname", "customername"],
        "email": ["email", "emailaddress", "mail"],
        "country": ["country", "customerstate", "countryname"],
        "city": ["city", "customercity", "town"],
        "signup_date": ["signupdate", "createdat", "registered", "firstseen", "joined"],
        "age": ["age", "customerage"],
        "gender": ["gender", "sex"],
    },
    "products": {
        "product_id": ["productid", "stockcode", "sku", "id", "itemid"],
        "product_name": ["productname", "description", "name", "title"],
        "category": ["category", "productcategory", "productcategoryname", "categoryname", "department"],
        "price": ["price", "unitprice", "listprice"],
    },
}


def normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def check_headers(headers: list[str], file_name: str) -> None:
    """Two columns with the same name make every mapping ambiguous, so the file is refused."""
    seen: dict[str, int] = {}
    for i, h in enumerate(headers, start=1):
        key = h.strip().lower()
        if not key:
            continue
        if key in seen:
            raise IngestError(
                f'Duplicate column name "{h.strip()}" in columns {seen[key]} and {i}',
                where=f"{file_name}, header line",
                fix="rename one of the two columns so every header is unique",
            )
        seen[key] = i


def suggest(table: str, headers: list[str]) -> dict[str, str]:
    """canonical -> source header, by synonym rank; each source header is used once."""
    by_norm = {normalise(h): h for h in headers if h.strip()}
    used: set[str] = set()
    out: dict[str, str] = {}
    for canonical, names in SYNONYMS[table].items():
        for cand in [normalise(canonical)] + names:
            src = by_norm.get(cand)
            if src is not None and src not in used:
                out[canonical] = src
                used.add(src)
                break
    return out


def resolve(table: str, headers: list[str], overrides: dict[str, str] | None, remembered: dict[str, str] | None,
            file_name: str) -> dict[str, str]:
    """Suggested mapping, then the remembered one for this source, then the analyst's overrides (which win).
    An override to the empty string removes a suggestion."""
    canon = {c.name for c in schema.LOADABLE[table]}
    mapping = suggest(table, headers)
    for layer in (remembered or {}, overrides or {}):
        for c, src in layer.items():
            if c not in canon:
                raise IngestError(f'"{c}" is not a column of {table}', where=f"--map {c}={src}",
                                  fix=f"use one of: {', '.join(sorted(canon))}")
            if not src:
                mapping.pop(c, None)
                continue
            if src not in headers:
                if layer is remembered:
                    continue  # the source changed shape since last time; fall back to suggestions
                raise IngestError(f'Column "{src}" is not in {file_name}', where=f"--map {c}={src}",
                                  fix=f"the file's columns are: {', '.join(h for h in headers if h)}")
            mapping = {k: v for k, v in mapping.items() if v != src}
            mapping[c] = src
    check_required(table, mapping, headers, file_name)
    return mapping


def check_required(table: str, mapping: dict[str, str], headers: list[str], file_name: str) -> None:
    for alternatives in schema.REQUIRED[table]:
        if not any(alt <= set(mapping) for alt in alternatives):
            need = " or ".join(" + ".join(sorted(a)) for a in alternatives)
            raise IngestError(
                f"Missing required column for {table}: {need}",
                where=f"{file_name} (columns: {', '.join(h for h in headers if h) or 'none'})",
                fix=f"add the column, or map one of yours onto it, e.g. --map {sorted(alternatives[0])[0]}=<your column>",
            )


def source_key(table: str, headers: list[str]) -> str:
    """Exports from the same system share headers, so the header set identifies the source."""
    return table + ":" + "|".join(sorted(normalise(h) for h in headers))


def remembered(con, table: str, headers: list[str]) -> dict[str, str]:
    row = con.execute("SELECT mapping FROM column_mappings WHERE source_key = ? AND table_name = ?",
                      [source_key(table, headers), table]).fetchone()
    return json.loads(row[0]) if row else {}


def remember(con, table: str, headers: list[str], overrides: dict[str, str]) -> None:
    if not overrides:
        return
    con.execute("INSERT OR REPLACE INTO column_mappings VALUES (?, ?, ?, ?)",
                [source_key(table, headers), table, json.dumps(overrides), datetime.now()])
