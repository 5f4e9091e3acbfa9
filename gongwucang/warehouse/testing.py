"""Test helpers of the warehouse: a physical and a virtual warehouse in the shared test world
(core.testing.make_world), and shortcuts that drive orders through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gongwucang.core.testing import World, make_asset
from gongwucang.workflow import services as wf
from gongwucang.workflow.models import Order

from . import services
from .domain.choices import IntakeSource, WarehouseKind
from .models import PoolItem, StorageBin, Warehouse


@dataclass
class Stores:
    physical: Warehouse
    virtual: Warehouse
    bins: list[StorageBin]


def make_warehouses(world: World) -> Stores:
    """Two warehouses run by the world's WH unit (whose keeper is `world.keeper`), with bins."""
    wf.approval_flows_load_defaults()
    admin = world.admin
    suffix = world.region.code[-2:]
    physical = services.warehouse_create(
        actor=admin,
        region=world.region,
        code=f"P{suffix}",
        name="测试实体仓",
        kind=WarehouseKind.PHYSICAL,
        operating_unit=world.WH,
        address="仓库路1号",
    )
    virtual = services.warehouse_create(
        actor=admin,
        region=world.region,
        code=f"V{suffix}",
        name="测试虚拟仓",
        kind=WarehouseKind.VIRTUAL,
        operating_unit=world.WH,
    )
    bins = [
        services.storage_bin_create(
            actor=world.keeper, warehouse=physical, code=f"A-01-0{i}", name=f"A区1排{i}层"
        )
        for i in (1, 2, 3)
    ]
    return Stores(physical, virtual, bins)


def approve_all(order: Order, world: World) -> Order:
    """Approve every pending step with the first eligible person (tests of later stages)."""
    while True:
        order.refresh_from_db()
        approval = wf.current_approval(order)
        if approval is None:
            return order
        approver = wf.eligible_approvers(order, role=approval.role, unit_id=approval.unit_id)[0]
        wf.order_approve(actor=approver, order_id=order.pk, comment="同意")


def stock_item(
    world: World,
    stores: Stores,
    *,
    physical: bool = True,
    clerk: Any = None,
    unit: Any = None,
    **asset_values: Any,
) -> PoolItem:
    """A card handed in by `unit` (default: the clerk's unit), approved and received: in stock."""
    clerk = clerk or world.clerk_oth
    unit = unit or clerk.unit
    asset = make_asset(actor=clerk, unit=unit, status="idle", **asset_values)
    warehouse = stores.physical if physical else stores.virtual
    order = services.intake_create(
        actor=clerk, warehouse_id=warehouse.pk, source=IntakeSource.IDLE, asset_ids=[asset.pk], submit=True
    )
    approve_all(order, world)
    line = order.lines.get()
    services.intake_receive(
        actor=world.keeper,
        order_id=order.pk,
        decisions=[
            services.LineDecision(
                line_id=line.pk, accept=True, condition="good", bin_id=stores.bins[0].pk if physical else None
            )
        ],
    )
    return PoolItem.objects.get(asset=asset, status="in_stock")
