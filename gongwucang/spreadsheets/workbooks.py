"""The workbooks the app hands out: the import template, the file back with its errors marked, and
the rows of the asset list and ledger exports."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from xlsxwriter import Workbook

from gongwucang.assets.domain.choices import AssetStatus
from gongwucang.assets.domain.events import EventType
from gongwucang.assets.ledger import LedgerWording
from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.org.models import Unit

from .domain.codes import CHOICES, labels
from .domain.columns import LEDGER_COLUMNS
from .domain.reading import FileRefused, column_letter, open_table
from .export import Column, chinese_labels
from .selectors import active_category_codes, departments_by_unit

EXPORT_KINDS = {
    "text": "text",
    "int": "int",
    "money": "money_fen",
    "date": "date",
    "code": "text",
    "unit": "text",
    "department": "text",
    "person": "text",
    "bool": "bool",
    "category": "text",
    "derived": "text",
}


def ledger_export_columns() -> list[Column]:
    """The asset list export uses the import's columns, so an export imports back unchanged."""
    columns = []
    for column in LEDGER_COLUMNS:
        kind = "money_fen" if column.key == "net_value" else EXPORT_KINDS[column.kind]
        columns.append(Column(column.header, kind, column.width))  # type: ignore[arg-type]
    return columns


def _code_labels() -> dict[str, dict[str, str]]:
    return {name: chinese_labels(choices) for name, choices in CHOICES.items()}


def asset_export_rows(qs: QuerySet[Asset]) -> Iterator[list[Any]]:
    """One list per card, in LEDGER_COLUMNS order, read in chunks (constant memory)."""
    codes = _code_labels()
    fields = (
        "asset_no",
        "name",
        "category__code",
        "category__name",
        "model_spec",
        "brand",
        "measure_unit",
        "quantity",
        "acquisition_method",
        "acquired_on",
        "booked_on",
        "funding_source",
        "fiscal_amount_fen",
        "non_fiscal_amount_fen",
        "book__original_value_fen",
        "book__accumulated_depreciation_fen",
        "useful_life_months",
        "book__months_depreciated",
        "depreciation_status",
        "depreciation_method",
        "owner_unit__name",
        "user_unit__name",
        "department__name",
        "custodian__full_name",
        "custodian__username",
        "location",
        "usage",
        "status",
        "condition",
        "note",
        "is_nominal_value",
        "counterparty_name",
        "counterparty_contact",
        "counterparty_phone",
    )
    acq, fund, dep_s, dep_m = (
        codes["acquisition_method"],
        codes["funding_source"],
        codes["depreciation_status"],
        codes["depreciation_method"],
    )
    usage, status, cond = codes["usage"], codes["status"], codes["condition"]
    for r in qs.order_by().values_list(*fields).order_by("id").iterator(chunk_size=5000):
        original, accumulated = r[14], r[15]
        yield [
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            acq.get(r[8], r[8]),
            r[9],
            r[10],
            fund.get(r[11], r[11]),
            r[12],
            r[13],
            original,
            accumulated,
            None if original is None else original - (accumulated or 0),
            r[16],
            r[17],
            dep_s.get(r[18], r[18]),
            dep_m.get(r[19], r[19]),
            r[20],
            r[21],
            r[22],
            r[23] or r[24],
            r[25],
            usage.get(r[26], r[26]),
            status.get(r[27], r[27]),
            cond.get(r[28], r[28]),
            r[29],
            r[30],
            r[31],
            r[32],
            r[33],
        ]


LEDGER_EVENT_COLUMNS = [
    Column("时间", "datetime", 19),
    Column("资产编号", "text", 20),
    Column("资产名称", "text", 18),
    Column("变动类型", "text", 12),
    Column("操作人", "text", 10),
    Column("关联单据", "text", 16),
    Column("变动内容", "text", 60),
    Column("说明", "text", 20),
]


def ledger_export_rows(qs: QuerySet[AssetEvent]) -> Iterator[list[Any]]:
    """One row per ledger event; its changes worded as the card's timeline words them
    (assets.ledger.LedgerWording), in Chinese: 资产状态：在用 → 闲置."""
    types, wording = chinese_labels(EventType), LedgerWording("zh-hans")
    for r in qs.values_list(
        "occurred_at",
        "asset__asset_no",
        "asset__name",
        "event_type",
        "actor__full_name",
        "actor__username",
        "reference",
        "before",
        "after",
        "note",
    ).iterator(chunk_size=5000):
        before, after = r[7] or {}, r[8] or {}
        changes = (
            "；".join(
                f"{wording.label(k)}：{wording.value(k, before.get(k))} → {wording.value(k, after.get(k))}"
                for k in after
                if k in before
            )
            if before
            else ""
        )
        yield [r[0], r[1], r[2], types.get(r[3], r[3]), r[4] or r[5] or "", r[6], changes, r[9]]


# ------------------------------------------------------------------ the template


def template_workbook(*, units: Sequence[Unit]) -> bytes:
    """The import template: headers (required ones red, with a note), a sample row, drop-downs."""
    buffer = io.BytesIO()
    book = Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("资产卡片")
    lists = book.add_worksheet("可选值")
    head = book.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    required = book.add_format(
        {
            "bold": True,
            "bg_color": "#FCE4D6",
            "border": 1,
            "font_color": "#C00000",
            "text_wrap": True,
            "valign": "vcenter",
        }
    )
    text = book.add_format({"num_format": "@"})
    money = book.add_format({"num_format": "#,##0.00"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    unit = units[0] if units else None
    departments = departments_by_unit([u.pk for u in units])
    # The lists of the drop-downs, one column each, on a sheet of their own.
    list_columns: dict[str, str] = {}
    sources: list[tuple[str, list[str]]] = [(name, labels(name)) for name in CHOICES]
    categories = active_category_codes()
    sources.append(("category_code", [code for code, _ in categories]))
    sources.append(("unit", [u.name for u in units]))
    sources.append(("department", sorted({d for names in departments.values() for d in names})))
    for index, (name, values) in enumerate(sources):
        lists.write_string(0, index, f"{name}（可选值）")
        for r, value in enumerate(values, start=1):
            lists.write_string(r, index, value)
        letter = column_letter(index)
        list_columns[name] = f"='可选值'!${letter}$2:${letter}${max(len(values), 1) + 1}"
    lists.write_string(0, len(sources), "分类代码 → 名称")
    for r, (code, name) in enumerate(categories, start=1):
        lists.write_string(r, len(sources), f"{code} {name}")
    lists.hide()
    sample = {c.key: c.example for c in LEDGER_COLUMNS}
    sample.update(
        owner_unit=unit.name if unit else "",
        user_unit=unit.name if unit else "",
        department=(departments.get(unit.pk) or [""])[0] if unit else "",
        custodian="",
        asset_no="",
    )
    for col, column in enumerate(LEDGER_COLUMNS):
        sheet.write_string(0, col, column.header, required if column.required else head)
        note = ("必填。" if column.required else "") + (column.note or "")
        if column.choices:
            note += ("；" if note else "") + "可选：" + "、".join(labels(column.choices))
        if note:
            sheet.write_comment(0, col, note, {"x_scale": 1.6, "y_scale": 1.2})
        sheet.set_column(col, col, column.width, text if column.kind in ("text", "category") else None)
        value = sample.get(column.key)
        if value in (None, ""):
            continue
        if column.kind == "money":
            sheet.write_number(1, col, float(str(value)), money)
        elif column.kind == "date":
            import datetime as dt

            sheet.write_datetime(1, col, dt.datetime.fromisoformat(str(value)), date)
        elif column.kind == "int":
            sheet.write_number(1, col, int(value))  # type: ignore[call-overload]
        else:
            sheet.write_string(1, col, str(value))
        source = (
            list_columns.get(column.choices or "")
            or list_columns.get(column.key)
            or (list_columns.get("unit") if column.kind == "unit" else None)
            or (list_columns.get("department") if column.kind == "department" else None)
        )
        if source:
            sheet.data_validation(
                1,
                col,
                5000,
                col,
                {
                    "validate": "list",
                    "source": source,
                    "error_type": "warning",
                    "error_title": "不在可选值中",
                    "error_message": f"「{column.header}」请从下拉列表中选择",
                },
            )
        elif column.kind == "date":
            sheet.data_validation(
                1,
                col,
                5000,
                col,
                {
                    "validate": "date",
                    "criteria": ">=",
                    "value": __import__("datetime").date(1900, 1, 1),
                    "error_type": "warning",
                    "error_message": "请填写日期，如 2024-03-15",
                },
            )
    sheet.freeze_panes(1, 0)
    sheet.set_row(0, 30)
    book.close()
    return buffer.getvalue()


# ------------------------------------------------------------------ errors marked

WHOLE_FILE_ROWS = 50_000


def error_workbook(
    *, path: str, filename: str, limits: Any, errors: Sequence[Sequence[Any]], rows_total: int
) -> bytes:
    """The uploaded file back, bad cells in red with the reason in a last column. Small files come
    back whole; large ones only with the rows that have errors (with their original row number)."""
    by_row: dict[int, list[Sequence[Any]]] = defaultdict(list)
    for error in errors:
        by_row[int(error[0])].append(error)
    try:
        table = open_table(path, filename, limits)
    except FileRefused:
        table = None
    buffer = io.BytesIO()
    book = Workbook(
        buffer,
        {
            "in_memory": False,
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet("资产卡片（标出错误）")
    bad = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    reason_format = book.add_format({"font_color": "#9C0006", "text_wrap": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    if table is None:
        sheet.write_row(0, 0, ["行号", "列", "值", "原因"], head)
        for r, error in enumerate(errors, start=1):
            sheet.write_row(r, 0, [str(v) for v in error])
        book.close()
        return buffer.getvalue()
    whole = rows_total <= WHOLE_FILE_ROWS
    offset = 0 if whole else 1
    header = list(table.header)
    if not whole:
        sheet.write_string(0, 0, "原行号", head)
    for col, text in enumerate(header):
        sheet.write_string(0, col + offset, str(text), head)
    reason_col = len(header) + offset
    sheet.write_string(0, reason_col, "错误原因", head)
    sheet.set_column(reason_col, reason_col, 60)
    index_of = {str(h): i for i, h in enumerate(header)}
    out = 0
    for row_no, values in table.rows:
        problems = by_row.get(row_no)
        if not whole and not problems:
            continue
        out += 1
        if not whole:
            sheet.write_number(out, 0, row_no)
        marked = {index_of.get(str(p[1])) for p in problems or []}
        for col, value in enumerate(values):
            fmt = bad if col in marked else None
            if value is None or value == "":
                if fmt is not None:
                    sheet.write_blank(out, col + offset, None, fmt)
                continue
            if hasattr(value, "year"):
                sheet.write_datetime(out, col + offset, value, bad if fmt else date)
            elif isinstance(value, bool):
                sheet.write_boolean(out, col + offset, value, fmt)
            elif isinstance(value, int | float):
                sheet.write_number(out, col + offset, value, fmt)
            else:
                sheet.write_string(out, col + offset, str(value), fmt)
        for col in marked:
            if col is not None and col >= len(values):
                sheet.write_blank(out, col + offset, None, bad)
        if problems:
            sheet.write_string(
                out, reason_col, "；".join(f"「{p[1]}」{p[3]}" for p in problems), reason_format
            )
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


STATUS_LABELS = AssetStatus
