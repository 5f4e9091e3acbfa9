"""Reading one cell of a ledger: text, integers, money, dates, coded values, yes/no. Pure Python.

Each parser takes the raw value (as calamine gives it — str, int, float, bool, date, datetime — or
as CSV gives it — always str) and returns the typed value or raises CellProblem with the reason
in Chinese. Callers add the row, the column and the value to make the message complete.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from ..export import unescape_formula


class CellProblem(ValueError):
    """Why a cell's value cannot be used, in Chinese (without row or column: the caller adds them)."""


EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
MAX_EXCEL_SERIAL = 2958465  # 9999-12-31
MIN_DATE = dt.date(1900, 1, 1)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value: Any) -> str:
    """The value as the user typed it, for messages (dates as yyyy-mm-dd, 1.0 as 1)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if (value.hour or value.minute or value.second)
            else (value.strftime("%Y-%m-%d"))
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse_text(value: Any, max_length: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a number typed into a text column (型号 2024) comes back as 2024.0
    elif isinstance(value, dt.datetime | dt.date):
        text = display(value)
    else:
        text = str(value)
    if text and text[0] == "'":
        text = unescape_formula(text)
    if max_length is not None and len(text) > max_length:
        raise CellProblem(f"长度为 {len(text)} 个字符，超过上限 {max_length} 个字符")
    if not text.isprintable() and _CONTROL.search(text):
        raise CellProblem("含有不可见的控制字符，请删除后再导入")
    return text


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e\x0f]")


_INT_TEXT = re.compile(r"^[+]?\d{1,9}(?:\.0+)?$")


def parse_int(value: Any) -> int:
    if value.__class__ is str and value.isdigit() and value.isascii() and len(value) <= 9:
        return int(value)
    if isinstance(value, bool):
        raise CellProblem("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise CellProblem("应为整数，不能有小数")
        return int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    for suffix in ("个月", "月", "台", "件", "个"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
            break
    if not _INT_TEXT.match(text):
        raise CellProblem("应为整数")
    return int(float(text)) if "." in text else int(text)


_PLAIN_MONEY = re.compile(r"(\d{1,15})(?:\.(\d{1,2}))?")
_MONEY_STRIP = str.maketrans({",": None, "，": None, " ": None, "\u00a0": None, "¥": None, "￥": None})


def parse_money_fen(value: Any) -> int:
    """An amount in yuan → integer fen. Accepts 1,234.50 / ¥1234.5 / 1234.50元; refuses more than 2
    decimals (no silent rounding) and negative amounts."""
    cls = value.__class__
    if cls is str or cls is float:
        # The common case first: plain digits with at most two decimals (1234.5, "6999.00").
        plain = _PLAIN_MONEY.fullmatch(value if cls is str else repr(value))
        if plain is not None:
            whole, part = plain.groups()
            return int(whole) * 100 + (int(part) * (10 if len(part) == 1 else 1) if part else 0)
    if isinstance(value, bool):
        raise CellProblem("不是有效的金额")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellProblem("不是有效的金额")
        amount = Decimal(repr(value))
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().translate(_MONEY_STRIP)
        if text.endswith("元"):
            text = text[:-1]
        if text.startswith("人民币"):
            text = text[3:]
        if not text or not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise CellProblem("不是有效的金额（应为数字，如 5999.00 或 5,999.00元）")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise CellProblem("不是有效的金额") from exc
    if amount < 0:
        raise CellProblem("金额不能为负数")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise CellProblem("金额最多两位小数（到分）")
    if fen > 10**17:
        raise CellProblem("金额过大")
    return int(fen)


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_DATE_HINT = "不是有效的日期（可写作 2024-03-15、2024/3/15、2024年3月15日 或 20240315）"


def parse_date(value: Any, *, date1904: bool = False) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellProblem(_DATE_HINT)
    if isinstance(value, int | float):
        return _from_serial(float(value), date1904)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups()[:3])
            try:
                result = dt.date(year, month, day)
            except ValueError as exc:
                raise CellProblem(f"日期不存在（{year} 年 {month} 月没有 {day} 日）") from exc
            if result < MIN_DATE:
                raise CellProblem("日期早于 1900 年，请检查")
            return result
    if re.fullmatch(r"\d{4,7}(\.\d+)?", text):  # an Excel serial number pasted as text
        return _from_serial(float(text), date1904)
    raise CellProblem(_DATE_HINT)


def _from_serial(serial: float, date1904: bool) -> dt.date:
    if not 1 <= serial <= MAX_EXCEL_SERIAL:
        raise CellProblem(_DATE_HINT)
    base = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH
    result = base + dt.timedelta(days=int(serial))
    if result < MIN_DATE:
        raise CellProblem("日期早于 1900 年，请检查")
    return result


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_FALSE = {"否", "n", "no", "false", "0", "", "无", "×"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise CellProblem("应填“是”或“否”")
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem("应填“是”或“否”")


def normalise_name(value: Any) -> str:
    """How names of units, departments and people are compared: NFKC, no spaces."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub("", text) if not text.isalnum() else text


_SPACES = re.compile(r"\s+")
