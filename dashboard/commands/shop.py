"""`shoplens shop` (name, currency, product display names) and `shoplens start-shop` (remove the demo, or begin an
empty shop). Settings live in the database (analysis/shop.py), so the app shows them at once."""
from __future__ import annotations

from analysis import shop, store
from analysis.errors import ShoplensError
from analysis.users import AuthError, allows


def parse_product_names(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for p in pairs or []:
        if "=" not in p:
            raise ShoplensError(f'--product-name "{p}" is not ID=NAME', where="--product-name",
                                fix='write it like --product-name 85123A="Heart T-light holder" (ID= alone forgets '
                                    "the name)")
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _summary(con) -> dict:
    s = shop.settings(con)
    names = shop.product_names(con)
    return {"name": s["name"], "currency": s["currency"], "currency_set": s["currency_set"],
            "product_names": dict(zip(names["product_id"], names["display_name"], strict=True)),
            "demo": shop.demo_counts(con), "started_at": s["started_at"]}


def cmd_shop(args) -> dict:
    changes = args.name is not None or args.currency is not None
    if changes and not allows(args.auth_role, "admin"):  # name and currency speak for the whole shop
        raise AuthError(f"{args.who} is {args.auth_role}; changing the shop name or currency needs admin",
                        fix="ask an admin, or set only --product-name")
    if args.currency is not None:
        from analysis import money
        money.check_currency(args.currency)  # refused before anything is written
    if args.name is not None:
        shop.check_name(args.name)
    names = parse_product_names(args.product_name)
    con = store.connect(args.db)
    try:
        if args.name is not None:
            shop.set_name(con, args.name, args.who)
        if args.currency is not None:
            shop.set_currency(con, args.currency, args.who)
        if names:
            shop.set_product_names(con, names, args.who)
        return _summary(con)
    finally:
        con.close()


def cmd_start_shop(args) -> dict:
    con = store.connect(args.db)
    try:
        counts = shop.demo_counts(con)
        if not args.yes:
            what = (f"removes the demo's {shop.describe_demo(counts)} in one transaction; your own rows, upload "
                    "history and the audit log stay" if any(counts.values())
                    else "begins an empty shop (no demo rows are stored; the app will not rebuild the demo)")
            raise ShoplensError(f"start-shop {what}", fix="run it again with --yes to go ahead")
        return shop.start_shop(con, args.who, name=args.name, currency_code=args.currency)
    finally:
        con.close()


def register(sub) -> None:
    s = sub.add_parser("shop", help="show or set the shop's name, currency and product display names")
    s.add_argument("--name", help="the shop's name, used in drafts and replies (admins)")
    s.add_argument("--currency", help="ISO 4217 code money is shown in, e.g. EUR (admins)")
    s.add_argument("--product-name", nargs="*", metavar="ID=NAME", help="display name for a product id in copy and "
                   "charts; ID= forgets it")
    s.set_defaults(func=cmd_shop, min_role="analyst")
    s = sub.add_parser("start-shop", help="remove every demo row in one transaction (or begin an empty shop)")
    s.add_argument("--yes", action="store_true", help="go ahead (without it: say what would be removed)")
    s.add_argument("--name", help="the shop's name")
    s.add_argument("--currency", help="ISO 4217 currency code, e.g. EUR")
    s.set_defaults(func=cmd_start_shop, min_role="admin")
