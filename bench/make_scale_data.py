"""Fill a PostgreSQL database with a realistic region at a chosen scale (issue 6).

Default "province": 1,000,000 asset cards (with their book rows), 2,000 units in a 4-level tree,
20,000 people, 100,000 ledger events per month for 24 months (among them 50 cards with exactly
200 events each, for the card page), and 50,000 orders when the workflow app has its models.

    flock /tmp/gwc-bench.lock .venv/bin/python bench/make_scale_data.py            # province
    .venv/bin/python bench/make_scale_data.py --cards 100000 --units 200 --users 2000   # county

- Fast: the small tables go in through the ORM's bulk_create; cards, book rows and events
  through COPY in chunks of 100,000 rows. The database's own triggers fill the search keys and
  keep the counters (AssetTally), exactly as for any other writer.
- Reproducible: everything derives from --seed (each chunk from its own seeded generator).
- Resumable: each step (and each chunk) commits together with its row in
  bench_scale_progress; a rerun skips what is done. --fresh drops and recreates the database.

Known logins (password BENCH_PASSWORD, hashed once): `bench_clerk` (asset clerk of the largest
unit), `bench_finance` (finance, the whole region), and `clerkNNNN` / `headNNNN` for unit NNNN.
The card ids with 200 ledger events are listed in the table bench_scale_facts.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import io
import itertools
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT

SCALE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gwc_scale"
BENCH_PASSWORD = "Bench-pass-2026"
CHUNK = 100_000
BUSY_CARDS = 50
BUSY_EVENTS = 200
TODAY = dt.date(2026, 11, 27)  # fixed, so that the data does not depend on the day it is made
FIRST_BOOKED = dt.date(2006, 1, 1)

# (category code, weight, value range in yuan, [(name, brand, model)]) — what a county owns.
ITEMS: list[tuple[str, int, tuple[int, int], list[tuple[str, str, str]]]] = [
    (
        "A02010105",
        22,
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
        12,
        (4500, 9000),
        [
            ("笔记本电脑", "联想", "ThinkPad E14"),
            ("笔记本电脑", "华为", "MateBook D14"),
            ("笔记本电脑", "惠普", "ProBook 440"),
        ],
    ),
    (
        "A02010104",
        1,
        (18000, 85000),
        [("服务器", "华为", "FusionServer 2288H"), ("服务器", "浪潮", "NF5280M6")],
    ),
    (
        "A02021000",
        9,
        (900, 3200),
        [
            ("激光打印机", "惠普", "LaserJet M404dn"),
            ("彩色打印机", "佳能", "LBP664Cx"),
            ("针式打印机", "爱普生", "LQ-630K"),
        ],
    ),
    ("A02021100", 2, (12000, 38000), [("复印机", "佳能", "iR2625"), ("多功能复印机", "理光", "MP 2555SP")]),
    ("A02021301", 2, (600, 2500), [("碎纸机", "得力", "9918"), ("碎纸机", "科密", "C-958")]),
    (
        "A02030500",
        1,
        (120000, 260000),
        [("公务用车", "比亚迪", "秦PLUS"), ("公务用车", "大众", "帕萨特"), ("商务车", "别克", "GL8")],
    ),
    ("A02061804", 8, (2800, 9800), [("空调", "格力", "KFR-35GW"), ("柜式空调", "美的", "KFR-72LW")]),
    ("A05010100", 14, (800, 3500), [("办公桌", "震旦", "AD-1600"), ("会议桌", "圣奥", "HY-3612")]),
    ("A05010301", 16, (300, 1800), [("办公椅", "震旦", "AC-221"), ("会议椅", "圣奥", "CH-088")]),
    ("A05010501", 6, (900, 2600), [("书柜", "震旦", "BK-900")]),
    ("A05010502", 6, (700, 2200), [("文件柜", "得力", "33118"), ("档案柜", "震旦", "FC-08")]),
    ("A05020000", 1, (200, 5000), [("投影幕布", "红叶", "HY-100"), ("饮水机", "美的", "YR1226S")]),
]
# status → share of cards (the warehouse unit's cards are "in_warehouse" instead)
STATUSES = [
    ("in_use", 78),
    ("idle", 6),
    ("on_loan", 1),
    ("leased", 1),
    ("lent", 1),
    ("under_repair", 2),
    ("pending_disposal", 3),
    ("disposed", 8),
]
LEVEL0 = [
    "教育局",
    "卫生健康委员会",
    "民政局",
    "交通运输局",
    "农业农村局",
    "自然资源局",
    "生态环境局",
    "住房和城乡建设局",
    "水利局",
    "文化广电旅游局",
    "市场监督管理局",
    "应急管理局",
    "人力资源和社会保障局",
    "公安局",
    "司法局",
    "审计局",
    "统计局",
    "商务局",
    "科学技术局",
    "退役军人事务局",
    "医疗保障局",
    "林业局",
    "体育局",
    "档案馆",
    "党校",
    "融媒体中心",
    "供销社",
    "气象局",
    "人民法院",
    "人民检察院",
    "政协办公室",
    "人大办公室",
    "政府办公室",
    "发展和改革局",
    "经济和信息化局",
    "城市管理局",
    "信访局",
    "机关工委",
]
LOWER = [
    "中心小学",
    "第一中学",
    "卫生院",
    "社区服务中心",
    "管理所",
    "服务站",
    "中心幼儿园",
    "养老院",
    "检测站",
    "图书馆",
    "文化站",
    "农技站",
    "水利站",
    "派出所",
    "执法中队",
]
TOWNS = [
    "城关",
    "东溪",
    "西岭",
    "南塘",
    "北山",
    "青石",
    "白沙",
    "红旗",
    "新安",
    "永宁",
    "太平",
    "长乐",
    "清河",
    "马鞍",
    "桃源",
    "凤凰",
    "龙泉",
    "石门",
    "大桥",
    "黄田",
]
PLACES = [
    "一楼办公室",
    "二楼办公室",
    "三楼会议室",
    "档案室",
    "机房",
    "仓库",
    "教室",
    "值班室",
    "诊室",
    "车库",
]
EVENT_KINDS = [
    ("updated", 55),
    ("status_changed", 30),
    ("value_changed", 5),
    ("transferred", 5),
    ("disposed", 5),
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def setup(database_url: str, fresh: bool) -> None:
    os.environ["DATABASE_URL"] = database_url
    if database_url.startswith("sqlite:"):  # the embedded mode (county scale: see --help)
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            path.unlink(missing_ok=True)
    elif fresh:
        import dj_database_url
        import psycopg

        cfg = dj_database_url.parse(database_url)
        with psycopg.connect(
            host=cfg["HOST"] or "127.0.0.1",
            port=cfg["PORT"] or 5432,
            user=cfg["USER"],
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
    from _common import setup_django

    setup_django(database_url)


class Plan:
    """Everything derived from the seed and the sizes, before any row is written."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.seed = args.seed
        rng = random.Random(f"{self.seed}-plan")
        n_units = args.units
        # The tree: 2 offices + supervising departments at depth 0, then 8% / 30% / 60% below.
        n0 = max(3, round(n_units * 0.02))
        n1 = max(1, round(n_units * 0.08))
        n2 = max(1, round(n_units * 0.30))
        n3 = n_units - n0 - n1 - n2
        self.levels = [
            range(1, n0 + 1),
            range(n0 + 1, n0 + n1 + 1),
            range(n0 + n1 + 1, n0 + n1 + n2 + 1),
            range(n0 + n1 + n2 + 1, n_units + 1),
        ]
        self.parent: dict[int, int | None] = {u: None for u in self.levels[0]}
        supervising0 = list(self.levels[0])[2:]
        for depth in (1, 2, 3):
            above = supervising0 if depth == 1 else list(self.levels[depth - 1])
            for u in self.levels[depth]:
                self.parent[u] = rng.choice(above)
        self.n3 = n3
        # Card weights per unit: Zipf-like (s = 0.7) over a seeded order; the largest is a depth-1 unit.
        order = list(range(3, n_units + 1))
        rng.shuffle(order)
        largest = self.levels[1][0]
        order.remove(largest)
        order.insert(0, largest)
        weights = {u: 1 / (rank + 1) ** 0.7 for rank, u in enumerate(order)}
        weights[1] = weights[order[-1]]  # the finance office owns little
        weights[2] = weights[order[len(order) // 50]]  # the warehouse holds a pool
        self.largest_unit = largest
        self.unit_ids = list(range(1, n_units + 1))
        self.unit_cum = list(itertools.accumulate(weights[u] for u in self.unit_ids))
        # Users: 10 per unit (user (u-1)*10+1 is the clerk, +2 the head, +3 the supervisor where
        # the unit supervises others); extra users beyond that go to the largest unit.
        self.users_per_unit = max(3, args.users // n_units)

    def user_id(self, unit: int, k: int) -> int:
        return (unit - 1) * self.users_per_unit + k

    def pick_unit(self, rng: random.Random) -> int:
        x = rng.random() * self.unit_cum[-1]
        return self.unit_ids[bisect.bisect_left(self.unit_cum, x)]


def card_index(plan: Plan) -> tuple[list[int], list[int], list[int]]:
    """(unit, booked day offset, sequence number) of every card, in id order — ids grow with the
    booking date, as they do in a register that has been used for twenty years."""
    rng = random.Random(f"{plan.seed}-cards")
    n = plan.args.cards
    span = (TODAY - FIRST_BOOKED).days
    # More cards are booked in later years (the register grows): day = span * sqrt(u).
    days = sorted(int(span * (rng.random() ** 0.6)) for _ in range(n))
    units = [plan.pick_unit(rng) for _ in range(n)]
    counters: Counter[tuple[int, int]] = Counter()
    seqs = []
    for unit, day in zip(units, days, strict=True):
        year = (FIRST_BOOKED + dt.timedelta(days=day)).year
        counters[(unit, year)] += 1
        seqs.append(counters[(unit, year)])
    plan.sequences = counters  # type: ignore[attr-defined]
    return units, days, seqs


def done_steps(cursor) -> set[str]:  # type: ignore[no-untyped-def]
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_scale_progress (step text PRIMARY KEY, finished_at timestamptz)"
    )
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_scale_facts (name text PRIMARY KEY, value jsonb)")
    cursor.execute("SELECT step FROM bench_scale_progress")
    return {row[0] for row in cursor.fetchall()}


def mark(cursor, step: str) -> None:  # type: ignore[no-untyped-def]
    cursor.execute("INSERT INTO bench_scale_progress VALUES (%s, CURRENT_TIMESTAMP)", [step])


def fact(cursor, name: str, value: object) -> None:  # type: ignore[no-untyped-def]
    cursor.execute(
        "INSERT INTO bench_scale_facts VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = "
        "EXCLUDED.value",
        [name, json.dumps(value)],
    )


def step_org(plan: Plan) -> None:
    """Region, units, departments, people and their roles (through the ORM: small tables)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from gongwucang.assets.categories import categories_load
    from gongwucang.assets.models import Category
    from gongwucang.org.domain.roles import Role
    from gongwucang.org.models import Department, Membership, Region, Unit, UnitKind, User

    rng = random.Random(f"{plan.seed}-org")
    with transaction.atomic():
        if not Category.objects.exists():
            categories_load()
        region = Region.objects.create(id=1, code="330000000", name="示范省本级")
        units = []
        for u in plan.unit_ids:
            parent = plan.parent[u]
            if u == 1:
                name, kind = "财政局", UnitKind.ADMINISTRATIVE
            elif u == 2:
                name, kind = "机关事务管理中心", UnitKind.PUBLIC_INSTITUTION
            elif parent is None:
                name, kind = (
                    LEVEL0[(u - 3) % len(LEVEL0)] + ("" if u - 3 < len(LEVEL0) else f"{u}"),
                    UnitKind.ADMINISTRATIVE,
                )
            else:
                name, kind = f"{rng.choice(TOWNS)}{rng.choice(LOWER)}{u}", UnitKind.PUBLIC_INSTITUTION
            units.append(
                Unit(
                    id=u,
                    region=region,
                    code=f"U{u:04d}",
                    name=name,
                    short_name=name[:30],
                    kind=kind,
                    supervising_unit_id=parent,
                    is_finance_office=u == 1,
                )
            )
        paths: dict[int, str] = {}
        for unit in units:  # parents have smaller ids
            parent = plan.parent[unit.id]
            paths[unit.id] = f"{paths[parent] if parent else '/'}{unit.id}/"
            unit.tree_path = paths[unit.id]
            unit.depth = unit.tree_path.count("/") - 2
        Unit.objects.bulk_create(units, batch_size=2000)
        Department.objects.bulk_create(
            [
                Department(id=2 * u - 1 + k, unit_id=u, name=name)
                for u in plan.unit_ids
                for k, name in enumerate(["办公室", "业务科"])
            ],
            batch_size=5000,
        )
        password = make_password(BENCH_PASSWORD)  # hashed once for all
        users, memberships = [], []
        supervising = {p for p in plan.parent.values() if p}
        for u in plan.unit_ids:
            for k in range(1, plan.users_per_unit + 1):
                uid = plan.user_id(u, k)
                username = {1: f"clerk{u:04d}", 2: f"head{u:04d}"}.get(k, f"staff{u:04d}_{k:02d}")
                users.append(
                    User(
                        id=uid,
                        username=username,
                        password=password,
                        unit_id=u,
                        department_id=2 * u - 1 + (k % 2),
                        full_name=f"职工{uid}",
                    )
                )
            memberships.append(Membership(user_id=plan.user_id(u, 1), unit_id=u, role=Role.ASSET_CLERK))
            memberships.append(Membership(user_id=plan.user_id(u, 2), unit_id=u, role=Role.UNIT_HEAD))
            if u in supervising:
                memberships.append(Membership(user_id=plan.user_id(u, 3), unit_id=u, role=Role.SUPERVISOR))
        # Region-wide roles in the finance office, keepers in the warehouse unit, and the two
        # named logins of the benchmarks.
        next_id = plan.user_id(plan.unit_ids[-1], plan.users_per_unit) + 1
        extra = [("bench_clerk", plan.largest_unit, Role.ASSET_CLERK), ("bench_finance", 1, Role.FINANCE)]
        extra += [(f"finance{i:02d}", 1, Role.FINANCE) for i in range(1, 21)]
        extra += [("auditor01", 1, Role.AUDITOR), ("admin01", 1, Role.ADMIN)]
        extra += [(f"keeper{i:02d}", 2, Role.KEEPER) for i in range(1, 4)]
        extra += [(f"bigclerk{i:02d}", plan.largest_unit, Role.ASSET_CLERK) for i in range(1, 21)]
        for offset, (username, unit, role) in enumerate(extra):
            users.append(
                User(
                    id=next_id + offset,
                    username=username,
                    password=password,
                    unit_id=unit,
                    full_name=username,
                )
            )
            memberships.append(Membership(user_id=next_id + offset, unit_id=unit, role=role))
        User.objects.bulk_create(users, batch_size=5000)
        Membership.objects.bulk_create(memberships, batch_size=5000)
        with connection.cursor() as cursor:
            for table in ("org_region", "org_unit", "org_department", "org_user", "org_membership"):
                reset_sequence(cursor, table)
            fact(cursor, "largest_unit", plan.largest_unit)
            mark(cursor, "org")
    log(
        f"org: {len(units)} units, {len(users)} people, {len(memberships)} roles; "
        f"largest unit U{plan.largest_unit:04d}"
    )


def reset_sequence(cursor, table: str) -> None:  # type: ignore[no-untyped-def]
    """After rows with explicit ids: the next id the database gives (SQLite keeps track itself)."""
    if cursor.db.vendor == "postgresql":
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def _copy(cursor, table: str, columns: list[str], buf: io.StringIO) -> None:  # type: ignore[no-untyped-def]
    """COPY the tab-separated rows into table (PostgreSQL); plain inserts on SQLite (embedded mode)."""
    if cursor.db.vendor != "postgresql":
        rows = [
            tuple(None if v == "\\N" else v for v in line.split("\t")) for line in buf.getvalue().splitlines()
        ]
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        return
    cursor = cursor.cursor
    data = buf.getvalue()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for start in range(0, len(data), 8 << 20):
            copy.write(data[start : start + (8 << 20)])


ASSET_COLUMNS = [
    "id",
    "asset_no",
    "name",
    "model_spec",
    "brand",
    "measure_unit",
    "quantity",
    "acquisition_method",
    "acquired_on",
    "booked_on",
    "funding_source",
    "fiscal_amount_fen",
    "non_fiscal_amount_fen",
    "useful_life_months",
    "depreciation_method",
    "depreciation_status",
    "is_nominal_value",
    "location",
    "usage",
    "counterparty_name",
    "counterparty_contact",
    "counterparty_phone",
    "status",
    "condition",
    "disposal_method",
    "disposed_on",
    "disposal_income_fen",
    "note",
    "version",
    "search_text",
    "created_at",
    "updated_at",
    "custodian_id",
    "department_id",
    "owner_unit_id",
    "region_id",
    "user_unit_id",
    "category_id",
]
BOOK_COLUMNS = [
    "asset_id",
    "category_id",
    "original_value_fen",
    "accumulated_depreciation_fen",
    "months_depreciated",
]


def step_cards(
    plan: Plan, index: tuple[list[int], list[int], list[int]], chunk: int, categories: dict
) -> None:
    from django.db import connection, transaction

    from gongwucang.assets.domain.search_keys import build_search_text

    units, days, seqs = index
    rng = random.Random(f"{plan.seed}-cards-{chunk}")
    item_cum = list(itertools.accumulate(w for _c, w, _r, _v in ITEMS))
    status_cum = list(itertools.accumulate(w for _s, w in STATUSES))
    assets, books = io.StringIO(), io.StringIO()
    first, last = chunk * CHUNK, min((chunk + 1) * CHUNK, plan.args.cards)
    for i in range(first, last):
        cid = i + 1
        unit = units[i]
        code, _w, (low, high), variants = ITEMS[bisect.bisect_left(item_cum, rng.random() * item_cum[-1])]
        cat_id, life_months, measure = categories[code]
        name, brand, model = rng.choice(variants)
        booked = FIRST_BOOKED + dt.timedelta(days=days[i])
        acquired = booked - dt.timedelta(days=rng.randint(0, 20))
        asset_no = f"U{unit:04d}-{booked.year:04d}-{seqs[i]:06d}"
        if unit == 2:
            status = "in_warehouse" if rng.random() < 0.8 else "in_use"
        else:
            status = STATUSES[bisect.bisect_left(status_cum, rng.random() * status_cum[-1])][0]
        value_fen = rng.randint(low, high) * 100 + rng.choice([0, 0, 50, 99])
        months = max(0, (TODAY.year - booked.year) * 12 + TODAY.month - booked.month - 1)
        life = life_months or 0
        accumulated = 0 if not life else min(value_fen, value_fen * min(months, life) // life)
        disposed = status == "disposed"
        custodian = plan.user_id(unit, rng.randint(3, plan.users_per_unit)) if rng.random() < 0.6 else None
        department = 2 * unit - 1 + rng.randint(0, 1)
        search_text = build_search_text(name, asset_no, model, brand)
        ts = f"{booked.isoformat()} 09:00:00+08:00"
        row = [
            cid,
            asset_no,
            name,
            model,
            brand,
            measure,
            1,
            "purchase",
            acquired.isoformat(),
            booked.isoformat(),
            "fiscal",
            value_fen,
            0,
            life or "\\N",
            "straight_line",
            "depreciated" if life else "not_depreciated",
            0,  # is_nominal_value (0/1: PostgreSQL COPY and SQLite alike)
            rng.choice(PLACES),
            "own_use",
            "",
            "",
            "",
            status,
            "good" if months < 48 else rng.choice(["good", "fair", "fair", "needs_repair"]),
            "scrap" if disposed else "",
            min(booked + dt.timedelta(days=2922), TODAY).isoformat() if disposed else "\\N",
            0 if disposed else "\\N",
            "",
            1,
            search_text,
            ts,
            ts,
            custodian or "\\N",
            department,
            unit,
            1,
            unit,
            cat_id,
        ]
        assets.write("\t".join(map(str, row)) + "\n")
        books.write(f"{cid}\t{cat_id}\t{value_fen}\t{accumulated}\t{min(months, life) if life else 0}\n")
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor
        _copy(cursor, "assets_asset", ASSET_COLUMNS, assets)
        _copy(cursor, "assets_assetbook", BOOK_COLUMNS, books)
        mark(cursor, f"cards:{chunk}")


def step_sequences(plan: Plan) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        rows = io.StringIO()
        for n, ((unit, year), last) in enumerate(sorted(plan.sequences.items()), start=1):  # type: ignore[attr-defined]
            rows.write(f"{n}\t{unit}\t{year}\t{last}\n")
        _copy(cursor, "assets_assetnumbersequence", ["id", "unit_id", "year", "last_value"], rows)
        for table in ("assets_asset", "assets_assetnumbersequence"):
            reset_sequence(cursor, table)
        mark(cursor, "sequences")


def busy_cards(plan: Plan, units: list[int]) -> list[int]:
    """Cards of the largest unit that get exactly BUSY_EVENTS ledger events (for the card page)."""
    ids = [i + 1 for i, u in enumerate(units) if u == plan.largest_unit]
    return ids[-BUSY_CARDS * 3 :: 3][:BUSY_CARDS]


def step_events(plan: Plan, units: list[int], days: list[int], month: int, busy: list[int]) -> None:
    """One month of ledger: registrations of the month's cards, busy cards' share, other changes."""
    from django.db import connection, transaction

    rng = random.Random(f"{plan.seed}-events-{month}")
    n_months = plan.args.months
    back = n_months - 1 - month
    year, month0 = divmod(TODAY.year * 12 + TODAY.month - 1 - back, 12)
    start = dt.date(year, month0 + 1, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    first_day, last_day = (start - FIRST_BOOKED).days, (end - FIRST_BOOKED).days
    lo, hi = bisect.bisect_left(days, first_day), bisect.bisect_left(days, last_day)
    budget = plan.args.events_per_month
    per_busy = BUSY_EVENTS // n_months + (1 if month < BUSY_EVENTS % n_months else 0)
    rows = io.StringIO()
    n = 0
    base_id = month * (budget + 10 * BUSY_CARDS + CHUNK)  # disjoint id ranges per month

    def write(asset_id: int, kind: str, before: dict, after: dict, day: int | None = None) -> None:
        nonlocal n
        when = start + dt.timedelta(days=day if day is not None else rng.randrange((end - start).days))
        hour, minute, second = rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)
        stamp = f"{when.isoformat()} {hour:02d}:{minute:02d}:{second:02d}+08:00"
        actor = plan.user_id(units[asset_id - 1], 1)
        n += 1
        rows.write(
            f"{base_id + n}\t{asset_id}\t{kind}\t{actor}\t{stamp}\t\t"
            f"{json.dumps(before, ensure_ascii=False)}\t{json.dumps(after, ensure_ascii=False)}\t\t\n"
        )

    for i in range(lo, hi):  # the month's registrations
        write(
            i + 1,
            "registered",
            {},
            {"asset_no": f"U{units[i]:04d}", "status": "in_use", "quantity": 1, "original_value_fen": "0.00"},
            day=days[i] - first_day,
        )
    for asset_id in busy:
        for _ in range(per_busy):
            a, b = rng.sample(PLACES, 2)
            write(asset_id, "updated", {"location": a}, {"location": b})
    kind_cum = list(itertools.accumulate(w for _k, w in EVENT_KINDS))
    top = max(hi, 1)
    while n < budget:
        asset_id = rng.randint(1, top)
        kind = EVENT_KINDS[bisect.bisect_left(kind_cum, rng.random() * kind_cum[-1])][0]
        if kind == "updated":
            a, b = rng.sample(PLACES, 2)
            write(asset_id, kind, {"location": a}, {"location": b})
        elif kind == "status_changed":
            write(asset_id, kind, {"status": "in_use"}, {"status": "idle"})
        elif kind == "value_changed":
            write(asset_id, kind, {"original_value_fen": "1000.00"}, {"original_value_fen": "1200.00"})
        else:
            write(
                asset_id,
                kind,
                {"status": "in_use"},
                {"status": "disposed" if kind == "disposed" else "in_use"},
            )
    with transaction.atomic(), connection.cursor() as django_cursor:
        _copy(
            django_cursor,
            "assets_assetevent",
            [
                "id",
                "asset_id",
                "event_type",
                "actor_id",
                "occurred_at",
                "reference",
                "before",
                "after",
                "note",
                "request_id",
            ],
            rows,
        )
        mark(django_cursor, f"events:{month}")


# What docs/operations.md recommends for a production PostgreSQL on SSD with a few GB of RAM,
# set on the database (not the server) so that other databases on the machine are untouched.
DATABASE_SETTINGS = {
    "work_mem": "32MB",  # bitmap scans of search keys stay exact (4MB default makes them lossy)
    "random_page_cost": "1.1",  # SSD: an index probe is not 4× a sequential read
    "jit": "off",  # compiling a plan costs 50–100 ms; the everyday pages run in a few ms
}


def tune_database(database_url: str) -> None:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        for setting, value in DATABASE_SETTINGS.items():
            cursor.execute(f"ALTER DATABASE \"{name}\" SET {setting} = '{value}'")
    connection.close()  # new sessions pick the settings up


ORDER_TYPES = [("allocation", 55), ("intake", 30), ("loan", 15)]
# status → share; open orders (submitted … executing) hold their assets (one open order per asset)
ORDER_STATUSES = [
    ("done", 80),
    ("rejected", 5),
    ("cancelled", 3),
    ("in_approval", 6),
    ("approved", 2),
    ("executing", 2),
    ("returned", 1),
    ("draft", 1),
]
OPEN = {"submitted", "in_approval", "approved", "executing", "returned"}


def step_orders(plan: Plan, units: list[int]) -> None:
    """Orders of the last 24 months through the ORM (bulk_create): the three order types of the pool,
    one to three lines each, their approval steps (pending ones fill the approvers' inboxes),
    history, and each type's detail row."""
    from django.apps import apps
    from django.db import connection, transaction

    Order = apps.get_model("workflow", "Order")
    OrderLine = apps.get_model("workflow", "OrderLine")
    OrderApproval = apps.get_model("workflow", "OrderApproval")
    OrderHistory = apps.get_model("workflow", "OrderHistory")
    Warehouse = apps.get_model("warehouse", "Warehouse")
    IntakeOrder = apps.get_model("warehouse", "IntakeOrder")
    AllocationOrder = apps.get_model("warehouse", "AllocationOrder")
    LoanOrder = apps.get_model("warehouse", "LoanOrder")
    rng = random.Random(f"{plan.seed}-orders")
    type_cum = list(itertools.accumulate(w for _t, w in ORDER_TYPES))
    status_cum = list(itertools.accumulate(w for _s, w in ORDER_STATUSES))
    warehouse_assets = [i + 1 for i, u in enumerate(units) if u == 2]
    by_unit: dict[int, list[int]] = {}
    for i, u in enumerate(units):
        by_unit.setdefault(u, []).append(i + 1)
    busy: set[int] = set()
    tz = dt.timezone(dt.timedelta(hours=8))
    with transaction.atomic():
        warehouse = Warehouse.objects.create(
            region_id=1, code="WH01", name="公物仓", kind="physical", operating_unit_id=2
        )
        orders, lines, approvals, history, details = [], [], [], [], []
        counters: Counter[tuple[str, int]] = Counter()
        line_id = approval_id = history_id = 0
        oid = 0
        while oid < plan.args.orders:
            kind = ORDER_TYPES[bisect.bisect_left(type_cum, rng.random() * type_cum[-1])][0]
            status = ORDER_STATUSES[bisect.bisect_left(status_cum, rng.random() * status_cum[-1])][0]
            unit = plan.pick_unit(rng)
            while unit in (1, 2):
                unit = plan.pick_unit(rng)
            age_days = rng.randint(0, 730) if status not in OPEN and status != "draft" else rng.randint(0, 20)
            created = dt.datetime.combine(
                TODAY - dt.timedelta(days=age_days), dt.time(9, rng.randint(0, 59)), tz
            )
            counters[(kind, created.year)] += 1
            prefix = {"allocation": "DB", "intake": "RC", "loan": "JY"}[kind]
            pool = by_unit.get(unit, []) if kind == "intake" else warehouse_assets
            n_lines = rng.randint(1, 3)
            chosen = []
            for _ in range(n_lines * 3):
                if len(chosen) == n_lines or not pool:
                    break
                asset = rng.choice(pool)
                if asset in chosen or (status in OPEN and asset in busy):
                    continue
                chosen.append(asset)
            if not chosen:  # no free card for this unit and type: draw again
                continue
            oid += 1
            if status in OPEN:
                busy.update(chosen)
            clerk = plan.user_id(unit, 1)
            submitted = None if status == "draft" else created + dt.timedelta(hours=1)
            orders.append(
                Order(
                    id=oid,
                    order_no=f"{prefix}-{created.year}-{counters[(kind, created.year)]:06d}",
                    order_type=kind,
                    status=status,
                    region_id=1,
                    applicant_id=clerk,
                    applicant_unit_id=unit,
                    handling_unit_id=2,
                    title=f"{kind} {oid}",
                    total_original_value_fen=0,
                    approval_round=0 if status == "draft" else 1,
                    created_at=created,
                    submitted_at=submitted,
                    approved_at=created + dt.timedelta(days=1)
                    if status in ("approved", "executing", "done")
                    else None,
                    closed_at=created + dt.timedelta(days=3)
                    if status in ("done", "rejected", "cancelled")
                    else None,
                    updated_at=created + dt.timedelta(days=1),
                )
            )
            for asset in chosen:
                line_id += 1
                lines.append(
                    OrderLine(
                        id=line_id,
                        order_id=oid,
                        asset_id=asset,
                        original_value_fen=0,
                        is_open=status in OPEN,
                        outcome="pending"
                        if status != "done"
                        else {"intake": "accepted", "allocation": "acknowledged", "loan": "returned"}[kind],
                    )
                )
            if status != "draft":
                # Two steps: the unit head, then the supervising unit (or finance for a top unit).
                parent = plan.parent.get(unit)
                steps = [
                    ("单位负责人审核", "unit_head", unit),
                    ("主管部门审核", "supervisor", parent) if parent else ("财政审核", "finance", 1),
                ]
                for seq, (name, role, step_unit) in enumerate(steps, start=1):
                    approval_id += 1
                    if status == "in_approval":
                        state = (
                            "approved"
                            if seq == 1 and rng.random() < 0.5
                            else ("pending" if seq <= 2 else "waiting")
                        )
                        if (
                            seq == 2
                            and approvals
                            and approvals[-1].order_id == oid
                            and approvals[-1].status == "pending"
                        ):
                            state = "waiting"
                    elif status == "rejected":
                        state = "rejected" if seq == len(steps) else "approved"
                    elif status == "returned":
                        state = "returned" if seq == 1 else "waiting"
                    elif status == "cancelled":
                        state = "cancelled"
                    else:
                        state = "approved"
                    decided = state in ("approved", "rejected", "returned")
                    approvals.append(
                        OrderApproval(
                            id=approval_id,
                            order_id=oid,
                            round=1,
                            seq=seq,
                            name=name,
                            role=role,
                            unit_id=step_unit,
                            status=state,
                            decided_at=created + dt.timedelta(hours=2 + seq) if decided else None,
                            decided_by_id=plan.user_id(step_unit, 2 if role == "unit_head" else 3)
                            if decided and step_unit != 1
                            else None,
                        )
                    )
            for action, to_status in [("create", "draft"), ("submit", "in_approval")][
                : 1 if status == "draft" else 2
            ]:
                history_id += 1
                history.append(
                    OrderHistory(
                        id=history_id,
                        order_id=oid,
                        action=action,
                        from_status="",
                        to_status=to_status,
                        actor_id=clerk,
                        actor_role="asset_clerk",
                        occurred_at=created,
                    )
                )
            if kind == "intake":
                details.append(IntakeOrder(order_id=oid, warehouse=warehouse, source="idle"))
            elif kind == "allocation":
                details.append(
                    AllocationOrder(order_id=oid, warehouse=warehouse, mode="items", purpose="工作需要")
                )
            else:
                details.append(
                    LoanOrder(
                        order_id=oid,
                        warehouse=warehouse,
                        purpose="临时借用",
                        due_on=created.date() + dt.timedelta(days=30),
                    )
                )
        Order.objects.bulk_create(orders, batch_size=5000)
        OrderLine.objects.bulk_create(lines, batch_size=5000)
        OrderApproval.objects.bulk_create(approvals, batch_size=5000)
        OrderHistory.objects.bulk_create(history, batch_size=5000)
        for model in (IntakeOrder, AllocationOrder, LoanOrder):
            model.objects.bulk_create([d for d in details if isinstance(d, model)], batch_size=5000)
        with connection.cursor() as cursor:
            for table in (
                "workflow_order",
                "workflow_orderline",
                "workflow_orderapproval",
                "workflow_orderhistory",
            ):
                reset_sequence(cursor, table)
            mark(cursor, "orders")
    log(f"orders: {len(orders):,} orders, {len(lines):,} lines, {len(approvals):,} approval steps")


def step_order_numbers() -> None:
    """The order number sequences (workflow_ordernumbersequence) up to the numbers the orders took,
    so that the next order of a type and year gets a fresh number (without them the first request
    on the scale data collided with DB-2026-000001)."""
    from django.apps import apps
    from django.db import connection, transaction

    Order = apps.get_model("workflow", "Order")
    OrderNumberSequence = apps.get_model("workflow", "OrderNumberSequence")
    last: Counter[tuple[str, int]] = Counter()
    for order_type, order_no in Order.objects.values_list("order_type", "order_no").iterator():
        _prefix, year, number = order_no.rsplit("-", 2)
        key = (order_type, int(year))
        last[key] = max(last[key], int(number))
    with transaction.atomic():
        for (order_type, year), value in sorted(last.items()):
            seq, _created = OrderNumberSequence.objects.get_or_create(order_type=order_type, year=year)
            if seq.last_value < value:
                seq.last_value = value
                seq.save(update_fields=["last_value"])
        with connection.cursor() as cursor:
            mark(cursor, "order_numbers")
    log(f"order numbers: {len(last)} sequences")


def workflow_order_model():  # type: ignore[no-untyped-def]
    from django.apps import apps

    try:
        return apps.get_model("workflow", "Order")
    except LookupError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("SCALE_DATABASE_URL", SCALE_DATABASE_URL))
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--events-per-month", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args()
    started = time.perf_counter()
    setup(args.database_url, args.fresh)
    from django.db import connection

    from gongwucang.assets.models import Category

    with connection.cursor() as cursor:
        done = done_steps(cursor)
        cursor.execute("SELECT value FROM bench_scale_facts WHERE name = 'args'")
        row = cursor.fetchone()
        wanted = {k: v for k, v in vars(args).items() if k not in ("database_url", "fresh")}
        stored = (json.loads(row[0]) if isinstance(row[0], str) else row[0]) if row else None
        if stored and stored != wanted:
            raise SystemExit(f"the database holds data made with {stored}; use --fresh to start again")
        fact(cursor, "args", wanted)
    plan = Plan(args)
    if "org" not in done:
        step_org(plan)
    index = card_index(plan)
    categories = {c.code: (c.pk, c.default_life_months, c.measure_unit) for c in Category.objects.all()}
    for chunk in range((args.cards + CHUNK - 1) // CHUNK):
        if f"cards:{chunk}" not in done:
            step_cards(plan, index, chunk, categories)
            log(f"cards: {min((chunk + 1) * CHUNK, args.cards):,} of {args.cards:,}")
    if "sequences" not in done:
        step_sequences(plan)
    busy = busy_cards(plan, index[0])
    with connection.cursor() as cursor:
        fact(cursor, "busy_cards", busy)
    for month in range(args.months):
        if f"events:{month}" not in done:
            step_events(plan, index[0], index[1], month, busy)
            log(f"events: month {month + 1} of {args.months}")
    with connection.cursor() as cursor:
        reset_sequence(cursor, "assets_assetevent")
    if workflow_order_model() is None:
        log("orders: skipped — the workflow app has no Order model yet")
    else:
        if "orders" not in done:
            step_orders(plan, index[0])
        if "order_numbers" not in done:
            step_order_numbers()
    if connection.vendor == "postgresql":
        tune_database(args.database_url)
    if "analyze" not in done:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
            mark(cursor, "analyze")
        log("vacuum analyze: done")
    log(f"finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
