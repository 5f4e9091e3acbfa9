"""The warehouse's contributions to the shared screens: menu, the card page (its pool listing and
open order; "申请入仓"), and the asset list's bulk action "申请入仓"."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongwucang.assets.domain.choices import AssetStatus
from gongwucang.core.contributions import CardAction, ListAction, MenuItem
from gongwucang.core.memo import memo_on
from gongwucang.org.domain.roles import Role
from gongwucang.org.scoping import scope_for
from gongwucang.workflow.models import Order, OrderLine
from gongwucang.workflow.services import units_with_role, visible_order_q

from .domain.choices import ACTIVE_POOL_STATUSES
from .models import PoolItem

CLERK, KEEPER = frozenset({Role.ASSET_CLERK}), frozenset({Role.KEEPER})
UNIT_PEOPLE = frozenset({Role.ASSET_CLERK, Role.UNIT_HEAD})

MENU = [
    MenuItem("warehouse", _("公物仓目录"), "warehouse:catalogue", order=10),
    MenuItem("warehouse", _("申领篮"), "warehouse:basket", roles=CLERK, order=20),
    MenuItem("warehouse", _("申请入仓"), "warehouse:intake_create", roles=CLERK, order=30),
    MenuItem("warehouse", _("按分类申领"), "warehouse:allocation_create", roles=CLERK, order=40),
    MenuItem("warehouse", _("本单位挂牌物品"), "warehouse:listed", roles=UNIT_PEOPLE, order=45),
    MenuItem("warehouse", _("库存管理"), "warehouse:stock", roles=KEEPER, order=50),
    MenuItem("warehouse", _("借用管理"), "warehouse:loans", order=60),
    MenuItem("warehouse", _("仓库与库位"), "warehouse:warehouses", order=70),
]


def _card_lines(asset) -> list[OrderLine]:  # type: ignore[no-untyped-def]
    """Every order line of the card (a card passes through a handful of orders), read once per card
    page: its actions and its panel both ask, with the same asset object, which lives for one
    request."""
    return memo_on(
        asset, "warehouse_lines", lambda: list(OrderLine.objects.filter(asset=asset).select_related("order"))
    )


def _open_line(asset) -> OrderLine | None:  # type: ignore[no-untyped-def]
    """The order line holding the card now (at most one: a partial unique index)."""
    return next((line for line in _card_lines(asset) if line.is_open), None)


def card_actions(request, asset) -> list[CardAction]:  # type: ignore[no-untyped-def]
    """ "申请入仓" for a clerk of the owning unit, when the card may go into the pool now."""
    if asset.status not in (AssetStatus.IDLE, AssetStatus.IN_USE):
        return []
    if asset.owner_unit_id not in units_with_role(request.user, Role.ASSET_CLERK):
        return []
    if _open_line(asset) is not None:
        return []
    return [
        CardAction(
            str(_("申请入仓")), f"{reverse('warehouse:intake_create')}?asset={asset.pk}", "outline-primary"
        )
    ]


def card_panels(request, asset) -> list[str]:  # type: ignore[no-untyped-def]
    """The card's place in the pool and the order that holds it, if any."""
    item = (
        PoolItem.objects.filter(asset=asset, status__in=ACTIVE_POOL_STATUSES)
        .select_related("warehouse", "bin", "source_unit")
        .first()
    )
    line = _open_line(asset)
    # Most cards were never in an order: their lines say so, and the visibility rule (a large
    # statement to compile and plan) runs only over the few orders that hold the card.
    order_ids = {card_line.order_id for card_line in _card_lines(asset)}
    visible = (
        list(Order.objects.filter(visible_order_q(request.user), pk__in=order_ids).order_by("-created_at"))
        if order_ids
        else []
    )
    history = visible[:10]
    order = line.order if line is not None and any(o.pk == line.order_id for o in visible) else None
    if item is None and line is None and not history:
        return []
    return [
        render_to_string(
            "warehouse/_card_panel.html",
            {
                "item": item,
                "open_line": line,
                "open_order": order,
                "orders": history,
                "request": request,
            },
        )
    ]


def list_actions(request) -> list[ListAction]:  # type: ignore[no-untyped-def]
    if not scope_for(request.user).write_unit_ids or not units_with_role(request.user, Role.ASSET_CLERK):
        return []
    return [ListAction(str(_("申请入仓")), reverse("warehouse:intake_create"), "outline-primary")]
