"""One open order per item under real concurrency (PostgreSQL): many units ask for the same laptop
at the same moment, each through its own HTTP request on its own database connection. Exactly one
wins; every other gets a clear Chinese message; nobody gets a 500; nothing of the losers remains.
Also two approvers deciding the same step at once: one decision counts."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from gongwucang.assets.models import AssetEvent
from gongwucang.core.testing import make_user
from gongwucang.org.domain.roles import Role
from gongwucang.org.models import UnitKind
from gongwucang.org.services import unit_create
from gongwucang.warehouse import services
from gongwucang.warehouse.testing import stock_item
from gongwucang.workflow.models import Order, OrderHistory, OrderLine

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="需要 PostgreSQL：跨连接的行锁"),
]

REQUESTERS = int(os.environ.get("GWC_RACE_REQUESTERS", "12"))  # raise it to run the race at scale


def run_parallel(calls):  # type: ignore[no-untyped-def]
    """Start every call at the same instant, each in its own thread (own DB connection)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, call):  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # recorded and asserted on below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_many_units_request_the_same_laptop_at_once(world, stores):
    item = stock_item(world, stores)
    clerks = []
    for n in range(REQUESTERS):
        unit = unit_create(
            region=world.region,
            code=f"R{n:02d}",
            name=f"请求单位{n}",
            kind=UnitKind.PUBLIC_INSTITUTION,
            supervising_unit=world.SUP,
        )
        make_user(f"head_r{n}", unit, Role.UNIT_HEAD)
        clerks.append(make_user(f"clerk_r{n}", unit, Role.ASSET_CLERK))
    clients = []
    for clerk in clerks:
        client = Client(raise_request_exception=False)
        client.force_login(clerk)
        clients.append(client)
    url = reverse("warehouse:item_request", args=[item.pk])

    def request(client):  # type: ignore[no-untyped-def]
        def call():  # type: ignore[no-untyped-def]
            response = client.post(
                url, {"mode": "allocation", "purpose": "抢同一台笔记本", "submit_now": "on"}, follow=True
            )
            return response.status_code, [r[0] for r in response.redirect_chain], response.content.decode()

        return call

    results = run_parallel([request(c) for c in clients])
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert all(status == 200 for status, _chain, _html in results)  # no 500, every request answered
    winners = [r for r in results if "已提交" in r[2] and "/workflow/orders/" in r[1][0]]
    losers = [r for r in results if "已在其他单据中办理" in r[2]]
    assert len(winners) == 1
    assert len(losers) == REQUESTERS - 1
    # The database agrees: one allocation order, one open line, one reservation event.
    assert Order.objects.filter(order_type="allocation").count() == 1
    assert OrderLine.objects.filter(asset=item.asset, is_open=True).count() == 1
    assert AssetEvent.objects.filter(asset=item.asset, event_type="allocation_requested").count() == 1


def test_two_approvers_decide_the_same_step_at_once(world, stores):
    second_head = make_user("head2_sch", world.SCH, Role.UNIT_HEAD)
    item = stock_item(world, stores)
    order = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="x")[0]
    clients = []
    for user in (world.head_sch, second_head):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    url = reverse("workflow:order_approve", args=[order.pk])

    def approve(client):  # type: ignore[no-untyped-def]
        return lambda: client.post(url, {"comment": "同意"}, follow=True).status_code

    assert run_parallel([approve(c) for c in clients]) == [200, 200]
    assert OrderHistory.objects.filter(order=order, action="approve").count() == 1
    assert order.approvals.filter(status="approved").count() == 1
