"""analysis/money.py: one formatter for money in the shop's currency (symbol, separators, minor units, sign)."""
import pytest

from analysis import money
from analysis.errors import ShoplensError


@pytest.mark.parametrize("value, code, expected", [
    (5723155, "GBP", "£5,723,155.00"),
    (3698137.08, "EUR", "€3,698,137.08"),
    (-12.5, "GBP", "-£12.50"),
    (1234.5, "CHF", "CHF 1,234.50"),
    (-1234.5, "SEK", "-SEK 1,234.50"),
    (1234.5, "JPY", "¥1,235"),
    (1.2345, "KWD", "KWD 1.235"),
    (100.50000000000001, "USD", "$100.50"),
    (-0.001, "GBP", "£0.00"),
    (None, "GBP", "–"),
    (float("nan"), "EUR", "–"),
    (float("inf"), "EUR", "–"),
    (2.675, "GBP", "£2.68"),
])
def test_format_money(value, code, expected):
    assert money.format_money(value, code) == expected


def test_compact_for_metric_tiles():
    assert money.format_money(5_723_155, "EUR", compact=True) == "€5.72M"
    assert money.format_money(57_230, "GBP", compact=True) == "£57.2k"
    assert money.format_money(-57_230, "GBP", compact=True) == "-£57.2k"
    assert money.format_money(999.5, "GBP", compact=True) == "£999.50"


def test_default_currency_is_the_demo_shops():
    assert money.format_money(1, None) == "£1.00"


def test_labels_for_axes_and_headers():
    assert money.label("NOK") == "NOK" and money.label("GBP") == "£" and money.prefix("CHF") == "CHF "


def test_money_tables_read_minus_before_the_symbol_and_sort_as_numbers(monkeypatch):
    """Streamlit's printf column format writes "£-845.25"; the tables carry format_money's text over numbers."""
    import pandas as pd

    from dashboard import shop_ui

    monkeypatch.setattr(shop_ui, "currency", lambda: "EUR")
    df = pd.DataFrame({"customer_id": ["a", "b"], "monetary": [1234.5, -845.25], "revenue": [100.0, 2.0]})
    shown, cfg = shop_ui.money_table(df, {"monetary": ("Net spend", None), "revenue": ("Revenue", 0)})
    html = shown.to_html()
    assert "-€845.25" in html and "€1,234.50" in html and "€100<" in html and "€-" not in html
    assert shown.data["monetary"].dtype.kind == "f"  # sorting and exports still see numbers
    assert cfg["monetary"]["label"] == "Net spend" and cfg["monetary"]["type_config"]["format"] is None


@pytest.mark.parametrize("code", ["eur", " EUR ", "Chf"])
def test_check_currency_normalises(code):
    assert money.check_currency(code) == code.strip().upper()


@pytest.mark.parametrize("code, hint", [("EURO", "EUR"), ("UKP", "GBP"), ("£", "GBP"), ("XYZ", None), ("", None),
                                         (None, None)])
def test_bad_currency_is_refused_with_a_fix(code, hint):
    with pytest.raises(ShoplensError) as e:
        money.check_currency(code)
    msg = str(e.value)
    assert "ISO 4217" in msg and "Fix:" in msg
    if hint:
        assert f"did you mean {hint}" in msg


def test_charts_show_money_in_the_shop_currency():
    import pandas as pd

    from dashboard import charts, segment_charts

    fig = charts.revenue_by_month(pd.DataFrame({"month": pd.to_datetime(["2024-01-01"]), "revenue": [1234.5],
                                                "orders": [3]}), "EUR")
    assert fig.layout.yaxis.tickprefix == "€" and "revenue=%{customdata[1]}" in fig.data[0].hovertemplate
    assert list(fig.data[0].customdata[0]) == [3, "€1,234.50"]  # hover is format_money's own text
    assert fig.layout.yaxis.title.text == "Revenue (€)"
    fig = charts.top_products(pd.DataFrame({"product_id": ["1"], "product_name": ["x"], "revenue": [5.0],
                                            "units": [1]}), "CHF")
    assert fig.layout.xaxis.tickprefix == "CHF " and "£" not in fig.data[0].hovertemplate
    history = pd.DataFrame({"order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]), "amount": [12.5, -3.0],
                            "status": ["completed", "cancelled"], "order_id": ["1", "2"], "lines": [2, 1]})
    fig = segment_charts.customer_history(history, "JPY")
    assert [list(t.customdata[:, -1]) for t in fig.data] == [["¥13"], ["-¥3"]]
    assert all("amount=%{customdata[2]}" in t.hovertemplate for t in fig.data)


def test_negative_money_in_charts_reads_minus_before_the_symbol():
    """plotly's tickprefix would write "£−500" and hover "£-845.25"; the shop's formatter writes "-£500"."""
    import pandas as pd

    from dashboard import charts, segment_charts

    history = pd.DataFrame({"order_date": pd.to_datetime(["2024-01-02", "2024-02-03", "2024-03-04"]),
                            "amount": [120.5, -845.25, 1830.0], "status": ["completed", "cancelled", "completed"],
                            "order_id": ["a", "b", "c"], "lines": [1, 2, 3]})
    fig = segment_charts.customer_history(history, "GBP")
    assert fig.layout.yaxis.tickmode == "array" and fig.layout.yaxis.tickprefix is None
    assert list(fig.layout.yaxis.ticktext) == ["-£1,000", "-£500", "£0", "£500", "£1,000", "£1,500", "£2,000"]
    assert fig.data[1].customdata[0, -1] == "-£845.25"
    assert charts.money_ticks(-0.3, 0.2, "EUR")["ticktext"][:2] == ["-€0.3", "-€0.2"]
    heat = segment_charts.retention_heatmap(pd.DataFrame([[12.0, -3.4], [5.0, float("nan")]], index=["2024-01",
                                            "2024-02"], columns=[0, 1]), "Revenue", pct=False, currency="EUR")
    assert heat.data[0].texttemplate == "%{text}" and [list(r) for r in heat.data[0].text] == [["€12", "-€3"],
                                                                                             ["€5", ""]]


def test_drafts_may_carry_the_shop_currency_symbol_from_the_offer():
    """A yen shop's offer "¥1,000 off" is copy, not an emoji; a symbol the facts do not hold is still refused."""
    from analysis.draft_checks import explain, run_checks

    facts = {"brand": "Kumo Tea", "channel": "sms", "offer": "¥1,000 off with code KUMO", "tone": "warm",
             "currency": "JPY", "top_products": ["Sencha tin"], "merge_tag": "{{ first_name }}"}
    sms = {"body": "Kumo Tea: we miss you. Enjoy ¥1,000 off with code KUMO on the Sencha tin. Reply STOP to opt out"}
    checks = run_checks(sms, facts)
    assert checks["no_emoji"] and checks["grounded_numbers"], explain(sms, facts)
    rupees = {"body": sms["body"].replace("¥1,000", "₹1,000")}
    assert not run_checks(rupees, facts)["grounded_numbers"]
    assert not run_checks({"body": sms["body"] + " 🍵"}, facts)["no_emoji"]
    assert set("£€¥₹") <= set(money.SYMBOL_CHARS)
