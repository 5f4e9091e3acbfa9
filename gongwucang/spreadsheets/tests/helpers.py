"""Fixture files built by the tests themselves (openpyxl / XlsxWriter / csv)."""

from __future__ import annotations

import csv
import datetime as dt
import struct
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


# --- .xls (Excel 97-2003) fixtures: no library here writes them, so a minimal BIFF8 writer --------
# (one OLE compound file holding a "Workbook" stream: globals with fonts, XFs and sheet entries,
# then each sheet's cells as LABEL / NUMBER / FORMULA records). python-calamine reads the result.


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _text16(text: str) -> bytes:
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def _text8(text: str) -> bytes:
    return struct.pack("<BB", len(text), 1) + text.encode("utf-16-le")


def _biff8(sheets: Sequence[tuple[str, bool, Sequence[Sequence[Any]]]]) -> bytes:
    """A cell is text, a number, ("=", cached number) for a formula, or None."""

    def bof(kind: int) -> bytes:
        return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))

    bodies = []
    for _name, _visible, rows in sheets:
        cells = []
        for r, values in enumerate(rows):
            for c, v in enumerate(values):
                if v is None or v == "":
                    continue
                if isinstance(v, tuple):  # FORMULA with its cached value; the formula itself: a number
                    tokens = b"\x1f" + struct.pack("<d", float(v[1]))
                    cells.append(
                        _record(
                            0x0006, struct.pack("<HHHdHIH", r, c, 15, float(v[1]), 0, 0, len(tokens)) + tokens
                        )
                    )
                elif isinstance(v, int | float):
                    cells.append(_record(0x0203, struct.pack("<HHHd", r, c, 15, float(v))))
                else:
                    cells.append(_record(0x0204, struct.pack("<HHH", r, c, 15) + _text16(str(v))))
        width = max((len(r) for r in rows), default=0)
        dimensions = _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        bodies.append(bof(0x0010) + dimensions + b"".join(cells) + _record(0x000A))
    font = _record(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _text8("Arial"))

    def xf(style: bool) -> bytes:
        return _record(
            0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5 if style else 1, 0x20, 0, 0, 0, 0, 0, 0x20C0)
        )

    # CODEPAGE repeated: keeps the stream over 4 KB, so no mini stream is needed.
    padding = _record(0x0042, struct.pack("<H", 1200)) * 600
    head = (
        bof(0x0005)
        + _record(0x0042, struct.pack("<H", 1200))
        + _record(0x0022, struct.pack("<H", 0))
        + font * 5
        + b"".join(xf(True) for _ in range(15))
        + xf(False)
        + padding
    )
    offset = head.__len__() + sum(4 + 8 + 2 * len(n) for n, _, _ in sheets) + 4
    entries = b""
    for (name, visible, _rows), body in zip(sheets, bodies, strict=True):
        entries += _record(0x0085, struct.pack("<IBB", offset, 0 if visible else 1, 0) + _text8(name))
        offset += len(body)
    return head + entries + _record(0x000A) + b"".join(bodies)


def _compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    data = stream + b"\0" * (-len(stream) % 512)
    count = len(data) // 512
    assert len(stream) >= 4096 and count + 2 <= 128, "fixture too small or too big for this writer"
    fat = [fat_sector, end, *[3 + i for i in range(count - 1)], end]
    fat += [free] * (128 - len(fat))

    def entry(entry_name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = entry_name.encode("utf-16-le") + b"\0\0" if entry_name else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1 if kind else 0)
            + struct.pack("<III", none, none, child)
            + b"\0" * 36
            + struct.pack("<III", start, size, 0)
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0)
        + entry(name, 2, none, 2, len(stream))
        + entry("", 0, none, 0, 0) * 2
    )
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    return header + struct.pack("<128I", *fat) + directory + data


def write_xls(
    path: Path,
    rows: Sequence[Sequence[Any]],
    header: Sequence[Any] = HEADER,
    title: str = "资产卡片",
    extra_sheets: Sequence[tuple[str, bool, Sequence[Sequence[Any]]]] = (),
) -> Path:
    """An Excel 97-2003 workbook; dates are written as text (yyyy-mm-dd), as many old ledgers hold them."""
    body = [list(header)] + [[v.isoformat() if isinstance(v, dt.date) else v for v in r] for r in rows]
    path.write_bytes(_compound_file(_biff8([(title, True, body), *extra_sheets])))
    return path
