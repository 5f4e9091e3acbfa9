"""Fixture files built by the tests themselves (openpyxl / XlsxWriter / csv)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

HEADER = [
    "资产编号",
    "资产名称",
    "资产分类代码",
    "规格型号",
    "取得方式",
    "取得日期",
    "原值",
    "累计折旧",
    "折旧年限(月)",
    "使用部门",
    "使用人",
    "存放地点",
    "资产状态",
]


def row(
    asset_no: str = "",
    name: str = "笔记本电脑",
    code: str = "A02010108",
    spec: str = "X1",
    method: str = "购置",
    acquired: Any = dt.date(2024, 3, 15),
    original: Any = 6999.0,
    accumulated: Any = 0,
    life: Any = 72,
    department: str = "办公室",
    person: str = "",
    location: str = "301",
    status: str = "在用",
) -> list[Any]:
    return [
        asset_no,
        name,
        code,
        spec,
        method,
        acquired,
        original,
        accumulated,
        life,
        department,
        person,
        location,
        status,
    ]


def write_xlsx(
    path: Path, rows: Sequence[Sequence[Any]], header: Sequence[Any] = HEADER, title: str = "资产卡片"
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(header))
    for values in rows:
        sheet.append(list(values))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    workbook.save(path)
    return path


def write_csv(
    path: Path, rows: Sequence[Sequence[Any]], header: Sequence[Any] = HEADER, encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for values in rows:
            writer.writerow(
                ["" if v is None else (v.isoformat() if isinstance(v, dt.date) else v) for v in values]
            )
    return path


def card(
    *,
    actor: Any,
    unit: Any,
    asset_no: str,
    name: str = "笔记本电脑",
    category_code: str = "A02010108",
    original_value: str = "5999.00",
    accumulated: str = "0.00",
    **values: Any,
) -> Any:
    """A card registered through assets.services.asset_register with a given number."""
    from decimal import Decimal

    from gongwucang.assets.services import asset_register
    from gongwucang.core.testing import ensure_categories

    acquired = values.pop("acquired_on", dt.date(2025, 3, 15))
    data = {
        "name": name,
        "category": ensure_categories()[category_code],
        "acquired_on": acquired,
        "booked_on": acquired,
        **values,
    }
    return asset_register(
        actor=actor,
        owner_unit=unit,
        values=data,
        original_value=Decimal(original_value),
        accumulated_depreciation=Decimal(accumulated),
        asset_no=asset_no,
    )
