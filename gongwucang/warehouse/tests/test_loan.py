"""Loans (借用/归还): lending, return inspection, extensions through approval, reminders, overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from gongwucang.assets.models import AssetEvent
from gongwucang.core.dates import local_today
from gongwucang.warehouse import services
from gongwucang.warehouse.models import LoanOrder, PoolItem
from gongwucang.warehouse.services import ReturnInspection
from gongwucang.warehouse.testing import approve_all, stock_item
from gongwucang.workflow import services as wf
from gongwucang.workflow.exceptions import ActionNotAllowed
from gongwucang.workflow.models import Notification, Order

TODAY = local_today()


def lent(world, stores, *, physical=True, days=10):  # type: ignore[no-untyped-def]
    item = stock_item(world, stores, physical=physical)
    order = services.loan_request(
        actor=world.clerk_sch,
        pool_item_ids=[item.pk],
        purpose="运动会",
        due_on=TODAY + dt.timedelta(days=days),
    )[0]
    approve_all(order, world)
    services.loan_lend(actor=world.keeper, order_id=order.pk)
    order.refresh_from_db()
    return order, item


@pytest.mark.parametrize("physical", [True, False])
def test_lend_and_return(world, stores, physical):
    order, item = lent(world, stores, physical=physical)
    asset = item.asset
    asset.refresh_from_db()
    owner = asset.owner_unit
    assert order.status == "executing"
    assert (asset.status, asset.user_unit, asset.owner_unit) == ("on_loan", world.SCH, owner)  # title stays
    assert PoolItem.objects.get(pk=item.pk).status == "on_loan"
    line = order.lines.get()
    with pytest.raises(ValidationError, match="每一项"):
        services.loan_return(actor=world.keeper, order_id=order.pk, inspections=[])
    with pytest.raises(ActionNotAllowed):
        services.loan_return(
            actor=world.clerk_sch, order_id=order.pk, inspections=[ReturnInspection(line.pk, "good")]
        )
    services.loan_return(
        actor=world.keeper,
        order_id=order.pk,
        inspections=[ReturnInspection(line.pk, "fair", "缺少电源适配器")],
    )
    order.refresh_from_db()
    asset.refresh_from_db()
    assert order.status == "done"
    assert [h.action for h in order.history.all()][-2:] == ["lend", "return_goods"]
    assert (asset.status, asset.user_unit, asset.condition) == ("in_warehouse", item.home_unit, "fair")
    assert asset.location == item.home_location
    assert [e.event_type for e in asset.events.order_by("-id")[:2]] == ["returned", "loaned"]
    assert order.loan.return_note.endswith("缺少电源适配器")
    assert PoolItem.objects.get(pk=item.pk).status == "in_stock"
    line.refresh_from_db()
    assert (line.outcome, line.is_open) == ("returned", False)


def test_lent_item_is_not_available_to_others(world, stores):
    _order, item = lent(world, stores)
    with pytest.raises(ValidationError):
        services.allocation_request(actor=world.clerk_cln, pool_item_ids=[item.pk], purpose="x")


def test_due_date_rules(world, stores):
    item = stock_item(world, stores)
    with pytest.raises(ValidationError, match="不能早于今天"):
        services.loan_request(
            actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="x", due_on=TODAY - dt.timedelta(days=1)
        )
    with pytest.raises(ValidationError, match="请填写用途"):
        services.loan_request(
            actor=world.clerk_sch, pool_item_ids=[item.pk], purpose=" ", due_on=TODAY + dt.timedelta(days=1)
        )


def test_extension_through_approval_moves_the_due_date(world, stores):
    order, _ = lent(world, stores)
    old_due = order.loan.due_on
    with pytest.raises(ValidationError, match="应晚于"):
        services.loan_extension_request(
            actor=world.clerk_sch, loan_order_id=order.pk, new_due_on=old_due, reason="x"
        )
    ext = services.loan_extension_request(
        actor=world.clerk_sch,
        loan_order_id=order.pk,
        new_due_on=old_due + dt.timedelta(days=7),
        reason="活动延期",
    )
    assert ext.order_no.startswith("YQ-") and ext.parent == order
    with pytest.raises(ValidationError, match="已有办理中的延期申请"):
        services.loan_extension_request(
            actor=world.clerk_sch,
            loan_order_id=order.pk,
            new_due_on=old_due + dt.timedelta(days=9),
            reason="x",
        )
    approve_all(ext, world)
    ext.refresh_from_db()
    order.refresh_from_db()
    assert ext.status == "done"
    assert order.loan.due_on == old_due + dt.timedelta(days=7)
    extend = order.history.get(action="extend")
    assert (extend.from_status, extend.to_status) == ("executing", "executing")
    assert ext.order_no in extend.comment


def test_rejected_extension_keeps_the_due_date(world, stores):
    order, _ = lent(world, stores)
    ext = services.loan_extension_request(
        actor=world.clerk_sch,
        loan_order_id=order.pk,
        new_due_on=order.loan.due_on + dt.timedelta(days=7),
        reason="x",
    )
    from gongwucang.workflow import services as wf

    wf.order_reject(actor=world.head_sch, order_id=ext.pk, comment="请按期归还")
    order.refresh_from_db()
    assert order.loan.due_on == TODAY + dt.timedelta(days=10)


def test_reminders_before_due_and_when_overdue(world, stores, django_capture_on_commit_callbacks):
    world.clerk_sch.email = "clerk_sch@example.cn"
    world.clerk_sch.save(update_fields=["email"])
    order, _ = lent(world, stores, days=2)
    day = TODAY
    with django_capture_on_commit_callbacks(execute=True):
        assert services.loan_reminders_send(today=day) == 1  # due in 2 days (≤ 3)
    assert services.loan_reminders_send(today=day) == 0  # once only
    assert Notification.objects.filter(order=order, title__startswith="借用即将到期").exists()
    assert any("借用即将到期" in m.subject for m in mail.outbox)
    late = day + dt.timedelta(days=4)
    assert services.loan_reminders_send(today=late) == 1
    assert services.loan_reminders_send(today=late) == 0  # once a day
    assert services.loan_reminders_send(today=late + dt.timedelta(days=1)) == 1
    overdue = Notification.objects.filter(order=order, title__startswith="借用已逾期")
    assert overdue.filter(recipient=world.clerk_sch).count() == 2  # one a day
    assert overdue.filter(recipient=world.keeper).exists()  # the keeper hears of overdue loans
    LoanOrder.objects.filter(pk=order.pk).update(due_on=late + dt.timedelta(days=30))


def test_overdue_list(world, stores):
    from gongwucang.warehouse import selectors

    order, _ = lent(world, stores, days=1)
    assert not selectors.overdue_loans(actor=world.keeper, today=TODAY).exists()
    later = TODAY + dt.timedelta(days=5)
    assert list(selectors.overdue_loans(actor=world.keeper, today=later)) == [order.loan]
    assert list(selectors.overdue_loans(actor=world.clerk_sch, today=later)) == [order.loan]
    assert not selectors.overdue_loans(actor=world.clerk_cln, today=later).exists()
    assert Order.objects.get(pk=order.pk).status == "executing"


def test_loan_submission_writes_exactly_one_event_per_card(world, stores):
    """The loan holds its cards from submission: each card gets one 申请借用 event then, none at
    approval, and its trail reads requested → lent → returned; a draft writes nothing."""
    items = [stock_item(world, stores), stock_item(world, stores, physical=False)]
    since = AssetEvent.objects.order_by("-id").values_list("id", flat=True).first()
    draft = services.loan_request(
        actor=world.clerk_sch,
        pool_item_ids=[i.pk for i in items],
        purpose="运动会",
        due_on=TODAY + dt.timedelta(days=5),
        submit=False,
    )
    assert not AssetEvent.objects.filter(pk__gt=since).exists()
    for order in draft:
        wf.order_submit(actor=world.clerk_sch, order_id=order.pk)
    events = list(AssetEvent.objects.filter(pk__gt=since).values_list("asset_id", "event_type", "reference"))
    assert sorted(events) == sorted((o.lines.get().asset_id, "loan_requested", o.order_no) for o in draft)
    order = draft[0]
    approve_all(order, world)
    services.loan_lend(actor=world.keeper, order_id=order.pk)
    line = order.lines.get()
    services.loan_return(
        actor=world.keeper, order_id=order.pk, inspections=[ReturnInspection(line.pk, "good")]
    )
    trail = list(
        AssetEvent.objects.filter(asset_id=line.asset_id, reference=order.order_no)
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    assert trail == ["loan_requested", "loaned", "returned"]
