"""Writes of the 公物仓: warehouses and bins, intake, allocation, loans and their extensions.

Each function is one transaction. Orders move through workflow.services (the approval engine,
one history row per transition); cards change only through assets.services.asset_apply_change
(one ledger event per card, with the order number as reference). Lock order: the order row,
then the cards (books, then cards, by id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwucang.assets.domain.choices import AssetStatus, Condition, Usage
from gongwucang.assets.domain.events import EventType
from gongwucang.assets.models import Asset, Category
from gongwucang.assets.selectors import category_with_descendants
from gongwucang.assets.services import asset_apply_change
from gongwucang.core.dates import local_today
from gongwucang.org.domain.roles import Role
from gongwucang.org.models import Department, Region, Unit, User
from gongwucang.org.scoping import scope_for
from gongwucang.workflow import services as wf
from gongwucang.workflow.domain.statuses import Action, OrderStatus, OrderType
from gongwucang.workflow.exceptions import ActionNotAllowed
from gongwucang.workflow.models import LineOutcome, Order, OrderLine
from gongwucang.workflow.notifications import holders, notify

from .domain.choices import AllocationMode, IntakeSource, PoolItemStatus, WarehouseKind
from .domain.idle import idle_qualifies_on
from .domain.loans import Reminder, reminder_due
from .domain.savings import line_savings_fen, matching_standard_code
from .models import (
    AllocationOrder,
    IntakeOrder,
    LoanExtension,
    LoanOrder,
    PoolItem,
    ProvisioningStandard,
    StorageBin,
    Warehouse,
)

INTAKE_STATUSES = (AssetStatus.IDLE, AssetStatus.IN_USE)


class PoolItemNotFound(LookupError):
    """The pool item does not exist for this user (another region's): always a 404."""


def _region_ids(actor: User) -> frozenset[int]:
    from .selectors import region_ids

    return region_ids(actor)


# --- warehouses and bins -------------------------------------------------------------------


def _is_admin(actor: User, region_id: int) -> bool:
    if actor.is_superuser:
        return True
    return any(
        role == Role.ADMIN
        for unit_id, role in scope_for(actor).roles
        if Unit.objects.filter(pk=unit_id, region_id=region_id).exists()
    )


@transaction.atomic
def warehouse_create(
    *, actor: User, region: Region, code: str, name: str, kind: str, operating_unit: Unit, address: str = ""
) -> Warehouse:
    """Open a warehouse of the region, run by `operating_unit` (administrators only)."""
    if not _is_admin(actor, region.pk):
        raise ActionNotAllowed(_("只有系统管理员可以设立公物仓"))
    if operating_unit.region_id != region.pk:
        raise ValidationError({"operating_unit": _("运营单位必须属于同一区域")})
    warehouse = Warehouse(
        region=region,
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        operating_unit=operating_unit,
        address=address,
    )
    warehouse.full_clean()
    warehouse.save()
    return warehouse


@transaction.atomic
def storage_bin_create(*, actor: User, warehouse: Warehouse, code: str, name: str = "") -> StorageBin:
    """Add a bin to a physical warehouse (its keepers or an administrator)."""
    if not (
        wf.holds(actor, Role.KEEPER, warehouse.operating_unit_id) or _is_admin(actor, warehouse.region_id)
    ):
        raise ActionNotAllowed(_("只有本仓仓管员或系统管理员可以设置库位"))
    if warehouse.kind != WarehouseKind.PHYSICAL:
        raise ValidationError(_("虚拟仓没有库位"))
    storage_bin = StorageBin(warehouse=warehouse, code=code.strip(), name=name.strip())
    storage_bin.full_clean()
    storage_bin.save()
    return storage_bin


# --- shared checks -------------------------------------------------------------------------


def clerk_unit(actor: User, unit_id: int | None = None) -> Unit:
    """The unit the clerk files for: the one given, or their only clerk unit."""
    units = sorted(wf.units_with_role(actor, Role.ASSET_CLERK))
    if unit_id is not None:
        if unit_id not in units:
            raise ActionNotAllowed(_("只有本单位的资产管理员可以提交申请"))
        return Unit.objects.get(pk=unit_id)
    if not units:
        raise ActionNotAllowed(_("只有资产管理员可以提交申请"))
    return Unit.objects.get(pk=units[0])


def _warehouse(warehouse_id: int, region_id: int) -> Warehouse:
    warehouse = (
        Warehouse.objects.select_related("operating_unit")
        .filter(pk=warehouse_id, region_id=region_id, is_active=True)
        .first()
    )
    if warehouse is None:
        raise ValidationError({"warehouse": _("请选择本区域在用的公物仓")})
    return warehouse


def _require_keeper(actor: User, order: Order) -> None:
    if not wf.holds(actor, Role.KEEPER, order.handling_unit_id):
        raise ActionNotAllowed(_("只有该公物仓的仓管员可以办理此操作"))


def _lock_for_keeper(actor: User, order_id: int, action: str, order_type: str) -> Order:
    order = wf.lock_order(order_id)
    wf.ensure_visible(actor, order)
    if order.order_type != order_type:
        raise ValidationError(_("单据类型不符"))
    wf.check_action(order, action)
    _require_keeper(actor, order)
    return order


def _condition(value: str) -> str:
    if value not in Condition.values:
        raise ValidationError({"condition": _("请选择资产状况")})
    return value


def active_pool_item(asset_id: int) -> PoolItem | None:
    return (
        PoolItem.objects.filter(
            asset_id=asset_id, status__in=[PoolItemStatus.IN_STOCK, PoolItemStatus.ON_LOAN]
        )
        .select_related("warehouse", "bin", "home_unit")
        .first()
    )


def _record_each(
    order: Order, actor: User | None, line_ids: Sequence[int], event_type: str, note: str
) -> None:
    for line in OrderLine.objects.filter(pk__in=line_ids).order_by("asset_id"):
        asset_apply_change(
            actor=actor,
            asset_id=line.asset_id,
            values={},
            event_type=event_type,
            reference=order.order_no,
            note=note,
        )


# --- intake (入仓) ---------------------------------------------------------------------------


def _check_intake_meta(source: str, source_note: str) -> tuple[str, str]:
    if source not in IntakeSource.values:
        raise ValidationError({"source": _("请选择入仓来源")})
    source_note = (source_note or "").strip()
    if source == IntakeSource.OTHER and not source_note:
        raise ValidationError({"source_note": _("来源为「其他」时请说明理由")})
    return source, source_note[:200]


def _check_idle_long_enough(assets: Sequence[Asset], today: dt.date) -> None:
    from .selectors import idle_since  # selectors import the workflow services, which load this app

    months = settings.INTAKE_IDLE_MIN_MONTHS
    since = idle_since([a.pk for a in assets])
    source_error = _(
        "按「闲置资产」入仓须闲置满 %(months)s 个月（以资产变动记录为准），所选资产未满，请选择其他来源"
    ) % {"months": months}
    for asset in assets:
        label = f"{asset.asset_no} {asset.name}"
        start = since.get(asset.pk)
        if start is None:
            raise ValidationError(
                {
                    "assets": (
                        _(
                            "资产 %(label)s 的变动记录中没有转为闲置的记录，"
                            "不能按「闲置资产」入仓，请选择其他来源"
                        )
                        % {"label": label}
                    ),
                    "source": source_error,
                }
            )
        qualifies = idle_qualifies_on(start, months)
        if today < qualifies:
            raise ValidationError(
                {
                    "assets": (
                        _(
                            "资产 %(label)s 自 %(start)s 起闲置，未满 %(months)s 个月，"
                            "%(qualifies)s 起方可按「闲置资产」入仓；现在入仓请选择其他来源"
                        )
                        % {
                            "label": label,
                            "start": format(start, "%Y-%m-%d"),
                            "months": months,
                            "qualifies": format(qualifies, "%Y-%m-%d"),
                        }
                    ),
                    "source": source_error,
                }
            )


def check_intake_assets(
    *, unit: Unit, source: str, assets: Sequence[Asset], today: dt.date | None = None
) -> None:
    """The cards a unit may hand in: its own, idle or in use, not already in the pool; tagged
    "idle" only after INTAKE_IDLE_MIN_MONTHS of idleness (from the card's ledger)."""
    if not assets:
        raise ValidationError({"assets": _("请至少选择一项资产")})
    for asset in assets:
        label = f"{asset.asset_no} {asset.name}"
        if asset.owner_unit_id != unit.pk:
            raise ValidationError(
                {"assets": _("资产 %(label)s 不属于%(unit)s") % {"label": label, "unit": unit.display_name}}
            )
        if asset.status not in INTAKE_STATUSES:
            raise ValidationError(
                {
                    "assets": (
                        _("资产 %(label)s 的状态为「%(status)s」，只有在用或闲置的资产可以入仓")
                        % {"label": label, "status": asset.get_status_display()}
                    )
                }
            )
        if source == IntakeSource.IDLE and asset.status != AssetStatus.IDLE:
            raise ValidationError(
                {"assets": _("资产 %(label)s 不是闲置状态，请选择其他来源或先标记闲置") % {"label": label}}
            )
        if active_pool_item(asset.pk) is not None:
            raise ValidationError({"assets": _("资产 %(label)s 已在公物仓中") % {"label": label}})
    if source == IntakeSource.IDLE:
        _check_idle_long_enough(assets, today or local_today())


@transaction.atomic
def intake_create(
    *,
    actor: User,
    warehouse_id: int,
    source: str,
    asset_ids: Sequence[int],
    source_note: str = "",
    title: str = "",
    unit_id: int | None = None,
    submit: bool = False,
    comment: str = "",
    today: dt.date | None = None,
) -> Order:
    """A clerk hands the unit's cards into the pool: a draft intake order (submitted if asked)."""
    unit = clerk_unit(actor, unit_id)
    warehouse = _warehouse(warehouse_id, unit.region_id)
    source, source_note = _check_intake_meta(source, source_note)
    assets = list(Asset.objects.filter(pk__in=sorted(set(asset_ids))))
    if len(assets) != len(set(asset_ids)):
        raise ValidationError({"assets": _("所选资产不存在")})
    check_intake_assets(unit=unit, source=source, assets=assets, today=today)
    title = title.strip() or f"{len(assets)}项资产入仓：{IntakeSource(source).label}"
    order = wf.order_create(
        actor=actor,
        order_type=OrderType.INTAKE,
        applicant_unit=unit,
        title=title,
        asset_ids=[a.pk for a in assets],
        handling_unit=warehouse.operating_unit,
    )
    IntakeOrder.objects.create(order=order, warehouse=warehouse, source=source, source_note=source_note)
    if submit:
        wf.order_submit(actor=actor, order_id=order.pk, comment=comment)
    return Order.objects.get(pk=order.pk)


@transaction.atomic
def intake_update(
    *,
    actor: User,
    order_id: int,
    warehouse_id: int,
    source: str,
    asset_ids: Sequence[int],
    source_note: str = "",
    title: str = "",
) -> Order:
    """Edit a draft or returned intake: warehouse, source, lines, title."""
    order = wf.lock_editable(actor=actor, order_id=order_id)
    warehouse = _warehouse(warehouse_id, order.region_id)
    source, source_note = _check_intake_meta(source, source_note)
    assets = list(Asset.objects.filter(pk__in=sorted(set(asset_ids))))
    check_intake_assets(unit=order.applicant_unit, source=source, assets=assets)
    IntakeOrder.objects.filter(order=order).update(
        warehouse=warehouse, source=source, source_note=source_note
    )
    if order.handling_unit_id != warehouse.operating_unit_id:
        order.handling_unit = warehouse.operating_unit
        order.save(update_fields=["handling_unit"])
    return wf.order_lines_set(
        actor=actor, order_id=order.pk, asset_ids=[a.pk for a in assets], title=title.strip() or order.title
    )


@dataclass(frozen=True)
class LineDecision:
    """The keeper's decision on one intake line."""

    line_id: int
    accept: bool
    condition: str = Condition.GOOD
    bin_id: int | None = None
    note: str = ""


@transaction.atomic
def intake_receive(
    *, actor: User, order_id: int, decisions: Sequence[LineDecision], comment: str = ""
) -> Order:
    """The keeper receives (验收) lines of an approved intake: accepted ones enter the pool (title
    moves to the warehouse's unit for a physical warehouse; a virtual one lists the card and title
    stays), refused ones go back. When no line is left the intake is done."""
    order = _lock_for_keeper(actor, order_id, Action.RECEIVE, OrderType.INTAKE)
    intake = IntakeOrder.objects.select_related("warehouse__operating_unit").get(order=order)
    warehouse = intake.warehouse
    pending = {line.pk: line for line in order.lines.filter(outcome=LineOutcome.PENDING)}
    if not decisions:
        raise ValidationError(_("请至少对一项资产作出验收结论"))
    seen: set[int] = set()
    for decision in decisions:
        if decision.line_id not in pending or decision.line_id in seen:
            raise ValidationError(_("验收的明细不属于该单据或已验收"))
        seen.add(decision.line_id)
    cards = wf.lock_cards(pending[d.line_id].asset_id for d in decisions)
    now = timezone.now()
    for decision in sorted(decisions, key=lambda d: pending[d.line_id].asset_id):
        line = pending[decision.line_id]
        asset = cards[line.asset_id]
        label = f"{asset.asset_no} {asset.name}"
        if not decision.accept:
            note = (decision.note or "").strip()
            if not note:
                raise ValidationError({"note": _("拒收 %(label)s 时请说明原因") % {"label": label}})
            asset_apply_change(
                actor=actor,
                asset_id=asset.pk,
                values={},
                event_type=EventType.INTAKE_REFUSED,
                reference=order.order_no,
                note=f"拒收：{note}",
            )
            line.outcome, line.outcome_note = LineOutcome.REFUSED, note[:200]
        else:
            condition = _condition(decision.condition)
            storage_bin = None
            if warehouse.kind == WarehouseKind.PHYSICAL:
                storage_bin = (
                    StorageBin.objects.filter(pk=decision.bin_id, warehouse=warehouse, is_active=True).first()
                    if decision.bin_id is not None
                    else None
                )
                if storage_bin is None:
                    raise ValidationError({"bin": _("请为 %(label)s 选择本仓的库位") % {"label": label}})
                home_unit = warehouse.operating_unit
                home_location = f"{warehouse.name} {storage_bin.code}"
                values = {
                    "status": AssetStatus.IN_WAREHOUSE,
                    "condition": condition,
                    "owner_unit": home_unit,
                    "user_unit": home_unit,
                    "department": None,
                    "custodian": None,
                    "location": home_location,
                    "usage": Usage.IDLE,
                }
            else:
                home_unit, home_location = asset.user_unit, asset.location
                values = {"status": AssetStatus.IN_WAREHOUSE, "condition": condition, "usage": Usage.IDLE}
            status_before = asset.status
            asset_apply_change(
                actor=actor,
                asset_id=asset.pk,
                values=values,
                event_type=EventType.INTAKE_RECEIVED,
                reference=order.order_no,
                note=f"验收入仓：{warehouse.name}",
            )
            PoolItem.objects.create(
                asset=asset,
                warehouse=warehouse,
                bin=storage_bin,
                source=intake.source,
                source_unit=order.applicant_unit,
                home_unit=home_unit,
                home_location=home_location[:200],
                status_before_intake=status_before,
                intake_line=line,
            )
            line.outcome, line.condition_after, line.outcome_note = (
                LineOutcome.ACCEPTED,
                condition,
                decision.note[:200],
            )
        line.is_open = False
        line.handled_by, line.handled_at = actor, now
        line.save(
            update_fields=[
                "outcome",
                "condition_after",
                "outcome_note",
                "is_open",
                "handled_by",
                "handled_at",
            ]
        )
    remaining = order.lines.filter(outcome=LineOutcome.PENDING).exists()
    wf.transition(
        order,
        action=Action.RECEIVE,
        target=OrderStatus.EXECUTING if remaining else OrderStatus.DONE,
        actor=actor,
        comment=comment,
        role=Role.KEEPER,
    )
    if not remaining:
        accepted = order.lines.filter(outcome=LineOutcome.ACCEPTED).count()
        notify(
            [order.applicant, *holders(unit_id=order.applicant_unit_id, role=Role.ASSET_CLERK)],
            order=order,
            title=f"入仓验收完成：{order.order_no}",
            body=f"验收入仓 {accepted} 项，请查看公物仓资产接收专用收据。",
        )
    return order


# --- allocation (调剂/申领) and loans: requests from the catalogue ---------------------------------


def _pool_items_for_request(unit: Unit, pool_item_ids: Sequence[int]) -> list[PoolItem]:
    ids = sorted(set(pool_item_ids))
    if not ids:
        raise ValidationError({"items": _("请至少选择一项物品")})
    items = list(
        PoolItem.objects.filter(pk__in=ids, warehouse__region_id=unit.region_id).select_related(
            "asset", "warehouse__operating_unit"
        )
    )
    if len(items) != len(ids):
        raise ValidationError({"items": _("所选物品不存在")})
    for item in items:
        if item.status != PoolItemStatus.IN_STOCK:
            raise ValidationError(
                {
                    "items": (
                        _("物品 %(asset_no)s %(name)s 当前「%(status)s」，不能申请")
                        % {
                            "asset_no": item.asset.asset_no,
                            "name": item.asset.name,
                            "status": item.get_status_display(),
                        }
                    )
                }
            )
        if item.asset.owner_unit_id == unit.pk:
            raise ValidationError(
                {
                    "items": _("物品 %(asset_no)s %(name)s 是本单位的资产，无需申领")
                    % {"asset_no": item.asset.asset_no, "name": item.asset.name}
                }
            )
    return items


def _by_warehouse(items: list[PoolItem]) -> dict[Warehouse, list[PoolItem]]:
    groups: dict[Warehouse, list[PoolItem]] = {}
    for item in sorted(items, key=lambda i: (i.warehouse_id, i.asset_id)):
        groups.setdefault(item.warehouse, []).append(item)
    return groups


def _purpose(purpose: str) -> str:
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("请填写用途")})
    return purpose[:200]


@transaction.atomic
def allocation_request(
    *,
    actor: User,
    pool_item_ids: Sequence[int],
    purpose: str,
    unit_id: int | None = None,
    submit: bool = True,
    comment: str = "",
) -> list[Order]:
    """A unit asks for specific pool items (the basket): one allocation order per warehouse,
    submitted at once unless kept as a draft. The loser of a race for an item gets a clear message."""
    unit = clerk_unit(actor, unit_id)
    purpose = _purpose(purpose)
    orders = []
    for warehouse, items in _by_warehouse(_pool_items_for_request(unit, pool_item_ids)).items():
        order = wf.order_create(
            actor=actor,
            order_type=OrderType.ALLOCATION,
            applicant_unit=unit,
            title=f"申领{len(items)}项：{purpose}"[:200],
            asset_ids=[i.asset_id for i in items],
            handling_unit=warehouse.operating_unit,
        )
        AllocationOrder.objects.create(
            order=order, warehouse=warehouse, mode=AllocationMode.ITEMS, purpose=purpose
        )
        if submit:
            wf.order_submit(actor=actor, order_id=order.pk, comment=comment)
        orders.append(Order.objects.get(pk=order.pk))
    return orders


@transaction.atomic
def allocation_request_category(
    *,
    actor: User,
    warehouse_id: int,
    category_id: int,
    quantity: int,
    purpose: str,
    unit_id: int | None = None,
    submit: bool = True,
    comment: str = "",
) -> Order:
    """A unit asks for a category and a quantity; the keeper picks the items at dispatch."""
    unit = clerk_unit(actor, unit_id)
    warehouse = _warehouse(warehouse_id, unit.region_id)
    category = Category.objects.filter(pk=category_id, is_active=True).first()
    if category is None:
        raise ValidationError({"category": _("请选择资产分类")})
    if not isinstance(quantity, int) or quantity < 1:
        raise ValidationError({"quantity": _("数量至少为 1")})
    purpose = _purpose(purpose)
    order = wf.order_create(
        actor=actor,
        order_type=OrderType.ALLOCATION,
        applicant_unit=unit,
        title=f"申领{category.name}{quantity}{category.measure_unit}：{purpose}"[:200],
        handling_unit=warehouse.operating_unit,
    )
    AllocationOrder.objects.create(
        order=order,
        warehouse=warehouse,
        mode=AllocationMode.CATEGORY,
        purpose=purpose,
        category=category,
        quantity=quantity,
    )
    if submit:
        wf.order_submit(actor=actor, order_id=order.pk, comment=comment)
    return Order.objects.get(pk=order.pk)


@transaction.atomic
def allocation_update(
    *,
    actor: User,
    order_id: int,
    purpose: str,
    keep_asset_ids: Sequence[int] | None = None,
    quantity: int | None = None,
) -> Order:
    """Edit a draft or returned allocation: purpose, drop lines, or the quantity of a category request."""
    order = wf.lock_editable(actor=actor, order_id=order_id)
    allocation = AllocationOrder.objects.get(order=order)
    allocation.purpose = _purpose(purpose)
    if allocation.mode == AllocationMode.CATEGORY:
        if quantity is None or quantity < 1:
            raise ValidationError({"quantity": _("数量至少为 1")})
        allocation.quantity = quantity
    allocation.save()
    keep = (
        list(order.lines.values_list("asset_id", flat=True))
        if keep_asset_ids is None
        else [a for a in order.lines.values_list("asset_id", flat=True) if a in set(keep_asset_ids)]
    )
    if allocation.mode == AllocationMode.ITEMS and not keep:
        raise ValidationError({"items": _("请至少保留一项物品，或撤销申请")})
    return wf.order_lines_set(
        actor=actor,
        order_id=order.pk,
        asset_ids=keep,
        title=f"申领{len(keep)}项：{allocation.purpose}"[:200]
        if allocation.mode == AllocationMode.ITEMS
        else order.title,
    )


@transaction.atomic
def allocation_dispatch(
    *, actor: User, order_id: int, pool_item_ids: Sequence[int] = (), comment: str = ""
) -> Order:
    """The keeper dispatches (出仓) an approved allocation; for a category request they pick the
    items here. The receiver is told to sign for them."""
    order = _lock_for_keeper(actor, order_id, Action.DISPATCH, OrderType.ALLOCATION)
    allocation = AllocationOrder.objects.select_related("category").get(order=order)
    if allocation.mode == AllocationMode.CATEGORY:
        assert allocation.category is not None  # the database check holds it for category requests
        category = allocation.category
        picked = _pool_items_for_request(order.applicant_unit, pool_item_ids)
        allowed = set(category_with_descendants(category.pk))
        for item in picked:
            if item.warehouse_id != allocation.warehouse_id:
                raise ValidationError(
                    {"items": _("%(asset_no)s 不在本仓") % {"asset_no": item.asset.asset_no}}
                )
            if item.asset.category_id not in allowed:
                raise ValidationError(
                    {
                        "items": _("%(asset_no)s 不属于申领的分类「%(category)s」")
                        % {"asset_no": item.asset.asset_no, "category": category.name}
                    }
                )
        if len(picked) > (allocation.quantity or 0):
            raise ValidationError(
                {"items": _("最多配发 %(quantity)s 项") % {"quantity": allocation.quantity}}
            )
        cards = wf.lock_cards(i.asset_id for i in picked)
        lines = []
        for item in picked:
            line = OrderLine(order=order, asset=item.asset)
            wf._snapshot_line(line, cards[item.asset_id])
            lines.append(line)
        OrderLine.objects.bulk_create(lines)
        wf.open_lines(order, cards, lines)
        order.total_original_value_fen = sum(line.original_value_fen for line in lines)
    lines = list(order.lines.filter(is_open=True))
    if not lines:
        raise ValidationError(_("没有可出仓的物品"))
    for line in lines:
        held = active_pool_item(line.asset_id)
        if (
            held is None
            or held.status != PoolItemStatus.IN_STOCK
            or held.warehouse_id != allocation.warehouse_id
        ):
            raise ValidationError(
                _("物品 %(asset_no)s 已不在本仓库存中，请撤销或退回该申请")
                % {"asset_no": line.asset.asset_no}
            )
    _record_each(
        order, actor, [line.pk for line in lines], EventType.DISPATCHED, f"出仓，调往{order.applicant_unit}"
    )
    now = timezone.now()
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        outcome=LineOutcome.DISPATCHED, handled_by=actor, handled_at=now
    )
    allocation.dispatched_by, allocation.dispatched_at = actor, now
    allocation.save(update_fields=["dispatched_by", "dispatched_at"])
    wf.transition(
        order,
        action=Action.DISPATCH,
        target=OrderStatus.EXECUTING,
        actor=actor,
        comment=comment,
        role=Role.KEEPER,
    )
    notify(
        holders(unit_id=order.applicant_unit_id, role=Role.ASSET_CLERK),
        order=order,
        title=f"请签收：{order.order_no}",
        body=f"{allocation.warehouse.name}已出仓 {len(lines)} 项，收到后请签收。",
    )
    return order


def standard_caps() -> dict[str, int]:
    """Category code → price cap (fen) of the default active standard of that category."""
    return {
        code: cap
        for code, cap in ProvisioningStandard.objects.filter(
            is_active=True, is_default_for_category=True, category__isnull=False
        ).values_list("category__code", "price_cap_fen")
    }


def savings_for(asset: Asset, original_value_fen: int, caps: dict[str, int] | None = None) -> int:
    caps = standard_caps() if caps is None else caps
    code = matching_standard_code(asset.category.code, caps)
    return line_savings_fen(
        original_value_fen=original_value_fen,
        quantity=asset.quantity,
        price_cap_fen=caps[code] if code else None,
    )


@transaction.atomic
def allocation_acknowledge(
    *, actor: User, order_id: int, department_id: int | None = None, location: str = "", comment: str = ""
) -> Order:
    """The receiving clerk signs for the goods (签收): each card moves to the receiving unit with its
    original value and accumulated depreciation, in use; the savings are recorded."""
    order = wf.lock_order(order_id)
    wf.ensure_visible(actor, order)
    if order.order_type != OrderType.ALLOCATION:
        raise ValidationError(_("单据类型不符"))
    wf.check_action(order, Action.ACKNOWLEDGE)
    if not wf.holds(actor, Role.ASSET_CLERK, order.applicant_unit_id):
        raise ActionNotAllowed(_("只有申领单位的资产管理员可以签收"))
    receiver = order.applicant_unit
    department = None
    if department_id:
        department = Department.objects.filter(pk=department_id, unit=receiver, is_active=True).first()
        if department is None:
            raise ValidationError({"department": _("使用部门不属于本单位")})
    allocation = AllocationOrder.objects.get(order=order)
    lines = list(
        order.lines.filter(is_open=True, outcome=LineOutcome.DISPATCHED).select_related("asset__category")
    )
    cards = wf.lock_cards(line.asset_id for line in lines)
    caps = standard_caps()
    now = timezone.now()
    total_savings = 0
    for line in sorted(lines, key=lambda x: x.asset_id):
        asset = cards[line.asset_id]
        savings = savings_for(asset, asset.book.original_value_fen, caps)
        asset_apply_change(
            actor=actor,
            asset_id=asset.pk,
            event_type=EventType.ALLOCATED,
            reference=order.order_no,
            values={
                "owner_unit": receiver,
                "user_unit": receiver,
                "status": AssetStatus.IN_USE,
                "usage": Usage.OWN_USE,
                "department": department,
                "custodian": None,
                "location": location.strip()[:200],
            },
            note=f"调剂签收，节约资金 {savings / 100:,.2f} 元",
        )
        PoolItem.objects.filter(asset_id=asset.pk, status=PoolItemStatus.IN_STOCK).update(
            status=PoolItemStatus.ALLOCATED, closed_at=now
        )
        line.savings_fen, line.outcome, line.is_open = savings, LineOutcome.ACKNOWLEDGED, False
        line.handled_by, line.handled_at = actor, now
        line.save(update_fields=["savings_fen", "outcome", "is_open", "handled_by", "handled_at"])
        total_savings += savings
    allocation.savings_fen = total_savings
    allocation.acknowledged_by, allocation.acknowledged_at = actor, now
    allocation.receiving_department, allocation.receiving_location = department, location.strip()[:200]
    allocation.save()
    wf.transition(
        order,
        action=Action.ACKNOWLEDGE,
        target=OrderStatus.DONE,
        actor=actor,
        comment=comment,
        role=Role.ASSET_CLERK,
    )
    notify(
        holders(unit_id=order.handling_unit_id, role=Role.KEEPER),
        order=order,
        title=f"已签收：{order.order_no}",
        body=f"{receiver.display_name}已签收 {len(lines)} 项。",
    )
    return order


@transaction.atomic
def allocation_refuse(*, actor: User, order_id: int, reason: str) -> Order:
    """The receiving clerk will not sign for a dispatched allocation (拒收: wrong, damaged or
    incomplete goods), with a reason. Nothing moves: the cards stay with the pool (still in the
    warehouse, title unchanged), the order lets go of them so the listings are available again,
    and the order ends as refused. One history row; one 单据解除 event per card."""
    reason = (reason or "").strip()
    order = wf.lock_order(order_id)
    wf.ensure_visible(actor, order)
    if order.order_type != OrderType.ALLOCATION:
        raise ValidationError(_("单据类型不符"))
    wf.check_action(order, Action.REFUSE_RECEIPT)
    if not wf.holds(actor, Role.ASSET_CLERK, order.applicant_unit_id):
        raise ActionNotAllowed(_("只有申领单位的资产管理员可以拒收"))
    if not reason:
        raise ValidationError({"reason": _("拒收时请填写原因")})
    lines = list(order.lines.filter(is_open=True, outcome=LineOutcome.DISPATCHED))
    cards = wf.lock_cards(line.asset_id for line in lines)
    now = timezone.now()
    for line in sorted(lines, key=lambda x: x.asset_id):
        asset_apply_change(
            actor=actor,
            asset_id=cards[line.asset_id].pk,
            values={},
            event_type=EventType.ORDER_RELEASED,
            reference=order.order_no,
            note=f"申领单位拒收，退回公物仓：{reason}"[:200],
        )
        line.outcome, line.outcome_note, line.is_open = LineOutcome.REFUSED, reason[:200], False
        line.handled_by, line.handled_at = actor, now
        line.save(update_fields=["outcome", "outcome_note", "is_open", "handled_by", "handled_at"])
    wf.transition(
        order,
        action=Action.REFUSE_RECEIPT,
        target=OrderStatus.REFUSED,
        actor=actor,
        comment=reason,
        role=Role.ASSET_CLERK,
    )
    notify(
        holders(unit_id=order.handling_unit_id, role=Role.KEEPER),
        order=order,
        title=f"申领单位拒收：{order.order_no}",
        body=f"{order.applicant_unit.display_name}拒收 {len(lines)} 项（{reason}），物品退回本仓，请收回。",
    )
    return order


# --- withdrawal from the pool (撤回) ------------------------------------------------------------


def can_withdraw(user: User, item: PoolItem) -> bool:
    """Who may take an item out of the pool without an allocation (see docs/architecture.md):
    the warehouse's keepers, for both kinds; for a virtual listing also the owner's clerks (title
    never left them). A physical item belongs to the warehouse's unit: the unit that handed it in
    asks for it back through an allocation, approved like any other."""
    if wf.holds(user, Role.KEEPER, item.warehouse.operating_unit_id):
        return True
    return item.warehouse.kind == WarehouseKind.VIRTUAL and wf.holds(
        user, Role.ASSET_CLERK, item.asset.owner_unit_id
    )


@transaction.atomic
def pool_item_withdraw(*, actor: User, pool_item_id: int, reason: str) -> PoolItem:
    """Take an item in stock out of the pool (撤回/下架), with a reason. A virtual listing goes
    back to its owner as it was before intake (idle or in use, where it sits); a physical item
    stays the warehouse unit's, idle in its bin. Refused while the item is on loan or held by an
    open order. One ledger event on the card; the pool item keeps who, when and why."""
    item = (
        PoolItem.objects.select_for_update(of=("self",))
        .select_related("warehouse", "asset")
        .filter(pk=pool_item_id, warehouse__region_id__in=_region_ids(actor))
        .first()
    )
    if item is None:
        raise PoolItemNotFound(pool_item_id)
    if not can_withdraw(actor, item):
        raise ActionNotAllowed(
            _("只有该公物仓的仓管员可以撤回")
            if item.warehouse.kind == WarehouseKind.PHYSICAL
            else _("只有资产所属单位的资产管理员或该公物仓的仓管员可以撤回")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("撤回时请填写理由")})
    card = wf.lock_cards([item.asset_id])[item.asset_id]
    label = f"{card.asset_no} {card.name}"
    if item.status != PoolItemStatus.IN_STOCK:
        raise ValidationError(
            _("物品 %(label)s 当前「%(status)s」，不能撤回")
            % {"label": label, "status": item.get_status_display()}
        )
    held = OrderLine.objects.filter(asset_id=item.asset_id, is_open=True).select_related("order").first()
    if held is not None:
        raise ValidationError(
            _("物品 %(label)s 正在单据 %(order_no)s 中办理，办结或撤销后才能撤回")
            % {"label": label, "order_no": held.order.order_no}
        )
    if item.warehouse.kind == WarehouseKind.VIRTUAL:
        status = (
            item.status_before_intake
            if item.status_before_intake in (AssetStatus.IDLE, AssetStatus.IN_USE)
            else AssetStatus.IDLE
        )
        values = {"status": status, "usage": Usage.OWN_USE if status == AssetStatus.IN_USE else Usage.IDLE}
    else:
        values = {"status": AssetStatus.IDLE, "usage": Usage.IDLE}
    asset_apply_change(
        actor=actor,
        asset_id=card.pk,
        values=values,
        event_type=EventType.STATUS_CHANGED,
        reference=item.warehouse.code,
        note=f"撤出公物仓（{item.warehouse.name}）：{reason}"[:200],
    )
    item.status, item.closed_at, item.closed_by, item.close_note = (
        PoolItemStatus.WITHDRAWN,
        timezone.now(),
        actor,
        reason[:200],
    )
    item.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    keeper_side = wf.holds(actor, Role.KEEPER, item.warehouse.operating_unit_id)
    notify(
        holders(unit_id=card.owner_unit_id, role=Role.ASSET_CLERK)
        if keeper_side
        else holders(unit_id=item.warehouse.operating_unit_id, role=Role.KEEPER),
        order=None,
        title=f"已撤出公物仓：{label}",
        body=f"{item.warehouse.name}：{reason}",
        exclude=actor,
    )
    return item


# --- loans (借用/归还) ---------------------------------------------------------------------------


def _due_on(due_on: dt.date | None, today: dt.date) -> dt.date:
    if due_on is None:
        raise ValidationError({"due_on": _("请填写归还日期")})
    if due_on < today:
        raise ValidationError({"due_on": _("归还日期不能早于今天")})
    if (due_on - today).days > settings.LOAN_MAX_DAYS:
        raise ValidationError(
            {"due_on": _("借用期限不能超过 %(days)s 天") % {"days": settings.LOAN_MAX_DAYS}}
        )
    return due_on


@transaction.atomic
def loan_request(
    *,
    actor: User,
    pool_item_ids: Sequence[int],
    purpose: str,
    due_on: dt.date | None,
    unit_id: int | None = None,
    submit: bool = True,
    comment: str = "",
    today: dt.date | None = None,
) -> list[Order]:
    """A unit borrows pool items for a purpose until a due date: one loan order per warehouse."""
    unit = clerk_unit(actor, unit_id)
    purpose = _purpose(purpose)
    due = _due_on(due_on, today or local_today())
    orders = []
    for warehouse, items in _by_warehouse(_pool_items_for_request(unit, pool_item_ids)).items():
        order = wf.order_create(
            actor=actor,
            order_type=OrderType.LOAN,
            applicant_unit=unit,
            title=f"借用{len(items)}项：{purpose}"[:200],
            asset_ids=[i.asset_id for i in items],
            handling_unit=warehouse.operating_unit,
        )
        LoanOrder.objects.create(order=order, warehouse=warehouse, purpose=purpose, due_on=due)
        if submit:
            wf.order_submit(actor=actor, order_id=order.pk, comment=comment)
        orders.append(Order.objects.get(pk=order.pk))
    return orders


@transaction.atomic
def loan_update(
    *,
    actor: User,
    order_id: int,
    purpose: str,
    due_on: dt.date | None,
    keep_asset_ids: Sequence[int] | None = None,
    today: dt.date | None = None,
) -> Order:
    order = wf.lock_editable(actor=actor, order_id=order_id)
    loan = LoanOrder.objects.get(order=order)
    loan.purpose = _purpose(purpose)
    loan.due_on = _due_on(due_on, today or local_today())
    loan.save()
    keep = (
        list(order.lines.values_list("asset_id", flat=True))
        if keep_asset_ids is None
        else [a for a in order.lines.values_list("asset_id", flat=True) if a in set(keep_asset_ids)]
    )
    if not keep:
        raise ValidationError({"items": _("请至少保留一项物品，或撤销申请")})
    return wf.order_lines_set(
        actor=actor, order_id=order.pk, asset_ids=keep, title=f"借用{len(keep)}项：{loan.purpose}"[:200]
    )


@transaction.atomic
def loan_lend(*, actor: User, order_id: int, comment: str = "") -> Order:
    """The keeper hands out an approved loan (借出): the borrower uses the cards, title stays."""
    order = _lock_for_keeper(actor, order_id, Action.LEND, OrderType.LOAN)
    loan = LoanOrder.objects.get(order=order)
    lines = list(order.lines.filter(is_open=True))
    cards = wf.lock_cards(line.asset_id for line in lines)
    borrower = order.applicant_unit
    for line in sorted(lines, key=lambda x: x.asset_id):
        item = active_pool_item(line.asset_id)
        if item is None or item.status != PoolItemStatus.IN_STOCK:
            raise ValidationError(
                _("物品 %(asset_no)s 已不在库，请撤销或退回该申请")
                % {"asset_no": cards[line.asset_id].asset_no}
            )
        asset_apply_change(
            actor=actor,
            asset_id=line.asset_id,
            event_type=EventType.LOANED,
            reference=order.order_no,
            values={
                "status": AssetStatus.ON_LOAN,
                "user_unit": borrower,
                "department": None,
                "custodian": None,
                "location": f"借用单位：{borrower.display_name}",
            },
            note=f"借出至 {loan.due_on:%Y-%m-%d}",
        )
        PoolItem.objects.filter(pk=item.pk).update(status=PoolItemStatus.ON_LOAN)
    now = timezone.now()
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        outcome=LineOutcome.LENT, handled_by=actor, handled_at=now
    )
    loan.lent_at = now
    loan.save(update_fields=["lent_at"])
    wf.transition(
        order,
        action=Action.LEND,
        target=OrderStatus.EXECUTING,
        actor=actor,
        comment=comment,
        role=Role.KEEPER,
    )
    notify(
        holders(unit_id=order.applicant_unit_id, role=Role.ASSET_CLERK),
        order=order,
        title=f"已借出：{order.order_no}",
        body=f"请于 {loan.due_on:%Y-%m-%d} 前归还。",
    )
    return order


@dataclass(frozen=True)
class ReturnInspection:
    """The keeper's inspection of one returned line."""

    line_id: int
    condition: str
    note: str = ""  # missing parts, damage …


@transaction.atomic
def loan_return(
    *, actor: User, order_id: int, inspections: Sequence[ReturnInspection], comment: str = ""
) -> Order:
    """The keeper inspects the returned goods (归还验收): condition and missing parts; the cards go
    back to the pool (in stock) where they were."""
    order = _lock_for_keeper(actor, order_id, Action.RETURN_GOODS, OrderType.LOAN)
    loan = LoanOrder.objects.get(order=order)
    lines = {line.pk: line for line in order.lines.filter(is_open=True, outcome=LineOutcome.LENT)}
    given = {i.line_id: i for i in inspections}
    if set(given) != set(lines):
        raise ValidationError(_("请对每一项借出的物品填写归还验收结果"))
    cards = wf.lock_cards(line.asset_id for line in lines.values())
    now = timezone.now()
    notes = []
    for line in sorted(lines.values(), key=lambda x: x.asset_id):
        inspection = given[line.pk]
        condition = _condition(inspection.condition)
        item = active_pool_item(line.asset_id)
        if item is None:
            raise ValidationError(_("借出物品的在仓记录缺失"))
        asset = cards[line.asset_id]
        note = inspection.note.strip()[:200]
        asset_apply_change(
            actor=actor,
            asset_id=asset.pk,
            event_type=EventType.RETURNED,
            reference=order.order_no,
            values={
                "status": AssetStatus.IN_WAREHOUSE,
                "user_unit": item.home_unit,
                "location": item.home_location,
                "condition": condition,
            },
            note=f"归还验收：{Condition(condition).label}" + (f"，{note}" if note else ""),
        )
        PoolItem.objects.filter(pk=item.pk).update(status=PoolItemStatus.IN_STOCK)
        line.outcome, line.condition_after, line.outcome_note, line.is_open = (
            LineOutcome.RETURNED,
            condition,
            note,
            False,
        )
        line.handled_by, line.handled_at = actor, now
        line.save(
            update_fields=[
                "outcome",
                "condition_after",
                "outcome_note",
                "is_open",
                "handled_by",
                "handled_at",
            ]
        )
        if note:
            notes.append(f"{asset.asset_no}：{note}")
    loan.returned_at, loan.return_note = now, "；".join(notes)[:200]
    loan.save(update_fields=["returned_at", "return_note"])
    wf.transition(
        order,
        action=Action.RETURN_GOODS,
        target=OrderStatus.DONE,
        actor=actor,
        comment=comment,
        role=Role.KEEPER,
    )
    notify(
        holders(unit_id=order.applicant_unit_id, role=Role.ASSET_CLERK),
        order=order,
        title=f"已归还：{order.order_no}",
        body="借用物品已归还验收。",
    )
    return order


@transaction.atomic
def loan_extension_request(
    *, actor: User, loan_order_id: int, new_due_on: dt.date | None, reason: str, submit: bool = True
) -> Order:
    """The borrower asks to keep the goods longer: an extension order approved like any other."""
    loan_order = wf.lock_order(loan_order_id)
    wf.ensure_visible(actor, loan_order)
    if loan_order.order_type != OrderType.LOAN or loan_order.status != OrderStatus.EXECUTING:
        raise ValidationError(_("只有借出中的借用单可以申请延期"))
    if not wf.holds(actor, Role.ASSET_CLERK, loan_order.applicant_unit_id):
        raise ActionNotAllowed(_("只有借用单位的资产管理员可以申请延期"))
    loan = LoanOrder.objects.get(order=loan_order)
    if new_due_on is None or new_due_on <= loan.due_on:
        raise ValidationError(
            {"new_due_on": _("延期后的归还日期应晚于 %(due)s") % {"due": format(loan.due_on, "%Y-%m-%d")}}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写延期理由")})
    if Order.objects.filter(
        parent=loan_order,
        order_type=OrderType.LOAN_EXTENSION,
        status__in=[OrderStatus.DRAFT, *wf.OPEN_STATUSES],
    ).exists():
        raise ValidationError(_("该借用单已有办理中的延期申请"))
    order = wf.order_create(
        actor=actor,
        order_type=OrderType.LOAN_EXTENSION,
        applicant_unit=loan_order.applicant_unit,
        title=f"{loan_order.order_no} 延期至 {new_due_on:%Y-%m-%d}",
        handling_unit=loan_order.handling_unit,
        parent=loan_order,
    )
    LoanExtension.objects.create(
        order=order, loan=loan, previous_due_on=loan.due_on, new_due_on=new_due_on, reason=reason[:200]
    )
    if submit:
        wf.order_submit(actor=actor, order_id=order.pk)
    return Order.objects.get(pk=order.pk)


def extension_take_effect(order: Order, actor: User) -> None:
    """Called when an extension is approved: the loan's due date moves (a history row on the loan)
    and the extension is done."""
    extension = LoanExtension.objects.select_related("loan").get(order=order)
    loan_order = wf.lock_order(extension.loan.order_id)
    if loan_order.status == OrderStatus.EXECUTING:
        loan = LoanOrder.objects.select_for_update().get(pk=loan_order.pk)
        loan.due_on = extension.new_due_on
        loan.due_reminder_sent_on = None
        loan.overdue_reminder_sent_on = None
        loan.save(update_fields=["due_on", "due_reminder_sent_on", "overdue_reminder_sent_on"])
        wf.transition(
            loan_order,
            action=Action.EXTEND,
            target=OrderStatus.EXECUTING,
            actor=actor,
            comment=f"归还日期由 {extension.previous_due_on:%Y-%m-%d} 延至 {extension.new_due_on:%Y-%m-%d}"
            f"（{order.order_no}）",
        )
        note = "延期已生效"
    else:
        note = "借用已结束，延期无需生效"
    wf.transition(order, action=Action.COMPLETE, target=OrderStatus.DONE, actor=actor, comment=note)


# --- reminders -----------------------------------------------------------------------------


@transaction.atomic
def loan_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind borrowers (and the keepers) before a loan is due and every day it is overdue.
    Idempotent per day: run it as often as you like (the scheduler runs it hourly)."""
    today = today or local_today()
    days_before = settings.LOAN_REMIND_DAYS_BEFORE
    horizon = today + dt.timedelta(days=days_before)
    sent = 0
    loans = (
        LoanOrder.objects.select_for_update(of=("self",))
        .select_related("order", "order__applicant_unit")
        .filter(order__status=OrderStatus.EXECUTING, due_on__lte=horizon)
        .order_by("pk")
    )
    for loan in loans:
        reminder = reminder_due(
            today=today,
            due_on=loan.due_on,
            days_before=days_before,
            due_soon_sent_on=loan.due_reminder_sent_on,
            overdue_sent_on=loan.overdue_reminder_sent_on,
        )
        if reminder is None:
            continue
        order = loan.order
        people = [order.applicant, *holders(unit_id=order.applicant_unit_id, role=Role.ASSET_CLERK)]
        if reminder is Reminder.DUE_SOON:
            title = f"借用即将到期：{order.order_no}"
            body = f"{loan.purpose}，请于 {loan.due_on:%Y-%m-%d} 前归还或申请延期。"
            loan.due_reminder_sent_on = today
        else:
            days = (today - loan.due_on).days
            title = f"借用已逾期 {days} 天：{order.order_no}"
            body = f"{loan.purpose}，应于 {loan.due_on:%Y-%m-%d} 归还，请尽快归还或申请延期。"
            loan.overdue_reminder_sent_on = today
            people += holders(unit_id=order.handling_unit_id, role=Role.KEEPER)
        notify(people, order=order, title=title, body=body)
        loan.save(update_fields=["due_reminder_sent_on", "overdue_reminder_sent_on"])
        sent += 1
    return sent


def overdue_q(today: dt.date) -> Q:
    return Q(order__status=OrderStatus.EXECUTING, due_on__lt=today)
