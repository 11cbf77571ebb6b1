"""Turn the all-text `_rawv` view into typed canonical rows, each with the reasons it cannot be stored.
All checks are SQL over the whole file at once, which is what makes a 5-million-line load take seconds.
Two levels: the inner select types each column once (t_<name>, with its trimmed text r_<name>); the outer one
derives columns and writes reasons from those, so no expression is computed twice."""
from __future__ import annotations

from analysis import export_safety, schema
from analysis.errors import IngestError

DATE_FORMATS = [
    None,  # ISO 8601, via CAST
    "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y", "%d/%m/%Y",
    "%m/%d/%y %H:%M", "%d/%m/%y %H:%M", "%m/%d/%y", "%d/%m/%y", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%m-%Y %H:%M",
    "%d-%m-%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%Y%m%d", "%d %b %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y",
]
CANCELLED = ("cancelled", "canceled", "returned", "refunded", "void")


def sql_str(s: str) -> str:
    """A SQL string literal for text we generated ourselves (formats, messages); user values go as parameters."""
    return "'" + s.replace("'", "''") + "'"


FORMULA_FIX = "remove the leading = + - @, or start the cell with an apostrophe, and load the file again"


def formula_test(expr: str) -> str:
    """export_safety.is_formula in SQL: the ingest refuses formula text by the same rule the exports neutralise by."""
    return export_safety.sql_is_formula(expr)


def check_formula_headers(headers: list[str]) -> None:
    """A header is stored (mapping memory, a review's `extra` keys) and exported as a column name, and has no row
    to reject: a file with a formula header is refused whole, naming the column."""
    for i, h in enumerate(headers, start=1):
        if export_safety.is_formula(h):
            shown = " ".join(h.split())[:40]  # one line, whatever control characters the header holds
            raise IngestError(f'Column header "{shown}" is spreadsheet formula text, refused for safety',
                              where=f"header line, column {i}",
                              fix="rename the column so it does not start with = + - @, and load the file again")


MIN_YEAR, MAX_YEAR = 1900, 2199  # dates outside are typos (99999) or spreadsheet epochs, never real orders
MAX_ABS_NUMBER = 1e12
MAX_QUANTITY = 1_000_000  # units on one order line; the demo's largest is 80,995 (a bulk order of paper craft birds)


def detect_date_format(con, col: str) -> str | None:
    """The format that parses the most sample values; day-first beats month-first only when it parses more."""
    sample = [r[0] for r in con.execute(
        f"SELECT DISTINCT trim({col}) FROM _raw WHERE NULLIF(trim({col}), '') IS NOT NULL LIMIT 5000").fetchall()]
    if not sample:
        return None
    con.execute("CREATE OR REPLACE TEMP TABLE _dates AS SELECT unnest(?) AS v", [sample])
    best, best_n = None, -1
    for fmt in DATE_FORMATS:
        expr = "try_cast(v AS TIMESTAMP)" if fmt is None else f"try_strptime(v, {sql_str(fmt)})"
        n = con.execute(f"SELECT count({expr}) FROM _dates").fetchone()[0]
        if n > best_n:
            best, best_n = fmt, n
        if n == len(sample):
            break
    con.execute("DROP TABLE _dates")
    return best


def decimal_comma(con, col: str) -> bool:
    """European exports write 2,55; if no value has a dot and some have a comma decimal, read commas as decimals."""
    row = con.execute(
        f"""SELECT count(*) FILTER (WHERE regexp_matches(trim({col}), '^-?[0-9]+,[0-9]{{1,3}}$')),
                   count(*) FILTER (WHERE contains({col}, '.'))
            FROM (SELECT {col} FROM _raw LIMIT 20000)"""
    ).fetchone()
    return row[0] > 0 and row[1] == 0


def _typed_expr(col: schema.Column, r: str, fmt: str | None, comma: bool) -> str:
    if col.kind == "id":
        # spreadsheets turn numeric IDs into floats ("17850.0"); the ID is the integer part
        return (f"CASE WHEN suffix({r}, '.0') AND try_cast({r} AS DOUBLE) IS NOT NULL "
                f"THEN left({r}, length({r}) - 2) ELSE {r} END")
    if col.kind in ("text", "status"):
        return r
    if col.kind == "timestamp":
        return f"try_cast({r} AS TIMESTAMP)" if fmt is None else f"try_strptime({r}, {sql_str(fmt)})"
    clean = f"regexp_replace({r}, '[£$€\\s]', '', 'g')"
    if comma:
        num = f"try_cast(replace(replace({clean}, '.', ''), ',', '.') AS DOUBLE)"
    else:
        num = f"coalesce(try_cast({r} AS DOUBLE), try_cast({clean} AS DOUBLE))"
    return num if col.kind == "number" else f"TRY_CAST(CASE WHEN {num} = round({num}) THEN {num} END AS INTEGER)"


def _format_reason(col: schema.Column, fmt: str | None) -> str:
    r, t, n = f"r_{col.name}", f"t_{col.name}", col.name
    bad = f"CASE WHEN {r} IS NOT NULL AND {t} IS NULL THEN '{n}: \"' || left({r}, 60) || "
    if col.kind == "timestamp":
        return (bad + f"'\" is not a date (expected {'YYYY-MM-DD HH:MM' if fmt is None else fmt})' "
                f"WHEN {t} < TIMESTAMP '{MIN_YEAR}-01-01' OR {t} >= TIMESTAMP '{MAX_YEAR + 1}-01-01' THEN "
                f"'{n}: \"' || left({r}, 60) || '\" is outside the plausible years {MIN_YEAR}-{MAX_YEAR}' END")
    if col.kind == "number":
        # NaN, inf and 1e308 parse as doubles but would poison every sum; NaN fails every comparison, so NOT (<) catches it
        return (bad + "'\" is not a number' "
                f"WHEN {t} IS NOT NULL AND NOT (abs({t}) < {MAX_ABS_NUMBER:.0e}) THEN "
                f"'{n}: \"' || left({r}, 60) || '\" is not a finite number below {MAX_ABS_NUMBER:,.0f}' END")
    if col.kind == "integer":
        return bad + "'\" is not a whole number' END"
    return (f"CASE WHEN {formula_test(r)} THEN '{n}: \"' || left({r}, 40) || '\" is spreadsheet formula text, "
            f"refused for safety; fix: {FORMULA_FIX}' END")


def build_staged(con, table: str, mapping: dict[str, str], headers: list[str], keep_repeats: bool = False) -> list[str]:
    """Create temp table `_staged`: canonical columns, _row, _line, _row_hash and _reasons (NULL when valid).
    keep_repeats (orders only): identical lines are separate purchases, none is rejected as a duplicate."""
    check_formula_headers(headers)
    cols = schema.LOADABLE[table]
    src = {canon: f"c{headers.index(h)}" for canon, h in mapping.items()}
    notes, inner, reasons = [], [], []
    for col in cols:
        if col.name not in src:
            inner += [f"CAST(NULL AS VARCHAR) AS r_{col.name}", f"CAST(NULL AS {col.sql_type}) AS t_{col.name}"]
            continue
        c = src[col.name]
        if col.kind in ("number", "integer", "timestamp"):  # casts skip surrounding blanks themselves
            r = f"CASE WHEN trim({c}) <> '' THEN {c} END"
        else:  # trim only values that need it: most don't, and copying every string costs more than the check
            r = (f"CASE WHEN {c} = '' THEN NULL WHEN starts_with({c}, ' ') OR ends_with({c}, ' ') "
                 f"THEN NULLIF(trim({c}), '') ELSE {c} END")
        fmt = detect_date_format(con, src[col.name]) if col.kind == "timestamp" else None
        comma = decimal_comma(con, src[col.name]) if col.kind in ("number", "integer") else False
        if fmt:
            notes.append(f"{col.name} read with date format {fmt}")
        if comma:
            notes.append(f"{col.name} read with decimal commas")
        inner += [f"{r} AS r_{col.name}", f"{_typed_expr(col, r, fmt, comma)} AS t_{col.name}"]
        reasons.append(_format_reason(col, fmt))
    derived, rules = _table_rules(table)
    reasons += rules
    extra = ""
    if table == "reviews":
        unmapped = [(i, h) for i, h in enumerate(headers) if h not in mapping.values()]
        inner += [f"c{i} AS x{i}" for i, _ in unmapped]
        pairs = ", ".join(f"{sql_str(h)}, x{i}" for i, h in unmapped)
        extra = f", json_object({pairs}) AS extra" if unmapped else ", CAST(NULL AS JSON) AS extra"
        reasons += [f"CASE WHEN {formula_test(f'x{i}')} THEN {sql_str(h)} || ': \"' || left(x{i}, 40) || "
                    f"'\" is spreadsheet formula text, refused for safety; fix: {FORMULA_FIX}' END"
                    for i, h in unmapped]
    outer = ", ".join(f"{derived.get(c.name, 't_' + c.name)} AS {c.name}" for c in cols)
    key = _duplicate_key(table)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _staged AS
            WITH typed AS MATERIALIZED (
                SELECT *, hash({key}) AS _row_hash
                FROM (SELECT _row, _line, NULLIF(concat_ws('; ', {', '.join(reasons) or 'NULL'}), '') AS _reasons,
                             {outer}{extra}
                      FROM (SELECT _row, _line, {', '.join(inner)} FROM _rawv))),
            dups AS (SELECT _row_hash, min(_row) AS first_row, arg_min(_line, _row) AS first_line
                     FROM typed WHERE NOT {'true' if keep_repeats else 'false'}
                     GROUP BY _row_hash HAVING count(*) > 1)
            SELECT typed.* REPLACE (
                CASE WHEN dups.first_row IS NOT NULL AND dups.first_row <> typed._row
                     THEN concat_ws('; ', typed._reasons,
                                    {_duplicate_message(table)} || ' (first at line ' || dups.first_line || ')')
                     ELSE typed._reasons END AS _reasons)
            FROM typed LEFT JOIN dups USING (_row_hash)"""
    )
    return notes


def _duplicate_key(table: str) -> str:
    if table == "orders":
        return ", ".join(c.name for c in schema.ORDERS)
    return {"reviews": "review_id", "customers": "customer_id", "products": "product_id"}[table]


def _duplicate_message(table: str) -> str:
    if table == "orders":
        return "'duplicate: every field equals an earlier line'"
    key = _duplicate_key(table)
    return f"'{key}: ' || {key} || ' appears more than once'"


def _amount_caps() -> list[str]:
    """Order-line sizes no shop sells: a quantity above MAX_QUANTITY (a barcode, amount or typo such as 1e9 in the
    quantity column), and a derived quantity x unit_price at or above MAX_ABS_NUMBER, the cap a given line_total
    already has; one such line would turn every revenue figure into trillions. Values already refused as
    non-finite or oversized get no second reason."""
    q, p, cap = "t_quantity", "t_unit_price", f"{MAX_ABS_NUMBER:.0e}"
    return [
        f"CASE WHEN abs({q}) > {MAX_QUANTITY} AND abs({q}) < {cap} THEN 'quantity: ' || r_quantity || ' is above the "
        f"limit of {MAX_QUANTITY:,} units per order line; fix: check the column mapping (an amount, ID or barcode in "
        "the quantity column?) or correct the value' END",
        f"CASE WHEN t_line_total IS NULL AND abs({q}) <= {MAX_QUANTITY} AND abs({p}) < {cap} "
        f"AND abs({q} * {p}) >= {cap} THEN 'line_total: quantity ' || r_quantity || ' x unit_price ' || r_unit_price "
        f"|| ' = ' || CAST(round({q} * {p}) AS HUGEINT) || ' is not below the per-line limit of "
        f"{MAX_ABS_NUMBER:,.0f}; fix: check both values (a price or ID typed into the wrong column?)' END",
    ]


def _table_rules(table: str) -> tuple[dict[str, str], list[str]]:
    """Derived columns and cross-column rules of each table (required fields, signs, ranges), over t_/r_ columns."""
    derived: dict[str, str] = {}
    rules: list[str] = []
    if table == "orders":
        cancelled = ", ".join(sql_str(s) for s in CANCELLED)
        is_cancel = (f"(coalesce(lower(t_status) IN ({cancelled}), false) OR "
                     "starts_with(upper(coalesce(t_order_id, '')), 'C'))")
        derived["line_total"] = "coalesce(t_line_total, t_quantity * t_unit_price)"
        derived["order_id"] = ("coalesce(t_order_id, coalesce(t_customer_id, 'anonymous') || '-' || "
                               "strftime(t_order_date, '%Y%m%d%H%M%S'))")
        derived["status"] = f"CASE WHEN {is_cancel} THEN 'cancelled' ELSE coalesce(lower(t_status), 'completed') END"
        rules += [
            "CASE WHEN r_order_date IS NULL THEN 'order_date: empty; every order line needs a date' END",
            "CASE WHEN r_line_total IS NULL AND (r_quantity IS NULL OR r_unit_price IS NULL) THEN "
            "'amount: empty; needs line_total, or quantity and unit_price' END",
            "CASE WHEN t_unit_price < 0 THEN 'unit_price: ' || t_unit_price || ' is negative; prices must be 0 or more' END",
            f"CASE WHEN t_quantity < 0 AND NOT {is_cancel} THEN 'quantity: ' || t_quantity || ' is negative but the "
            "line is not a cancellation (order_id not starting with C, status not cancelled/returned)' END",
        ] + _amount_caps()
    elif table == "reviews":
        derived["review_id"] = ("coalesce(t_review_id, 'h' || hash(t_text, t_title, t_rating, t_product_id, "
                                "t_customer_id, t_created_at))")
        rules += [
            "CASE WHEN r_text IS NULL AND r_rating IS NULL THEN 'text and rating: both empty; a review needs one' END",
            "CASE WHEN t_rating < 1 OR t_rating > 5 THEN 'rating: ' || t_rating || ' is outside 1-5' END",
            "CASE WHEN t_customer_age < 0 OR t_customer_age > 120 THEN 'customer_age: ' || t_customer_age || "
            "' is not a plausible age (0-120)' END",
        ]
    elif table == "customers":
        rules.append("CASE WHEN t_customer_id IS NULL THEN 'customer_id: empty' END")
    elif table == "products":
        rules.append("CASE WHEN t_product_id IS NULL THEN 'product_id: empty' END")
        rules.append("CASE WHEN t_price < 0 THEN 'price: ' || t_price || ' is negative' END")
    return derived, rules
