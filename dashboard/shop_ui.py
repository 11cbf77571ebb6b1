"""The shop as every page shows it: its currency for money, its name in the sidebar, and a "Demo data" note wherever
the bundled demo's rows are what the page shows. Reads are cached per database and cleared by state.invalidate()."""
from __future__ import annotations

import streamlit as st

from analysis import money, shop
from dashboard import state


@st.cache_data(show_spinner=False)
def shop_settings(path: str) -> dict:
    """settings (analysis.shop.settings) plus demo row counts, one query round per write."""
    con = state.cursor()
    return {**shop.settings(con), "demo": shop.demo_counts(con)}


def settings() -> dict:
    return shop_settings(state.db_path())


def currency() -> str:
    return settings()["currency"]


def fmt(value, compact: bool = False, places: int | None = None) -> str:
    """Money in the shop's currency: "€1,234.50", "-£12.50", compact "£5.72M"."""
    return money.format_money(value, currency(), places=places, compact=compact)


def money_table(df, columns: dict[str, tuple[str, int | None]]):
    """(what st.dataframe shows, its column_config) for a frame whose `columns` {name: (label, decimals or None)} hold
    money: the cells read as format_money writes them ("-£845.25"; a printf column format writes "£-845.25") while
    sorting stays numeric (a pandas Styler carries the text, the data stay numbers)."""
    cur = currency()
    shown = {c: (lambda v, p=p: money.format_money(v, cur, places=p)) for c, (_, p) in columns.items() if c in df}
    return df.style.format(shown), {c: st.column_config.NumberColumn(label) for c, (label, _) in columns.items()}


def has_demo() -> bool:
    return any(settings()["demo"].values())


DEMO_NOTE = ("**Demo data**: these figures include the bundled demo shop (UK gift-ware orders and clothing reviews "
             "from another shop, linked by a seeded rule). An admin removes it with *Start my shop* in Shop settings.")


def demo_caption() -> None:
    """The page-header note while demo rows are stored (app.py calls it above every page)."""
    if has_demo():
        st.caption(":material/science: " + DEMO_NOTE)


def sidebar() -> None:
    """The shop's name and currency, and "Demo data" while the demo is stored."""
    s = settings()
    st.caption("Shop")
    st.markdown(f"**{escape(s['name']) if s['name'] else 'Unnamed shop'}** · {s['currency']}")
    if has_demo():
        st.caption(":material/science: Demo data")


def escape(text: str) -> str:
    """A shop-typed name shown through st.markdown as written: no bold, links or :shortcodes: of its own."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>$~:" else ch for ch in text)


def brand_default() -> str:
    """The brand a draft signs with: the shop's name, or empty (the page asks for it) when none is set."""
    return settings()["name"] or ""
