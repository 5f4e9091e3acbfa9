"""The warehouse's lists as Excel (导出 Excel): the catalogue (公物仓目录) and the keeper's stock
(库存清单), one row per pool item, and the loans under way (借用台账, one row per lent item).
The views pass the querysets their pages list, so an export holds exactly what the screen shows,
in the same order and scope; rows are read in chunks and streamed by spreadsheets.export. Labels
are written in Chinese whatever the user's language, like the headers (what a unit files and
prints is Chinese).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from gongwucang.assets.domain.choices import Condition
from gongwucang.spreadsheets.export import Column, chinese_labels
from gongwucang.workflow.models import OrderLine

from .domain.choices import Availability, availability
from .domain.loans import days_overdue
from .models import PoolItem

CHUNK = 2000

POOL_ITEM_COLUMNS = [
    Column("仓库", "text", 18),
    Column("库位或存放地点", "text", 16),
    Column("资产编号", "text", 20),
    Column("资产名称", "text", 20),
    Column("资产分类", "text", 16),
    Column("规格型号", "text", 16),
    Column("移交单位", "text", 22),
    Column("资产状况", "text", 8),
    Column("原值", "money_fen"),
    Column("累计折旧", "money_fen"),
    Column("净值", "money_fen"),
    Column("入仓时间", "datetime"),
    Column("在库状态", "text", 10),
]

LOAN_COLUMNS = [
    Column("借用单号", "text", 16),
    Column("借用单位", "text", 22),
    Column("借用用途", "text", 20),
    Column("仓库", "text", 18),
    Column("资产编号", "text", 20),
    Column("资产名称", "text", 20),
    Column("原值", "money_fen"),
    Column("借出时间", "datetime"),
    Column("归还日期", "date"),
    Column("逾期天数", "int"),
]


def pool_item_rows(items: QuerySet[PoolItem]) -> Iterator[list[Any]]:
    """One row per pool item (warehouse.selectors.catalogue or stock: annotated with is_held).
    Where it is: the bin in a physical warehouse, the owner's place for a virtual one."""
    conditions, states = chinese_labels(Condition), chinese_labels(Availability)
    for item in items.iterator(chunk_size=CHUNK):
        asset = item.asset
        book = asset.book
        state = states[availability(status=item.status, is_held=getattr(item, "is_held", False))]
        yield [
            item.warehouse.name,
            item.bin.code if item.bin else item.home_location,
            asset.asset_no,
            asset.name,
            asset.category.name,
            asset.model_spec,
            item.source_unit.name,
            conditions.get(asset.condition, asset.condition),
            book.original_value_fen,
            book.accumulated_depreciation_fen,
            book.net_value_fen,
            item.listed_at,
            state,
        ]


def loan_rows(lines: QuerySet[OrderLine], *, today: dt.date) -> Iterator[list[Any]]:
    """One row per lent item (warehouse.selectors.loan_lines): who has it, what for, since when,
    until when, how many days late."""
    for line in lines.iterator(chunk_size=CHUNK):
        order = line.order
        loan = order.loan
        yield [
            order.order_no,
            order.applicant_unit.name,
            loan.purpose,
            loan.warehouse.name,
            line.asset.asset_no,
            line.asset.name,
            line.original_value_fen,
            loan.lent_at,
            loan.due_on,
            days_overdue(today=today, due_on=loan.due_on),
        ]
