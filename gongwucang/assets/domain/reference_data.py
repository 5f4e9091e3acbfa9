"""Parsing the reference tables shipped in data/reference/ (categories, depreciation years).

Pure: reads text, returns rows; the loader service writes them. Lines starting with '#' are
comments. A malformed row raises ReferenceDataError naming the line.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path


class ReferenceDataError(ValueError):
    pass


@dataclass(frozen=True)
class CategoryRow:
    code: str
    name: str
    parent_code: str | None
    depreciation_item: str
    depreciable: bool | None  # None: not stated (inherits / defaults to True)
    measure_unit: str


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    numbered = [
        (n, line) for n, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#")
    ]
    reader = csv.DictReader([line for _n, line in numbered])
    return [(numbered[i + 1][0], row) for i, row in enumerate(reader)]


def parse_categories(path: Path) -> list[CategoryRow]:
    result = []
    for line_no, row in _rows(path):
        code = (row.get("code") or "").strip()
        if not re.fullmatch(r"[A-Z]\d{8}", code):
            raise ReferenceDataError(f"{path.name} 第{line_no}行：分类代码 {code!r} 格式错误")
        flag = (row.get("depreciable") or "").strip()
        if flag not in {"", "0", "1"}:
            raise ReferenceDataError(f"{path.name} 第{line_no}行：depreciable 只能是 0、1 或空")
        result.append(
            CategoryRow(
                code=code,
                name=(row.get("name_zh") or "").strip(),
                parent_code=(row.get("parent_code") or "").strip() or None,
                depreciation_item=(row.get("depreciation_item_zh") or "").strip(),
                depreciable=None if flag == "" else flag == "1",
                measure_unit=(row.get("measure_unit") or "").strip() or "件",
            )
        )
    return result


def parse_depreciation_years(path: Path) -> dict[str, int]:
    """Item name (e.g. 计算机设备) → minimum useful life in years."""
    years: dict[str, int] = {}
    for line_no, row in _rows(path):
        item = (row.get("item_zh") or "").strip()
        raw = (row.get("min_years") or "").strip()
        if not item or not raw.isdigit():
            raise ReferenceDataError(f"{path.name} 第{line_no}行：缺少项目或最低年限")
        years[item] = int(raw)
    return years
