"""Which optional columns the stored data lacks, and what each lack rules out, in one place.

Real exports differ widely: some carry only customer, date, quantity and amount. A figure that needs a column the shop
never gave (recommendations need product ids, the country audit needs countries, reviews per segment need the
reviews' customers) cannot be computed; pages and commands ask here first and say so in those words, instead of
failing further in with a message about something else ("pick an earlier cut-off date").

    gaps = data_gaps.check(con)
    if gaps.lacks("orders.product_id"):
        st.info(gaps.explain("orders.product_id", "recommendations"))
    data_gaps.require(con, "orders.product_id", "Recommendations", where="--customer")  # raises DataGapError
"""
from __future__ import annotations

from dataclasses import dataclass

from analysis.errors import ShoplensError

# key -> (table, column, what a row without it is called in a message, the plural of rows)
COLUMNS = {
    "orders.product_id": ("orders", "product_id", "product ids"),
    "orders.country": ("orders", "country", "countries"),
    "orders.order_id": ("orders", "order_id", "order ids"),
    "orders.customer_id": ("orders", "customer_id", "customer ids"),
    "reviews.customer_id": ("reviews", "customer_id", "customer ids"),
    "reviews.product_id": ("reviews", "product_id", "product ids"),
    "reviews.category": ("reviews", "category", "categories"),
}


class DataGapError(ShoplensError):
    """A figure needs a column that none of the stored rows carry: the data, not the settings, has to change."""


@dataclass(frozen=True)
class Gaps:
    """Share of stored rows that carry each optional column (None: the table is empty, so nothing is lacking)."""
    coverage: dict[str, float | None]

    def lacks(self, key: str) -> bool:
        """True when the table has rows and none of them carries the column."""
        return self.coverage.get(key) == 0.0

    def missing(self) -> list[str]:
        return [k for k in COLUMNS if self.lacks(k)]

    def explain(self, key: str, figure: str) -> str:
        return explain(key, figure)


def sentence(key: str, figure: str) -> str:
    """'No recommendations without product ids: this shop's orders carry none'."""
    table, _, plural = COLUMNS[key]
    return f"No {figure[:1].lower() + figure[1:]} without {plural}: this shop's {table} carry none"


def explain(key: str, figure: str) -> str:
    """The sentence plus how to fix it, for a page: '…: this shop's orders carry none. Load orders that have …'."""
    how = fix(key)
    return f"{sentence(key, figure)}. {how[0].upper()}{how[1:]}."


def fix(key: str) -> str:
    table, column, _ = COLUMNS[key]
    return (f"load {table} that have a {column} column on the Data page (or map one: "
            f"shoplens load {table} FILE --map {column}=COLUMN)")


def check(con) -> Gaps:
    """Coverage of every optional column in COLUMNS: one scan per table."""
    cov: dict[str, float | None] = {}
    for table in ("orders", "reviews"):
        keys = [k for k, (t, _, _) in COLUMNS.items() if t == table and k != "orders.order_id"]
        counts = ", ".join(f"count(NULLIF(trim(CAST({COLUMNS[k][1]} AS VARCHAR)), ''))" for k in keys)
        row = con.execute(f"SELECT count(*), {counts} FROM {table}").fetchone()  # names from COLUMNS only
        n = row[0]
        for k, have in zip(keys, row[1:], strict=True):
            cov[k] = (have / n) if n else None
    cov["orders.order_id"] = _order_id_coverage(con)
    return Gaps(cov)


def _order_id_coverage(con) -> float | None:
    """Share of order lines whose upload mapped an order id: a missing one is derived (customer + timestamp), so
    the stored column is never empty and only the upload's mapping tells a given id from a made-up one."""
    n, given = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE u.mapping->>'order_id' IS NOT NULL)
           FROM orders o LEFT JOIN uploads u ON u.upload_id = o._upload_id""").fetchone()
    return (given / n) if n else None


def require(con, key: str, figure: str, where: str = "") -> None:
    """Raise DataGapError saying what `figure` needs when no stored row carries the column of `key`."""
    if check(con).lacks(key):
        raise DataGapError(sentence(key, figure), where=where or key, fix=fix(key))
