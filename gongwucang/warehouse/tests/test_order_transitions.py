"""Every approval transition of every order type: allowed, wrong state, wrong role, self-approval,
the receiver's approval, exactly one history row, the right ledger events, nothing written on
failure. (Execution steps — receive, dispatch, sign, lend, return — are in test_intake,
test_allocation and test_loan.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gongwucang.assets.models import AssetEvent
from gongwucang.core.dates import local_today
from gongwucang.core.testing import make_asset, make_user
from gongwucang.org.domain.roles import Role
from gongwucang.org.scoping import forget_scope
from gongwucang.org.services import membership_grant
from gongwucang.warehouse import services
from gongwucang.warehouse.domain.choices import IntakeSource
from gongwucang.warehouse.models import PoolItem
from gongwucang.warehouse.testing import approve_all, stock_item
from gongwucang.workflow import services as wf
from gongwucang.workflow.exceptions import ActionNotAllowed, OrderNotFound
from gongwucang.workflow.models import (
    ApprovalStatus,
    Notification,
    Order,
    OrderApproval,
    OrderHistory,
    OrderLine,
)

TYPES = ["intake", "allocation", "loan", "loan_extension"]
# Ledger events written on each card when the order starts / stops holding it.
HOLD_EVENT = {
    "intake": "intake_requested",
    "allocation": "allocation_requested",
    "loan": "loan_requested",
    "loan_extension": None,
}


def make_order(kind: str, world, stores, *, submit: bool = True) -> Order:  # type: ignore[no-untyped-def]
    """An order of `kind` filed by the school's clerk (draft or submitted)."""
    clerk = world.clerk_sch
    if kind == "intake":
        asset = make_asset(actor=clerk, unit=world.SCH, status="idle")
        return services.intake_create(
            actor=clerk,
            warehouse_id=stores.physical.pk,
            source=IntakeSource.IDLE,
            asset_ids=[asset.pk],
            submit=submit,
        )
    item = stock_item(world, stores)
    if kind == "allocation":
        return services.allocation_request(
            actor=clerk, pool_item_ids=[item.pk], purpose="教学用", submit=submit
        )[0]
    loan = services.loan_request(
        actor=clerk,
        pool_item_ids=[item.pk],
        purpose="运动会",
        due_on=local_today() + dt.timedelta(days=14),
        submit=submit or kind != "loan",
    )[0]
    if kind == "loan":
        return loan
    approve_all(loan, world)
    services.loan_lend(actor=world.keeper, order_id=loan.pk)
    return services.loan_extension_request(
        actor=clerk,
        loan_order_id=loan.pk,
        new_due_on=local_today() + dt.timedelta(days=30),
        reason="活动延长",
        submit=submit,
    )


def first_approver(order: Order):  # type: ignore[no-untyped-def]
    approval = wf.current_approval(order)
    return wf.eligible_approvers(order, role=approval.role, unit_id=approval.unit_id)[0]


def state(order: Order) -> tuple:
    """Everything a failed action must leave as it was."""
    order.refresh_from_db()
    return (
        order.status,
        order.version,
        order.approval_round,
        OrderHistory.objects.count(),
        AssetEvent.objects.count(),
        Notification.objects.count(),
        list(OrderApproval.objects.filter(order=order).values_list("status", flat=True)),
        list(OrderLine.objects.filter(order=order).values_list("is_open", "outcome")),
        PoolItem.objects.count(),
    )


def new_rows(order: Order, before: int) -> list[OrderHistory]:
    return list(OrderHistory.objects.filter(order=order).order_by("id"))[before:]


def card_events(order: Order, since: int) -> list[str]:
    return list(
        AssetEvent.objects.filter(pk__gt=since, reference=order.order_no)
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def last_event_id() -> int:
    return AssetEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- submit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", TYPES)
def test_submit(kind, world, stores):
    order = make_order(kind, world, stores, submit=False)
    assert order.status == "draft" and order.history.count() == 1  # 'created'
    since, notes = last_event_id(), Notification.objects.count()
    wf.order_submit(actor=world.clerk_sch, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "submitted"
    rows = new_rows(order, 1)
    assert [(r.action, r.from_status, r.to_status, r.actor) for r in rows] == [
        ("submit", "draft", "submitted", world.clerk_sch)
    ]
    expected = [HOLD_EVENT[kind]] * order.lines.count() if HOLD_EVENT[kind] else []
    assert card_events(order, since) == expected
    assert all(order.lines.values_list("is_open", flat=True))
    approvals = list(order.approvals.order_by("seq"))
    assert approvals[0].status == ApprovalStatus.PENDING
    assert all(a.status == ApprovalStatus.WAITING for a in approvals[1:])
    # The first step's approvers are told (in the app; e-mail when they have an address).
    assert Notification.objects.count() > notes
    assert Notification.objects.filter(order=order, recipient=world.head_sch).exists()


@pytest.mark.parametrize("kind", TYPES)
def test_submit_wrong_state_changes_nothing(kind, world, stores):
    order = make_order(kind, world, stores)
    before = state(order)
    with pytest.raises(ValidationError, match="不能提交"):
        wf.order_submit(actor=world.clerk_sch, order_id=order.pk)
    assert state(order) == before


@pytest.mark.parametrize("kind", TYPES)
def test_submit_wrong_role_changes_nothing(kind, world, stores):
    order = make_order(kind, world, stores, submit=False)
    before = state(order)
    with pytest.raises(ActionNotAllowed):
        wf.order_submit(actor=world.head_sch, order_id=order.pk)
    with pytest.raises(OrderNotFound):  # another unit's clerk does not even see it
        wf.order_submit(actor=world.clerk_cln, order_id=order.pk)
    assert state(order) == before


# --- approve --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", TYPES)
def test_approve_one_step(kind, world, stores):
    order = make_order(kind, world, stores)
    rows, since = order.history.count(), last_event_id()
    steps = order.approvals.count()
    wf.order_approve(actor=world.head_sch, order_id=order.pk, comment="同意")
    order.refresh_from_db()
    expected = "approved" if steps == 1 else "in_approval"
    assert [(r.action, r.to_status, r.actor, r.comment) for r in new_rows(order, rows)] == [
        ("approve", expected, world.head_sch, "同意")
    ]
    assert card_events(order, since) == []  # an approval touches no card
    first = order.approvals.get(seq=1)
    assert (first.status, first.decided_by, first.comment) == (
        ApprovalStatus.APPROVED,
        world.head_sch,
        "同意",
    )
    if steps > 1:
        assert order.approvals.get(seq=2).status == ApprovalStatus.PENDING


@pytest.mark.parametrize("kind", TYPES)
def test_approve_all_steps_reaches_approved(kind, world, stores):
    order = approve_all(make_order(kind, world, stores), world)
    if kind == "loan_extension":  # an approved extension takes effect at once
        assert order.status == "done"
        assert order.parent.loan.due_on == order.extension.new_due_on
    else:
        assert order.status == "approved"
    assert order.history.filter(action="approve").count() == order.approvals.count()


@pytest.mark.parametrize("kind", TYPES)
def test_approve_wrong_state_changes_nothing(kind, world, stores):
    order = make_order(kind, world, stores, submit=False)
    before = state(order)
    with pytest.raises(ValidationError, match="不能同意"):
        wf.order_approve(actor=world.head_sch, order_id=order.pk)
    assert state(order) == before


@pytest.mark.parametrize("kind", TYPES)
def test_approve_wrong_role_changes_nothing(kind, world, stores):
    order = make_order(kind, world, stores)
    before = state(order)
    for intruder in (world.finance, world.supervisor, world.auditor, world.admin):
        with pytest.raises(ActionNotAllowed, match="当前环节"):
            wf.order_approve(actor=intruder, order_id=order.pk)
    for outsider in (world.head_cln, world.head_oth, world.nobody):
        with pytest.raises(OrderNotFound):
            wf.order_approve(actor=outsider, order_id=order.pk)
    assert state(order) == before


@pytest.mark.parametrize("kind", TYPES)
def test_self_approval_refused(kind, world, stores):
    """The applicant also heads the unit: they still may not approve their own order."""
    membership_grant(user=world.clerk_sch, unit=world.SCH, role=Role.UNIT_HEAD)
    forget_scope(world.clerk_sch)
    order = make_order(kind, world, stores)
    before = state(order)
    with pytest.raises(ActionNotAllowed, match="不能审批自己提交的单据"):
        wf.order_approve(actor=world.clerk_sch, order_id=order.pk)
    assert state(order) == before
    assert world.clerk_sch not in wf.eligible_approvers(order, role=Role.UNIT_HEAD, unit_id=world.SCH.pk)


def test_keeper_does_not_approve_what_they_will_receive(world, stores):
    """The keeper also holds the head role of the school: they may not approve its intake into
    their own warehouse (DOMAIN.md §2), and the step still has the real head."""
    membership_grant(user=world.keeper, unit=world.SCH, role=Role.UNIT_HEAD)
    forget_scope(world.keeper)
    order = make_order("intake", world, stores)
    before = state(order)
    with pytest.raises(ActionNotAllowed, match="职责分离"):
        wf.order_approve(actor=world.keeper, order_id=order.pk)
    assert state(order) == before
    assert world.keeper not in wf.eligible_approvers(order, role=Role.UNIT_HEAD, unit_id=world.SCH.pk)


def test_receiving_clerk_does_not_approve_an_allocation(world, stores):
    """A second clerk of the school who also heads it will receive the goods: not an approver."""
    second = make_user("clerk2_sch", world.SCH, Role.ASSET_CLERK)
    membership_grant(user=second, unit=world.SCH, role=Role.UNIT_HEAD)
    order = make_order("allocation", world, stores)
    with pytest.raises(ActionNotAllowed, match="职责分离"):
        wf.order_approve(actor=second, order_id=order.pk)


def test_submit_refused_when_nobody_may_approve_a_step(world, stores):
    """If the only head of the unit is the applicant, submission says so instead of stranding it."""
    world.head_sch.memberships.all().delete()
    membership_grant(user=world.clerk_sch, unit=world.SCH, role=Role.UNIT_HEAD)
    forget_scope(world.clerk_sch)
    order = make_order("intake", world, stores, submit=False)
    before = state(order)
    with pytest.raises(ValidationError, match="没有可审批的人员"):
        wf.order_submit(actor=world.clerk_sch, order_id=order.pk)
    assert state(order) == before


# --- reject, return, cancel -----------------------------------------------------------------


@pytest.mark.parametrize("kind", TYPES)
def test_reject(kind, world, stores):
    order = make_order(kind, world, stores)
    before = state(order)
    with pytest.raises(ValidationError, match="请填写意见"):
        wf.order_reject(actor=world.head_sch, order_id=order.pk, comment="  ")
    assert state(order) == before
    with pytest.raises(ActionNotAllowed):
        wf.order_reject(actor=world.finance, order_id=order.pk, comment="不同意")
    assert state(order) == before
    rows, since = order.history.count(), last_event_id()
    wf.order_reject(actor=world.head_sch, order_id=order.pk, comment="暂不需要")
    order.refresh_from_db()
    assert order.status == "rejected" and order.closed_at is not None
    assert [(r.action, r.to_status, r.comment) for r in new_rows(order, rows)] == [
        ("reject", "rejected", "暂不需要")
    ]
    assert not order.lines.filter(is_open=True).exists()
    released = ["order_released"] * order.lines.count() if HOLD_EVENT[kind] else []
    assert card_events(order, since) == released
    assert not order.approvals.filter(status__in=["pending", "waiting"]).exists()
    assert Notification.objects.filter(
        order=order, recipient=world.clerk_sch, title__startswith="已驳回"
    ).exists()
    with pytest.raises(ValidationError):  # a rejected order is closed for good
        wf.order_submit(actor=world.clerk_sch, order_id=order.pk)


@pytest.mark.parametrize("kind", TYPES)
def test_return_for_revision_and_resubmit(kind, world, stores):
    order = make_order(kind, world, stores)
    with pytest.raises(ValidationError):
        wf.order_return(actor=world.head_sch, order_id=order.pk, comment="")
    rows, since = order.history.count(), last_event_id()
    wf.order_return(actor=world.head_sch, order_id=order.pk, comment="请补充移交清单")
    order.refresh_from_db()
    assert order.status == "returned"
    assert [(r.action, r.to_status) for r in new_rows(order, rows)] == [("return_for_revision", "returned")]
    assert card_events(order, since) == []
    assert all(order.lines.values_list("is_open", flat=True))  # still holds its cards meanwhile
    # Resubmitted: a new approval round, starting again at the first step.
    wf.order_submit(actor=world.clerk_sch, order_id=order.pk, comment="已补充")
    order.refresh_from_db()
    assert order.status == "submitted" and order.approval_round == 2
    assert card_events(order, since) == []  # the cards were held all along: no second event
    assert order.approvals.filter(round=2, seq=1, status="pending").exists()
    assert order.approvals.filter(status="pending").count() == 1
    assert order.approvals.get(round=1, seq=1).status == ApprovalStatus.RETURNED


@pytest.mark.parametrize("kind", TYPES)
def test_cancel_submitted(kind, world, stores):
    order = make_order(kind, world, stores)
    before = state(order)
    with pytest.raises(ValidationError, match="撤销时请填写意见"):
        wf.order_cancel(actor=world.clerk_sch, order_id=order.pk, comment="")
    with pytest.raises(ActionNotAllowed):
        wf.order_cancel(actor=world.head_sch, order_id=order.pk, comment="撤销")
    assert state(order) == before
    rows, since = order.history.count(), last_event_id()
    wf.order_cancel(actor=world.clerk_sch, order_id=order.pk, comment="不再需要")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert [(r.action, r.to_status) for r in new_rows(order, rows)] == [("cancel", "cancelled")]
    released = ["order_released"] * order.lines.count() if HOLD_EVENT[kind] else []
    assert card_events(order, since) == released
    assert not order.lines.filter(is_open=True).exists()


@pytest.mark.parametrize("kind", TYPES)
def test_cancel_draft_needs_no_reason_and_touches_no_card(kind, world, stores):
    order = make_order(kind, world, stores, submit=False)
    since = last_event_id()
    wf.order_cancel(actor=world.clerk_sch, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "cancelled" and card_events(order, since) == []
    with pytest.raises(ValidationError, match="不能撤销"):
        wf.order_cancel(actor=world.clerk_sch, order_id=order.pk)


def test_keeper_may_cancel_an_approved_allocation(world, stores):
    order = approve_all(make_order("allocation", world, stores), world)
    with pytest.raises(ActionNotAllowed):
        wf.order_cancel(actor=world.head_sch, order_id=order.pk, comment="x")
    wf.order_cancel(actor=world.keeper, order_id=order.pk, comment="物品损坏，无法出仓")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.history.last().actor_role == Role.KEEPER


def test_comments_by_everyone_but_the_auditor(world, stores):
    order = make_order("intake", world, stores)
    wf.order_comment_add(actor=world.finance, order_id=order.pk, text="请附发票")
    with pytest.raises(ActionNotAllowed):
        wf.order_comment_add(actor=world.auditor, order_id=order.pk, text="x")
    with pytest.raises(OrderNotFound):
        wf.order_comment_add(actor=world.clerk_oth, order_id=order.pk, text="x")
    assert list(order.comments.values_list("text", flat=True)) == ["请附发票"]


def test_order_numbers_are_per_type_and_never_reused(world, stores):
    first = make_order("intake", world, stores, submit=False)
    wf.order_cancel(actor=world.clerk_sch, order_id=first.pk)
    second = make_order("intake", world, stores, submit=False)
    year = local_today().year
    assert first.order_no == f"RC-{year}-000001" and second.order_no == f"RC-{year}-000002"
    allocation = make_order("allocation", world, stores, submit=False)
    assert allocation.order_no == f"DB-{year}-000001"
