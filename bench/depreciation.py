# ruff: noqa: E501 — SQL text and COPY rows read better unwrapped
"""Benchmark (issue 4): post one month of depreciation for N cards on PostgreSQL.

    flock /tmp/gwc-bench.lock .venv/bin/python bench/depreciation.py [--cards 1000000] [--repeat 3]
        [--database-url postgres://postgres@127.0.0.1:5432/gwc_bench_b] [--json PATH] [--keep]

1. Builds N cards in one region with COPY (a realistic mix: categories by the demo's weights plus
   buildings, intangibles, books and relics; ages up to 15 years so some are fully depreciated;
   2 % disposed; 0.1 % at nominal value; 1 % with a changed value, i.e. a basis; 0.05 % on
   units of production with the month's work entered). Triggers are off during the load (a bulk
   load, like bench/make_scale_data.py); the maintained tallies are rebuilt afterwards.
2. Measures, in the same run and from the same physical state each time (the work is rolled
   back, then the tables are compacted with VACUUM FULL), under the database settings
   docs/operations.md recommends (work_mem 32MB, random_page_cost 1.1, jit off, as
   bench/make_scale_data.py sets them):
   - the posting as the application does it: accounting.services.depreciation_post (the period
     lock, the checks, the run record, the set-based statements, the period's history);
   - the bare SQL writing the same entries and book values with no application around it (the
     limit): one statement inserting the entries and updating the book rows (the tables' own
     triggers fire for it as for the posting: the assets tallies and the closed-period check;
     once more with them switched off, for information), given the same work_mem as the posting
     gives its statement (accounting.posting.POSTING_WORK_MEM).
3. Posts the month once more for real (committed) and checks: the same number of cards and the
   same total as the bare SQL, the card table (assets_asset) did not grow, peak RSS.
   --keep reuses the loaded cards (and takes the committed posting of an earlier run back first).

Targets (issue 4): posting ≤ 10 s for 1,000,000 cards, ≤ 1.5× the bare SQL, peak RSS ≤ 300 MB,
the card table does not grow. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Result, peak_rss_mb, report, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gwc_bench_b"
MONTH = dt.date(2026, 11, 1)
NEXT_MONTH = dt.date(2026, 12, 1)
REGION_CODE = "330199001"

# category code, weight, price range in yuan (the demo's mix plus the rarer classes)
MIX: list[tuple[str, int, tuple[int, int]]] = [
    ("A02010105", 300, (3800, 6500)),
    ("A02010108", 140, (4500, 9000)),
    ("A02010104", 20, (18000, 85000)),
    ("A02021000", 100, (900, 3200)),
    ("A02021100", 30, (12000, 38000)),
    ("A02021301", 30, (400, 1600)),
    ("A02061804", 80, (2800, 12000)),
    ("A02030500", 10, (120000, 260000)),
    ("A05010100", 120, (700, 4200)),
    ("A05010301", 120, (250, 1400)),
    ("A05010501", 40, (800, 2300)),
    ("A05010502", 50, (600, 1900)),
    ("A05020000", 30, (200, 3000)),
    ("A04000000", 10, (2000, 30000)),
    ("A01010100", 10, (800000, 4800000)),
    ("A08000000", 5, (20000, 300000)),
    ("A03000000", 2, (5000, 500000)),
    ("A06000000", 1, (500, 5000)),
]
NAMES = {
    "A02010105": "台式计算机",
    "A02010108": "笔记本电脑",
    "A02010104": "服务器",
    "A02021000": "激光打印机",
    "A02021100": "复印机",
    "A02021301": "碎纸机",
    "A02061804": "空调机",
    "A02030500": "乘用车",
    "A05010100": "办公桌",
    "A05010301": "办公椅",
    "A05010501": "书柜",
    "A05010502": "文件柜",
    "A05020000": "饮水机",
    "A04000000": "档案资料",
    "A01010100": "办公用房",
    "A08000000": "办公软件",
    "A03000000": "陈列品",
    "A06000000": "古树名木",
}
ASSET_COLUMNS = (
    "id, asset_no, name, model_spec, brand, measure_unit, quantity, acquisition_method, acquired_on, booked_on, "
    "funding_source, fiscal_amount_fen, non_fiscal_amount_fen, useful_life_months, depreciation_method, "
    "depreciation_status, is_nominal_value, location, usage, counterparty_name, counterparty_contact, "
    "counterparty_phone, status, condition, disposal_method, disposed_on, disposal_income_fen, note, version, "
    "search_text, created_at, updated_at, owner_unit_id, region_id, user_unit_id, category_id"
)


def build(cards: int, seed: int = 2026) -> dict[str, int]:
    """Load the region, its units and `cards` cards (with books, bases, plans, readings) by COPY."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from gongwucang.accounting.models import Period
    from gongwucang.assets.categories import categories_load
    from gongwucang.assets.domain.depreciation import (
        add_months,
        basis_after_change,
        months_between,
        straight_line_accumulated_fen,
    )
    from gongwucang.assets.models import Category
    from gongwucang.assets.tallies import rebuild_tallies
    from gongwucang.org.domain.roles import Role
    from gongwucang.org.models import Region, Unit, UnitKind, User
    from gongwucang.org.services import membership_grant, unit_create

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("""TRUNCATE accounting_depreciationentry, accounting_depreciationrun, accounting_periodevent,
            accounting_postingrequest, accounting_workloadreading, accounting_workloadplan,
            accounting_depreciationbasis, accounting_holdingchange, assets_assetevent, assets_assetbook,
            assets_assettally, assets_asset, accounting_period CASCADE""")
    if not Category.objects.exists():
        categories_load()
    categories = {c.code: c for c in Category.objects.all()}
    region = Region.objects.filter(code=REGION_CODE).first() or Region.objects.create(
        code=REGION_CODE, name="基准县"
    )
    units = list(Unit.objects.filter(region=region).order_by("id"))
    if not units:
        for i in range(300):
            units.append(
                unit_create(
                    region=region,
                    code=f"BU{i:04d}",
                    name=f"基准单位{i:04d}",
                    kind=UnitKind.PUBLIC_INSTITUTION,
                )
            )
    finance = User.objects.filter(username="bench_finance").first()
    if finance is None:
        finance = User.objects.create(username="bench_finance", password=make_password(None), unit=units[0])
        membership_grant(user=finance, unit=units[0], role=Role.FINANCE)

    codes = [code for code, _w, _r in MIX]
    weights = [w for _c, w, _r in MIX]
    prices = {code: price for code, _w, price in MIX}
    last_month_end = MONTH - dt.timedelta(days=1)
    now = "2026-11-27 08:00:00+08"
    counts = {"cards": cards, "basis": 0, "units_of_production": 0, "disposed": 0, "nominal": 0}
    uop: list[tuple[int, int, int, int]] = []  # asset id, cost, accumulated, months
    bases: list[str] = []
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute("SET LOCAL session_replication_role = replica")  # a bulk load: no triggers
        raw = cursor.cursor
        # One COPY at a time per connection: the book rows wait in a temporary file (not in memory).
        book_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        with raw.copy(f"COPY assets_asset ({ASSET_COLUMNS}) FROM STDIN") as copy_assets:
            for asset_id in range(1, cards + 1):
                code = rng.choices(codes, weights)[0]
                category = categories[code]
                low, high = prices[code]
                cost = rng.randint(low * 100, high * 100)
                life = category.default_life_months or (120 if code == "A08000000" else None)
                booked = dt.date(2011, 12, 1) + dt.timedelta(days=rng.randint(0, 15 * 365 - 5))
                if booked >= NEXT_MONTH:
                    booked = MONTH
                method, status, disposed_on, nominal = "straight_line", "in_use", "\\N", "f"
                depreciated = "depreciated" if category.depreciable else "not_depreciated"
                roll = rng.random()
                if roll < 0.02:
                    status = "disposed"
                    disposed = booked + dt.timedelta(days=rng.randint(30, 3000))
                    if disposed >= NEXT_MONTH:
                        disposed = MONTH + dt.timedelta(days=rng.randint(0, 25))
                    disposed_on = disposed.isoformat()
                    counts["disposed"] += 1
                elif roll < 0.021:
                    nominal, cost, depreciated = "t", 100, "not_depreciated"
                    counts["nominal"] += 1
                elif roll < 0.0215 and life:
                    method = "units_of_production"
                elif roll < 0.15:
                    status = "idle"
                months = min(months_between(booked, last_month_end), life or 0)
                if disposed_on != "\\N":
                    months = min(months, months_between(booked, dt.date.fromisoformat(disposed_on)) - 1)
                months = max(0, months)
                accumulated = (
                    straight_line_accumulated_fen(cost, life, months)
                    if life and depreciated == "depreciated" and nominal == "f"
                    else 0
                )
                if depreciated != "depreciated" or nominal == "t":
                    months = 0
                if method == "units_of_production":
                    uop.append((asset_id, cost, accumulated, months))
                elif (
                    life
                    and depreciated == "depreciated"
                    and nominal == "f"
                    and status != "disposed"
                    and rng.random() < 0.01
                    and months < life
                ):
                    cost += rng.randint(1, 50) * 10000  # an improvement: new cost, same accumulated
                    basis = basis_after_change(
                        cost_fen=cost, accumulated_fen=accumulated, months_charged=months, life_months=life
                    )
                    bases.append(
                        f"{asset_id}\t{basis.base_fen}\t{basis.base_units}\t{cost}\t{accumulated}\t"
                        f"{months}\t{life}\t原值变动\t{now}\n"
                    )
                unit = units[asset_id % len(units)]
                name = NAMES[code]
                copy_assets.write(
                    f"{asset_id}\tBJ{asset_id:09d}\t{name}\t\t\t台\t1\tpurchase\t{booked}\t{booked}\tfiscal\t{cost}\t0\t"
                    f"{life if life else chr(92) + 'N'}\t{method}\t{depreciated}\t{nominal}\t办公楼\town_use\t\t\t\t"
                    f"{status}\tgood\t{'scrap' if status == 'disposed' else ''}\t{disposed_on}\t\\N\t\t1\t"
                    f"{name} bj{asset_id:09d}\t{now}\t{now}\t{unit.pk}\t{region.pk}\t{unit.pk}\t{category.pk}\n"
                )
                book_file.write(f"{asset_id}\t{category.pk}\t{cost}\t{accumulated}\t{months}\n")
        book_file.seek(0)
        with raw.copy(
            "COPY assets_assetbook (asset_id, category_id, original_value_fen, accumulated_depreciation_fen, "
            "months_depreciated) FROM STDIN"
        ) as copy_books:
            while block := book_file.read(1 << 20):
                copy_books.write(block)
        book_file.close()
        if bases:
            with raw.copy(
                "COPY accounting_depreciationbasis (asset_id, base_fen, base_months, cost_fen, "
                "accumulated_fen, months_charged, life_months, reason, set_at) FROM STDIN"
            ) as copy:
                for line in bases:
                    copy.write(line)
        counts["basis"] = len(bases)
        cursor.execute("SELECT setval(pg_get_serial_sequence('assets_asset', 'id'), %s)", [cards])
    rebuild_tallies()
    # The month being posted, and last month as the region's opening period.
    Period.objects.create(
        region=region,
        month=add_months(MONTH, -1),
        status="closed",
        is_opening=True,
        posted_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        closed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    period = Period.objects.create(region=region, month=MONTH)
    with connection.cursor() as cursor:
        for asset_id, cost, accumulated, _months in uop:
            total = rng.randint(50_000, 300_000)
            used = rng.randint(0, total // 2)
            cursor.execute(
                "INSERT INTO accounting_workloadplan (asset_id, total_workload, workload_unit, used_workload, "
                "base_fen, base_workload, updated_at) VALUES (%s, %s, '公里', %s, %s, %s, now())",
                [asset_id, total, used, cost - accumulated, total - used],
            )
            cursor.execute(
                "INSERT INTO accounting_workloadreading (asset_id, period_id, workload, entered_by_id, entered_at) "
                "VALUES (%s, %s, %s, %s, now())",
                [asset_id, period.pk, rng.randint(0, 3000), finance.pk],
            )
    counts["units_of_production"] = len(uop)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) assets_asset")
        cursor.execute("VACUUM (ANALYZE) assets_assetbook")
        cursor.execute("ANALYZE")
    counts["region_id"] = region.pk
    counts["period_id"] = period.pk
    counts["finance_id"] = finance.pk
    return counts


BARE_SQL = """
WITH charges AS (
    SELECT a.id AS asset_id, a.owner_unit_id AS unit_id, a.category_id, a.depreciation_method AS method,
           b.original_value_fen AS cost_fen, b.accumulated_depreciation_fen AS acc_fen,
           CASE WHEN a.useful_life_months - b.months_depreciated <= 1
                THEN b.original_value_fen - b.accumulated_depreciation_fen
                ELSE LEAST(b.original_value_fen - b.accumulated_depreciation_fen,
                           (2 * COALESCE(s.base_fen, b.original_value_fen) + COALESCE(s.base_months, a.useful_life_months))
                           / (2 * COALESCE(s.base_months, a.useful_life_months)))
           END AS amount_fen
    FROM assets_asset a
    JOIN assets_assetbook b ON b.asset_id = a.id
    JOIN assets_category c ON c.id = a.category_id
    LEFT JOIN accounting_depreciationbasis s ON s.asset_id = a.id
    WHERE a.region_id = %(region)s AND a.depreciation_method = 'straight_line'
      AND a.depreciation_status = 'depreciated' AND NOT a.is_nominal_value AND c.depreciable
      AND a.useful_life_months IS NOT NULL AND a.booked_on < %(next)s
      AND (a.disposed_on IS NULL OR a.disposed_on >= %(next)s) AND (a.status <> 'disposed' OR a.disposed_on IS NOT NULL)
      AND b.accumulated_depreciation_fen < b.original_value_fen
), ins AS (
    INSERT INTO accounting_depreciationentry (asset_id, period_id, run_id, unit_id, category_id, method, amount_fen,
                                              original_value_fen, accumulated_after_fen)
    SELECT asset_id, %(period)s, 0, unit_id, category_id, method, amount_fen, cost_fen, acc_fen + amount_fen
    FROM charges
    RETURNING asset_id, amount_fen
), upd AS (
    UPDATE assets_assetbook b
    SET accumulated_depreciation_fen = b.accumulated_depreciation_fen + ins.amount_fen,
        months_depreciated = b.months_depreciated + 1
    FROM ins WHERE b.asset_id = ins.asset_id
    RETURNING ins.amount_fen
)
SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM upd
"""
BARE_UNITS_SQL = """
WITH charges AS (
    SELECT a.id AS asset_id, a.owner_unit_id AS unit_id, a.category_id, a.depreciation_method AS method,
           b.original_value_fen AS cost_fen, b.accumulated_depreciation_fen AS acc_fen, r.workload,
           CASE WHEN r.workload <= 0 THEN 0
                WHEN p.used_workload + r.workload >= p.total_workload
                THEN b.original_value_fen - b.accumulated_depreciation_fen
                ELSE LEAST(b.original_value_fen - b.accumulated_depreciation_fen,
                           (2 * p.base_fen * r.workload + p.base_workload) / (2 * p.base_workload))
           END AS amount_fen
    FROM accounting_workloadreading r
    JOIN assets_asset a ON a.id = r.asset_id
    JOIN assets_assetbook b ON b.asset_id = a.id
    JOIN accounting_workloadplan p ON p.asset_id = a.id
    WHERE r.period_id = %(period)s AND b.accumulated_depreciation_fen < b.original_value_fen
      AND a.booked_on < %(next)s AND a.status <> 'disposed'
), ins AS (
    INSERT INTO accounting_depreciationentry (asset_id, period_id, run_id, unit_id, category_id, method, amount_fen,
                                              original_value_fen, accumulated_after_fen, workload)
    SELECT asset_id, %(period)s, 0, unit_id, category_id, method, amount_fen, cost_fen, acc_fen + amount_fen, workload
    FROM charges
    RETURNING asset_id, amount_fen, workload
), upd AS (
    UPDATE assets_assetbook b
    SET accumulated_depreciation_fen = b.accumulated_depreciation_fen + ins.amount_fen,
        months_depreciated = b.months_depreciated + 1
    FROM ins WHERE b.asset_id = ins.asset_id
    RETURNING ins.asset_id, ins.amount_fen, ins.workload
), plans AS (
    UPDATE accounting_workloadplan p SET used_workload = p.used_workload + upd.workload
    FROM upd WHERE p.asset_id = upd.asset_id
    RETURNING 1
)
SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM upd
"""


class _Rollback(Exception):
    pass


def compact() -> None:
    """Return the written tables to the same physical state before every measurement."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "assets_assetbook",
            "accounting_depreciationentry",
            "accounting_workloadplan",
            "assets_assettally",
        ):
            cursor.execute(f"VACUUM FULL {table}")
        cursor.execute("CHECKPOINT")


TRIGGERS = [
    "assets_assetbook:assets_tally_book_update",
    "accounting_depreciationentry:accounting_entry_refuse_closed",
]


def measure_bare(info: dict[str, int], *, without_triggers: bool = False) -> tuple[float, tuple[int, int]]:
    from django.db import connection, transaction

    from gongwucang.accounting.posting import POSTING_WORK_MEM

    params = {"region": info["region_id"], "period": info["period_id"], "next": NEXT_MONTH}
    result: tuple[int, int] = (0, 0)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # The same memory for its hash joins as the posting gives its statement (the limit is the
            # same work with the same resources; the planner otherwise chooses freely).
            cursor.execute("SELECT set_config('work_mem', %s, true)", [POSTING_WORK_MEM])
            if without_triggers:  # informational: the cost of the tables' triggers (rolled back)
                for item in TRIGGERS:
                    table, trigger = item.split(":")
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            start = time.perf_counter()
            cursor.execute(BARE_SQL, params)
            cards, total = cursor.fetchone()
            cursor.execute(BARE_UNITS_SQL, params)
            more_cards, more_total = cursor.fetchone()
            result = (int(cards + more_cards), int(total + more_total))
            elapsed = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, result


def measure_posting(info: dict[str, int], *, commit: bool = False) -> tuple[float, tuple[int, int]]:
    from django.db import transaction

    from gongwucang.accounting.services import depreciation_post
    from gongwucang.org.models import Region, User

    region = Region.objects.get(pk=info["region_id"])
    actor = User.objects.get(pk=info["finance_id"])
    if commit:
        start = time.perf_counter()
        results = depreciation_post(actor=actor, region=region, month=MONTH)
        elapsed = time.perf_counter() - start
        return elapsed, (results[-1].cards, results[-1].total_fen)
    outcome: tuple[int, int] = (0, 0)
    try:
        with transaction.atomic():
            start = time.perf_counter()
            results = depreciation_post(actor=actor, region=region, month=MONTH)
            elapsed = time.perf_counter() - start
            outcome = (results[-1].cards, results[-1].total_fen)
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, outcome


def undo_posting(info: dict[str, int]) -> int:
    """--keep after a full run: take the committed posting of the month back (bench only) so that
    the measurements start from the same unposted month. The book and plan updates run with the
    triggers on (the tallies follow); only the append-only entries are deleted with them off."""
    from django.db import connection, transaction

    period = info["period_id"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM accounting_depreciationentry WHERE period_id = %s", [period])
        count = int(cursor.fetchone()[0])
        if count:
            cursor.execute(
                "UPDATE assets_assetbook b SET accumulated_depreciation_fen = b.accumulated_depreciation_fen - "
                "e.amount_fen, months_depreciated = b.months_depreciated - 1 FROM accounting_depreciationentry e "
                "WHERE e.asset_id = b.asset_id AND e.period_id = %s",
                [period],
            )
            cursor.execute(
                "UPDATE accounting_workloadplan p SET used_workload = p.used_workload - e.workload "
                "FROM accounting_depreciationentry e WHERE e.asset_id = p.asset_id AND e.period_id = %s "
                "AND e.workload IS NOT NULL",
                [period],
            )
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("DELETE FROM accounting_depreciationentry WHERE period_id = %s", [period])
            cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("DELETE FROM accounting_periodevent WHERE period_id = %s", [period])
        cursor.execute("DELETE FROM accounting_depreciationrun WHERE period_id = %s", [period])
        cursor.execute(
            "UPDATE accounting_period SET status = 'open', posted_at = NULL WHERE id = %s", [period]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) assets_assetbook")
        cursor.execute("VACUUM (ANALYZE) accounting_depreciationentry")
    return count


def tune_database() -> None:
    """The database settings docs/operations.md recommends (as bench/make_scale_data.py sets them
    on its database): the posting and the bare SQL run under the same ones."""
    from make_scale_data import DATABASE_SETTINGS
    from make_scale_data import tune_database as tune

    tune("")
    print("database settings: " + ", ".join(f"{k} = {v}" for k, v in DATABASE_SETTINGS.items()))


def table_size(name: str) -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s), pg_total_relation_size(%s)", [name, name])
        heap, total = cursor.fetchone()
    return int(heap), int(total)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--json", default=None)
    parser.add_argument("--keep", action="store_true", help="reuse the cards already loaded (same --cards)")
    args = parser.parse_args()
    # This database is truncated and reloaded: never fall back to a DATABASE_URL of the environment.
    os.environ["DATABASE_URL"] = args.database_url
    setup_django(args.database_url)

    from gongwucang.accounting.models import Period
    from gongwucang.assets.models import Asset
    from gongwucang.org.models import Region, User

    tune_database()
    t0 = time.perf_counter()
    region = Region.objects.filter(code=REGION_CODE).first()
    if args.keep and region and Asset.objects.filter(region=region).count() == args.cards:
        info = {
            "region_id": region.pk,
            "period_id": Period.objects.get(region=region, month=MONTH).pk,
            "finance_id": User.objects.get(username="bench_finance").pk,
            "cards": args.cards,
        }
        undone = undo_posting(info)
        print(
            f"reusing {args.cards:,} cards"
            + (f" (took back the posting of {undone:,} entries)" if undone else "")
        )
    else:
        info = build(args.cards)
        print(f"built {args.cards:,} cards in {time.perf_counter() - t0:.1f} s: {info}")

    ours: list[float] = []
    bare: list[float] = []
    bare_untriggered: list[float] = []
    expected: tuple[int, int] | None = None
    for rep in range(args.repeat):
        order = ("bare", "ours") if rep % 2 == 0 else ("ours", "bare")
        for which in order:
            compact()
            if which == "bare":
                elapsed, outcome = measure_bare(info)
                bare.append(elapsed)
                expected = outcome
            else:
                elapsed, outcome = measure_posting(info)
                ours.append(elapsed)
            print(
                f"  {which}: {elapsed:.2f} s, {outcome[0]:,} cards, {outcome[1] / 100:,.2f} yuan", flush=True
            )
    compact()
    elapsed, _outcome = measure_bare(info, without_triggers=True)
    bare_untriggered.append(elapsed)
    print(f"  bare, tables' triggers off: {elapsed:.2f} s", flush=True)

    compact()
    heap_before, total_before = table_size("assets_asset")
    committed, outcome = measure_posting(info, commit=True)
    heap_after, total_after = table_size("assets_asset")
    print(f"  committed posting: {committed:.2f} s, {outcome[0]:,} cards, {outcome[1] / 100:,.2f} yuan")
    print(
        f"  assets_asset: {heap_before:,} → {heap_after:,} bytes (heap), {total_before:,} → {total_after:,} (total)"
    )
    same = expected is not None and outcome == expected

    ours_sorted = sorted(ours)
    median_ours = ours_sorted[len(ours) // 2]
    median_bare = sorted(bare)[len(bare) // 2]
    ratio = median_ours / median_bare if median_bare else None
    rss = peak_rss_mb()
    n = args.cards
    results = [
        Result(
            f"posting {n:,} cards (rolled back)",
            "≤ 10 s",
            "s",
            ours,
            ratio=ratio,
            ok=median_ours <= 10 * n / 1_000_000 and ratio is not None and ratio <= 1.5,
            note=f"{outcome[0]:,} cards charged; ratio ≤ 1.5× "
            + ("met" if ratio is not None and ratio <= 1.5 else "missed")
            + (
                f"; the bare SQL alone takes {median_bare:.1f} s here"
                if median_bare > 10 * n / 1_000_000
                else ""
            ),
        ),
        Result(f"bare SQL, same entries and books ({n:,})", "the limit", "s", bare),
        Result("bare SQL with the tables' triggers off (informational)", "—", "s", bare_untriggered),
        Result("posting committed (once)", "≤ 10 s", "s", [committed], ok=committed <= 10 * n / 1_000_000),
        Result("same cards and total as bare SQL", "equal", "", [1.0 if same else 0.0], ok=same),
        Result(
            "card table growth (heap bytes)",
            "0",
            "B",
            [float(heap_after - heap_before)],
            ok=heap_after == heap_before and total_after == total_before,
        ),
        Result("peak RSS", "≤ 300 MB", "MB", [rss], ok=rss <= 300),
    ]
    return report(f"Depreciation posting, {n:,} cards (issue 4)", results, args.json)


if __name__ == "__main__":
    sys.exit(main())
