"""Demo region, part 2: about 2,000 asset cards across the units, categories, values and ages.

Cards are registered through assets.services (so each has its ledger event), with opening
accumulated depreciation as if depreciation had been posted up to last month. An idle card has the
history it would have had: registered in use on its booking date, marked idle (闲置) some weeks to
two years ago — its ledger rows carry those past times (`ledger.recorded_at`), so most idle cards
are "idle for more than 6 months" and may enter the 公物仓 under that source, a few not yet.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gongwucang.core.dates import local_today
from gongwucang.core.demo import DemoContext

from .categories import categories_load
from .domain.choices import AcquisitionMethod, AssetStatus, Condition, FundingSource
from .domain.depreciation import months_between, straight_line_accumulated_fen
from .ledger import recorded_at
from .models import Asset, Category
from .services import asset_register, assets_mark_idle

ORDER = 20

# category code, weight, price range (yuan), [(name, brand, model)]
ITEMS: list[tuple[str, int, tuple[int, int], list[tuple[str, str, str]]]] = [
    (
        "A02010105",
        30,
        (3800, 6500),
        [
            ("台式计算机", "联想", "启天M437"),
            ("台式计算机", "戴尔", "OptiPlex 7010"),
            ("台式计算机", "华为", "擎云B730"),
            ("一体机电脑", "联想", "扬天S660"),
        ],
    ),
    (
        "A02010108",
        14,
        (4500, 9000),
        [
            ("笔记本电脑", "联想", "ThinkPad E14"),
            ("笔记本电脑", "华为", "MateBook D14"),
            ("笔记本电脑", "惠普", "ProBook 440"),
        ],
    ),
    (
        "A02010104",
        2,
        (18000, 85000),
        [("服务器", "华为", "FusionServer 2288H"), ("服务器", "浪潮", "NF5280M6")],
    ),
    (
        "A02021000",
        10,
        (900, 3200),
        [
            ("激光打印机", "惠普", "LaserJet Pro M404dn"),
            ("彩色打印机", "佳能", "LBP664Cx"),
            ("针式打印机", "爱普生", "LQ-630K"),
        ],
    ),
    ("A02021100", 3, (12000, 38000), [("复印机", "佳能", "iR2625"), ("多功能复印机", "理光", "MP 2555SP")]),
    ("A02021301", 3, (400, 1600), [("碎纸机", "得力", "9950"), ("碎纸机", "科密", "C-638")]),
    ("A02061804", 8, (2800, 12000), [("空调机", "格力", "KFR-35GW"), ("柜式空调", "美的", "KFR-72LW")]),
    ("A02030500", 1, (120000, 260000), [("乘用车", "大众", "帕萨特"), ("乘用车", "比亚迪", "汉EV")]),
    ("A05010100", 12, (700, 4200), [("办公桌", "", "1.6米单人位"), ("办公桌", "", "1.4米钢木")]),
    ("A05010301", 12, (250, 1400), [("办公椅", "", "网布转椅"), ("会议椅", "", "皮面")]),
    ("A05010501", 4, (800, 2300), [("书柜", "", "两门玻璃")]),
    ("A05010502", 5, (600, 1900), [("文件柜", "", "钢制五节"), ("保密柜", "", "电子密码")]),
    ("A05020000", 3, (200, 3000), [("会议音响设备", "", ""), ("饮水机", "美的", "YR1226S")]),
    ("A04000000", 1, (2000, 30000), [("图书资料", "", ""), ("档案资料", "", "")]),
    ("A01010100", 1, (800000, 4800000), [("办公用房", "", "钢筋混凝土")]),
]
LOCATIONS = ["办公楼{}层{}室", "综合楼{}层{}室", "一号楼{}层{}室"]


def idle_days(n: int) -> int:
    """How long the n-th demo card has been idle, if it is: 40 days to two years, spread evenly
    (not drawn from the demo's random generator, so the rest of the demo stays as it was)."""
    return 40 + (n * 97) % 700


def _at(day: dt.date, hour: int) -> dt.datetime:
    when = dt.datetime.combine(day, dt.time(hour, 30), tzinfo=timezone.get_current_timezone())
    return min(when, timezone.now())


def register_idle(*, idle_from: dt.date, values: dict[str, Any], **register: Any) -> Asset:
    """Register a card in use on its booking date and mark it idle on `idle_from` (not before the
    booking, never in the future), its ledger rows dated then — a card with a past."""
    booked = values["booked_on"]
    idle_from = min(max(idle_from, booked), local_today())
    with recorded_at(_at(booked, 9)):
        asset = asset_register(values={**values, "status": AssetStatus.IN_USE}, **register)
    with recorded_at(_at(idle_from, 15)):
        assets_mark_idle(actor=register["actor"], asset_ids=[asset.pk], note="不再使用，转为闲置")
    asset.refresh_from_db()
    return asset


def _pick_item(ctx: DemoContext):  # type: ignore[no-untyped-def]
    total = sum(w for _c, w, _r, _i in ITEMS)
    roll = ctx.rng.uniform(0, total)
    for code, weight, price, items in ITEMS:
        roll -= weight
        if roll <= 0:
            return code, price, ctx.rng.choice(items)
    return ITEMS[0][0], ITEMS[0][2], ITEMS[0][3][0]


def seed(ctx: DemoContext) -> None:
    if not Category.objects.exists():
        categories_load()
    categories = {c.code: c for c in Category.objects.all()}
    today = local_today()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    units = [u for code, u in ctx.units.items() if code not in {"QSCZ"}] + [ctx.units["QSCZ"]]
    weights = [6 if u.code in {"QSXX", "QSZX", "QSWS"} else 3 for u in units]
    for n in range(ctx.cards):
        unit = ctx.rng.choices(units, weights=weights)[0]
        clerk = ctx.users[f"clerk_{unit.code.lower()}"]
        code, (low, high), (name, brand, model) = _pick_item(ctx)
        category = categories[code]
        # Houses and vehicles are few and large; small things are many.
        cost = Decimal(ctx.rng.randint(low * 100, high * 100)) / 100
        if code == "A01010100" and n % 5:  # keep buildings rare
            code, (low, high), (name, brand, model) = ITEMS[0][0], ITEMS[0][2], ITEMS[0][3][0]
            category = categories[code]
            cost = Decimal(ctx.rng.randint(low * 100, high * 100)) / 100
        acquired = today - dt.timedelta(days=ctx.rng.randint(20, 12 * 365))
        life = category.default_life_months
        months = months_between(acquired, last_month_end)
        cost_fen = int(cost * 100)
        accumulated = (
            straight_line_accumulated_fen(cost_fen, life, months) if life and category.depreciable else 0
        )
        departments = list(unit.departments.all())
        department = ctx.rng.choice(departments) if departments else None
        staff = [s for s in ctx.users.values() if s.unit_id == unit.pk and s.username.startswith("staff_")]
        status = ctx.rng.choices(
            [AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.UNDER_REPAIR], weights=[84, 13, 3]
        )[0]
        age_years = (today - acquired).days / 365
        condition = (
            Condition.GOOD
            if age_years < 4
            else ctx.rng.choice([Condition.GOOD, Condition.FAIR, Condition.FAIR])
        )
        if status == AssetStatus.UNDER_REPAIR:
            condition = Condition.NEEDS_REPAIR
        values = {
            "name": name,
            "category": category,
            "model_spec": model,
            "brand": brand,
            "quantity": 1,
            "acquisition_method": ctx.rng.choices(
                [AcquisitionMethod.PURCHASE, AcquisitionMethod.TRANSFER_IN, AcquisitionMethod.DONATION],
                weights=[90, 8, 2],
            )[0],
            "acquired_on": acquired,
            "booked_on": acquired + dt.timedelta(days=ctx.rng.randint(0, 10)),
            "funding_source": FundingSource.FISCAL,
            "fiscal_amount_fen": cost_fen,
            "department": department,
            "custodian": ctx.rng.choice(staff) if staff and code.startswith("A02010") else None,
            "location": ctx.rng.choice(LOCATIONS).format(ctx.rng.randint(1, 5), ctx.rng.randint(1, 20)),
            "status": status,
            "condition": condition,
        }
        if values["booked_on"] > today:
            values["booked_on"] = today
        register = {
            "actor": clerk,
            "owner_unit": unit,
            "original_value": cost,
            "accumulated_depreciation": Decimal(accumulated) / 100,
            "months_depreciated": min(months, life or 0),
        }
        if status != AssetStatus.IDLE:
            asset_register(values=values, **register)
        else:  # in use from its booking date, idle since some time after it
            register_idle(idle_from=today - dt.timedelta(days=idle_days(n)), values=values, **register)
        if (n + 1) % 500 == 0:
            ctx.log(f"  {n + 1} 张资产卡片")
