"""Data page (issue 17, finding 3): a hostile workbook is refused in one line on the page, with no traceback and no
server path, and nothing is stored."""
from __future__ import annotations

import pytest
from hostile.corpus import BILLION_LAUGHS, XXE, xlsx_patched

from tests.app_pages import open_app


@pytest.mark.parametrize("dtd, entity, pad", [(XXE, "xxe", 0), (XXE, "xxe", 100_000), (BILLION_LAUGHS, "l9", 100_000)],
                         ids=["xxe", "xxe_past_head_scan", "billion_laughs_past_head_scan"])
def test_hostile_workbook_is_one_line_on_the_data_page(demo_db, tmp_path, dtd, entity, pad):
    data = xlsx_patched(dtd=dtd, entity=entity, pad=pad, name="orders.xlsx")(tmp_path).read_bytes()
    at = open_app("views/data.py")
    history = len(at.dataframe[1].value)
    at.file_uploader(key="upload_file").set_value(
        ("orders.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [e.value for e in at.error]
    assert len(shown) == 1 and "possible XML bomb or external-entity (XXE) attack" in shown[0], shown
    assert "\n" not in shown[0] and "/tmp" not in shown[0] and "Traceback" not in shown[0]
    assert str(demo_db.parent) not in shown[0] and str(tmp_path) not in shown[0]
    at = open_app("views/data.py")
    assert len(at.dataframe[1].value) == history  # no upload recorded
