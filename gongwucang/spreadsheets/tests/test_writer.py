"""The writer's fast ledger JSON and search text equal what the slow, obvious code makes."""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace
from typing import Any

from gongwucang.assets.domain.search_keys import build_search_text, pg_text_array, search_grams
from gongwucang.assets.ledger import SNAPSHOT_FIELDS
from gongwucang.core.money import fen_to_yuan
from gongwucang.spreadsheets.writer import RELATED, _CardText


def _yuan(fen: int) -> str:
    return str(fen_to_yuan(fen))  # as assets.ledger writes an amount


def reference_json(fields: dict[str, Any], original: int, accumulated: int, months: int) -> str:
    data: dict[str, Any] = {}
    for name in SNAPSHOT_FIELDS:
        value = fields.get(name)
        if value is None:
            data[name] = None
        elif name in RELATED:
            data[name] = {"id": value.id, "text": value.text}
        elif name.endswith("_fen"):
            data[name] = _yuan(value)
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        else:
            data[name] = value
    data["original_value_fen"] = _yuan(original)
    data["accumulated_depreciation_fen"] = _yuan(accumulated)
    data["months_depreciated"] = months
    return json.dumps(data, ensure_ascii=False)


def test_snapshot_json_is_the_dumped_dict() -> None:
    text = _CardText()
    unit = SimpleNamespace(id=7, text='中心小学 "一校"')
    person = SimpleNamespace(id=9, text="张三\\李四")
    samples = [
        {
            "asset_no": "SCH01-2026-000001",
            "name": "笔记本电脑",
            "category": SimpleNamespace(id=3, text="A02010108 便携式计算机"),
            "model_spec": 'ThinkPad "E14"\n2',
            "quantity": 1,
            "acquired_on": dt.date(2024, 3, 15),
            "booked_on": dt.date(2024, 3, 15),
            "fiscal_amount_fen": 699900,
            "non_fiscal_amount_fen": 0,
            "useful_life_months": None,
            "is_nominal_value": False,
            "owner_unit": unit,
            "user_unit": unit,
            "department": None,
            "custodian": person,
            "disposal_income_fen": -5,
            "note": "😀\t",
        },
        {"asset_no": "X", "name": "桌", "is_nominal_value": True, "quantity": 12, "owner_unit": unit},
    ]
    for fields in samples:
        for original, accumulated, months in ((0, 0, 0), (123456, 7, 24), (-1, 100, 1)):
            got = text.snapshot_json(fields, original, accumulated, months)
            assert got == reference_json(fields, original, accumulated, months)


def test_search_text_and_keys() -> None:
    text = _CardText()
    for parts in (
        ("笔记本电脑", "SCH01-2026-000001", "ThinkPad E14", "联想"),
        ("桌", "", "", ""),
        ("HP激光打印机", "A-1", '柜"A"{1,2}', "back\\slash"),
        ("笔记本电脑", "SCH01-2026-000002", "ThinkPad E14", "联想"),  # remembered parts
    ):
        search, keys = text.search_text_and_keys(*parts)
        assert search == build_search_text(*parts) == text.search_text(*parts)
        assert _elements(keys) == sorted(search_grams(search))
        assert _elements(pg_text_array(search_grams(search))) == sorted(search_grams(search))


def _elements(literal: str) -> list[str]:
    """The items of a text[] literal of quoted elements (as pg_text_array writes them)."""
    found = re.findall(r'"((?:[^"\\]|\\.)*)"', literal)
    return sorted(re.sub(r"\\(.)", r"\1", item) for item in found)
