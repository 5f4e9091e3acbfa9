"""Writes to orders: the approval engine. Every function is one transaction that locks the order,
checks the transition table (domain/statuses.py) and the actor's right, changes it and writes one
OrderHistory row per transition; cards change only through assets.services (one ledger event per
card), called by the order type's handler (registry.py).

Lock order, everywhere: the order row, then the cards' book rows, then the cards, by id — so two
requests for the same item queue instead of deadlocking, and the second gets a clear message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gongwucang.assets.domain.attachments import AttachmentRejected, check_attachment
from gongwucang.assets.models import Asset, AssetBook
from gongwucang.core.dates import local_today
from gongwucang.org.domain.roles import Role
from gongwucang.org.models import Membership, Unit, User
from gongwucang.org.scoping import scope_for

from .domain.routing import StepRule, applicable_steps, parse_prefixes
from .domain.statuses import (
    APPROVAL_STATUSES,
    CLOSED_STATUSES,
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    Action,
    OrderStatus,
    TransitionError,
    check_transition,
    format_order_no,
    targets,
)
from .exceptions import ActionNotAllowed, OrderNotFound
from .files import atomic_with_files, remember_saved
from .models import (
    ApprovalFlow,
    ApprovalStatus,
    LineOutcome,
    Order,
    OrderApproval,
    OrderAttachment,
    OrderComment,
    OrderHistory,
    OrderLine,
    OrderNumberSequence,
    StepScope,
)
from .notifications import holders, notify
from .registry import all_handlers, handler_for

ITEM_TAKEN = gettext_noop(
    "资产「%(no)s %(name)s」已在其他单据中办理（每项资产同一时间只能在一张未办结的单据上），请选择其他物品"
)


# --- small helpers -------------------------------------------------------------------------


def lock_order(order_id: int) -> Order:
    try:
        return (
            Order.objects.select_for_update(of=("self",))
            .select_related("applicant", "applicant_unit", "handling_unit", "region")
            .get(pk=order_id)
        )
    except Order.DoesNotExist as exc:
        raise OrderNotFound(order_id) from exc


def participant_order_q(user: User) -> Q:
    """Orders `user` takes part in: their units' (subtree for supervisors), the region's for
    finance, auditors and admins, and every order addressed to a warehouse they keep."""
    scope = scope_for(user)
    q = Q(pk__in=[])
    if scope.read_unit_ids:
        q |= Q(applicant_unit_id__in=sorted(scope.read_unit_ids))
    if scope.read_region_ids:
        q |= Q(region_id__in=sorted(scope.read_region_ids))
    keeper_units = units_with_role(user, Role.KEEPER)
    if keeper_units:
        q |= Q(handling_unit_id__in=sorted(keeper_units))
    return q


def visible_order_q(user: User) -> Q:
    """Orders `user` may see: those they take part in, and those the order types let their units
    look at (the giving unit of a virtual listing: the order that hands its card out)."""
    q = participant_order_q(user)
    read_units = scope_for(user).read_unit_ids
    if read_units:
        for handler in all_handlers():
            extra = handler.onlooker_q(read_unit_ids=set(read_units))
            if extra is not None:
                q |= extra
    return q


def is_onlooker(user: User, order: Order) -> bool:
    """Does `user` see this order only as an onlooker (read only)?"""
    return not Order.objects.filter(participant_order_q(user), pk=order.pk).exists()


def ensure_visible(user: User, order: Order) -> None:
    if not Order.objects.filter(visible_order_q(user), pk=order.pk).exists():
        raise OrderNotFound(order.pk)


def units_with_role(user: User, role: str) -> set[int]:
    return {unit_id for unit_id, r in scope_for(user).roles if r == role}


def holds(user: User, role: str, unit_id: int | None) -> bool:
    return unit_id is not None and (unit_id, role) in scope_for(user).roles


def is_receiver(user: User, order: Order) -> bool:
    """Will `user` receive this order's goods? (They may not approve it: DOMAIN.md §2.)"""
    field, role = handler_for(order.order_type).receiver
    return holds(user, role, getattr(order, f"{field}_id"))


def _require_clerk(actor: User, order: Order) -> None:
    if not holds(actor, Role.ASSET_CLERK, order.applicant_unit_id):
        raise ActionNotAllowed(_("只有申请单位的资产管理员可以办理此操作"))


def _history(
    order: Order,
    action: str,
    from_status: str,
    to_status: str,
    actor: User | None,
    comment: str = "",
    role: str = "",
) -> OrderHistory:
    return OrderHistory.objects.create(
        order=order,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_role=role,
        comment=comment,
    )


def transition(
    order: Order, *, action: str, target: str, actor: User | None, comment: str = "", role: str = ""
) -> OrderHistory:
    """Move a locked order to `target` by `action` (checked against the table) and write its one
    history row. Used by this module and by the warehouse services for execution steps."""
    try:
        check_transition(order.order_type, order.status, action, target)
    except TransitionError as exc:
        raise ValidationError(str(exc)) from exc
    before = order.status
    now = timezone.now()
    order.status = target
    order.updated_at = now
    order.version += 1
    if target == OrderStatus.SUBMITTED:
        order.submitted_at = now
    elif target == OrderStatus.APPROVED:
        order.approved_at = now
    if target in CLOSED_STATUSES:
        order.closed_at = now
    order.save()
    return _history(order, action, before, target, actor, comment, role)


def check_action(order: Order, action: str) -> frozenset[str]:
    try:
        return targets(order.order_type, order.status, action)
    except TransitionError as exc:
        raise ValidationError(str(exc)) from exc


def lock_cards(asset_ids: Iterable[int]) -> dict[int, Asset]:
    """Lock cards (book rows first, then the cards, by id — the order assets.services uses)."""
    ids = sorted(set(asset_ids))
    if not ids:
        return {}
    list(
        AssetBook.objects.select_for_update().filter(asset_id__in=ids).order_by("asset_id").values_list("pk")
    )
    return {
        a.pk: a
        for a in Asset.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("book", "category", "owner_unit")
        .order_by("pk")
    }


def next_order_no(*, order_type: str, year: int) -> str:
    """Issue the next number of a type and year under a row lock. Numbers are never reused."""
    try:
        with transaction.atomic():
            OrderNumberSequence.objects.get_or_create(order_type=order_type, year=year)
    except IntegrityError:
        pass
    seq = OrderNumberSequence.objects.select_for_update().get(order_type=order_type, year=year)
    seq.last_value += 1
    seq.save(update_fields=["last_value"])
    return format_order_no(order_type, year, seq.last_value)


def close_lines(
    order: Order,
    *,
    outcome: str = LineOutcome.RELEASED,
    line_ids: Sequence[int] | None = None,
    actor: User | None = None,
) -> list[int]:
    """The order lets go of its (given) open lines. Returns their ids."""
    qs = order.lines.filter(is_open=True)
    if line_ids is not None:
        qs = qs.filter(pk__in=line_ids)
    ids = list(qs.values_list("pk", flat=True))
    if ids:
        OrderLine.objects.filter(pk__in=ids).update(
            is_open=False, outcome=outcome, handled_by=actor, handled_at=timezone.now()
        )
    return ids


def open_lines(order: Order, assets: dict[int, Asset], lines: Sequence[OrderLine] | None = None) -> None:
    """Mark lines as holding their cards. The cards are locked; a card already held by another
    order is refused with a clear message (and the database's partial unique index backs it)."""
    lines = list(order.lines.all()) if lines is None else list(lines)
    asset_ids = [line.asset_id for line in lines]
    taken = set(
        OrderLine.objects.filter(asset_id__in=asset_ids, is_open=True)
        .exclude(order=order)
        .values_list("asset_id", flat=True)
    )
    if taken:
        asset = assets.get(min(taken)) or Asset.objects.get(pk=min(taken))
        raise ValidationError(_(ITEM_TAKEN) % {"no": asset.asset_no, "name": asset.name}, code="item_taken")
    try:
        with transaction.atomic():
            OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(is_open=True)
    except IntegrityError as exc:  # a concurrent order got there first (no lock on SQLite rows)
        raise ValidationError(_("所选资产已被其他单据占用，请刷新后重新选择"), code="item_taken") from exc


# --- creating and editing ------------------------------------------------------------------


def _snapshot_line(line: OrderLine, asset: Asset) -> None:
    line.original_value_fen = asset.book.original_value_fen
    line.accumulated_depreciation_fen = asset.book.accumulated_depreciation_fen
    line.condition = asset.condition


@transaction.atomic
def order_create(
    *,
    actor: User,
    order_type: str,
    applicant_unit: Unit,
    title: str,
    asset_ids: Sequence[int] = (),
    handling_unit: Unit | None = None,
    parent: Order | None = None,
) -> Order:
    """Create a draft order with its lines and the 'created' history row. The caller (the type's
    service in the warehouse app) has checked what the lines may be; here: the applicant is a
    clerk of the unit, and the order has a title."""
    if not holds(actor, Role.ASSET_CLERK, applicant_unit.pk):
        raise ActionNotAllowed(_("只有本单位的资产管理员可以提交申请"))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写事由")})
    order = Order.objects.create(
        order_no=next_order_no(order_type=order_type, year=local_today().year),
        order_type=order_type,
        region_id=applicant_unit.region_id,
        applicant=actor,
        applicant_unit=applicant_unit,
        handling_unit=handling_unit,
        parent=parent,
        title=title[:200],
    )
    assets = Asset.objects.filter(pk__in=sorted(set(asset_ids))).select_related("book")
    lines = []
    for asset in assets:
        line = OrderLine(order=order, asset=asset)
        _snapshot_line(line, asset)
        lines.append(line)
    OrderLine.objects.bulk_create(lines)
    order.total_original_value_fen = sum(line.original_value_fen for line in lines)
    order.save(update_fields=["total_original_value_fen"])
    _history(order, Action.CREATE, "", OrderStatus.DRAFT, actor, role=Role.ASSET_CLERK)
    return order


def lock_editable(*, actor: User, order_id: int) -> Order:
    """Lock an order its applicant unit's clerk may still edit (draft or returned)."""
    order = lock_order(order_id)
    ensure_visible(actor, order)
    _require_clerk(actor, order)
    if order.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("单据当前状态为「%(status)s」，不能修改") % {"status": order.get_status_display()}
        )
    return order


@transaction.atomic
def order_lines_set(
    *, actor: User, order_id: int, asset_ids: Sequence[int], title: str | None = None
) -> Order:
    """Replace the lines of an editable order (the caller validated the assets). A removed line of
    a returned order lets go of its card (ledger event); added lines hold theirs from resubmission."""
    order = lock_editable(actor=actor, order_id=order_id)
    wanted = set(asset_ids)
    current = {line.asset_id: line for line in order.lines.all()}
    removed = [line for aid, line in current.items() if aid not in wanted]
    if removed:
        released = close_lines(order, line_ids=[line.pk for line in removed if line.is_open], actor=actor)
        if released:
            handler_for(order.order_type).on_release(order, actor, Action.RETURN_FOR_REVISION, released)
        OrderLine.objects.filter(pk__in=[line.pk for line in removed]).delete()
    new_lines = []
    for asset in Asset.objects.filter(pk__in=sorted(wanted - set(current))).select_related("book"):
        line = OrderLine(order=order, asset=asset)
        _snapshot_line(line, asset)
        new_lines.append(line)
    OrderLine.objects.bulk_create(new_lines)
    if title is not None:
        if not title.strip():
            raise ValidationError({"title": _("请填写事由")})
        order.title = title.strip()[:200]
    order.total_original_value_fen = sum(order.lines.values_list("original_value_fen", flat=True))
    order.updated_at = timezone.now()
    order.version += 1
    order.save()
    return order


# --- approval ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedStep:
    rule: StepRule
    unit: Unit


def _step_rules(order_type: str) -> list[StepRule]:
    flow = ApprovalFlow.objects.filter(order_type=order_type, is_active=True).first()
    if flow is None:
        raise ValidationError(_("该类单据尚未配置审批流程，请联系系统管理员"))
    return [
        StepRule(
            seq=s.seq,
            name=s.name,
            role=s.role,
            scope=s.scope,
            min_total_fen=s.min_total_value_fen,
            category_prefixes=parse_prefixes(s.category_prefixes),
            when_cross_department=s.when_cross_department,
        )
        for s in flow.steps.all()
    ]


def _units_holding(role: str) -> set[int]:
    return set(Membership.objects.filter(role=role, user__is_active=True).values_list("unit_id", flat=True))


def _resolve_unit(order: Order, rule: StepRule) -> Unit | None:
    """The unit where the step's role must be held, or None when the step does not apply."""
    if rule.scope == StepScope.OWN_UNIT:
        return order.applicant_unit
    if rule.scope == StepScope.KEEPER:
        if order.handling_unit is None:
            raise ValidationError(_("单据没有办理仓库，无法确定公物仓审核人"))
        return order.handling_unit
    if rule.scope == StepScope.SUPERVISING_UNIT:
        # The nearest supervising unit up the tree where someone holds the role; none: no step.
        with_role = _units_holding(rule.role)
        unit = order.applicant_unit.supervising_unit
        while unit is not None:
            if unit.pk in with_role:
                return unit
            unit = unit.supervising_unit
        return None
    if rule.scope == StepScope.FINANCE:
        with_role = _units_holding(rule.role)
        candidates = Unit.objects.filter(region_id=order.region_id, pk__in=with_role, is_active=True)
        unit = (
            candidates.filter(is_finance_office=True).order_by("tree_path").first()
            or candidates.order_by("tree_path").first()
        )
        if unit is None:
            raise ValidationError(_("本区域没有财政部门审批人员，请联系系统管理员"))
        return unit
    raise ValidationError(f"未知的审批范围：{rule.scope}")


def eligible_approvers(order: Order, *, role: str, unit_id: int) -> list[User]:
    """People who may decide a step: they hold the role in the unit, did not file the order and
    will not receive its goods."""
    field, receiver_role = handler_for(order.order_type).receiver
    receiver_unit = getattr(order, f"{field}_id")
    receivers = set(
        Membership.objects.filter(unit_id=receiver_unit, role=receiver_role).values_list("user_id", flat=True)
    )
    people = (
        User.objects.filter(
            is_active=True, pk__in=Membership.objects.filter(unit_id=unit_id, role=role).values("user_id")
        )
        .exclude(pk=order.applicant_id)
        .order_by("pk")
    )
    return [u for u in people if u.pk not in receivers]


def plan_approval(order: Order) -> list[PlannedStep]:
    """The steps this order takes, with their units resolved; each must have someone to decide."""
    facts = handler_for(order.order_type).facts(order)
    planned = []
    for rule in applicable_steps(_step_rules(order.order_type), facts):
        unit = _resolve_unit(order, rule)
        if unit is None:
            continue
        if not eligible_approvers(order, role=rule.role, unit_id=unit.pk):
            raise ValidationError(
                _(
                    "审批步骤「%(name)s」没有可审批的人员（%(unit)s没有其他%(role)s；申请人和收货人不能审批自己的单据），请联系系统管理员配置角色"
                )
                % {"name": rule.name, "unit": unit.display_name, "role": Role(rule.role).label}
            )
        planned.append(PlannedStep(rule, unit))
    if not planned:
        raise ValidationError(_("审批流程中没有适用于本单据的步骤，请联系系统管理员"))
    return planned


@transaction.atomic
def order_submit(*, actor: User, order_id: int, comment: str = "") -> Order:
    """Submit (or resubmit after revision): hold the cards, route the approval, tell the first
    approvers. One history row; the type's ledger events on each card."""
    order = lock_order(order_id)
    ensure_visible(actor, order)
    _require_clerk(actor, order)
    check_action(order, Action.SUBMIT)
    handler = handler_for(order.order_type)
    lines = list(order.lines.all())
    if not lines and not handler.lines_optional:
        raise ValidationError(_("请至少选择一项资产"))
    cards = lock_cards([line.asset_id for line in lines])
    for line in lines:
        _snapshot_line(line, cards[line.asset_id])
    OrderLine.objects.bulk_update(lines, ["original_value_fen", "accumulated_depreciation_fen", "condition"])
    order.total_original_value_fen = sum(line.original_value_fen for line in lines)
    handler.validate_submit(order, actor)
    newly_held = [line for line in lines if not line.is_open]
    open_lines(order, cards, newly_held)
    planned = plan_approval(order)
    order.approval_round += 1
    OrderApproval.objects.bulk_create(
        [
            OrderApproval(
                order=order,
                round=order.approval_round,
                seq=i,
                name=step.rule.name,
                role=step.rule.role,
                unit=step.unit,
                status=ApprovalStatus.PENDING if i == 1 else ApprovalStatus.WAITING,
            )
            for i, step in enumerate(planned, start=1)
        ]
    )
    transition(
        order,
        action=Action.SUBMIT,
        target=OrderStatus.SUBMITTED,
        actor=actor,
        comment=comment,
        role=Role.ASSET_CLERK,
    )
    handler.on_submit(order, actor, [line.pk for line in newly_held])
    first = planned[0]
    notify(
        eligible_approvers(order, role=first.rule.role, unit_id=first.unit.pk),
        order=order,
        title=f"待审批：{order.order_no} {order.title}",
        body=f"{order.applicant_unit.display_name} {order.applicant} 提交了"
        f"{order.get_order_type_display()}申请，请在「{first.rule.name}」环节审批。",
    )
    return order


def current_approval(order: Order) -> OrderApproval | None:
    return order.approvals.filter(status=ApprovalStatus.PENDING).select_related("unit").first()


def can_decide(user: User, order: Order, approval: OrderApproval | None) -> bool:
    return (
        approval is not None
        and order.status in APPROVAL_STATUSES
        and holds(user, approval.role, approval.unit_id)
        and user.pk != order.applicant_id
        and not is_receiver(user, order)
    )


def _lock_for_decision(actor: User, order_id: int, action: str) -> tuple[Order, OrderApproval]:
    order = lock_order(order_id)
    ensure_visible(actor, order)
    check_action(order, action)
    approval = current_approval(order)
    if approval is None:
        raise ValidationError(_("单据没有待审批的环节"))
    if actor.pk == order.applicant_id:
        raise ActionNotAllowed(_("不能审批自己提交的单据"))
    if is_receiver(actor, order):
        raise ActionNotAllowed(_("您将接收该单据的资产，不能审批（职责分离）"))
    if not holds(actor, approval.role, approval.unit_id):
        raise ActionNotAllowed(
            _("当前环节「%(name)s」应由%(unit)s的%(role)s审批")
            % {"name": approval.name, "unit": approval.unit.display_name, "role": Role(approval.role).label}
        )
    return order, approval


def _decide(approval: OrderApproval, actor: User, status: str, comment: str) -> None:
    approval.status = status
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.comment = comment
    approval.save(update_fields=["status", "decided_by", "decided_at", "comment"])


def _cancel_waiting(order: Order) -> None:
    order.approvals.filter(status__in=[ApprovalStatus.WAITING, ApprovalStatus.PENDING]).update(
        status=ApprovalStatus.CANCELLED
    )


@transaction.atomic
def order_approve(*, actor: User, order_id: int, comment: str = "") -> Order:
    """Approve the current step. The next step becomes current, or the order is approved and the
    people who execute it are told."""
    order, approval = _lock_for_decision(actor, order_id, Action.APPROVE)
    _decide(approval, actor, ApprovalStatus.APPROVED, comment.strip())
    following = order.approvals.filter(round=order.approval_round, status=ApprovalStatus.WAITING).order_by(
        "seq"
    )
    nxt = following.first()
    if nxt is not None:
        nxt.status = ApprovalStatus.PENDING
        nxt.save(update_fields=["status"])
        transition(
            order,
            action=Action.APPROVE,
            target=OrderStatus.IN_APPROVAL,
            actor=actor,
            comment=comment,
            role=approval.role,
        )
        notify(
            eligible_approvers(order, role=nxt.role, unit_id=nxt.unit_id),
            order=order,
            title=f"待审批：{order.order_no} {order.title}",
            body=f"{approval.name}已同意，请在「{nxt.name}」环节审批。",
        )
        return order
    transition(
        order,
        action=Action.APPROVE,
        target=OrderStatus.APPROVED,
        actor=actor,
        comment=comment,
        role=approval.role,
    )
    handler_for(order.order_type).on_approved(order, actor)
    notify(
        [order.applicant], order=order, title=f"已审批通过：{order.order_no}", body=order.title, exclude=actor
    )
    if order.status == OrderStatus.APPROVED and order.handling_unit_id:
        notify(
            holders(unit_id=order.handling_unit_id, role=Role.KEEPER),
            order=order,
            title=f"待办理：{order.order_no} {order.title}",
            body="单据已审批通过，请办理。",
            exclude=actor,
        )
    return order


def _require_comment(comment: str, what: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("%(what)s时请填写意见，说明原因") % {"what": _(what)}})
    return comment


@transaction.atomic
def order_reject(*, actor: User, order_id: int, comment: str) -> Order:
    """Reject at the current step (a reason is required): the order ends and lets go of its cards."""
    comment = _require_comment(comment, "驳回")
    order, approval = _lock_for_decision(actor, order_id, Action.REJECT)
    _decide(approval, actor, ApprovalStatus.REJECTED, comment)
    _cancel_waiting(order)
    lock_cards(order.lines.filter(is_open=True).values_list("asset_id", flat=True))
    released = close_lines(order, actor=actor)
    transition(
        order,
        action=Action.REJECT,
        target=OrderStatus.REJECTED,
        actor=actor,
        comment=comment,
        role=approval.role,
    )
    handler_for(order.order_type).on_release(order, actor, Action.REJECT, released)
    notify(
        [order.applicant], order=order, title=f"已驳回：{order.order_no}", body=f"{approval.name}：{comment}"
    )
    return order


@transaction.atomic
def order_return(*, actor: User, order_id: int, comment: str) -> Order:
    """Return for revision (a reason is required): the applicant edits and resubmits; the order
    keeps holding its cards meanwhile."""
    comment = _require_comment(comment, "退回修改")
    order, approval = _lock_for_decision(actor, order_id, Action.RETURN_FOR_REVISION)
    _decide(approval, actor, ApprovalStatus.RETURNED, comment)
    _cancel_waiting(order)
    transition(
        order,
        action=Action.RETURN_FOR_REVISION,
        target=OrderStatus.RETURNED,
        actor=actor,
        comment=comment,
        role=approval.role,
    )
    notify(
        [*holders(unit_id=order.applicant_unit_id, role=Role.ASSET_CLERK), order.applicant],
        order=order,
        title=f"退回修改：{order.order_no}",
        body=f"{approval.name}：{comment}",
    )
    return order


def can_cancel(user: User, order: Order) -> bool:
    if order.status in (
        OrderStatus.DRAFT,
        OrderStatus.RETURNED,
        OrderStatus.SUBMITTED,
        OrderStatus.IN_APPROVAL,
    ):
        return holds(user, Role.ASSET_CLERK, order.applicant_unit_id)
    if order.status == OrderStatus.APPROVED:
        return holds(user, Role.ASSET_CLERK, order.applicant_unit_id) or holds(
            user, Role.KEEPER, order.handling_unit_id
        )
    return False


@transaction.atomic
def order_cancel(*, actor: User, order_id: int, comment: str = "") -> Order:
    """Withdraw an order before it is executed (the applicant's clerk; after approval also the
    keeper). A submitted order needs a reason; its cards are let go."""
    order = lock_order(order_id)
    ensure_visible(actor, order)
    check_action(order, Action.CANCEL)
    if not can_cancel(actor, order):
        raise ActionNotAllowed(_("您不能撤销该单据"))
    if order.status != OrderStatus.DRAFT:
        comment = _require_comment(comment, "撤销")
    _cancel_waiting(order)
    lock_cards(order.lines.filter(is_open=True).values_list("asset_id", flat=True))
    released = close_lines(order, actor=actor)
    role = Role.ASSET_CLERK if holds(actor, Role.ASSET_CLERK, order.applicant_unit_id) else Role.KEEPER
    transition(
        order, action=Action.CANCEL, target=OrderStatus.CANCELLED, actor=actor, comment=comment, role=role
    )
    handler_for(order.order_type).on_release(order, actor, Action.CANCEL, released)
    notify([order.applicant], order=order, title=f"已撤销：{order.order_no}", body=comment, exclude=actor)
    return order


# --- comments and files ----------------------------------------------------------------------


def can_comment(user: User, order: Order) -> bool:
    """Everyone who takes part in the order may remark on it, except read-only roles (auditors);
    onlookers (the giving unit of a virtual listing) only read."""
    return any(role != Role.AUDITOR for _u, role in scope_for(user).roles) and not is_onlooker(user, order)


@transaction.atomic
def order_comment_add(*, actor: User, order_id: int, text: str) -> OrderComment:
    order = lock_order(order_id)
    ensure_visible(actor, order)
    if not can_comment(actor, order):
        if is_onlooker(actor, order):
            raise ActionNotAllowed(_("您的单位只能查看该单据，不能发表意见"))
        raise ActionNotAllowed(_("审计人员只能查看，不能发表意见"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写意见内容")})
    return OrderComment.objects.create(order=order, author=actor, text=text[:2000])


def can_attach(user: User, order: Order) -> bool:
    if order.status in OPEN_STATUSES | {OrderStatus.DRAFT} and holds(
        user, Role.ASSET_CLERK, order.applicant_unit_id
    ):
        return True
    return order.status in (OrderStatus.APPROVED, OrderStatus.EXECUTING) and holds(
        user, Role.KEEPER, order.handling_unit_id
    )


@atomic_with_files()
def order_attach_file(
    *, actor: User, order_id: int, kind: str, uploaded: UploadedFile, line_id: int | None = None
) -> OrderAttachment:
    """Attach a document or photo to an order (or one of its lines), after checking its real type."""
    order = lock_order(order_id)
    ensure_visible(actor, order)
    if not can_attach(actor, order):
        raise ActionNotAllowed(_("您现在不能向该单据上传附件"))
    line = None
    if line_id is not None:
        line = order.lines.filter(pk=line_id).first()
        if line is None:
            raise ValidationError({"line": _("明细不属于该单据")})
    photo = kind == "photo"
    limit = settings.ATTACHMENT_MAX_PHOTO_BYTES if photo else settings.ATTACHMENT_MAX_DOCUMENT_BYTES
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    try:
        checked = check_attachment(
            kind="photo" if photo else "document",
            filename=uploaded.name or "",
            size=uploaded.size or 0,
            head=head,
            max_bytes=limit,
        )
    except AttachmentRejected as exc:
        raise ValidationError({"file": str(exc)}) from exc
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    attachment = OrderAttachment(
        order=order,
        line=line,
        kind=kind,
        original_name=(uploaded.name or "")[:255],
        content_type=checked.content_type,
        size_bytes=uploaded.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(f"upload.{checked.extension}", uploaded, save=False)
    remember_saved(attachment.file.storage, attachment.file.name or "")
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


# --- configuration -------------------------------------------------------------------------


@transaction.atomic
def approval_flows_load_defaults(*, replace: bool = False) -> int:
    """Create the default flow (DOMAIN.md §4) of every order type that has none (or all, if
    `replace`). Returns how many flows were written."""
    from .domain.default_flows import DEFAULT_FLOWS
    from .models import ApprovalStep

    written = 0
    for order_type, (name, steps) in DEFAULT_FLOWS.items():
        flow = ApprovalFlow.objects.filter(order_type=order_type).first()
        if flow is not None and not replace:
            continue
        if flow is None:
            flow = ApprovalFlow.objects.create(order_type=order_type, name=name)
        else:
            flow.steps.all().delete()
            flow.name = name
            flow.is_active = True
            flow.save()
        for seq, step_name, role, scope, threshold, prefixes, cross in steps:
            ApprovalStep.objects.create(
                flow=flow,
                seq=seq,
                name=step_name,
                role=role,
                scope=scope,
                min_total_value_fen=threshold,
                category_prefixes=prefixes,
                when_cross_department=cross,
            )
        written += 1
    return written
