"""Demo region, accounting part: the books are open from this year on; last month is closed.

The asset seed (assets/demo.py) registers every card with its accumulated depreciation up to the
end of last month, as if the region had posted every month so far. So the months of this year up
to last month become closed *opening* periods (期初): no entries, no double charge; the current
month is open, and finance (login `finance`) posts it, reviews the 折旧明细 and closes it.

Three cards show the rules that need more than a fresh card:
- a server whose value was raised by an improvement: (new cost − accumulated) ÷ remaining months;
- a car switched to units of production, with its expected mileage and this month's kilometres;
- a laptop reallocated from one unit to another this month: the month is charged once, to the
  unit that held it at the start of the month (the region's default).
"""

from __future__ import annotations

from django.db.models import F

from gongwucang.assets.domain.choices import AssetStatus
from gongwucang.assets.domain.depreciation import UNITS_OF_PRODUCTION, add_months, month_of
from gongwucang.assets.domain.events import EventType
from gongwucang.assets.models import Asset
from gongwucang.assets.services import asset_apply_change, asset_update
from gongwucang.core.dates import local_today
from gongwucang.core.demo import DemoContext
from gongwucang.core.money import fen_to_yuan

from .services import periods_open_books, workload_plan_set, workload_record

ORDER = 80  # after every app that registers or moves cards


def _clerk(ctx: DemoContext, asset: Asset):  # type: ignore[no-untyped-def]
    return ctx.users[f"clerk_{asset.owner_unit.code.lower()}"]


def _live(ctx: DemoContext):  # type: ignore[no-untyped-def]
    return (
        Asset.objects.filter(region=ctx.region, status__in=[AssetStatus.IN_USE, AssetStatus.IDLE])
        .select_related("book", "owner_unit", "category")
        .order_by("id")
    )


def seed(ctx: DemoContext) -> None:
    this_month = month_of(local_today())
    last_month = add_months(this_month, -1)
    periods_open_books(
        actor=ctx.users.get("finance"), region=ctx.region, first=last_month.replace(month=1), last=last_month
    )
    ctx.log(
        f"  会计期间：{last_month.year}-01 至 {last_month:%Y-%m} 为期初期间（已结账），"
        f"{this_month:%Y-%m} 待计提"
    )

    server = (
        _live(ctx)
        .filter(category__code="A02010104", book__accumulated_depreciation_fen__gt=0)
        .exclude(book__accumulated_depreciation_fen=F("book__original_value_fen"))
        .first()
    )
    if server is not None:
        new_value = fen_to_yuan(server.book.original_value_fen + 1_200_000)  # +12,000.00: a storage upgrade
        asset_update(
            actor=_clerk(ctx, server),
            asset_id=server.pk,
            expected_version=server.version,
            values={},
            original_value=new_value,
            note="扩容升级（增加存储），原值增加 12,000.00 元",
        )

    car = (
        _live(ctx)
        .filter(category__code="A02030500")
        .exclude(book__accumulated_depreciation_fen=F("book__original_value_fen"))
        .first()
    )
    if car is not None:
        clerk = _clerk(ctx, car)
        asset_update(
            actor=clerk,
            asset_id=car.pk,
            expected_version=car.version,
            values={"depreciation_method": UNITS_OF_PRODUCTION},
            note="公务用车改按行驶里程计提折旧（工作量法）",
        )
        workload_plan_set(actor=clerk, asset_id=car.pk, total_workload=300_000, workload_unit="公里")
        workload_record(actor=clerk, asset_id=car.pk, month=this_month, workload=1_860)

    laptop = (
        _live(ctx)
        .filter(category__code="A02010108", owner_unit__code="QSDZ")
        .exclude(book__accumulated_depreciation_fen=F("book__original_value_fen"))
        .first()
    )
    school = ctx.units.get("QSXX")
    if laptop is not None and school is not None:
        asset_apply_change(
            actor=ctx.users.get("keeper"),
            asset_id=laptop.pk,
            values={"owner_unit": school, "user_unit": school, "department": None, "custodian": None},
            event_type=EventType.TRANSFERRED,
            reference="DB-DEMO-0001",
            note="调剂给中心小学（本月）",
        )
    ctx.log("  折旧示例：服务器扩容、公务用车工作量法、笔记本电脑本月调剂")
