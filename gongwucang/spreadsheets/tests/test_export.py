"""The streamed xlsx helper: headers, kinds, money format, formula escaping, the response."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone, translation

from gongwucang.assets.domain.choices import Condition
from gongwucang.spreadsheets.export import (
    Column,
    chinese_labels,
    escape_formula,
    unescape_formula,
    write_xlsx,
    xlsx_response,
)

COLUMNS = [
    Column("资产编号", "text", 18),
    Column("原值", "money_fen"),
    Column("金额", "money"),
    Column("数量", "int"),
    Column("取得日期", "date"),
    Column("时间", "datetime"),
    Column("名义金额", "bool"),
]


def _read(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_kinds_headers_and_formats() -> None:
    buf = io.BytesIO()
    when = timezone.make_aware(dt.datetime(2026, 3, 1, 8, 30), dt.UTC)
    rows = [
        ("ZFB-1", 599900, Decimal("12.50"), 3, dt.date(2025, 1, 2), when, True),
        ("=1+1", None, None, None, None, None, False),
    ]
    assert write_xlsx(buf, sheet_title="资产/清单", columns=COLUMNS, rows=rows) == 2
    ws = _read(buf.getvalue())
    assert ws.title == "资产_清单"
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert ws.freeze_panes == "A2"
    row = ws[2]
    assert row[0].value == "ZFB-1"
    assert row[1].value == 5999 and row[1].number_format == "#,##0.00"
    assert row[2].value == 12.5 and row[2].number_format == "#,##0.00"
    assert row[3].value == 3
    assert row[4].value == dt.datetime(2025, 1, 2) and row[4].number_format == "yyyy-mm-dd"
    assert row[5].value == dt.datetime(2026, 3, 1, 16, 30)  # UTC 08:30 is 16:30 in Asia/Shanghai
    assert row[6].value == "是"
    assert ws[3][0].value == "'=1+1" and ws[3][0].data_type == "s"
    assert ws[3][1].value is None and ws[3][6].value == "否"


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_injection_escaped_and_reversible(text: str) -> None:
    escaped = escape_formula(text)
    assert escaped == "'" + text
    assert unescape_formula(escaped) == text
    assert escape_formula("普通文本") == "普通文本" and unescape_formula("'abc") == "'abc"


def test_preamble_above_header() -> None:
    buf = io.BytesIO()
    write_xlsx(
        buf,
        sheet_title="报表",
        columns=[Column("单位")],
        rows=[("中心小学",)],
        preamble=["资产价值量情况表", "2026年3月"],
    )
    ws = _read(buf.getvalue())
    assert [ws["A1"].value, ws["A2"].value, ws["A3"].value, ws["A4"].value] == [
        "资产价值量情况表",
        "2026年3月",
        "单位",
        "中心小学",
    ]
    assert ws.freeze_panes == "A4"


def test_row_limit_refused() -> None:
    with pytest.raises(ValueError, match="导出行数超过上限"):
        write_xlsx(io.BytesIO(), sheet_title="x", columns=[Column("a")], rows=[("1",)] * 3, max_rows=2)


def test_unknown_kind_refused() -> None:
    with pytest.raises(ValueError):
        Column("x", "money_yuan")  # type: ignore[arg-type]


@pytest.mark.django_db
def test_response_streams_a_chinese_named_attachment() -> None:
    rows = ((f"A{i}", i * 100) for i in range(5000))  # a generator: consumed once, in order
    response = xlsx_response(filename="资产清单", sheet_title="资产", columns=COLUMNS[:2], rows=rows)
    assert response.streaming
    assert "filename*=utf-8''%E8%B5%84%E4%BA%A7%E6%B8%85%E5%8D%95.xlsx" in response["Content-Disposition"]
    pieces = list(response.streaming_content)
    assert len(pieces) > 2  # sent while it is written, not in one piece at the end
    data = b"".join(pieces)
    response.close()
    ws = _read(data)
    assert ws.max_row == 5001 and ws["B5001"].value == 4999


def test_calamine_reads_the_export_back(tmp_path) -> None:
    from python_calamine import CalamineWorkbook

    path = tmp_path / "x.xlsx"
    write_xlsx(
        str(path),
        sheet_title="s",
        columns=COLUMNS,
        rows=[("a&b<c>", 12345, Decimal("1.50"), 2, dt.date(2024, 2, 29), None, False)],
    )
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert data[1][:5] == ["a&b<c>", 123.45, 1.5, 2, dt.date(2024, 2, 29)]


def test_labels_in_an_export_are_chinese_in_any_language() -> None:
    with translation.override("en"):
        assert str(Condition.GOOD.label) == "Good"  # the screen follows the user's language…
        assert chinese_labels(Condition)["good"] == "完好"  # …the file does not
        assert translation.get_language() == "en"
