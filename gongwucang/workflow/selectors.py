"""Reads of orders: every query starts from what the user may see (services.visible_order_q):
their units' orders, the region's for finance/auditors/admins, and a keeper's warehouse's.
Inboxes are built from the roles the user holds."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from gongwucang.org.domain.roles import Role
from gongwucang.org.models import User
from gongwucang.org.scoping import scope_for

from .domain.statuses import OrderStatus
from .exceptions import OrderNotFound
from .models import ApprovalStatus, Notification, Order, OrderApproval, OrderHistory
from .registry import all_handlers, handler_for
from .services import units_with_role, visible_order_q

APPROVER_ROLES = frozenset({Role.UNIT_HEAD, Role.SUPERVISOR, Role.FINANCE, Role.KEEPER, Role.ADMIN})


def order_queryset(*, actor: User) -> QuerySet[Order]:
    return Order.objects.filter(visible_order_q(actor))


def order_list(*, actor: User, order_type: str = "", status: str = "", query: str = "") -> QuerySet[Order]:
    qs = order_queryset(actor=actor)
    if order_type:
        qs = qs.filter(order_type=order_type)
    if status:
        qs = qs.filter(status=status)
    query = query.strip()
    if query:
        qs = qs.filter(Q(order_no__icontains=query) | Q(title__icontains=query))
    return qs.select_related("applicant", "applicant_unit", "handling_unit").order_by("-created_at", "-id")


def order_get(*, actor: User, pk: int) -> Order:
    order = (
        order_queryset(actor=actor)
        .select_related("applicant", "applicant_unit", "handling_unit", "parent")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise OrderNotFound(pk)
    return order


def pending_approvals(*, actor: User) -> QuerySet[OrderApproval]:
    """The approval steps waiting for this person: a role they hold in the step's unit, on an
    order they did not file and whose goods they will not receive."""
    pairs = [(unit_id, role) for unit_id, role in scope_for(actor).roles if role in APPROVER_ROLES]
    if not pairs:
        return OrderApproval.objects.none()
    q = Q(pk__in=[])
    for unit_id, role in pairs:
        q |= Q(role=role, unit_id=unit_id)
    qs = OrderApproval.objects.filter(q, status=ApprovalStatus.PENDING).exclude(order__applicant=actor)
    for handler in all_handlers():
        field, role = handler.receiver
        units = units_with_role(actor, role)
        if units:
            qs = qs.exclude(
                **{"order__order_type": handler.order_type, f"order__{field}_id__in": sorted(units)}
            )
    return qs.select_related("order", "order__applicant", "order__applicant_unit", "unit").order_by(
        "order__submitted_at", "order_id"
    )


def work_orders(*, actor: User) -> QuerySet[Order]:
    """Orders waiting for this person's work other than approval: execution (receive, dispatch,
    sign, return) and revision of returned orders."""
    keeper_units = units_with_role(actor, Role.KEEPER)
    clerk_units = units_with_role(actor, Role.ASSET_CLERK)
    q = Q(pk__in=[])
    if clerk_units:
        q |= Q(applicant_unit_id__in=sorted(clerk_units), status=OrderStatus.RETURNED)
    for handler in all_handlers():
        extra = handler.work_q(keeper_unit_ids=keeper_units, clerk_unit_ids=clerk_units)
        if extra is not None:
            q |= extra
    return Order.objects.filter(q).select_related("applicant", "applicant_unit").order_by("updated_at", "id")


def draft_orders(*, actor: User) -> QuerySet[Order]:
    return Order.objects.filter(applicant=actor, status=OrderStatus.DRAFT).order_by("-created_at")


def work_label(order: Order) -> str:
    if order.status == OrderStatus.RETURNED:
        return _("退回待修改")
    return handler_for(order.order_type).work_label(order)


def inbox_count(user: User) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return pending_approvals(actor=user).count() + work_orders(actor=user).count()


def done_orders(*, actor: User) -> QuerySet[Order]:
    """已办: orders this person acted on (approved, submitted, executed …), latest first."""
    return (
        order_queryset(actor=actor)
        .filter(history__actor=actor)
        .annotate(my_last_action=Max("history__occurred_at", filter=Q(history__actor=actor)))
        .select_related("applicant", "applicant_unit")
        .order_by("-my_last_action", "-id")
        .distinct()
    )


@dataclass
class TrailRound:
    round: int
    steps: list[OrderApproval]


def approval_trail(order: Order) -> list[TrailRound]:
    rounds: dict[int, list[OrderApproval]] = {}
    for approval in order.approvals.select_related("unit", "decided_by").order_by("round", "seq"):
        rounds.setdefault(approval.round, []).append(approval)
    return [TrailRound(r, steps) for r, steps in sorted(rounds.items())]


def order_history(order: Order) -> QuerySet[OrderHistory]:
    return order.history.select_related("actor").order_by("occurred_at", "id")


def notifications_for(*, actor: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=actor).select_related("order").order_by("-created_at", "-id")


def unread_count(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()
