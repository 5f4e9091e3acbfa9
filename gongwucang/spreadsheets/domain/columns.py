"""The columns of an asset ledger file: the national system's Chinese headers, the glossary's
English names, what kind of value each holds. Pure data, shared by import, template and export.

A file is matched to these columns by its header row: each header is normalised (spaces, full-width
brackets, a leading or trailing * for "required", a "(元)" unit suffix removed) and looked up among
the Chinese header, its aliases and the English identifier.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "text", "int", "money", "date", "code", "unit", "department", "person", "bool", "category", "derived"
]


@dataclass(frozen=True)
class LedgerColumn:
    """One column of the ledger. `key` is the glossary's English name (and the card field)."""

    key: str
    header: str
    kind: Kind = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    choices: str | None = None  # name of the coded list in domain.codes (kind "code")
    width: float = 14
    note: str = ""  # what the template's comment says about it
    example: object = field(default=None)


# In the order of the national system's card export (DOMAIN.md §8).
LEDGER_COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn(
        "asset_no",
        "资产编号",
        aliases=("资产代码", "卡片编号", "资产卡片编号"),
        max_length=40,
        width=20,
        note="已有编号的卡片按编号更新；留空则按本单位规则自动编号",
        example="QSDZ-2024-000101",
    ),
    LedgerColumn("name", "资产名称", required=True, max_length=200, width=18, example="笔记本电脑"),
    LedgerColumn(
        "category_code",
        "资产分类代码",
        "category",
        required=True,
        aliases=("分类代码", "资产分类编码", "资产类别代码", "国标分类代码"),
        width=14,
        note="GB/T 14885-2022 分类代码，如 A02010108",
        example="A02010108",
    ),
    LedgerColumn(
        "category_name",
        "资产分类名称",
        "derived",
        aliases=("分类名称", "资产分类", "资产类别"),
        width=14,
        note="仅供阅读，以分类代码为准",
        example="便携式计算机",
    ),
    LedgerColumn(
        "model_spec",
        "规格型号",
        aliases=("规格", "型号", "规格型号(参数)"),
        max_length=200,
        example="ThinkPad X1",
    ),
    LedgerColumn("brand", "品牌", max_length=100, example="联想"),
    LedgerColumn("measure_unit", "计量单位", max_length=10, width=10, example="台"),
    LedgerColumn("quantity", "数量", "int", aliases=("数量(面积)",), width=8, example=1),
    LedgerColumn(
        "acquisition_method", "取得方式", "code", choices="acquisition_method", width=10, example="购置"
    ),
    LedgerColumn(
        "acquired_on",
        "取得日期",
        "date",
        required=True,
        aliases=("购置日期", "取得时间"),
        width=12,
        example="2024-03-15",
    ),
    LedgerColumn(
        "booked_on",
        "入账日期",
        "date",
        aliases=("财务入账日期", "入账时间"),
        width=12,
        note="留空则同取得日期",
        example="2024-03-20",
    ),
    LedgerColumn(
        "funding_source",
        "经费来源",
        "code",
        choices="funding_source",
        aliases=("资金来源",),
        width=12,
        example="财政拨款",
    ),
    LedgerColumn(
        "fiscal_amount",
        "财政拨款金额",
        "money",
        aliases=("财政性资金", "财政拨款"),
        width=14,
        example="6999.00",
    ),
    LedgerColumn(
        "non_fiscal_amount",
        "非财政金额",
        "money",
        aliases=("非财政性资金", "非财政拨款"),
        width=14,
        example="0.00",
    ),
    LedgerColumn(
        "original_value",
        "原值",
        "money",
        required=True,
        aliases=("价值", "账面原值", "资产原值", "原值(价值)", "账面价值"),
        width=14,
        example="6999.00",
    ),
    LedgerColumn(
        "accumulated_depreciation",
        "累计折旧",
        "money",
        aliases=("累计折旧(摊销)", "累计摊销", "累计折旧额"),
        width=14,
        example="1166.50",
    ),
    LedgerColumn(
        "net_value",
        "净值",
        "derived",
        aliases=("账面净值", "资产净值"),
        width=14,
        note="仅供核对：应等于原值减累计折旧",
        example="5832.50",
    ),
    LedgerColumn(
        "useful_life_months",
        "折旧年限(月)",
        "int",
        aliases=("使用年限(月)", "折旧年限", "使用年限", "折旧期限(月)"),
        width=12,
        example=72,
    ),
    LedgerColumn(
        "months_depreciated",
        "已提折旧月数",
        "int",
        aliases=("已计提月数", "已折旧月数", "已提月数"),
        width=12,
        example=12,
    ),
    LedgerColumn(
        "depreciation_status",
        "折旧状态",
        "code",
        choices="depreciation_status",
        aliases=("折旧/摊销状态", "是否计提折旧"),
        width=10,
        example="计提",
    ),
    LedgerColumn(
        "depreciation_method",
        "折旧方法",
        "code",
        choices="depreciation_method",
        width=12,
        example="年限平均法",
    ),
    LedgerColumn(
        "owner_unit",
        "产权单位",
        "unit",
        aliases=("单位名称", "所属单位", "资产所属单位"),
        width=20,
        note="留空则为导入时选择的单位",
        example=None,
    ),
    LedgerColumn("user_unit", "使用单位", "unit", width=20, note="留空则同产权单位", example=None),
    LedgerColumn(
        "department", "使用部门", "department", aliases=("使用科室", "部门"), width=12, example=None
    ),
    LedgerColumn("custodian", "使用人", "person", aliases=("保管人", "责任人"), width=10, example=None),
    LedgerColumn(
        "location",
        "存放地点",
        aliases=("存放位置", "坐落位置", "坐落地点"),
        max_length=200,
        width=16,
        example="办公楼 301",
    ),
    LedgerColumn(
        "usage", "使用方向", "code", choices="usage", aliases=("使用状况",), width=10, example="自用"
    ),
    LedgerColumn("status", "资产状态", "code", choices="status", width=10, example="在用"),
    LedgerColumn(
        "condition",
        "资产状况",
        "code",
        choices="condition",
        aliases=("成色", "资产成色"),
        width=10,
        example="完好",
    ),
    LedgerColumn("note", "备注", max_length=2000, width=20, example=""),
    LedgerColumn("is_nominal_value", "名义金额", "bool", aliases=("是否名义金额",), width=10, example="否"),
    LedgerColumn("counterparty_name", "出租出借对方名称", max_length=100, width=16, example=""),
    LedgerColumn("counterparty_contact", "对方联系人", max_length=50, width=10, example=""),
    LedgerColumn("counterparty_phone", "对方电话", max_length=30, width=12, example=""),
)

COLUMNS_BY_KEY: dict[str, LedgerColumn] = {c.key: c for c in LEDGER_COLUMNS}

_UNIT_SUFFIX = re.compile(r"[(（]\s*(元|人民币元|万元|月|个月)\s*[)）]$")


def normalise_header(text: object) -> str:
    """A header as it is compared: NFKC (full-width → half-width), no spaces, no * marks, no "(元)"."""
    s = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    s = re.sub(r"\s+", "", s).strip("*")
    s = s.replace("（", "(").replace("）", ")")
    if _UNIT_SUFFIX.search(s) and not s.endswith("(月)"):
        s = _UNIT_SUFFIX.sub("", s)
    return s.lower()


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for column in LEDGER_COLUMNS:
        for name in (column.header, *column.aliases, column.key):
            table[normalise_header(name)] = column.key
    # "(月)" is part of a few headers; accept them without it as well ("折旧年限").
    return table


HEADER_LOOKUP: dict[str, str] = _lookup()


def match_header(text: object) -> str | None:
    """The column key a header names, or None if it names none of ours."""
    key = normalise_header(text)
    if not key:
        return None
    found = HEADER_LOOKUP.get(key)
    if found is None and key.endswith(("(月)", "(元)")):
        found = HEADER_LOOKUP.get(key[:-3])
    return found
