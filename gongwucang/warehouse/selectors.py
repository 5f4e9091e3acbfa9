"""Reads of the 公物仓: the catalogue (every unit of the region browses it — that is its purpose),
the keepers' stock, loans and the overdue list, warehouses and bins.

The catalogue shows pool items, not asset cards: a unit sees what is on offer and requests it
without gaining access to the giving unit's card (which stays a 404 for them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from gongwucang.assets.domain.choices import AssetStatus
from gongwucang.assets.domain.search_keys import normalise_query
from gongwucang.assets.models import AssetAttachment, AssetEvent
from gongwucang.assets.selectors import category_with_descendants
from gongwucang.core.memo import memo_on
from gongwucang.org.domain.roles import Role
from gongwucang.org.models import Unit, User
from gongwucang.org.scoping import scope_for
from gongwucang.workflow.domain.statuses import OrderStatus, OrderType
from gongwucang.workflow.models import Order, OrderAttachment, OrderLine
from gongwucang.workflow.services import units_with_role, visible_order_q

from .domain.choices import ACTIVE_POOL_STATUSES, PoolItemStatus, WarehouseKind
from .models import LoanOrder, PoolItem, StorageBin, Warehouse


def idle_since(asset_ids: Sequence[int]) -> dict[int, dt.date]:
    """When each card last became idle, from its ledger: the latest event that set a status
    (registration, import, status change, edit) — if that status is idle, its local date."""
    found: dict[int, dt.date] = {}
    seen: set[int] = set()
    events = (
        AssetEvent.objects.filter(asset_id__in=sorted(set(asset_ids)), after__has_key="status")
        .order_by("asset_id", "-occurred_at", "-id")
        .values_list("asset_id", "after", "occurred_at")
    )
    for asset_id, after, occurred_at in events:
        if asset_id in seen:
            continue
        seen.add(asset_id)
        if after.get("status") == AssetStatus.IDLE:
            found[asset_id] = timezone.localdate(occurred_at)
    return found


def region_ids(actor: User) -> frozenset[int]:
    """The regions where the user holds any role (the catalogues they may browse). Read once per
    request and kept on the user (core.memo, like the scope it derives from): the catalogue asks
    three times — its filter form's categories and warehouses, and its items."""

    def read() -> frozenset[int]:
        unit_ids = {unit_id for unit_id, _role in scope_for(actor).roles}
        units = Unit.objects.filter(pk__in=unit_ids).values_list("region_id", flat=True)
        return frozenset(units) | frozenset(scope_for(actor).read_region_ids)

    return memo_on(actor, "pool_region_ids", read)


def warehouses(*, actor: User) -> QuerySet[Warehouse]:
    return (
        Warehouse.objects.filter(region_id__in=region_ids(actor), is_active=True)
        .select_related("operating_unit")
        .order_by("code")
    )


def listed_items(*, actor: User) -> QuerySet[PoolItem]:
    """The user's units' cards listed in a virtual warehouse (in stock, lent, allocated or
    withdrawn), newest listing first: what the unit offers and where it went."""
    units = scope_for(actor).read_unit_ids
    if not units:
        return PoolItem.objects.none()
    return (
        PoolItem.objects.filter(warehouse__kind=WarehouseKind.VIRTUAL, source_unit_id__in=sorted(units))
        .select_related("asset", "asset__book", "asset__category", "warehouse", "source_unit")
        .order_by("-listed_at", "-id")
    )


def with_orders(items: list[PoolItem]) -> list[PoolItem]:
    """Attach `orders` to each listed item: the allocations and loans (not drafts) that asked for
    it while it was listed (handlers.listed_by_q says the same for visibility)."""
    lines = (
        OrderLine.objects.filter(
            asset_id__in={item.asset_id for item in items},
            order__order_type__in=[OrderType.ALLOCATION, OrderType.LOAN],
        )
        .exclude(order__status=OrderStatus.DRAFT)
        .select_related("order", "order__applicant_unit")
        .order_by("order__created_at", "order_id")
    )
    by_asset: dict[int, list[Order]] = {}
    for line in lines:
        by_asset.setdefault(line.asset_id, []).append(line.order)
    for item in items:
        item.orders = [  # type: ignore[attr-defined]
            order
            for order in by_asset.get(item.asset_id, [])
            if item.listed_at <= order.updated_at
            and (item.closed_at is None or item.closed_at >= order.created_at)
        ]
    return items


def kept_warehouses(*, actor: User) -> QuerySet[Warehouse]:
    """The warehouses the user keeps (Role.KEEPER in the operating unit)."""
    return Warehouse.objects.filter(operating_unit_id__in=units_with_role(actor, Role.KEEPER)).order_by(
        "code"
    )


def bins_of(warehouse: Warehouse) -> QuerySet[StorageBin]:
    return warehouse.bins.filter(is_active=True).order_by("code")


@dataclass
class CatalogueFilters:
    query: str = ""
    category_id: int | None = None
    condition: str = ""
    warehouse_id: int | None = None
    kind: str = ""
    location: str = ""
    available_only: bool = False


def _open_line(asset_ref: str = "asset_id") -> Exists:
    return Exists(OrderLine.objects.filter(asset_id=OuterRef(asset_ref), is_open=True))


def pool_items(*, actor: User) -> QuerySet[PoolItem]:
    """Active pool items of the user's region(s), each with `is_held` (on an open order)."""
    return PoolItem.objects.filter(
        status__in=ACTIVE_POOL_STATUSES, warehouse__region_id__in=region_ids(actor)
    ).annotate(is_held=_open_line())


def catalogue(*, actor: User, filters: CatalogueFilters) -> QuerySet[PoolItem]:
    """What the pool offers, both kinds, newest first. Search matches the card's name, number,
    model, brand and pinyin initials (the card's search text) as substrings, term by term; the
    pool is small next to the register, so no index is needed here."""
    qs = pool_items(actor=actor)
    if filters.category_id:
        qs = qs.filter(asset__category_id__in=category_with_descendants(filters.category_id))
    if filters.condition:
        qs = qs.filter(asset__condition=filters.condition)
    if filters.warehouse_id:
        qs = qs.filter(warehouse_id=filters.warehouse_id)
    if filters.kind:
        qs = qs.filter(warehouse__kind=filters.kind)
    if filters.location:
        qs = qs.filter(
            Q(asset__location__icontains=filters.location)
            | Q(bin__code__icontains=filters.location)
            | Q(bin__name__icontains=filters.location)
        )
    for term in normalise_query(filters.query).split():
        qs = qs.filter(asset__search_text__contains=term)
    if filters.available_only:
        qs = qs.filter(status=PoolItemStatus.IN_STOCK, is_held=False)  # type: ignore[misc]  # annotation
    return qs.select_related(
        "asset", "asset__category", "asset__book", "asset__owner_unit", "warehouse", "bin", "source_unit"
    ).order_by("-listed_at", "-id")


def with_photos(items: list[PoolItem]) -> list[PoolItem]:
    """Attach `photos` (order photos taken at receipt, then the card's own photos) to each item."""
    line_ids = [i.intake_line_id for i in items if i.intake_line_id]
    asset_ids = [i.asset_id for i in items]
    by_line: dict[int, list] = {}
    for order_photo in OrderAttachment.objects.filter(
        line_id__in=line_ids, content_type__startswith="image/"
    ).order_by("id"):
        by_line.setdefault(order_photo.line_id or 0, []).append(("order", order_photo))
    by_asset: dict[int, list] = {}
    for card_photo in AssetAttachment.objects.filter(asset_id__in=asset_ids, kind="photo").order_by("id"):
        by_asset.setdefault(card_photo.asset_id, []).append(("asset", card_photo))
    for item in items:
        item.photos = by_line.get(item.intake_line_id or 0, []) + by_asset.get(item.asset_id, [])  # type: ignore[attr-defined]
    return items


def pool_item_get(*, actor: User, pk: int) -> PoolItem | None:
    """One catalogue item (active or not) of the user's region, with its open order if any."""
    return (
        PoolItem.objects.filter(pk=pk, warehouse__region_id__in=region_ids(actor))
        .annotate(is_held=_open_line())
        .select_related(
            "asset__category",
            "asset__book",
            "asset__owner_unit",
            "warehouse",
            "bin",
            "source_unit",
            "intake_line__order",
        )
        .first()
    )


def stock(*, actor: User, warehouse_id: int | None = None) -> QuerySet[PoolItem]:
    """The keeper's stock: active items of the warehouses they keep."""
    qs = PoolItem.objects.filter(status__in=ACTIVE_POOL_STATUSES, warehouse__in=kept_warehouses(actor=actor))
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    return (
        qs.annotate(is_held=_open_line())
        .select_related("asset__category", "asset__book", "warehouse", "bin", "source_unit")
        .order_by("warehouse_id", "bin__code", "id")
    )


def loans(*, actor: User) -> QuerySet[LoanOrder]:
    """Loans under way (lent out) the user may see, soonest due first."""
    return (
        LoanOrder.objects.filter(order__in=_visible_orders(actor), order__status=OrderStatus.EXECUTING)
        .select_related("order", "order__applicant_unit", "warehouse")
        .order_by("due_on", "pk")
    )


def overdue_loans(*, actor: User, today: dt.date) -> QuerySet[LoanOrder]:
    """借用逾期: lent out and past the due date."""
    return loans(actor=actor).filter(due_on__lt=today)


def loan_lines(loans: QuerySet[LoanOrder]) -> QuerySet[OrderLine]:
    """The lent items of `loans` (loans or overdue_loans above), in the loans' order (借用台账)."""
    return (
        OrderLine.objects.filter(order_id__in=loans.values("order_id"))
        .select_related("order__applicant_unit", "order__loan__warehouse", "asset")
        .order_by("order__loan__due_on", "order_id", "id")
    )


def _visible_orders(actor: User):  # type: ignore[no-untyped-def]
    from gongwucang.workflow.models import Order

    return Order.objects.filter(visible_order_q(actor)).values("pk")


def open_order_line(asset_id: int) -> OrderLine | None:
    return OrderLine.objects.filter(asset_id=asset_id, is_open=True).select_related("order").first()


def category_choices_in_pool(*, actor: User) -> list:
    """Categories that have items in the pool (for the catalogue's filter)."""
    from gongwucang.assets.models import Category

    ids = pool_items(actor=actor).values_list("asset__category_id", flat=True).distinct()
    return list(Category.objects.filter(pk__in=ids).order_by("code"))
