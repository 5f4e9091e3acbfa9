"""Leaving the pool without an allocation: the receiver refusing at signature (拒收) and withdrawal
of an item (撤回). Each: allowed, wrong state, wrong role, one history row (the order's, or the pool
item's own record for a withdrawal), the right ledger events, nothing written on failure; and
the screens × roles, with 404 outside the scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.core.dates import local_today
from gongwucang.core.testing import make_asset, make_world
from gongwucang.warehouse import services
from gongwucang.warehouse.domain.choices import IntakeSource
from gongwucang.warehouse.models import PoolItem
from gongwucang.warehouse.selectors import CatalogueFilters, catalogue
from gongwucang.warehouse.testing import approve_all, stock_item
from gongwucang.workflow.exceptions import ActionNotAllowed, OrderNotFound
from gongwucang.workflow.models import Notification, Order, OrderHistory

from .test_order_transitions import card_events, last_event_id, new_rows, state
from .test_views import ROLES, SEES_SCHOOL_ORDER, client_for


def dispatched(world, stores, *, physical: bool = True):  # type: ignore[no-untyped-def]
    item = stock_item(world, stores, physical=physical)
    order = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="教学")[0]
    approve_all(order, world)
    services.allocation_dispatch(actor=world.keeper, order_id=order.pk)
    order.refresh_from_db()
    return order, item


def card_state(asset_id: int) -> tuple:
    a = Asset.objects.select_related("book").get(pk=asset_id)
    return (a.status, a.owner_unit_id, a.user_unit_id, a.location, a.book.original_value_fen)


# --- refusal at signature (拒收) ---------------------------------------------------------------


@pytest.mark.parametrize("physical", [True, False])
def test_receiver_refuses_and_the_item_goes_back_to_the_pool(world, stores, physical):
    order, item = dispatched(world, stores, physical=physical)
    card_before = card_state(item.asset_id)
    rows, since = order.history.count(), last_event_id()
    services.allocation_refuse(actor=world.clerk_sch, order_id=order.pk, reason="屏幕破损")
    order.refresh_from_db()
    assert order.status == "refused" and order.closed_at is not None
    assert order.get_status_display() == "已拒收"
    assert [(r.action, r.from_status, r.to_status, r.actor, r.comment) for r in new_rows(order, rows)] == [
        ("refuse_receipt", "executing", "refused", world.clerk_sch, "屏幕破损")
    ]
    assert card_events(order, since) == ["order_released"]  # one per card
    assert AssetEvent.objects.filter(pk__gt=since).count() == 1
    assert card_state(item.asset_id) == card_before  # still in the warehouse, title unchanged
    assert card_before[0] == "in_warehouse"
    line = order.lines.get()
    assert (line.outcome, line.outcome_note, line.is_open) == ("refused", "屏幕破损", False)
    assert PoolItem.objects.get(pk=item.pk).status == "in_stock"
    assert Notification.objects.filter(order=order, recipient=world.keeper, title__startswith="申领单位拒收")
    # Available again: it is listed as such, and another unit may request it.
    listed = catalogue(actor=world.clerk_cln, filters=CatalogueFilters(available_only=True))
    assert item.pk in set(listed.values_list("pk", flat=True))
    again = services.allocation_request(actor=world.clerk_cln, pool_item_ids=[item.pk], purpose="改用")[0]
    assert again.status == "submitted"
    with pytest.raises(ValidationError):  # a refused order is closed for good
        services.allocation_acknowledge(actor=world.clerk_sch, order_id=order.pk)


def test_refuse_wrong_state_changes_nothing(world, stores):
    item = stock_item(world, stores)
    order = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="x")[0]
    approve_all(order, world)  # approved, not dispatched yet
    before = state(order)
    with pytest.raises(ValidationError, match="不能拒收"):
        services.allocation_refuse(actor=world.clerk_sch, order_id=order.pk, reason="x")
    assert state(order) == before
    services.allocation_dispatch(actor=world.keeper, order_id=order.pk)
    services.allocation_acknowledge(actor=world.clerk_sch, order_id=order.pk)  # signed: done
    before = state(order)
    with pytest.raises(ValidationError, match="不能拒收"):
        services.allocation_refuse(actor=world.clerk_sch, order_id=order.pk, reason="x")
    assert state(order) == before


def test_refuse_wrong_role_or_no_reason_changes_nothing(world, stores):
    order, _item = dispatched(world, stores)
    before = state(order)
    for wrong in (world.keeper, world.head_sch, world.finance, world.supervisor, world.auditor):
        with pytest.raises(ActionNotAllowed):
            services.allocation_refuse(actor=wrong, order_id=order.pk, reason="x")
    for outsider in (world.clerk_cln, world.clerk_oth, world.nobody):
        with pytest.raises(OrderNotFound):
            services.allocation_refuse(actor=outsider, order_id=order.pk, reason="x")
    with pytest.raises(ValidationError, match="拒收时请填写原因"):
        services.allocation_refuse(actor=world.clerk_sch, order_id=order.pk, reason="  ")
    assert state(order) == before


def test_refusal_of_another_order_type_is_refused(world, stores):
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    intake = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source="idle",
        asset_ids=[asset.pk],
        submit=True,
    )
    with pytest.raises(ValidationError, match="单据类型不符"):
        services.allocation_refuse(actor=world.clerk_sch, order_id=intake.pk, reason="x")


# --- withdrawal (撤回) --------------------------------------------------------------------------


def pool_state(item: PoolItem) -> tuple:
    row = PoolItem.objects.get(pk=item.pk)
    return (
        row.status,
        row.closed_at,
        row.closed_by_id,
        row.close_note,
        card_state(item.asset_id),
        AssetEvent.objects.count(),
        OrderHistory.objects.count(),
        Notification.objects.count(),
    )


@pytest.mark.parametrize(("before_intake", "who"), [("idle", "clerk_cln"), ("in_use", "keeper")])
def test_virtual_listing_withdrawn_goes_back_to_its_owner(world, stores, before_intake, who):
    asset = make_asset(actor=world.clerk_cln, unit=world.CLN, status=before_intake, location="卫生院二楼")
    order = services.intake_create(
        actor=world.clerk_cln,
        warehouse_id=stores.virtual.pk,
        source=IntakeSource.OVER_STANDARD,
        asset_ids=[asset.pk],
        submit=True,
    )
    approve_all(order, world)
    services.intake_receive(
        actor=world.keeper,
        order_id=order.pk,
        decisions=[services.LineDecision(line_id=order.lines.get().pk, accept=True, condition="good")],
    )
    item = PoolItem.objects.get(asset=asset, status="in_stock")
    since = last_event_id()
    actor = getattr(world, who)
    services.pool_item_withdraw(actor=actor, pool_item_id=item.pk, reason="本单位重新启用")
    item.refresh_from_db()
    asset.refresh_from_db()
    assert (item.status, item.closed_by, item.close_note) == ("withdrawn", actor, "本单位重新启用")
    assert item.closed_at is not None
    assert (asset.status, asset.owner_unit, asset.user_unit, asset.location) == (
        before_intake,
        world.CLN,
        world.CLN,
        "卫生院二楼",
    )
    events = list(AssetEvent.objects.filter(pk__gt=since).values_list("asset_id", "event_type"))
    assert events == [(asset.pk, "status_changed")]
    event = AssetEvent.objects.get(pk__gt=since)
    assert "撤出公物仓" in event.note and "本单位重新启用" in event.note
    assert item.pk not in set(
        catalogue(actor=world.clerk_sch, filters=CatalogueFilters()).values_list("pk", flat=True)
    )
    # The other side is told: the keeper when the owner withdraws, the owner's clerk otherwise.
    told = world.keeper if who == "clerk_cln" else world.clerk_cln
    assert Notification.objects.filter(recipient=told, title__startswith="已撤出公物仓").exists()
    # Withdrawn for good: a second withdrawal is refused, and it may be handed in again.
    with pytest.raises(ValidationError, match="不能撤回"):
        services.pool_item_withdraw(actor=actor, pool_item_id=item.pk, reason="x")


def test_physical_item_withdrawn_by_the_keeper_stays_with_the_warehouse_unit(world, stores):
    item = stock_item(world, stores, physical=True)  # handed in by 农服中心; title moved to WH
    since = last_event_id()
    services.pool_item_withdraw(actor=world.keeper, pool_item_id=item.pk, reason="损坏，转维修")
    asset = Asset.objects.get(pk=item.asset_id)
    assert (asset.status, asset.owner_unit, asset.location) == ("idle", world.WH, item.home_location)
    assert list(AssetEvent.objects.filter(pk__gt=since).values_list("event_type", flat=True)) == [
        "status_changed"
    ]
    assert PoolItem.objects.get(pk=item.pk).status == "withdrawn"


def test_withdraw_wrong_role_changes_nothing(world, stores):
    physical = stock_item(world, stores, physical=True, clerk=world.clerk_cln)
    virtual = stock_item(world, stores, physical=False, clerk=world.clerk_cln)
    for item, wrong in (
        # The unit that handed a physical item in no longer owns it: it asks for it back through an
        # allocation, approved like any other.
        (physical, world.clerk_cln),
        (physical, world.clerk_wh),
        (physical, world.head_wh),
        (virtual, world.head_cln),
        (virtual, world.clerk_sch),
        (virtual, world.finance),
        (virtual, world.auditor),
        (virtual, world.admin),
    ):
        before = pool_state(item)
        with pytest.raises(ActionNotAllowed):
            services.pool_item_withdraw(actor=wrong, pool_item_id=item.pk, reason="x")
        assert pool_state(item) == before
    other = make_world("330100002")
    before = pool_state(virtual)
    with pytest.raises(services.PoolItemNotFound):
        services.pool_item_withdraw(actor=other.keeper, pool_item_id=virtual.pk, reason="x")
    assert pool_state(virtual) == before


def test_withdraw_wrong_state_or_no_reason_changes_nothing(world, stores):
    held = stock_item(world, stores, physical=False, clerk=world.clerk_cln)
    order = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[held.pk], purpose="x")[0]
    before = pool_state(held)
    with pytest.raises(ValidationError, match=f"正在单据 {order.order_no} 中办理"):
        services.pool_item_withdraw(actor=world.clerk_cln, pool_item_id=held.pk, reason="x")
    with pytest.raises(ValidationError, match="撤回时请填写理由"):
        services.pool_item_withdraw(actor=world.keeper, pool_item_id=held.pk, reason="")
    assert pool_state(held) == before
    lent = stock_item(world, stores, physical=False, clerk=world.clerk_cln)
    loan = services.loan_request(
        actor=world.clerk_sch,
        pool_item_ids=[lent.pk],
        purpose="运动会",
        due_on=local_today() + dt.timedelta(days=5),
    )[0]
    approve_all(loan, world)
    services.loan_lend(actor=world.keeper, order_id=loan.pk)
    before = pool_state(lent)
    with pytest.raises(ValidationError, match="「借出」，不能撤回"):
        services.pool_item_withdraw(actor=world.keeper, pool_item_id=lent.pk, reason="x")
    assert pool_state(lent) == before


# --- screens × roles ------------------------------------------------------------------------


@pytest.fixture
def pair(world, stores):  # type: ignore[no-untyped-def]
    order, _item = dispatched(world, stores)
    virtual = stock_item(world, stores, physical=False, clerk=world.clerk_cln)
    return {"order": order, "virtual": virtual}


def test_refuse_page_by_role(world, pair):
    """Every role in one test: a refusal without a reason changes nothing, so one pair serves all."""
    order = pair["order"]
    for role in ROLES:
        client = client_for(getattr(world, role))
        response = client.get(reverse("warehouse:allocation_refuse", args=[order.pk]))
        expected = 200 if role == "clerk_sch" else (302 if role in SEES_SCHOOL_ORDER else 404)
        assert response.status_code == expected, role
        rows = OrderHistory.objects.count()
        response = client.post(reverse("warehouse:allocation_refuse", args=[order.pk]), {"reason": ""})
        assert response.status_code == (200 if role == "clerk_sch" else expected), role  # form re-rendered
        assert OrderHistory.objects.count() == rows and Order.objects.get(pk=order.pk).status == "executing"


def test_refuse_over_http(world, pair):
    order = pair["order"]
    client = client_for(world.clerk_sch)
    page = client.get(reverse("workflow:order_detail", args=[order.pk])).content.decode()
    assert reverse("warehouse:allocation_refuse", args=[order.pk]) in page
    form = client.get(reverse("warehouse:allocation_refuse", args=[order.pk])).content.decode()
    assert 'data-confirm-click="' in form and 'data-testid="refuse-submit"' in form
    response = client.post(
        reverse("warehouse:allocation_refuse", args=[order.pk]), {"reason": "型号不符"}, follow=True
    )
    assert f"调拨单 {order.order_no} 已拒收" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "refused"
    assert "已拒收" in client.get(reverse("workflow:order_detail", args=[order.pk])).content.decode()


WITHDRAW_ALLOWED = {"clerk_cln", "keeper"}  # the virtual item's owner clerk and the keeper


def test_withdraw_page_by_role(world, pair):
    """Every role in one test: a withdrawal without a reason changes nothing."""
    item = pair["virtual"]
    url = reverse("warehouse:item_withdraw", args=[item.pk])
    for role in ROLES:
        client = client_for(getattr(world, role))
        if role == "nobody":  # holds no role in the region: the item does not exist for them
            assert client.get(url).status_code == 404
            assert client.post(url, {"reason": "x"}).status_code == 404
            continue
        assert client.get(url).status_code == (200 if role in WITHDRAW_ALLOWED else 302), role
        detail = client.get(reverse("warehouse:item_detail", args=[item.pk])).content.decode()
        assert ('data-testid="withdraw-item"' in detail) == (role in WITHDRAW_ALLOWED), role
        client.post(url, {"reason": ""})
        assert PoolItem.objects.get(pk=item.pk).status == "in_stock", role


def test_withdraw_is_404_for_another_region(world, pair):
    other = make_world("330100002")
    for user in (other.keeper, other.clerk_cln, other.admin):
        client = client_for(user)
        assert client.get(reverse("warehouse:item_withdraw", args=[pair["virtual"].pk])).status_code == 404
        assert (
            client.post(
                reverse("warehouse:item_withdraw", args=[pair["virtual"].pk]), {"reason": "x"}
            ).status_code
            == 404
        )
    assert PoolItem.objects.get(pk=pair["virtual"].pk).status == "in_stock"


def test_withdraw_over_http(world, pair):
    item = pair["virtual"]
    client = client_for(world.clerk_cln)
    form = client.get(reverse("warehouse:item_withdraw", args=[item.pk])).content.decode()
    assert 'data-confirm-click="' in form
    response = client.post(
        reverse("warehouse:item_withdraw", args=[item.pk]), {"reason": "本单位重新启用"}, follow=True
    )
    assert f"{item.asset.asset_no} 已撤出公物仓" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("assets:detail", args=[item.asset_id])
    assert PoolItem.objects.get(pk=item.pk).status == "withdrawn"
