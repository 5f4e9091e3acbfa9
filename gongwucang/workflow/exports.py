"""The order list as Excel (单据清单): the view passes the queryset the list shows (same
filters, scope and order), read here in chunks and streamed by spreadsheets.export. Types and
statuses are written in Chinese whatever the user's language, like the headers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from gongwucang.spreadsheets.export import Column, chinese_labels

from .domain.statuses import OrderStatus, OrderType
from .models import Order

CHUNK = 2000

ORDER_COLUMNS = [
    Column("单据编号", "text", 16),
    Column("单据类型", "text", 10),
    Column("事由", "text", 28),
    Column("申请单位", "text", 22),
    Column("申请人", "text", 10),
    Column("办理单位", "text", 22),
    Column("原值合计", "money_fen"),
    Column("状态", "text", 10),
    Column("创建时间", "datetime"),
    Column("提交时间", "datetime"),
    Column("办结时间", "datetime"),
]


def order_rows(orders: QuerySet[Order]) -> Iterator[list[Any]]:
    """One row per order of `orders` (workflow.selectors.order_list)."""
    types, statuses = chinese_labels(OrderType), chinese_labels(OrderStatus)
    for order in orders.iterator(chunk_size=CHUNK):
        yield [
            order.order_no,
            types.get(order.order_type, order.order_type),
            order.title,
            order.applicant_unit.name,
            str(order.applicant),
            order.handling_unit.name if order.handling_unit else "",
            order.total_original_value_fen,
            statuses.get(order.status, order.status),
            order.created_at,
            order.submitted_at,
            order.closed_at,
        ]
