"""What each order type adds to the generic engine. The warehouse app registers its handlers in
its AppConfig.ready(); the engine calls them at fixed points of an order's life.

A handler says who *receives* the goods (they may not approve: DOMAIN.md §2), which facts route
the order, which orders wait for someone's work (dispatch, receipt, signature), what happens to
the cards when the order is submitted, released or approved, and what its order page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from .domain.routing import OrderFacts

if TYPE_CHECKING:
    from gongwucang.org.models import User

    from .models import Order


class OrderTypeHandler:
    order_type: str = ""
    # Who receives the goods: ("handling_unit" | "applicant_unit", role). They may not approve.
    receiver: tuple[str, str] = ("applicant_unit", "asset_clerk")
    # An order of this type may be submitted without lines (category requests, extensions).
    lines_optional: bool = False
    detail_template: str = ""
    print_template: str = ""

    def facts(self, order: Order) -> OrderFacts:
        lines = list(order.lines.select_related("asset__category"))
        return OrderFacts(
            total_fen=sum(line.original_value_fen for line in lines),
            category_codes=frozenset(line.asset.category.code for line in lines),
        )

    def validate_submit(self, order: Order, actor: User) -> None:
        """Check the order may be submitted (cards locked by the engine). Raise ValidationError."""

    def on_submit(self, order: Order, actor: User, line_ids: Sequence[int]) -> None:
        """The order now holds these lines' cards: write their ledger events."""

    def on_release(self, order: Order, actor: User | None, action: str, line_ids: Sequence[int]) -> None:
        """The order let go of these lines (rejected, cancelled): restore and record the cards."""

    def on_approved(self, order: Order, actor: User) -> None:
        """The last step approved (e.g. an extension takes effect)."""

    def work_q(self, *, keeper_unit_ids: set[int], clerk_unit_ids: set[int]) -> Q | None:
        """Orders of this type waiting for work by someone holding these roles (not approvals)."""
        return None

    def work_label(self, order: Order) -> str:
        return ""

    def onlooker_q(self, *, read_unit_ids: set[int]) -> Q | None:
        """Orders of this type that people of these units may read although they neither filed
        nor handle them (e.g. the unit whose virtually listed card the order hands out). They only
        look: no approval, no work, no remark, no upload."""
        return None

    def detail_context(self, order: Order, user: User) -> dict[str, Any]:
        return {}

    def actions(self, order: Order, user: User) -> list[dict[str, str]]:
        """Buttons (label, url, style) for the work this user may do on the order now."""
        return []

    def edit_url(self, order: Order) -> str:
        return ""


_HANDLERS: dict[str, OrderTypeHandler] = {}


def register(handler: OrderTypeHandler) -> None:
    _HANDLERS[handler.order_type] = handler


def handler_for(order_type: str) -> OrderTypeHandler:
    try:
        return _HANDLERS[order_type]
    except KeyError:
        return OrderTypeHandler()


def all_handlers() -> list[OrderTypeHandler]:
    return list(_HANDLERS.values())
