"""Allocation (调剂/申领): requests, dispatch, signature, savings, and one open order per item."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gongwucang.assets.models import AssetEvent
from gongwucang.warehouse import services
from gongwucang.warehouse.models import PoolItem, ProvisioningStandard
from gongwucang.warehouse.standards import standards_load
from gongwucang.warehouse.testing import approve_all, stock_item
from gongwucang.workflow import services as wf
from gongwucang.workflow.exceptions import ActionNotAllowed
from gongwucang.workflow.models import OrderHistory, OrderLine


def test_full_allocation_moves_the_card_with_its_book_values(world, stores):
    standards_load()
    item = stock_item(world, stores, original_value="8999.00", accumulated="1200.00")  # a laptop, cap 7,000
    order = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="教师办公")[0]
    approve_all(order, world)
    since = AssetEvent.objects.order_by("-id").first().pk
    services.allocation_dispatch(actor=world.keeper, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "executing"
    assert list(
        AssetEvent.objects.filter(pk__gt=since).order_by("id").values_list("event_type", flat=True)
    ) == ["dispatched"]
    dept = world.SCH.departments.first()
    services.allocation_acknowledge(
        actor=world.clerk_sch, order_id=order.pk, department_id=dept.pk, location="教学楼2层"
    )
    order.refresh_from_db()
    asset = item.asset
    asset.refresh_from_db()
    assert order.status == "done"
    assert [h.action for h in order.history.all()][-2:] == ["dispatch", "acknowledge"]
    assert (asset.owner_unit, asset.user_unit, asset.status, asset.department, asset.location) == (
        world.SCH,
        world.SCH,
        "in_use",
        dept,
        "教学楼2层",
    )
    assert (asset.book.original_value_fen, asset.book.accumulated_depreciation_fen) == (899_900, 120_000)
    assert list(
        AssetEvent.objects.filter(pk__gt=since).order_by("id").values_list("event_type", flat=True)
    ) == ["dispatched", "allocated"]
    line = order.lines.get()
    assert line.savings_fen == 700_000 and order.allocation.savings_fen == 700_000  # the standard's cap
    assert PoolItem.objects.get(pk=item.pk).status == "allocated"
    assert not OrderLine.objects.filter(asset=asset, is_open=True).exists()


def test_savings_fall_back_to_the_original_value(world, stores):
    item = stock_item(world, stores, name="会议音响设备", category_code="A05020000", original_value="2500.00")
    order = approve_all(
        services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="会议室")[0],
        world,
    )
    services.allocation_dispatch(actor=world.keeper, order_id=order.pk)
    services.allocation_acknowledge(actor=world.clerk_sch, order_id=order.pk)
    assert order.lines.get().savings_fen == 250_000


def test_virtual_item_moves_straight_from_its_owner(world, stores):
    item = stock_item(world, stores, physical=False, clerk=world.clerk_cln)
    assert item.asset.owner_unit == world.CLN
    order = approve_all(
        services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="备用")[0], world
    )
    # School and clinic share their supervising unit: not a cross-department move, no finance step.
    assert "finance" not in set(order.approvals.values_list("role", flat=True))
    services.allocation_dispatch(actor=world.keeper, order_id=order.pk)
    services.allocation_acknowledge(actor=world.clerk_sch, order_id=order.pk)
    item.asset.refresh_from_db()
    assert item.asset.owner_unit == world.SCH


def test_category_request_keeper_picks(world, stores):
    items = [stock_item(world, stores) for _ in range(3)]
    laptop_category = items[0].asset.category
    order = services.allocation_request_category(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        category_id=laptop_category.pk,
        quantity=2,
        purpose="新教师",
    )
    assert order.lines.count() == 0 and order.status == "submitted"
    approve_all(order, world)
    with pytest.raises(ValidationError, match="最多配发 2 项"):
        services.allocation_dispatch(
            actor=world.keeper, order_id=order.pk, pool_item_ids=[i.pk for i in items]
        )
    services.allocation_dispatch(
        actor=world.keeper, order_id=order.pk, pool_item_ids=[items[0].pk, items[2].pk]
    )
    assert set(order.lines.values_list("asset_id", flat=True)) == {items[0].asset_id, items[2].asset_id}
    assert all(order.lines.values_list("is_open", flat=True))
    services.allocation_acknowledge(actor=world.clerk_sch, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "done"
    assert PoolItem.objects.get(pk=items[1].pk).status == "in_stock"


def test_dispatch_and_signature_by_the_right_people_only(world, stores):
    item = stock_item(world, stores)
    order = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="x")[0]
    with pytest.raises(ValidationError, match="不能出仓"):
        services.allocation_dispatch(actor=world.keeper, order_id=order.pk)
    approve_all(order, world)
    for wrong in (world.clerk_sch, world.head_sch, world.finance):
        with pytest.raises(ActionNotAllowed):
            services.allocation_dispatch(actor=wrong, order_id=order.pk)
    services.allocation_dispatch(actor=world.keeper, order_id=order.pk)
    before = (OrderHistory.objects.count(), AssetEvent.objects.count())
    for wrong in (world.keeper, world.head_sch):
        with pytest.raises(ActionNotAllowed):
            services.allocation_acknowledge(actor=wrong, order_id=order.pk)
    with pytest.raises(ValidationError, match="使用部门不属于本单位"):
        services.allocation_acknowledge(
            actor=world.clerk_sch, order_id=order.pk, department_id=world.CLN.departments.first().pk
        )
    assert (OrderHistory.objects.count(), AssetEvent.objects.count()) == before


def test_one_open_order_per_item(world, stores):
    item = stock_item(world, stores)
    services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="先到")
    history = OrderHistory.objects.count()
    with pytest.raises(ValidationError, match="已在其他单据中办理"):
        services.allocation_request(actor=world.clerk_cln, pool_item_ids=[item.pk], purpose="后到")
    # The losing request left nothing behind (its whole transaction rolled back).
    assert OrderHistory.objects.count() == history
    assert OrderLine.objects.filter(asset=item.asset).count() == 2  # its intake line and the winner's
    # A draft holds nothing: the clinic may keep one, but cannot submit it.
    draft = services.allocation_request(
        actor=world.clerk_cln, pool_item_ids=[item.pk], purpose="草稿", submit=False
    )[0]
    with pytest.raises(ValidationError, match="已在其他单据中办理"):
        wf.order_submit(actor=world.clerk_cln, order_id=draft.pk)


def test_the_database_holds_the_one_open_order_rule(world, stores):
    item = stock_item(world, stores)
    order = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="x")[0]
    other = services.allocation_request(
        actor=world.clerk_cln, pool_item_ids=[item.pk], purpose="y", submit=False
    )[0]
    assert order.lines.get().is_open
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(order=other).update(is_open=True)


def test_cannot_request_own_items_or_items_not_in_stock(world, stores):
    item = stock_item(world, stores, physical=False, clerk=world.clerk_sch)
    with pytest.raises(ValidationError, match="本单位的资产"):
        services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="x")
    PoolItem.objects.filter(pk=item.pk).update(status="allocated")
    with pytest.raises(ValidationError, match="不能申请"):
        services.allocation_request(actor=world.clerk_cln, pool_item_ids=[item.pk], purpose="x")


def test_basket_across_warehouses_gives_one_order_each(world, stores):
    a = stock_item(world, stores, physical=True)
    b = stock_item(world, stores, physical=False)
    orders = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[a.pk, b.pk], purpose="x")
    assert len(orders) == 2
    assert {o.allocation.warehouse for o in orders} == {stores.physical, stores.virtual}


def test_standards_load_is_idempotent_and_editable(world):
    assert standards_load() == standards_load() == ProvisioningStandard.objects.count() == 16
    laptop = ProvisioningStandard.objects.get(name="便携式计算机")
    assert (laptop.price_cap_fen, laptop.min_service_years, laptop.category.code) == (700_000, 6, "A02010108")
    desks = ProvisioningStandard.objects.filter(category__code="A05010100")
    assert list(desks.filter(is_default_for_category=True).values_list("name", flat=True)) == [
        "办公桌（处级及以下）"
    ]
