"""Exported lists show numbers as people write them: money to the cent, scores without binary-float artefacts
("100.50000000000001" in a segment export, issue 18), in CSV and XLSX alike."""
import io

import pandas as pd
from openpyxl import load_workbook

from analysis import export_safety

FRAME = pd.DataFrame({"customer_id": ["a", "b"], "monetary": [100.50000000000001, 0.1 + 0.2],
                      "predicted_clv": [12.345678, 7.0], "p_alive": [0.000123456789, 0.1 + 0.2],
                      "frequency": [3, 4], "reason": ["bought together with X by 3 customers", "popular"]})


def test_csv_rounds_money_to_cents_and_scores_to_six_places():
    text = export_safety.to_csv(FRAME)
    assert "100.50000000000001" not in text and "0.30000000000000004" not in text
    back = pd.read_csv(io.StringIO(text))
    assert back["monetary"].tolist() == [100.5, 0.3]
    assert back["predicted_clv"].tolist() == [12.35, 7.0]
    assert back["p_alive"].tolist() == [0.000123, 0.3]
    assert back["frequency"].tolist() == [3, 4]


def test_xlsx_cells_hold_the_rounded_numbers():
    buf = io.BytesIO()
    export_safety.to_xlsx(FRAME, buf)
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][1] == 100.5 and rows[2][1] == 0.3 and rows[1][3] == 0.000123


def test_money_columns_are_named_by_what_they_hold():
    assert all(map(export_safety.is_money_column, ["revenue", "net_spend", "avg_order_value", "clv_low", "unit_price"]))
    assert not any(map(export_safety.is_money_column, ["p_alive", "score", "frequency", "expected_purchases"]))
