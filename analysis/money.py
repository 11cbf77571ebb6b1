"""Money as a person reads it, in the shop's ISO 4217 currency: one formatter for every page, chart and export.

`format_money(-12.5, "GBP")` -> "-£12.50"; `format_money(5723155, "EUR")` -> "€5,723,155.00"; a code without a
common symbol is written as the code ("CHF 1,234.50"). Minor units follow ISO 4217 (JPY 0 decimals, KWD 3).
The currency lives in the database (analysis/shop.py); when a shop has not set one, the demo's GBP is assumed.
No Streamlit and no plotly here: pages and charts ask this module for strings and format specs.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

from analysis.errors import ShoplensError

DEFAULT_CURRENCY = "GBP"  # the demo shop's (UCI Online Retail is a UK shop's ledger)

# Active ISO 4217 codes (2024 list, funds and precious metals left out): a typo such as "EURO" or "UKP" is refused.
CURRENCIES = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP
CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR
ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD
SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND
VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split())

# Symbols that are unambiguous enough to stand alone before the amount; every other code is written as the code.
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥", "INR": "₹", "KRW": "₩", "ILS": "₪", "NGN": "₦",
           "PHP": "₱", "TRY": "₺", "UAH": "₴", "VND": "₫"}
# The symbols beyond ASCII that copy may carry (drafts print them; the no-emoji check and the generator allow them).
SYMBOL_CHARS = "".join(sorted({s for s in SYMBOLS.values() if not s.isascii()}))
# ISO 4217 minor units where they are not 2.
ZERO_DECIMALS = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMALS = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_WIDE = Context(prec=400)  # every float's digits (1.8e308 and three decimals) fit: no InvalidOperation


def check_currency(code: str | None) -> str:
    """The code in upper case, or ShoplensError naming the typo and how to write it."""
    c = (code or "").strip().upper()
    if c not in CURRENCIES:
        hint = {"EURO": "EUR", "UKP": "GBP", "£": "GBP", "€": "EUR", "$": "USD", "US$": "USD", "STG": "GBP",
                "RMB": "CNY", "YEN": "JPY"}.get(c)
        raise ShoplensError(f'"{code}" is not an ISO 4217 currency code', where="currency",
                            fix=(f"did you mean {hint}? " if hint else "") + "use a three-letter code such as GBP, "
                                "EUR, USD, CHF, SEK or JPY")
    return c


def decimals(currency: str) -> int:
    """Minor units of the currency (cents): 2 for most, 0 for JPY and the like, 3 for KWD and the like."""
    return 0 if currency in ZERO_DECIMALS else 3 if currency in THREE_DECIMALS else 2


def prefix(currency: str | None) -> str:
    """What goes before the amount: "£" for a common code, "CHF " otherwise."""
    c = currency or DEFAULT_CURRENCY
    return SYMBOLS.get(c, f"{c} ")


def label(currency: str | None) -> str:
    """The currency for axis titles and column headers: "£" or "CHF"."""
    return prefix(currency).strip()


def format_money(value, currency: str | None = None, places: int | None = None, compact: bool = False) -> str:
    """ "-£12.50", "€5,723,155.00", "CHF 1,234.50"; compact: "£5.72M", "£57.2k" (metric tiles); None or NaN: "–"."""
    try:
        v = float(value)  # numpy and Decimal values too; None, pd.NA and text are not money
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    c = currency or DEFAULT_CURRENCY
    sign, v = ("-" if v < 0 else ""), abs(v)
    if compact and v >= 1e6:
        body = f"{v / 1e6:,.2f}M"
    elif compact and v >= 1e4:
        body = f"{v / 1e3:,.1f}k"
    else:  # half away from zero on the number as written (2.675 -> 2.68), as a till would, not banker's rounding
        q = decimals(c) if places is None else places
        body = f"{Decimal(repr(v)).quantize(Decimal(1).scaleb(-q), ROUND_HALF_UP, _WIDE):,.{q}f}"
    if sign and float(body.rstrip("Mk").replace(",", "")) == 0:
        sign = ""  # -0.001 shows as £0.00, not -£0.00
    return f"{sign}{prefix(c)}{body}"

