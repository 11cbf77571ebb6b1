"""The shop itself: its name, currency and product display names (remembered in the database), which rows are the
bundled demo's, and "start my shop" (remove every demo row in one transaction, or begin an empty shop).

Why in the database: the app, the CLI and every export read the same settings, and a backup of the DuckDB file
carries them. Demo rows are those whose upload is listed in `demo_uploads` (analysis/demo.py marks them; a version-1
database is marked by the migration from the bundled files' SHA-256), plus reviews carrying `linkage = 'demo'`.
"""
from __future__ import annotations

import re
from datetime import datetime

import pandas as pd

from analysis import money, store
from analysis.errors import ShoplensError

MAX_NAME = 60
_FORMULA_START = re.compile(r"^\s*[=+\-@＝＋－＠]")  # a name that a spreadsheet would run as a formula


# ---------------------------------------------------------------- settings
def _get(con, key: str) -> str | None:
    row = con.execute('SELECT "value" FROM shop_settings WHERE "key" = ?', [key]).fetchone()
    return row[0] if row else None


def _put(con, key: str, value: str | None, who: str) -> None:
    con.execute('INSERT OR REPLACE INTO shop_settings VALUES (?, ?, ?, ?)', [key, value, who, datetime.now()])


def settings(con) -> dict:
    """{"name": str | None, "currency": "EUR", "currency_set": bool, "started_at": str | None}."""
    cur = _get(con, "currency")
    return {"name": _get(con, "name") or None, "currency": cur or money.DEFAULT_CURRENCY, "currency_set": bool(cur),
            "started_at": _get(con, "started_at")}


def currency(con) -> str:
    return _get(con, "currency") or money.DEFAULT_CURRENCY


def shop_name(con) -> str | None:
    return _get(con, "name") or None


def check_name(name: str | None, what: str = "shop name", where: str = "--name") -> str:
    """The name as copy will use it: trimmed, at most MAX_NAME characters, printable, not a spreadsheet formula."""
    n = " ".join(str(name or "").split())
    if not n:
        raise ShoplensError(f"The {what} is empty", where=where, fix="type the name customers know you by")
    if len(n) > MAX_NAME:
        raise ShoplensError(f"The {what} is {len(n)} characters long", where=where, fix=f"keep it under {MAX_NAME}")
    if not n.isprintable():
        raise ShoplensError(f"The {what} holds a control character", where=where, fix="type it without tabs or "
                            "line breaks")
    if _FORMULA_START.match(n):
        raise ShoplensError(f'The {what} "{n}" starts with {n.strip()[0]}, which a spreadsheet runs as a formula',
                            where=where, fix="start it with a letter or digit")
    return n


def set_name(con, name: str, who: str) -> str:
    n = check_name(name)
    with store.transaction(con):
        _put(con, "name", n, who)
        store.audit(con, who, "shop_settings", "name", {"name": n})
    return n


def set_currency(con, code: str, who: str) -> str:
    c = money.check_currency(code)
    with store.transaction(con):
        _put(con, "currency", c, who)
        store.audit(con, who, "shop_settings", "currency", {"currency": c})
    return c


def brand(con, given: str | None = None) -> str:
    """The brand a draft signs with: the one given, else the shop's name; without either, ShoplensError asking for
    one (copy never signs as a placeholder such as "our shop")."""
    if given is not None and given.strip():
        return check_name(given, "brand", "--brand")
    name = shop_name(con)
    if name:
        return name
    raise ShoplensError("No brand to sign the copy with: the shop has no name yet", where="--brand",
                        fix='pass --brand "Your shop", or set it once with `shoplens shop --name "Your shop"` (admins) '
                            "or in Shop settings")


# ---------------------------------------------------------------- product display names
def product_names(con) -> pd.DataFrame:
    """product_id, display_name, stored_name (the name the orders carry), for the settings page and `shoplens shop`."""
    return con.execute(
        """SELECT p.product_id, p.display_name,
                  (SELECT any_value(o.product_name) FROM orders o WHERE o.product_id = p.product_id) AS stored_name
           FROM product_names p ORDER BY p.product_id""").df()


def set_product_names(con, names: dict[str, str], who: str) -> dict[str, str | None]:
    """Set (or, with an empty name, forget) display names, all or none; returns {product_id: name or None}."""
    out: dict[str, str | None] = {}
    for pid, name in names.items():
        p = str(pid).strip()
        if not p:
            raise ShoplensError("A product id is empty", where="--product-name", fix="write it as ID=NAME")
        out[p] = check_name(name, f"display name of product {p}", "--product-name") if str(name).strip() else None
    with store.transaction(con):
        for p, n in out.items():
            if n is None:
                con.execute("DELETE FROM product_names WHERE product_id = ?", [p])
            else:
                con.execute("INSERT OR REPLACE INTO product_names VALUES (?, ?, ?, ?)", [p, n, who, datetime.now()])
        store.audit(con, who, "shop_settings", "product_names", {"names": out})
    return out


# ---------------------------------------------------------------- demo rows
_IS_DEMO_REVIEW = "(linkage = 'demo' OR _upload_id IN (SELECT upload_id FROM demo_uploads))"
_DEMO_REVIEWS = f"SELECT review_id FROM reviews WHERE {_IS_DEMO_REVIEW}"
# labels and corrections belong to a review id: those of an id the shop's own reviews also use are kept
_DEMO_ONLY_IDS = f"{_DEMO_REVIEWS} EXCEPT SELECT review_id FROM reviews WHERE NOT {_IS_DEMO_REVIEW}"


def demo_counts(con) -> dict[str, int]:
    """How many rows of each kind are the demo's (what start-shop would remove); all zero in the shop's own data."""
    def n(sql: str) -> int:
        return int(con.execute(sql).fetchone()[0])
    since = _demo_since(con)
    return {
        "orders": n("SELECT count(*) FROM orders WHERE _upload_id IN (SELECT upload_id FROM demo_uploads)"),
        "reviews": n(f"SELECT count(*) FROM ({_DEMO_REVIEWS})"),
        "customers": n("SELECT count(*) FROM customers WHERE _upload_id IN (SELECT upload_id FROM demo_uploads)"),
        "products": n("SELECT count(*) FROM products WHERE _upload_id IN (SELECT upload_id FROM demo_uploads)"),
        "review_labels": n(f"SELECT count(*) FROM review_labels WHERE review_id IN ({_DEMO_ONLY_IDS})"),
        "label_corrections": n(f"SELECT count(*) FROM label_corrections WHERE review_id IN ({_DEMO_ONLY_IDS})"),
        "drafts": int(con.execute('SELECT count(*) FROM drafts WHERE "at" >= ?', [since]).fetchone()[0])
        if since else 0,
    }


def own_counts(con) -> dict[str, int]:
    """Rows the shop loaded itself (not the demo's): what rebuilding the demo would overwrite."""
    return {
        "orders": int(con.execute("SELECT count(*) FROM orders WHERE _upload_id IS NULL OR _upload_id NOT IN "
                                  "(SELECT upload_id FROM demo_uploads)").fetchone()[0]),
        "reviews": int(con.execute(f"SELECT count(*) FROM reviews WHERE NOT {_IS_DEMO_REVIEW}").fetchone()[0]),
    }


def has_demo(con) -> bool:
    """True while any demo order line or review is stored (cheap: the pages ask on every run)."""
    return bool(con.execute(
        f"""SELECT EXISTS (SELECT 1 FROM orders WHERE _upload_id IN (SELECT upload_id FROM demo_uploads))
                OR EXISTS ({_DEMO_REVIEWS})""").fetchone()[0])


def _demo_since(con):
    """When the demo was first loaded: drafts written from then on were written from demo data."""
    return con.execute('SELECT min(u."at") FROM uploads u JOIN demo_uploads d USING (upload_id)').fetchone()[0]


def describe_demo(counts: dict[str, int]) -> str:
    """ "541,909 order lines, 23,486 reviews, 2,000 review labels and 3 drafts" (the parts that are non-zero)."""
    words = {"orders": "order lines", "reviews": "reviews", "customers": "customers", "products": "products",
             "review_labels": "review labels", "label_corrections": "label corrections", "drafts": "drafts"}
    parts = [f"{v:,} {words[k]}" for k, v in counts.items() if v]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else (parts[0] if parts else "nothing")


def start_shop(con, who: str, name: str | None = None, currency_code: str | None = None) -> dict:
    """Remove every demo row (orders, reviews, their labels and corrections, drafts written since the demo was
    loaded, demo customers/products) and record that the shop has started, so the demo is never rebuilt; with no
    demo stored this simply begins an empty shop. One transaction: a failure or a killed process leaves everything
    as it was. Upload history and the audit log are kept (they are the record of what happened).
    Returns {"removed": {kind: rows}, "name": ..., "currency": ...}."""
    n = check_name(name) if name is not None else None
    c = money.check_currency(currency_code) if currency_code is not None else None
    removed = demo_counts(con)
    since = _demo_since(con)
    with store.transaction(con):
        con.execute(f"DELETE FROM review_labels WHERE review_id IN ({_DEMO_ONLY_IDS})")
        con.execute(f"DELETE FROM label_corrections WHERE review_id IN ({_DEMO_ONLY_IDS})")
        if since:
            con.execute('DELETE FROM drafts WHERE "at" >= ?', [since])
        con.execute(f"DELETE FROM reviews WHERE {_IS_DEMO_REVIEW}")
        for table in ("orders", "customers", "products"):  # fixed names
            con.execute(f"DELETE FROM {table} WHERE _upload_id IN (SELECT upload_id FROM demo_uploads)")
        _put(con, "started_at", datetime.now().isoformat(timespec="seconds"), who)
        if n:
            _put(con, "name", n, who)
        if c:
            _put(con, "currency", c, who)
        store.audit(con, who, "start_shop", "database", {"removed": removed, "name": n, "currency": c})
    con.execute("CHECKPOINT")
    return {"removed": removed, "name": n or shop_name(con), "currency": currency(con)}


def started(con) -> bool:
    """True once start-shop ran: the app must not rebuild the demo into an empty shop."""
    return _get(con, "started_at") is not None
