"""The scheduler enqueues the loan reminders through the Tasks API, once per interval."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from gongwucang.core.dates import local_today
from gongwucang.warehouse import services
from gongwucang.warehouse.testing import approve_all, stock_item
from gongwucang.workflow.models import Notification, ScheduledRun
from gongwucang.workflow.scheduling import enqueue_due, periodic_tasks


def test_periodic_tasks_are_collected():
    assert "warehouse.loan_reminders" in {p.name for p in periodic_tasks()}


def test_enqueue_once_per_interval_and_the_task_runs(world, stores):
    item = stock_item(world, stores)
    order = approve_all(
        services.loan_request(
            actor=world.clerk_sch,
            pool_item_ids=[item.pk],
            purpose="x",
            due_on=local_today() + dt.timedelta(days=1),
        )[0],
        world,
    )
    services.loan_lend(actor=world.keeper, order_id=order.pk)
    now = timezone.now()
    assert "warehouse.loan_reminders" in enqueue_due(now)  # the test backend runs it at once
    assert Notification.objects.filter(order=order, title__startswith="借用即将到期").exists()
    assert "warehouse.loan_reminders" not in enqueue_due(now + dt.timedelta(minutes=30))
    assert "warehouse.loan_reminders" in enqueue_due(now + dt.timedelta(hours=1))
    assert ScheduledRun.objects.get(name="warehouse.loan_reminders").last_enqueued_at == now + dt.timedelta(
        hours=1
    )


def test_command_once(db, capsys):
    call_command("run_scheduler", "--once")
    out = capsys.readouterr().out
    assert "warehouse.loan_reminders" in out
