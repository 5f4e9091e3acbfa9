"""The warehouse's order types, plugged into the approval engine (workflow.registry).

Each handler says what routes the order, who receives its goods (they may not approve), which
ledger events its cards get when the order holds or lets go of them, what work waits for whom,
and what the order page shows and offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gongwucang.assets.domain.events import EventType
from gongwucang.core.dates import local_today
from gongwucang.org.domain.roles import Role
from gongwucang.org.models import User
from gongwucang.workflow import services as wf
from gongwucang.workflow.domain.routing import OrderFacts, is_cross_department
from gongwucang.workflow.domain.statuses import Action, OrderStatus, OrderType
from gongwucang.workflow.models import LineOutcome, Order, OrderLine
from gongwucang.workflow.registry import OrderTypeHandler, register

from . import services
from .domain.choices import AllocationMode, PoolItemStatus, WarehouseKind
from .models import AllocationOrder, IntakeOrder, LoanExtension, LoanOrder

RELEASE_NOTES = {
    Action.REJECT: "申请已驳回，解除占用",
    Action.CANCEL: "申请已撤销，解除占用",
    Action.RETURN_FOR_REVISION: "修改申请时移出，解除占用",
}


def listed_by_q(order_type: str, unit_ids: set[int]) -> Q:
    """Orders of `order_type` (not drafts) that take a card these units listed in a virtual
    warehouse while it was listed: the giving unit sees who asks for its card, and where it went.
    The listing must overlap the order's life (a card listed again later by its new owner does not
    show that owner the orders of its earlier listing)."""
    lines = OrderLine.objects.filter(
        Q(order__order_type=order_type)
        & ~Q(order__status=OrderStatus.DRAFT)
        & Q(asset__pool_items__warehouse__kind=WarehouseKind.VIRTUAL)
        & Q(asset__pool_items__source_unit_id__in=sorted(unit_ids))
        & Q(asset__pool_items__listed_at__lte=F("order__updated_at"))
        & (
            Q(asset__pool_items__closed_at__isnull=True)
            | Q(asset__pool_items__closed_at__gte=F("order__created_at"))
        )
    )
    return Q(pk__in=lines.values("order_id"))


def _pairs(order: Order, lines: Sequence[OrderLine], to_unit: Any) -> list:
    return [
        (
            (line.asset.owner_unit_id, line.asset.owner_unit.supervising_unit_id),
            (to_unit.pk, to_unit.supervising_unit_id),
        )
        for line in lines
    ]


def _act(label: str, url: str, style: str = "primary") -> dict[str, str]:
    return {"label": label, "url": url, "style": style}


class IntakeHandler(OrderTypeHandler):
    order_type = OrderType.INTAKE
    receiver = ("handling_unit", Role.KEEPER)  # the keeper receives the goods: never their approver
    detail_template = "warehouse/_intake_detail.html"

    def validate_submit(self, order: Order, actor: User) -> None:
        intake = IntakeOrder.objects.select_related("warehouse").get(order=order)
        if not intake.warehouse.is_active:
            raise ValidationError(_("所选公物仓已停用"))
        assets = [line.asset for line in order.lines.select_related("asset")]
        services.check_intake_assets(unit=order.applicant_unit, source=intake.source, assets=assets)

    def on_submit(self, order: Order, actor: User, line_ids: Sequence[int]) -> None:
        warehouse = IntakeOrder.objects.select_related("warehouse").get(order=order).warehouse
        services._record_each(
            order, actor, line_ids, EventType.INTAKE_REQUESTED, f"申请入仓：{warehouse.name}"
        )

    def on_release(self, order: Order, actor: User | None, action: str, line_ids: Sequence[int]) -> None:
        services._record_each(
            order, actor, line_ids, EventType.ORDER_RELEASED, RELEASE_NOTES.get(action, "解除占用")
        )

    def work_q(self, *, keeper_unit_ids: set[int], clerk_unit_ids: set[int]) -> Q | None:
        if not keeper_unit_ids:
            return None
        return Q(
            order_type=self.order_type,
            handling_unit_id__in=keeper_unit_ids,
            status__in=[OrderStatus.APPROVED, OrderStatus.EXECUTING],
        )

    def work_label(self, order: Order) -> str:
        return _("待验收入仓")

    def detail_context(self, order: Order, user: User) -> dict[str, Any]:
        intake = IntakeOrder.objects.select_related("warehouse").get(order=order)
        return {"intake": intake, "warehouse": intake.warehouse}

    def actions(self, order: Order, user: User) -> list[dict[str, str]]:
        found = []
        if order.status in (OrderStatus.APPROVED, OrderStatus.EXECUTING) and wf.holds(
            user, Role.KEEPER, order.handling_unit_id
        ):
            found.append(_act(_("验收入仓"), reverse("warehouse:intake_receive", args=[order.pk])))
        if (
            order.status in (OrderStatus.EXECUTING, OrderStatus.DONE)
            and order.lines.filter(outcome=LineOutcome.ACCEPTED).exists()
        ):
            found.append(
                _act(
                    _("打印接收收据"),
                    reverse("warehouse:intake_receipt", args=[order.pk]),
                    "outline-secondary",
                )
            )
        return found

    def edit_url(self, order: Order) -> str:
        return reverse("warehouse:intake_edit", args=[order.pk])


class AllocationHandler(OrderTypeHandler):
    order_type = OrderType.ALLOCATION
    receiver = ("applicant_unit", Role.ASSET_CLERK)
    lines_optional = True  # a category request gets its lines when the keeper picks
    detail_template = "warehouse/_allocation_detail.html"

    def facts(self, order: Order) -> OrderFacts:
        allocation = AllocationOrder.objects.select_related("category").get(order=order)
        unit = order.applicant_unit
        if allocation.mode == AllocationMode.CATEGORY:
            caps = services.standard_caps()
            from .domain.savings import matching_standard_code

            code = matching_standard_code(allocation.category.code, caps)
            estimate = caps[code] * (allocation.quantity or 0) if code else 0
            handling = order.handling_unit
            cross = (
                is_cross_department(
                    [((handling.pk, handling.supervising_unit_id), (unit.pk, unit.supervising_unit_id))]
                )
                if handling
                else False
            )
            return OrderFacts(
                total_fen=estimate,
                category_codes=frozenset({allocation.category.code}),
                cross_department=cross,
            )
        lines = list(order.lines.select_related("asset__category", "asset__owner_unit"))
        return OrderFacts(
            total_fen=sum(line.original_value_fen for line in lines),
            category_codes=frozenset(line.asset.category.code for line in lines),
            cross_department=is_cross_department(_pairs(order, lines, unit)),
        )

    def validate_submit(self, order: Order, actor: User) -> None:
        allocation = AllocationOrder.objects.get(order=order)
        if allocation.mode == AllocationMode.ITEMS:
            _check_items_in_stock(order, allocation.warehouse_id)

    def on_submit(self, order: Order, actor: User, line_ids: Sequence[int]) -> None:
        services._record_each(
            order,
            actor,
            line_ids,
            EventType.ALLOCATION_REQUESTED,
            f"{order.applicant_unit.display_name}申请调剂",
        )

    def on_release(self, order: Order, actor: User | None, action: str, line_ids: Sequence[int]) -> None:
        services._record_each(
            order, actor, line_ids, EventType.ORDER_RELEASED, RELEASE_NOTES.get(action, "解除占用")
        )

    def onlooker_q(self, *, read_unit_ids: set[int]) -> Q | None:
        return listed_by_q(self.order_type, read_unit_ids)

    def work_q(self, *, keeper_unit_ids: set[int], clerk_unit_ids: set[int]) -> Q | None:
        q = Q(pk__in=[])
        if keeper_unit_ids:
            q |= Q(
                order_type=self.order_type, handling_unit_id__in=keeper_unit_ids, status=OrderStatus.APPROVED
            )
        if clerk_unit_ids:
            q |= Q(
                order_type=self.order_type, applicant_unit_id__in=clerk_unit_ids, status=OrderStatus.EXECUTING
            )
        return q

    def work_label(self, order: Order) -> str:
        return _("待出仓") if order.status == OrderStatus.APPROVED else _("待签收")

    def detail_context(self, order: Order, user: User) -> dict[str, Any]:
        allocation = AllocationOrder.objects.select_related(
            "warehouse", "category", "receiving_department", "acknowledged_by", "dispatched_by"
        ).get(order=order)
        return {"allocation": allocation, "warehouse": allocation.warehouse}

    def actions(self, order: Order, user: User) -> list[dict[str, str]]:
        found = []
        if order.status == OrderStatus.APPROVED and wf.holds(user, Role.KEEPER, order.handling_unit_id):
            found.append(_act(_("出仓"), reverse("warehouse:allocation_dispatch", args=[order.pk])))
        if order.status == OrderStatus.EXECUTING and wf.holds(
            user, Role.ASSET_CLERK, order.applicant_unit_id
        ):
            found.append(_act(_("签收"), reverse("warehouse:allocation_acknowledge", args=[order.pk])))
            found.append(
                _act(_("拒收"), reverse("warehouse:allocation_refuse", args=[order.pk]), "outline-danger")
            )
        if order.status in (OrderStatus.APPROVED, OrderStatus.EXECUTING, OrderStatus.DONE):
            found.append(
                _act(
                    _("打印调拨单"),
                    reverse("warehouse:allocation_handover", args=[order.pk]),
                    "outline-secondary",
                )
            )
        return found

    def edit_url(self, order: Order) -> str:
        return reverse("warehouse:allocation_edit", args=[order.pk])


def _check_items_in_stock(order: Order, warehouse_id: int) -> None:
    for line in order.lines.select_related("asset"):
        item = services.active_pool_item(line.asset_id)
        label = f"{line.asset.asset_no} {line.asset.name}"
        if item is None or item.warehouse_id != warehouse_id:
            raise ValidationError(_("物品 %(label)s 已不在本仓库存中") % {"label": label})
        if item.status != PoolItemStatus.IN_STOCK:
            raise ValidationError(
                _("物品 %(label)s 当前「%(status)s」，不能申请")
                % {"label": label, "status": item.get_status_display()}
            )
        if line.asset.owner_unit_id == order.applicant_unit_id:
            raise ValidationError(_("物品 %(label)s 是本单位的资产，无需申领") % {"label": label})


class LoanHandler(OrderTypeHandler):
    order_type = OrderType.LOAN
    receiver = ("applicant_unit", Role.ASSET_CLERK)
    detail_template = "warehouse/_loan_detail.html"

    def validate_submit(self, order: Order, actor: User) -> None:
        loan = LoanOrder.objects.get(order=order)
        _check_items_in_stock(order, loan.warehouse_id)
        if loan.due_on < local_today():
            raise ValidationError({"due_on": _("归还日期已过，请修改归还日期")})

    def on_submit(self, order: Order, actor: User, line_ids: Sequence[int]) -> None:
        loan = LoanOrder.objects.get(order=order)
        services._record_each(
            order,
            actor,
            line_ids,
            EventType.LOAN_REQUESTED,
            f"{order.applicant_unit.display_name}申请借用至 {loan.due_on:%Y-%m-%d}",
        )

    def on_release(self, order: Order, actor: User | None, action: str, line_ids: Sequence[int]) -> None:
        services._record_each(
            order, actor, line_ids, EventType.ORDER_RELEASED, RELEASE_NOTES.get(action, "解除占用")
        )

    def onlooker_q(self, *, read_unit_ids: set[int]) -> Q | None:
        return listed_by_q(self.order_type, read_unit_ids)

    def work_q(self, *, keeper_unit_ids: set[int], clerk_unit_ids: set[int]) -> Q | None:
        if not keeper_unit_ids:
            return None
        import datetime as dt

        from django.conf import settings

        soon = local_today() + dt.timedelta(days=settings.LOAN_REMIND_DAYS_BEFORE)
        return Q(order_type=self.order_type, handling_unit_id__in=keeper_unit_ids) & (
            Q(status=OrderStatus.APPROVED) | Q(status=OrderStatus.EXECUTING, loan__due_on__lte=soon)
        )

    def work_label(self, order: Order) -> str:
        return _("待借出") if order.status == OrderStatus.APPROVED else _("到期待归还")

    def detail_context(self, order: Order, user: User) -> dict[str, Any]:
        loan = LoanOrder.objects.select_related("warehouse").get(order=order)
        today = local_today()
        return {
            "loan": loan,
            "warehouse": loan.warehouse,
            "overdue_days": (today - loan.due_on).days
            if order.status == OrderStatus.EXECUTING and loan.due_on < today
            else 0,
            "extensions": Order.objects.filter(parent=order).order_by("created_at"),
        }

    def actions(self, order: Order, user: User) -> list[dict[str, str]]:
        found = []
        keeper = wf.holds(user, Role.KEEPER, order.handling_unit_id)
        if order.status == OrderStatus.APPROVED and keeper:
            found.append(_act(pgettext("action", "借出"), reverse("warehouse:loan_lend", args=[order.pk])))
        if order.status == OrderStatus.EXECUTING and keeper:
            found.append(_act(_("归还验收"), reverse("warehouse:loan_return", args=[order.pk])))
        if order.status == OrderStatus.EXECUTING and wf.holds(
            user, Role.ASSET_CLERK, order.applicant_unit_id
        ):
            found.append(
                _act(_("申请延期"), reverse("warehouse:loan_extend", args=[order.pk]), "outline-primary")
            )
        return found

    def edit_url(self, order: Order) -> str:
        return reverse("warehouse:loan_edit", args=[order.pk])


class LoanExtensionHandler(OrderTypeHandler):
    order_type = OrderType.LOAN_EXTENSION
    receiver = ("applicant_unit", Role.ASSET_CLERK)
    lines_optional = True
    detail_template = "warehouse/_extension_detail.html"

    def facts(self, order: Order) -> OrderFacts:
        lines = list(OrderLine.objects.filter(order_id=order.parent_id).select_related("asset__category"))
        return OrderFacts(
            total_fen=sum(line.original_value_fen for line in lines),
            category_codes=frozenset(line.asset.category.code for line in lines),
        )

    def on_approved(self, order: Order, actor: User) -> None:
        services.extension_take_effect(order, actor)

    def detail_context(self, order: Order, user: User) -> dict[str, Any]:
        return {"extension": LoanExtension.objects.select_related("loan__order").get(order=order)}


def register_all() -> None:
    for handler in (IntakeHandler(), AllocationHandler(), LoanHandler(), LoanExtensionHandler()):
        register(handler)
