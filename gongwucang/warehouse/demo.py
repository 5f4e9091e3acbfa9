"""Demo region, the 公物仓: a physical and a virtual warehouse run by 机关事务中心 (QSJG), a stocked
catalogue in both, and orders in every state, so that every demo login has something to do:

- clerk (党政办): a draft, a returned intake to revise, an allocation to sign for (签收);
- head (党政办): intakes waiting for approval;
- clerk_school (中心小学): an allocation to sign for; loans under way (one overdue);
- supervisor (社事办): a ≥ 50,000 allocation for the school; supervisor_zf: a vehicle intake;
- finance: a cross-department allocation at the finance step;
- keeper / keeper2: intakes to receive, allocations to review and dispatch, a loan to lend and
  loans due back;
- auditor and admin read everything and have nothing to do;
- clerk_qszf / clerk_qszx (givers of virtual listings): 本单位挂牌物品 shows their listed cards and
  the allocations and loans that take them (read only);
- clerk (党政办) has two idle laptops of their own to hand in by hand: one idle for eight months (闲置
  accepted), one for three weeks (闲置 refused with the date it qualifies; other sources accepted).

Every item received has the keeper's photo taken at receipt (drawn by demo_photos: a tile with a
pictogram of the category), so the catalogue is not photo-less.

Everything goes through the services (so orders have their history and cards their ledger); only
the overdue loan's due date and lending time are moved into the past directly (the demo cannot
wait three weeks; its ledger rows keep the day the demo was made).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongwucang.assets.demo import register_idle
from gongwucang.assets.domain.depreciation import months_between, straight_line_accumulated_fen
from gongwucang.assets.models import Asset, Category
from gongwucang.assets.services import asset_register
from gongwucang.core.dates import local_today
from gongwucang.core.demo import DemoContext
from gongwucang.workflow import services as wf
from gongwucang.workflow.models import Order, OrderAttachmentKind
from gongwucang.workflow.notifications import mail_muted

from . import selectors, services
from .demo_photos import demo_photo
from .domain.choices import IntakeSource, WarehouseKind
from .domain.idle import idle_qualifies_on
from .models import LoanOrder, PoolItem
from .services import LineDecision, ReturnInspection
from .standards import standards_load

ORDER = 60

PREFERRED_APPROVERS = ["head", "supervisor", "supervisor_zf", "finance", "keeper", "keeper2"]
STOCKING_UNITS = ["QSZF", "QSJJ", "QSSH", "QSNY", "QSZX", "QSWS", "QSWH", "QSZZ", "QSCZ"]
# Idle cards of the demo have been idle for weeks to two years (assets/demo.py dates their ledger):
# those idle for more than INTAKE_IDLE_MIN_MONTHS come in as 闲置, the others under other sources.
SOURCES = [
    IntakeSource.IDLE,
    IntakeSource.IDLE,
    IntakeSource.OVER_STANDARD,
    IntakeSource.EVENT,
    IntakeSource.REFORM,
    IntakeSource.TEMPORARY_BODY,
    IntakeSource.CENSUS,
]
# Laptops are taken last, so every unit keeps idle ones for a visitor to hand in by hand.
KEPT_FOR_VISITORS = "A02010108"


class Demo:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.u = ctx.units
        self.users = ctx.users
        self.keeper = ctx.users["keeper"]
        self.today = local_today()
        # Per unit, its idle cards (laptops last): idle long enough to come in as 闲置, or not yet.
        self.idle_long: dict[str, list[Asset]] = {}
        self.idle_short: dict[str, list[Asset]] = {}
        cards = list(
            Asset.objects.filter(owner_unit__in=self.u.values(), status="idle")
            .exclude(category__code__startswith="A01")
            .select_related("category", "owner_unit")
            .order_by("id")
        )
        cards.sort(key=lambda a: (a.category.code == KEPT_FOR_VISITORS, a.pk))
        since = selectors.idle_since([a.pk for a in cards])
        months = settings.INTAKE_IDLE_MIN_MONTHS
        for code in self.u:
            self.idle_long[code], self.idle_short[code] = [], []
        for card in cards:
            start = since.get(card.pk)
            long_enough = start is not None and idle_qualifies_on(start, months) <= self.today
            (self.idle_long if long_enough else self.idle_short)[card.owner_unit.code].append(card)

    # -- helpers --
    def take(self, code: str, n: int = 1, source: str = IntakeSource.IDLE) -> list[int]:
        """n idle cards of the unit that may come in under `source` (闲置: idle long enough)."""
        if source == IntakeSource.IDLE:
            lists = [self.idle_long[code]]
        else:  # the ones not yet idle long enough first
            lists = [self.idle_short[code], self.idle_long[code]]
        taken: list[Asset] = []
        for cards in lists:
            while cards and len(taken) < n:
                taken.append(cards.pop(0))
        return [a.pk for a in taken]

    def approver(self, order: Order) -> Any:
        approval = wf.current_approval(order)
        people = wf.eligible_approvers(order, role=approval.role, unit_id=approval.unit_id)
        by_name = {p.username: p for p in people}
        return next((by_name[n] for n in PREFERRED_APPROVERS if n in by_name), people[0])

    def approve(self, order: Order, *, stop_at: str | None = None, steps: int | None = None) -> Order:
        """Approve step by step; stop when the current step's role is `stop_at` or after `steps`."""
        done = 0
        while True:
            order.refresh_from_db()
            approval = wf.current_approval(order)
            if approval is None or approval.role == stop_at or (steps is not None and done >= steps):
                return order
            wf.order_approve(actor=self.approver(order), order_id=order.pk, comment="同意")
            done += 1

    def receive(self, order: Order, warehouse: Any, *, keeper: Any = None, lines: int | None = None) -> None:
        bins = list(warehouse.bins.order_by("code"))
        pending = list(
            order.lines.filter(outcome="pending").select_related("asset__category").order_by("id")
        )[:lines]
        for line in pending:  # the keeper photographs each item at receipt: the catalogue's photo
            photo = demo_photo(line.asset.category.code, variant=line.asset_id)
            wf.order_attach_file(
                actor=keeper or self.keeper,
                order_id=order.pk,
                kind=OrderAttachmentKind.PHOTO,
                uploaded=SimpleUploadedFile(f"验收照片-{line.asset.asset_no}.png", photo, "image/png"),
                line_id=line.pk,
            )
        decisions = [
            LineDecision(
                line.pk,
                accept=True,
                condition=self.ctx.rng.choice(["good", "good", "fair"]),
                bin_id=bins[(line.pk * 7) % len(bins)].pk if bins else None,
            )
            for line in pending
        ]
        services.intake_receive(
            actor=keeper or self.keeper, order_id=order.pk, decisions=decisions, comment="已验收"
        )

    def intake(
        self,
        clerk: str,
        warehouse: Any,
        ids: list[int],
        source: str = IntakeSource.IDLE,
        submit: bool = True,
    ) -> Order:
        return services.intake_create(
            actor=self.users[clerk],
            warehouse_id=warehouse.pk,
            source=source,
            source_note="",
            asset_ids=ids,
            submit=submit,
        )

    def in_stock(
        self, warehouse: Any, exclude_units: tuple[str, ...] = (), category_prefix: str = ""
    ) -> list[PoolItem]:
        qs = (
            PoolItem.objects.filter(warehouse=warehouse, status="in_stock")
            .exclude(asset__order_lines__is_open=True)
            .exclude(asset__owner_unit__code__in=exclude_units)
        )
        if category_prefix:
            qs = qs.filter(asset__category__code__startswith=category_prefix)
        return list(qs.select_related("asset").order_by("id"))


def seed(ctx: DemoContext) -> None:
    with mail_muted():
        _seed(ctx)


def _seed(ctx: DemoContext) -> None:  # one story, told in order
    d = Demo(ctx)
    u, users = d.u, d.users
    standards_load()
    admin = users["admin"]
    physical = services.warehouse_create(
        actor=admin,
        region=ctx.region,
        code="QS-ST",
        name="青山镇公物仓建设路库房",
        kind=WarehouseKind.PHYSICAL,
        operating_unit=u["QSJG"],
        address="青山镇建设路8号机关事务服务中心后院",
    )
    virtual = services.warehouse_create(
        actor=admin,
        region=ctx.region,
        code="QS-XN",
        name="青山镇公物仓·各单位存放点",
        kind=WarehouseKind.VIRTUAL,
        operating_unit=u["QSJG"],
        address="物品存放在原单位，由公物仓统一调剂",
    )
    for zone, label in (("A", "办公家具区"), ("B", "电子设备区"), ("C", "大件物品区")):
        for shelf in range(1, 4):
            for level in range(1, 3):
                services.storage_bin_create(
                    actor=d.keeper,
                    warehouse=physical,
                    code=f"{zone}-{shelf:02d}-{level:02d}",
                    name=f"{label}{shelf}排{level}层",
                )

    # 1. A stocked catalogue in both kinds: units hand in idle cards, approved and received.
    for i, code in enumerate(STOCKING_UNITS):
        clerk = f"clerk_{code.lower()}"
        for j, (warehouse, n) in enumerate(((physical, 4), (virtual, 3))):
            source = SOURCES[(2 * i + j) % len(SOURCES)]
            ids = d.take(code, n, source)
            if not ids:
                continue
            order = d.intake(clerk, warehouse, ids, source=source)
            d.approve(order)
            d.receive(order, warehouse, keeper=users["keeper2"] if i % 2 else d.keeper)
    # A server at the middle school, listed in the virtual warehouse (≥ 50,000: supervisor and finance).
    server_cat = Category.objects.get(code="A02010104")
    server = asset_register(
        actor=users["clerk_qszx"],
        owner_unit=u["QSZX"],
        original_value=Decimal("68000.00"),
        accumulated_depreciation=Decimal("11333.33"),
        months_depreciated=12,
        values={
            "name": "服务器",
            "category": server_cat,
            "brand": "华为",
            "model_spec": "FusionServer 2288H V6",
            "acquired_on": d.today - dt.timedelta(days=400),
            "booked_on": d.today - dt.timedelta(days=400),
            "status": "idle",
            "location": "初级中学信息中心机房",
        },
    )
    order = d.intake("clerk_qszx", virtual, [server.pk], source=IntakeSource.OVER_STANDARD)
    d.approve(order)
    d.receive(order, virtual)
    ctx.log(f"  公物仓在库 {PoolItem.objects.filter(status='in_stock').count()} 件")

    # 2. 党政办 (clerk, head): intakes in every state of approval.
    d.intake("clerk", physical, d.take("QSDZ"), submit=False)  # draft
    d.intake("clerk", physical, d.take("QSDZ", 2))  # submitted, waiting for head
    over = IntakeSource.OVER_STANDARD
    d.intake("clerk", virtual, d.take("QSDZ", 1, over), source=over)  # submitted too
    event = IntakeSource.EVENT
    returned = d.intake("clerk", physical, d.take("QSDZ", 2, event), source=event)
    wf.order_return(actor=users["head"], order_id=returned.pk, comment="请补充移交清单，并核对数量")
    rejected = d.intake("clerk", physical, d.take("QSDZ"))
    wf.order_reject(actor=users["head"], order_id=rejected.pk, comment="该电脑仍有人使用，暂不入仓")
    cancelled = d.intake("clerk", virtual, d.take("QSDZ"))
    wf.order_cancel(actor=users["clerk"], order_id=cancelled.pk, comment="误选资产，撤销重报")
    approved = d.intake("clerk", physical, d.take("QSDZ", 2))
    d.approve(approved)  # approved: the keeper's to receive
    partly = d.intake("clerk", physical, d.take("QSDZ", 2))
    d.approve(partly)
    d.receive(partly, physical, lines=1)  # executing: one line received, one to go
    # A vehicle of 党政办: house/land/vehicle always goes up (supervisor_zf, then finance).
    car = asset_register(
        actor=users["clerk"],
        owner_unit=u["QSDZ"],
        original_value=Decimal("189800.00"),
        accumulated_depreciation=Decimal("59312.50"),
        months_depreciated=30,
        values={
            "name": "乘用车",
            "category": Category.objects.get(code="A02030500"),
            "brand": "大众",
            "model_spec": "帕萨特 2.0T",
            "acquired_on": d.today - dt.timedelta(days=920),
            "booked_on": d.today - dt.timedelta(days=920),
            "status": "idle",
            "location": "镇政府车库",
        },
    )
    vehicle = d.intake("clerk", physical, [car.pk], source=IntakeSource.REFORM)
    d.approve(vehicle, stop_at="supervisor")  # waiting for supervisor_zf
    # Two idle laptops of 党政办 for the visitor to hand in: idle for eight months (may come in as
    # 闲置) and for three weeks (闲置 is refused, with the date it will qualify; other sources do).
    laptop_cat = Category.objects.get(code=KEPT_FOR_VISITORS)
    bought = d.today - dt.timedelta(days=700)
    charged = min(months_between(bought, d.today.replace(day=1) - dt.timedelta(days=1)), 72)
    for brand, model, days in (("联想", "ThinkPad E14 Gen 4", 240), ("华为", "MateBook D14 2024", 21)):
        register_idle(
            idle_from=d.today - dt.timedelta(days=days),
            actor=users["clerk"],
            owner_unit=u["QSDZ"],
            original_value=Decimal("6299.00"),
            accumulated_depreciation=Decimal(straight_line_accumulated_fen(629900, 72, charged)) / 100,
            months_depreciated=charged,
            values={
                "name": "笔记本电脑",
                "category": laptop_cat,
                "brand": brand,
                "model_spec": model,
                "acquired_on": bought,
                "booked_on": bought,
                "useful_life_months": 72,
                "location": "党政办201室",
            },
        )

    # 3. Allocations (调剂申领).
    stock_p = d.in_stock(physical, exclude_units=("QSDZ", "QSXX"))
    stock_v = d.in_stock(virtual, exclude_units=("QSDZ", "QSXX"))
    # 党政办 signs for two items from the physical warehouse (executing), and one done from virtual.
    to_sign = services.allocation_request(
        actor=users["clerk"], pool_item_ids=[i.pk for i in stock_p[:2]], purpose="新进人员办公使用"
    )[0]
    d.approve(to_sign)
    services.allocation_dispatch(actor=d.keeper, order_id=to_sign.pk, comment="已送达党政办")
    finished = services.allocation_request(
        actor=users["clerk"], pool_item_ids=[stock_v[0].pk], purpose="档案室使用"
    )[0]
    d.approve(finished)
    services.allocation_dispatch(actor=d.keeper, order_id=finished.pk)
    services.allocation_acknowledge(actor=users["clerk"], order_id=finished.pk, location="党政办档案室")
    # 中心小学: to sign, at finance (cross-department), at the supervisor (≥ 50,000: the server).
    school = users["clerk_school"]
    sign_school = services.allocation_request(
        actor=school, pool_item_ids=[stock_v[1].pk], purpose="教研室使用"
    )[0]
    d.approve(sign_school)
    services.allocation_dispatch(actor=users["keeper2"], order_id=sign_school.pk)
    at_finance = services.allocation_request(
        actor=school, pool_item_ids=[stock_p[2].pk], purpose="多媒体教室"
    )[0]
    d.approve(at_finance, stop_at="finance")
    server_item = PoolItem.objects.get(asset=server, status="in_stock")
    at_supervisor = services.allocation_request(
        actor=school, pool_item_ids=[server_item.pk], purpose="校园网升级，替代采购新服务器"
    )[0]
    d.approve(at_supervisor, stop_at="supervisor")
    # 卫生院: waiting at the warehouse review; 文体站: rejected; 执法队: cancelled after approval.
    at_keeper = services.allocation_request(
        actor=users["clerk_qsws"], pool_item_ids=[stock_p[3].pk], purpose="门诊部办公"
    )[0]
    d.approve(at_keeper, stop_at="keeper")
    no = services.allocation_request(
        actor=users["clerk_qswh"], pool_item_ids=[stock_p[4].pk], purpose="活动室"
    )[0]
    wf.order_reject(actor=users["head_qswh"], order_id=no.pk, comment="本单位已有同类资产，不符合配置标准")
    gone = services.allocation_request(
        actor=users["clerk_qszz"], pool_item_ids=[stock_p[5].pk], purpose="执法记录"
    )[0]
    d.approve(gone)
    wf.order_cancel(actor=d.keeper, order_id=gone.pk, comment="物品检查发现故障，改送维修")
    # By category and quantity: one approved (the keeper picks), one done.
    chairs = Category.objects.get(code="A05010301")
    desks = Category.objects.get(code="A05010100")
    picking = services.allocation_request_category(
        actor=school, warehouse_id=physical.pk, category_id=chairs.pk, quantity=2, purpose="新教师办公室"
    )
    d.approve(picking)
    by_cat = services.allocation_request_category(
        actor=users["clerk_qszx"],
        warehouse_id=physical.pk,
        category_id=desks.pk,
        quantity=1,
        purpose="教务处增员",
    )
    d.approve(by_cat)
    desk_items = [
        i for i in d.in_stock(physical, category_prefix="A050101") if i.asset.owner_unit.code != "QSZX"
    ]
    if desk_items:
        services.allocation_dispatch(actor=d.keeper, order_id=by_cat.pk, pool_item_ids=[desk_items[0].pk])
        services.allocation_acknowledge(actor=users["clerk_qszx"], order_id=by_cat.pk, location="教务处")

    # 4. Loans (借用): under way, overdue, returned, an extension waiting, one to lend.
    stock_p = d.in_stock(physical, exclude_units=("QSXX", "QSWH"))
    stock_v = d.in_stock(virtual, exclude_units=("QSXX", "QSWH"))
    due_soon = services.loan_request(
        actor=school,
        pool_item_ids=[stock_v[0].pk],
        purpose="六一文艺汇演",
        due_on=d.today + dt.timedelta(days=2),
    )[0]
    d.approve(due_soon)
    services.loan_lend(actor=d.keeper, order_id=due_soon.pk)
    overdue = services.loan_request(
        actor=school,
        pool_item_ids=[stock_p[0].pk, stock_p[1].pk],
        purpose="全镇运动会",
        due_on=d.today + dt.timedelta(days=1),
    )[0]
    d.approve(overdue)
    services.loan_lend(actor=d.keeper, order_id=overdue.pk)
    LoanOrder.objects.filter(pk=overdue.pk).update(  # lent three weeks ago, due five days ago
        due_on=d.today - dt.timedelta(days=5), lent_at=timezone.now() - dt.timedelta(days=21)
    )
    returned_loan = services.loan_request(
        actor=school,
        pool_item_ids=[stock_p[2].pk],
        purpose="教师培训",
        due_on=d.today + dt.timedelta(days=10),
    )[0]
    d.approve(returned_loan)
    services.loan_lend(actor=d.keeper, order_id=returned_loan.pk)
    line = returned_loan.lines.get()
    services.loan_return(
        actor=d.keeper,
        order_id=returned_loan.pk,
        inspections=[ReturnInspection(line.pk, "fair", "缺少电源线一根")],
        comment="已归还",
    )
    extended = services.loan_request(
        actor=users["clerk_qswh"],
        pool_item_ids=[stock_v[1].pk],
        purpose="文化下乡巡演",
        due_on=d.today + dt.timedelta(days=6),
    )[0]
    d.approve(extended)
    services.loan_lend(actor=users["keeper2"], order_id=extended.pk)
    services.loan_extension_request(
        actor=users["clerk_qswh"],
        loan_order_id=extended.pk,
        new_due_on=d.today + dt.timedelta(days=20),
        reason="巡演场次增加",
    )
    to_lend = services.loan_request(
        actor=users["clerk_qswh"],
        pool_item_ids=[stock_p[3].pk],
        purpose="篮球联赛",
        due_on=d.today + dt.timedelta(days=14),
    )[0]
    d.approve(to_lend)
    services.loan_reminders_send()
    ctx.log(f"  单据 {Order.objects.count()} 张")
