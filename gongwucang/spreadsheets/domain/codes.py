"""The coded columns (取得方式, 资产状态, …): which words a file may use for each value.

A cell may hold the Chinese label (购置), the stored value (purchase) or a common synonym used by
units' own ledgers (正常使用 → 在用). Labels come from assets.domain.choices, read in Chinese.
"""

from __future__ import annotations

from functools import cache

from django.utils import translation

from gongwucang.assets.domain.choices import (
    AcquisitionMethod,
    AssetStatus,
    Condition,
    DepreciationMethod,
    DepreciationStatus,
    FundingSource,
    Usage,
)

from .cells import CellProblem, normalise_name

CHOICES = {
    "acquisition_method": AcquisitionMethod,
    "funding_source": FundingSource,
    "depreciation_status": DepreciationStatus,
    "depreciation_method": DepreciationMethod,
    "usage": Usage,
    "status": AssetStatus,
    "condition": Condition,
}

SYNONYMS: dict[str, dict[str, str]] = {
    "acquisition_method": {
        "新购": "purchase",
        "采购": "purchase",
        "购入": "purchase",
        "调拨": "transfer_in",
        "无偿调入": "transfer_in",
        "捐赠": "donation",
        "受赠": "donation",
        "自行建造": "self_built",
    },
    "funding_source": {
        "财政": "fiscal",
        "财政性资金": "fiscal",
        "财政资金": "fiscal",
        "非财政性资金": "non_fiscal",
        "自有资金": "non_fiscal",
        "其他资金": "non_fiscal",
        "混合": "mixed",
    },
    "depreciation_status": {
        "提折旧": "depreciated",
        "是": "depreciated",
        "计提折旧": "depreciated",
        "不提折旧": "not_depreciated",
        "否": "not_depreciated",
        "不计提折旧": "not_depreciated",
    },
    "depreciation_method": {"平均年限法": "straight_line", "直线法": "straight_line"},
    "usage": {"自用资产": "own_use"},
    "status": {
        "正常使用": "in_use",
        "使用中": "in_use",
        "正常": "in_use",
        "维修": "under_repair",
        "待报废": "pending_disposal",
    },
    "condition": {
        "良好": "good",
        "较好": "good",
        "正常": "good",
        "需维修": "needs_repair",
        "损坏": "needs_repair",
    },
}


@cache
def code_table(name: str) -> dict[str, str]:
    """word (normalised) → stored value, for one coded list."""
    choices = CHOICES[name]
    table: dict[str, str] = {}
    with translation.override("zh-hans"):
        for value, label in choices.choices:
            table[normalise_name(str(label)).lower()] = value
            table[normalise_name(value).lower()] = value
    for word, value in SYNONYMS.get(name, {}).items():
        table.setdefault(normalise_name(word).lower(), value)
    return table


@cache
def labels(name: str) -> list[str]:
    """The Chinese labels of a coded list, in order (template drop-downs, error hints)."""
    with translation.override("zh-hans"):
        return [str(label) for _, label in CHOICES[name].choices]


def parse_code(name: str, value: object) -> str:
    key = normalise_name(value).lower()
    found = code_table(name).get(key)
    if found is None:
        raise CellProblem(f"不是可选的值，应为：{'、'.join(labels(name))}")
    return found


def label_of(name: str, value: str) -> str:
    with translation.override("zh-hans"):
        return str(CHOICES[name](value).label)
