"""Shop settings: "Start my shop" (remove the demo or begin empty), the shop's name and currency, and product
display names. Analysts see it and name products; the name, currency and Start my shop are admins' (they speak for
the whole shop, and removing the demo cannot be undone)."""
import streamlit as st

from analysis import money, shop
from analysis.errors import ShoplensError
from analysis.users import allows
from dashboard import auth, shop_ui, state

user = auth.require_role("analyst")
is_admin = allows(user["role"], "admin")
st.title("Shop settings")
s = shop_ui.settings()
codes = sorted(money.CURRENCIES, key=lambda c: (c not in money.SYMBOLS, c))  # the common ones first


def _fail(exc: ShoplensError) -> None:
    st.error(str(exc))
    st.stop()


# ---------------------------------------------------------------- start my shop
demo = s["demo"]
if any(demo.values()) or not s["started_at"]:
    st.subheader("Start my shop")
    if any(demo.values()):
        st.markdown(f"The database holds the bundled **demo shop**: {shop.describe_demo(demo)}. *Start my shop* "
                    "removes all of it in one step (nothing is half-removed if it fails); order lines and reviews "
                    "you loaded yourself, the upload history and the audit log stay. Drafts written since the demo "
                    "was loaded are removed too, since they were written from demo figures.")
    else:
        st.markdown("No demo rows are stored. *Start my shop* records that this is your own shop, so the app never "
                    "builds the demo into it; then load your orders and reviews on the Data page.")
    if not is_admin:
        st.caption("An admin starts the shop.")
    else:
        with st.form("start_shop"):
            c1, c2 = st.columns(2)
            name = c1.text_input("Shop name", s["name"] or "", max_chars=shop.MAX_NAME, placeholder="e.g. Fig & Cedar")
            cur = c2.selectbox("Currency (ISO 4217)", codes, index=codes.index(s["currency"]),
                               format_func=lambda c: f"{c} ({money.label(c)})" if c in money.SYMBOLS else c)
            sure = st.checkbox(f"Remove the demo's {shop.describe_demo(demo)}" if any(demo.values())
                               else "Start an empty shop", key="start_shop_sure")
            go = st.form_submit_button("Start my shop", type="primary")
        if go:
            if not sure:
                st.warning("Tick the box above to confirm; nothing was changed.")
            else:
                try:
                    with state.write_lock():
                        out = shop.start_shop(state.cursor(), auth.username(), name=name if name.strip() else None,
                                              currency_code=cur)
                except ShoplensError as exc:
                    _fail(exc)
                state.invalidate()
                st.session_state["shop_started"] = out
                st.rerun()
if "shop_started" in st.session_state:
    out = st.session_state.pop("shop_started")
    st.success(f"Your shop has started: removed {shop.describe_demo(out['removed'])}. Load your orders and reviews "
               "on the Data page.")

# ---------------------------------------------------------------- name and currency
st.subheader("Name and currency")
with st.form("shop_identity"):
    c1, c2 = st.columns(2)
    name = c1.text_input("Shop name", s["name"] or "", max_chars=shop.MAX_NAME, disabled=not is_admin,
                         help="Drafts and replies sign with it; without one they ask for a brand.")
    cur = c2.selectbox("Currency (ISO 4217)", codes, index=codes.index(s["currency"]), disabled=not is_admin,
                       format_func=lambda c: f"{c} ({money.label(c)})" if c in money.SYMBOLS else c,
                       help="Every page, chart and export shows money in it. It labels amounts; it does not "
                            "convert them.")
    saved = st.form_submit_button("Save", disabled=not is_admin)
if not is_admin:
    st.caption("An admin changes the name and currency.")
if saved:
    try:
        with state.write_lock():
            if name.strip() != (s["name"] or ""):
                shop.set_name(state.cursor(), name, auth.username())
            if cur != s["currency"] or not s["currency_set"]:
                shop.set_currency(state.cursor(), cur, auth.username())
    except ShoplensError as exc:
        _fail(exc)
    state.invalidate()
    st.rerun()
st.caption(f"Money is shown like this: {money.format_money(1234567.891, s['currency'])} · "
           f"{money.format_money(-12.5, s['currency'])}")

# ---------------------------------------------------------------- product display names
st.subheader("Product display names")
st.caption("The name drafts, charts and exports use for a product, instead of the name in your orders export "
           "(e.g. \"Linen apron, natural\" for \"APRON LINEN NAT 2PK\"). Leave the name empty to forget it.")
with st.form("product_name"):
    c1, c2 = st.columns([1, 2])
    pid = c1.text_input("Product id")
    pname = c2.text_input("Display name", max_chars=shop.MAX_NAME)
    add = st.form_submit_button("Save product name")
if add:
    try:
        with state.write_lock():
            shop.set_product_names(state.cursor(), {pid: pname}, auth.username())
    except ShoplensError as exc:
        _fail(exc)
    state.invalidate()
    st.rerun()
names = shop.product_names(state.cursor())
if names.empty:
    st.caption("No display names yet.")
else:
    st.dataframe(names, hide_index=True, width="stretch",
                 column_config={"product_id": "product id", "display_name": "display name",
                                "stored_name": st.column_config.TextColumn("name in the orders", width="large")})
