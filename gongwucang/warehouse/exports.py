"""The warehouse's lists as Excel (导出 Excel): the catalogue (公物仓目录) and the keeper's stock
(库存清单), one row per pool item; a unit's virtual listings (本单位挂牌物品) with the orders that
asked for them; and the loans under way (借用台账, one row per lent item).
The views pass the querysets their pages list, so an export holds exactly what the screen shows,
in the same order and scope; rows are read in chunks and streamed by spreadsheets.export. Labels
are written in Chinese whatever the user's language, like the headers (what a unit files and
prints is Chinese).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.db.models import QuerySet

from gongwucang.assets.domain.choices import Condition
from gongwucang.spreadsheets.export import Column, chinese_labels
from gongwucang.workflow.domain.statuses import OrderStatus
from gongwucang.workflow.models import OrderLine

from .domain.choices import Availability, PoolItemStatus, availability
from .domain.loans import days_overdue
from .models import PoolItem
from .selectors import with_orders

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

LISTED_COLUMNS = [
    Column("仓库", "text", 18),
    Column("资产编号", "text", 20),
    Column("资产名称", "text", 20),
    Column("资产分类", "text", 16),
    Column("规格型号", "text", 16),
    Column("存放地点", "text", 16),
    Column("挂牌时间", "datetime"),
    Column("原值", "money_fen"),
    Column("累计折旧", "money_fen"),
    Column("净值", "money_fen"),
    Column("在库状态", "text", 10),
    Column("申领 / 借用单据", "text", 40),
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


def listed_rows(items: QuerySet[PoolItem]) -> Iterator[list[Any]]:
    """One row per listed item (warehouse.selectors.listed_items), as the page shows it: where it
    stands, and each allocation or loan that asked for it (number, unit, status; with_orders, one
    query per chunk of items)."""
    statuses, order_statuses = chinese_labels(PoolItemStatus), chinese_labels(OrderStatus)
    rows = items.iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        yield from _listed_chunk(chunk, statuses, order_statuses)


def _listed_chunk(
    items: list[PoolItem], statuses: dict[str, str], order_statuses: dict[str, str]
) -> Iterator[list[Any]]:
    for item in with_orders(items):
        asset, book = item.asset, item.asset.book
        orders = "；".join(
            f"{order.order_no} {order.applicant_unit.name} {order_statuses.get(order.status, order.status)}"
            for order in item.orders  # type: ignore[attr-defined]
        )
        yield [
            item.warehouse.name,
            asset.asset_no,
            asset.name,
            asset.category.name,
            asset.model_spec,
            item.home_location,
            item.listed_at,
            book.original_value_fen,
            book.accumulated_depreciation_fen,
            book.net_value_fen,
            statuses.get(item.status, item.status),
            orders,
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
