"""Intake (入仓): filing, the keeper's receipt into a physical and a virtual warehouse, refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.assets.services import asset_update, assets_mark_idle
from gongwucang.core.dates import local_today
from gongwucang.core.testing import make_asset
from gongwucang.warehouse import selectors, services
from gongwucang.warehouse.domain.choices import IntakeSource
from gongwucang.warehouse.domain.idle import idle_qualifies_on
from gongwucang.warehouse.models import IntakeOrder, PoolItem
from gongwucang.warehouse.services import LineDecision
from gongwucang.warehouse.testing import approve_all
from gongwucang.workflow import services as wf
from gongwucang.workflow.exceptions import ActionNotAllowed, OrderNotFound
from gongwucang.workflow.models import Order, OrderHistory


def file_intake(world, stores, *, physical=True, n=1, source=IntakeSource.IDLE, **values):  # type: ignore[no-untyped-def]
    assets = [
        make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle", location="教学楼3层", **values)
        for _ in range(n)
    ]
    warehouse = stores.physical if physical else stores.virtual
    order = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=warehouse.pk,
        source=source,
        asset_ids=[a.pk for a in assets],
        submit=True,
    )
    return approve_all(order, world), assets


def test_physical_intake_moves_title_to_the_warehouse_unit(world, stores):
    order, [asset] = file_intake(world, stores)
    line = order.lines.get()
    rows = order.history.count()
    services.intake_receive(
        actor=world.keeper,
        order_id=order.pk,
        decisions=[
            LineDecision(
                line.pk, accept=True, condition="fair", bin_id=stores.bins[1].pk, note="外壳轻微划痕"
            )
        ],
    )
    order.refresh_from_db()
    asset.refresh_from_db()
    assert order.status == "done"
    assert [(h.action, h.from_status, h.to_status) for h in order.history.all()[rows:]] == [
        ("receive", "approved", "done")
    ]
    assert (asset.status, asset.owner_unit, asset.user_unit, asset.condition) == (
        "in_warehouse",
        world.WH,
        world.WH,
        "fair",
    )
    assert asset.location == f"测试实体仓 {stores.bins[1].code}"
    assert asset.book.original_value_fen == 599_900  # book values travel unchanged
    event = asset.events.order_by("-id").first()
    assert (event.event_type, event.reference) == ("intake_received", order.order_no)
    assert event.after["owner_unit"]["id"] == world.WH.pk and event.before["owner_unit"]["id"] == world.SCH.pk
    item = PoolItem.objects.get(asset=asset)
    assert (item.status, item.bin, item.source_unit, item.home_unit, item.status_before_intake) == (
        "in_stock",
        stores.bins[1],
        world.SCH,
        world.WH,
        "idle",
    )
    line.refresh_from_db()
    assert (line.outcome, line.is_open, line.condition_after) == ("accepted", False, "fair")


def test_virtual_intake_lists_the_card_and_title_stays(world, stores):
    order, [asset] = file_intake(world, stores, physical=False)
    line = order.lines.get()
    services.intake_receive(
        actor=world.keeper,
        order_id=order.pk,
        decisions=[LineDecision(line.pk, accept=True, condition="good")],
    )
    asset.refresh_from_db()
    assert (asset.status, asset.owner_unit, asset.user_unit, asset.location) == (
        "in_warehouse",
        world.SCH,
        world.SCH,
        "教学楼3层",
    )
    item = PoolItem.objects.get(asset=asset)
    assert item.bin is None and item.home_unit == world.SCH and item.home_location == "教学楼3层"


def test_partial_receipt_then_refusal(world, stores):
    order, _assets = file_intake(world, stores, n=2)
    first, second = order.lines.order_by("id")
    services.intake_receive(
        actor=world.keeper,
        order_id=order.pk,
        decisions=[LineDecision(first.pk, accept=True, condition="good", bin_id=stores.bins[0].pk)],
    )
    order.refresh_from_db()
    assert order.status == "executing"
    with pytest.raises(ValidationError, match="请说明原因"):
        services.intake_receive(
            actor=world.keeper, order_id=order.pk, decisions=[LineDecision(second.pk, accept=False)]
        )
    services.intake_receive(
        actor=world.keeper,
        order_id=order.pk,
        decisions=[LineDecision(second.pk, accept=False, note="屏幕损坏，无法使用")],
    )
    order.refresh_from_db()
    assert order.status == "done"
    assert [h.to_status for h in order.history.filter(action="receive")] == ["executing", "done"]
    refused = Asset.objects.get(pk=second.asset_id)
    assert (refused.status, refused.owner_unit) == ("idle", world.SCH)  # back where it was
    assert refused.events.order_by("-id").first().event_type == "intake_refused"
    assert not PoolItem.objects.filter(asset=refused).exists()
    with pytest.raises(ValidationError):  # nothing left to receive
        services.intake_receive(
            actor=world.keeper,
            order_id=order.pk,
            decisions=[LineDecision(second.pk, accept=True, condition="good", bin_id=stores.bins[0].pk)],
        )


def test_physical_receipt_needs_a_bin_of_that_warehouse_and_writes_nothing_otherwise(world, stores):
    order, _ = file_intake(world, stores)
    line = order.lines.get()
    counts = (OrderHistory.objects.count(), AssetEvent.objects.count(), PoolItem.objects.count())
    with pytest.raises(ValidationError, match="库位"):
        services.intake_receive(
            actor=world.keeper,
            order_id=order.pk,
            decisions=[LineDecision(line.pk, accept=True, condition="good", bin_id=None)],
        )
    assert (OrderHistory.objects.count(), AssetEvent.objects.count(), PoolItem.objects.count()) == counts


def test_receipt_by_the_wrong_person_or_at_the_wrong_time(world, stores):
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    order = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source=IntakeSource.IDLE,
        asset_ids=[asset.pk],
        submit=True,
    )
    line = order.lines.get()
    decision = [LineDecision(line.pk, accept=True, condition="good", bin_id=stores.bins[0].pk)]
    with pytest.raises(ValidationError, match="不能验收入仓"):  # not approved yet
        services.intake_receive(actor=world.keeper, order_id=order.pk, decisions=decision)
    approve_all(order, world)
    for wrong in (world.clerk_sch, world.head_sch, world.finance):
        with pytest.raises(ActionNotAllowed):
            services.intake_receive(actor=wrong, order_id=order.pk, decisions=decision)
    for outsider in (world.clerk_oth, world.clerk_wh):  # the warehouse unit's clerk is not its keeper
        with pytest.raises(OrderNotFound):
            services.intake_receive(actor=outsider, order_id=order.pk, decisions=decision)


@pytest.mark.parametrize(
    ("status", "source", "message"),
    [
        ("in_use", IntakeSource.IDLE, "不是闲置状态"),
        ("under_repair", IntakeSource.OVER_STANDARD, "只有在用或闲置的资产可以入仓"),
    ],
)
def test_what_may_be_handed_in(world, stores, status, source, message):
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status=status)
    with pytest.raises(ValidationError, match=message):
        services.intake_create(
            actor=world.clerk_sch, warehouse_id=stores.physical.pk, source=source, asset_ids=[asset.pk]
        )


def test_other_source_needs_a_reason_and_only_own_cards(world, stores):
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="in_use")
    with pytest.raises(ValidationError, match="说明理由"):
        services.intake_create(
            actor=world.clerk_sch, warehouse_id=stores.physical.pk, source="other", asset_ids=[asset.pk]
        )
    order = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source="other",
        source_note="学校合并后多余",
        asset_ids=[asset.pk],
    )
    assert order.intake.source_note == "学校合并后多余"
    other = make_asset(actor=world.clerk_cln, unit=world.CLN, status="idle")
    with pytest.raises(ValidationError, match="不属于"):
        services.intake_create(
            actor=world.clerk_sch, warehouse_id=stores.physical.pk, source="idle", asset_ids=[other.pk]
        )
    with pytest.raises(ActionNotAllowed):
        services.intake_create(
            actor=world.head_sch, warehouse_id=stores.physical.pk, source="idle", asset_ids=[asset.pk]
        )


def test_a_card_in_the_pool_cannot_be_handed_in_again(world, stores):
    order, [asset] = file_intake(world, stores, physical=False)
    services.intake_receive(
        actor=world.keeper,
        order_id=order.pk,
        decisions=[LineDecision(order.lines.get().pk, accept=True, condition="good")],
    )
    with pytest.raises(ValidationError):
        services.intake_create(
            actor=world.clerk_sch,
            warehouse_id=stores.physical.pk,
            source="over_standard",
            asset_ids=[asset.pk],
        )


def test_editing_a_returned_intake_releases_removed_lines(world, stores):
    a1 = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    a2 = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    a3 = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    order = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source="idle",
        asset_ids=[a1.pk, a2.pk],
        submit=True,
    )
    from gongwucang.workflow import services as wf

    wf.order_return(actor=world.head_sch, order_id=order.pk, comment="第二项不应入仓")
    services.intake_update(
        actor=world.clerk_sch,
        order_id=order.pk,
        warehouse_id=stores.physical.pk,
        source="idle",
        asset_ids=[a1.pk, a3.pk],
    )
    assert a2.events.order_by("-id").first().event_type == "order_released"
    assert set(order.lines.values_list("asset_id", flat=True)) == {a1.pk, a3.pk}
    wf.order_submit(actor=world.clerk_sch, order_id=order.pk)
    assert a3.events.order_by("-id").first().event_type == "intake_requested"
    assert a1.events.filter(event_type="intake_requested").count() == 1
    assert set(order.lines.filter(is_open=True).values_list("asset_id", flat=True)) == {a1.pk, a3.pk}


# --- "idle for more than 6 months" (DOMAIN.md §3, INTAKE_IDLE_MIN_MONTHS) --------------------------


def test_idle_threshold_default_is_six_months():
    from config.settings import base

    assert base.INTAKE_IDLE_MIN_MONTHS == 6


@pytest.mark.parametrize(
    ("since", "months", "qualifies"),
    [
        (dt.date(2026, 3, 15), 6, dt.date(2026, 9, 15)),
        (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),
        (dt.date(2023, 8, 31), 6, dt.date(2024, 2, 29)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 7, 1), 0, dt.date(2026, 7, 1)),
    ],
)
def test_idle_qualifies_on(since, months, qualifies):
    assert idle_qualifies_on(since, months) == qualifies


def idle_on(asset) -> dt.date:  # type: ignore[no-untyped-def]
    return selectors.idle_since([asset.pk])[asset.pk]


@pytest.mark.parametrize("registered_idle", [True, False])
def test_idle_source_below_and_at_the_threshold(world, stores, settings, registered_idle):
    """Idle since registration, or marked idle later (a status_changed event): tagged "idle" only
    from the day it has been idle for 6 months; the day before, a clear refusal naming both dates."""
    settings.INTAKE_IDLE_MIN_MONTHS = 6
    if registered_idle:
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    else:
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="in_use")
        assets_mark_idle(actor=world.clerk_sch, asset_ids=[asset.pk])
    since = idle_on(asset)
    assert since == local_today()
    at = idle_qualifies_on(since, 6)
    counts = (Order.objects.count(), OrderHistory.objects.count(), AssetEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.intake_create(
            actor=world.clerk_sch,
            warehouse_id=stores.physical.pk,
            source=IntakeSource.IDLE,
            asset_ids=[asset.pk],
            today=at - dt.timedelta(days=1),
        )
    message = refused.value.message_dict["assets"][0]
    assert f"自 {since:%Y-%m-%d} 起闲置，未满 6 个月，{at:%Y-%m-%d} 起方可按「闲置资产」入仓" in message
    assert (Order.objects.count(), OrderHistory.objects.count(), AssetEvent.objects.count()) == counts
    order = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source=IntakeSource.IDLE,
        asset_ids=[asset.pk],
        today=at,
    )
    assert order.status == "draft"
    # Submitting it today (less than 6 months idle) is refused the same way, nothing written.
    before = (OrderHistory.objects.count(), AssetEvent.objects.count())
    with pytest.raises(ValidationError, match="未满 6 个月"):
        wf.order_submit(actor=world.clerk_sch, order_id=order.pk)
    assert (OrderHistory.objects.count(), AssetEvent.objects.count()) == before
    # Other sources do not care how long it has been idle.
    services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source=IntakeSource.OVER_STANDARD,
        asset_ids=[asset.pk],
        submit=True,
    )


def test_idle_since_is_the_last_time_it_became_idle(world, stores, settings):
    """Back in use, then idle again: the clock starts again at the latest change to idle; events
    that do not touch the status (an intake request and its release) do not restart it."""
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    first = AssetEvent.objects.filter(asset=asset).latest("id").occurred_at
    order = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source=IntakeSource.IDLE,
        asset_ids=[asset.pk],
        submit=True,
    )
    wf.order_cancel(actor=world.clerk_sch, order_id=order.pk, comment="暂缓")
    assert idle_on(asset) == timezone.localdate(first)
    asset_update(
        actor=world.clerk_sch,
        asset_id=asset.pk,
        values={"status": "in_use"},
        expected_version=Asset.objects.get(pk=asset.pk).version,
    )
    assert asset.pk not in selectors.idle_since([asset.pk])
    settings.INTAKE_IDLE_MIN_MONTHS = 6
    with pytest.raises(ValidationError, match="不是闲置状态"):
        services.intake_create(
            actor=world.clerk_sch, warehouse_id=stores.physical.pk, source="idle", asset_ids=[asset.pk]
        )
    assets_mark_idle(actor=world.clerk_sch, asset_ids=[asset.pk])
    latest = AssetEvent.objects.filter(asset=asset, event_type="status_changed").latest("id")
    assert latest.after == {"status": "idle"}
    assert idle_on(asset) == timezone.localdate(latest.occurred_at)


def _client(user):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("editing", [False, True])
def test_idle_refusal_on_the_intake_form_is_a_field_error(world, stores, settings, editing):
    """The form answers the refusal where it belongs: under the list of cards (which card, since
    when, from when it qualifies) and on the source field; nothing is filed or changed."""
    from django.urls import reverse

    asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle")
    client = _client(world.clerk_sch)
    data = {"asset": [asset.pk], "warehouse": stores.physical.pk, "source": "idle", "step": "submit"}
    if editing:
        draft = services.intake_create(
            actor=world.clerk_sch,
            warehouse_id=stores.physical.pk,
            source=IntakeSource.OVER_STANDARD,
            asset_ids=[asset.pk],
        )
        url = reverse("warehouse:intake_edit", args=[draft.pk])
    else:
        url = reverse("warehouse:intake_create")
    settings.INTAKE_IDLE_MIN_MONTHS = 6
    counts = (Order.objects.count(), OrderHistory.objects.count(), AssetEvent.objects.count())
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    since = local_today()
    at = idle_qualifies_on(since, 6)
    assert 'data-testid="asset-errors"' in html
    assert (
        f"{asset.asset_no} {asset.name} 自 {since:%Y-%m-%d} 起闲置，未满 6 个月，{at:%Y-%m-%d} 起方可" in html
    )
    assert '<div class="invalid-feedback d-block">按「闲置资产」入仓须闲置满 6 个月' in html
    assert (Order.objects.count(), OrderHistory.objects.count(), AssetEvent.objects.count()) == counts
    if editing:
        assert Order.objects.get(pk=draft.pk).status == "draft"
        assert IntakeOrder.objects.get(order=draft).source == IntakeSource.OVER_STANDARD
    # Another source goes through.
    response = client.post(url, {**data, "source": "over_standard"})
    assert response.status_code == 302
    assert Order.objects.filter(order_type="intake", status="submitted").count() == 1
