"""Threshold routing through the real flows (DOMAIN.md §4 defaults, then an admin's edit): orders
just below and at each threshold take the expected path."""

from __future__ import annotations

import datetime as dt

import pytest

from gongwucang.core.dates import local_today
from gongwucang.core.testing import make_asset
from gongwucang.warehouse import services
from gongwucang.warehouse.testing import stock_item
from gongwucang.workflow.models import ApprovalStep


def path(order) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(a.role, a.unit.code[:3]) for a in order.approvals.select_related("unit").order_by("seq")]


HEAD, KEEPER = ("unit_head", "SCH"), ("keeper", "WH0")
SUP, FIN = ("supervisor", "SUP"), ("finance", "FIN")


def intake(world, stores, unit="SCH", **values):  # type: ignore[no-untyped-def]
    clerk = getattr(world, f"clerk_{unit.lower()}")
    asset = make_asset(actor=clerk, unit=getattr(world, unit), status="idle", **values)
    return services.intake_create(
        actor=clerk, warehouse_id=stores.physical.pk, source="idle", asset_ids=[asset.pk], submit=True
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("49999.99", [HEAD]),
        ("50000.00", [HEAD, SUP, FIN]),
        ("50000.01", [HEAD, SUP, FIN]),
    ],
)
def test_intake_by_value(world, stores, value, expected):
    assert path(intake(world, stores, original_value=value)) == expected


def test_intake_of_a_vehicle_goes_up_whatever_its_value(world, stores):
    order = intake(world, stores, name="乘用车", category_code="A02030500", original_value="1000.00")
    assert path(order) == [HEAD, SUP, FIN]


def test_unit_without_supervising_unit_skips_that_step(world, stores):
    order = intake(world, stores, unit="OTH", original_value="50000.00")
    assert path(order) == [("unit_head", "OTH"), FIN]


def test_cross_department_allocation_goes_to_finance(world, stores):
    item = stock_item(world, stores, original_value="100.00")  # handed in by OTH, held by WH (no supervisor)
    order = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="x")[0]
    assert path(order) == [HEAD, KEEPER, FIN]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("49999.99", [HEAD, KEEPER]),
        ("50000.00", [HEAD, KEEPER, SUP, FIN]),
    ],
)
def test_allocation_within_the_department_by_value(world, stores, value, expected):
    item = stock_item(world, stores, physical=False, clerk=world.clerk_cln, original_value=value)
    order = services.allocation_request(actor=world.clerk_sch, pool_item_ids=[item.pk], purpose="x")[0]
    assert path(order) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("49999.99", [HEAD, KEEPER]),
        ("50000.00", [HEAD, KEEPER, SUP, FIN]),
    ],
)
def test_loan_by_value(world, stores, value, expected):
    item = stock_item(world, stores, original_value=value)
    order = services.loan_request(
        actor=world.clerk_sch,
        pool_item_ids=[item.pk],
        purpose="x",
        due_on=local_today() + dt.timedelta(days=5),
    )[0]
    assert path(order) == expected


def test_an_administrators_edit_changes_the_route(world, stores):
    ApprovalStep.objects.filter(flow__order_type="intake", scope="supervising_unit").update(
        min_total_value_fen=1_000_000
    )  # 10,000 yuan
    assert path(intake(world, stores, original_value="9999.99")) == [HEAD]
    assert path(intake(world, stores, original_value="10000.00")) == [HEAD, SUP]


def test_intake_of_land_goes_up_whatever_its_value(world, stores):
    """Land (土地使用权, A0801 under 无形资产 A08) always goes to the supervisor and finance, like houses
    (A01) and vehicles (A0203): DOMAIN.md §4."""
    order = intake(world, stores, name="土地使用权", category_code="A08010000", original_value="1000.00")
    assert path(order) == [HEAD, SUP, FIN]


def test_intake_of_a_house_goes_up_whatever_its_value(world, stores):
    order = intake(world, stores, name="办公用房", category_code="A01010100", original_value="1000.00")
    assert path(order) == [HEAD, SUP, FIN]
