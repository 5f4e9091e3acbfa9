"""Everyday pages at province scale, over HTTP against gunicorn (2 workers) on 127.0.0.1 (issue 6).

For the asset clerk of the largest unit (`bench_clerk`) and for finance (`bench_finance`, the
whole region), on the data of bench/make_scale_data.py:
- asset list, first page and page 500 (reached as the "next" links reach it: keyset cursor),
  with each sort, each filter and two combinations: p95 ≤ 150 ms;
- search by name substring (1, 2, 3 and more characters), pinyin initials, asset number: p95 ≤ 200 ms;
- the card page of a card with 200 ledger events: p95 ≤ 100 ms;
- home page and inbox: p95 ≤ 150 ms;
- each page ≤ 3× the bare SQL it needs: the exact statements the page runs (captured once
  in-process) replayed through one psycopg connection in the same run.

    flock /tmp/gwc-bench.lock .venv/bin/python bench/pages.py [--repeat 20] [--json out.json]

Samples are taken after two unmeasured requests per URL (warm caches, as in daily use). Exits 1
when any target is missed.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    GunicornServer,
    HttpSession,
    Result,
    http_timed,
    percentile,
    report,
    scale_facts,
    setup_django,
)
from make_scale_data import SCALE_DATABASE_URL

EMBEDDED_DATABASE_URL = "sqlite:////tmp/gwc-bench-embedded/gongwucang.sqlite3"
PAGE_SIZE = 20
DEEP_PAGE = 500
SORTS = [
    "-id",
    "id",
    "asset_no",
    "-asset_no",
    "name",
    "-name",
    "acquired_on",
    "-acquired_on",
    "original_value",
    "-original_value",
    "status",
    "-status",
]
SEARCHES = [
    ("电脑", "2 字"),
    ("桌", "1 字"),
    ("打印机", "3 字"),
    ("空调", "2 字"),
    ("碎纸机", "3 字，少见"),
    ("bjb", "拼音首字母"),
    ("dyj", "拼音首字母"),
    ("thinkpad", "英文型号"),
    ("联想 bjb", "两个词"),
    ("保险柜", "无结果"),
]
TARGETS_MS = {"list": 150, "list500": 150, "search": 200, "detail": 100, "home": 150, "inbox": 150}
RATIO_TARGET = 3.0


@functools.lru_cache(maxsize=1)
def far_unit() -> int:
    """A unit of 1,000–3,000 cards whose first page sorted by value lies far down the book's
    (value, card) index: of the units PostgreSQL's statistics know by name (most common values of
    the owner unit — for the others it guesses a few hundred cards and reads them anyway), the one
    whose 21st cheapest card comes latest in that order. One read of every card."""
    from django.db import connection

    known = "TRUE"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_vals::text::int[] FROM pg_stats WHERE tablename = 'assets_asset' "
                "AND attname = 'owner_unit_id' AND schemaname = current_schema()"
            )
            row = cursor.fetchone()
        if row and row[0]:
            known = f'"owner_unit_id" IN ({", ".join(str(int(unit)) for unit in row[0])})'
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT "owner_unit_id" FROM (SELECT a."owner_unit_id", '
            'ROW_NUMBER() OVER (ORDER BY b."original_value_fen", b."asset_id") AS "position", '
            'ROW_NUMBER() OVER (PARTITION BY a."owner_unit_id" '
            'ORDER BY b."original_value_fen", b."asset_id") AS "nth", '
            'COUNT(*) OVER (PARTITION BY a."owner_unit_id") AS "cards" '
            'FROM "assets_asset" a JOIN "assets_assetbook" b ON b."asset_id" = a."id") ranked '
            f'WHERE "nth" = 21 AND "cards" BETWEEN 1000 AND 3000 AND {known} '
            'ORDER BY "position" DESC, 1 LIMIT 1'
        )
        return int(cursor.fetchone()[0])


def variants(user, facts: dict) -> list[tuple[str, str, dict]]:  # type: ignore[no-untyped-def]
    """(group, label, query parameters) of every page measured for `user`."""
    from gongwucang.assets.models import Category
    from gongwucang.org.models import Department
    from gongwucang.org.scoping import scope_for

    largest = facts["largest_unit"]
    department = Department.objects.filter(unit_id=largest).order_by("id").first()
    filters = [
        ("status=idle", {"status": "idle"}),
        ("condition=fair", {"condition": "fair"}),
        ("category=计算机(含下级)", {"category": Category.objects.get(code="A02010100").pk}),
        ("department", {"department": department.pk}),
        ("original value 1000–5000", {"value_min": "1000", "value_max": "5000"}),
        ("acquired 2020–2022", {"acquired_from": "2020-01-01", "acquired_to": "2022-12-31"}),
        ("unit", {"unit": largest}),
        ("status=idle sort=name", {"status": "idle", "sort": "name"}),
        (
            "category sort=-original_value",
            {"category": Category.objects.get(code="A02010100").pk, "sort": "-original_value"},
        ),
        # Cheapest first, the walk met 550,000 cheaper cards of other categories before the
        # first computer (assets.selectors, "Sorted by original value on PostgreSQL").
        (
            "category sort=original_value",
            {"category": Category.objects.get(code="A02010100").pk, "sort": "original_value"},
        ),
    ]
    if scope_for(user).read_region_ids:
        # A region-wide reader's list of one mid-sized unit sorted by value: walking the book's
        # value index would pass most of the region's cards before a page of this unit's
        # (assets.selectors, "Sorted by original value on PostgreSQL").
        far = far_unit()
        filters.append(
            ("unit of 1,000–3,000 cards sort=original_value", {"unit": far, "sort": "original_value"})
        )
    found: list[tuple[str, str, dict]] = []
    for sort in SORTS:
        found.append(("list", f"sort={sort}", {"sort": sort}))
    for label, params in filters:
        found.append(("list", label, params))
    for _group, label, params in list(found):
        found.append(("list500", label, {**params, "page": DEEP_PAGE}))
    for term, label in SEARCHES:
        found.append(("search", f"q={term}（{label}）", {"q": term}))
    return found


def deep_page_params(user, params: dict) -> dict:  # type: ignore[no-untyped-def]
    """The query string the "next" link of page DEEP_PAGE - 1 carries (or the last page if fewer)."""
    from django.http import QueryDict

    from gongwucang.assets import selectors
    from gongwucang.assets.forms import AssetFilterForm

    data = QueryDict(mutable=True)
    for key, value in params.items():
        if key != "page":
            data[key] = str(value)
    filters = AssetFilterForm(data, actor=user).to_filters()
    qs = selectors.asset_list(actor=user, filters=filters)
    before = selectors.asset_page(qs, sort=filters.sort, size=PAGE_SIZE, number=DEEP_PAGE - 1)
    if not before.has_next:
        return {**params, "page": 0, "last": 1}
    return {**params, "after": before.next_cursor}


def capture_sql(user, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The statements the page runs, captured in-process with Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)  # warm per-process caches (categories, contributions) as a worker has them
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} in-process")
    return [q["sql"] for q in ctx.captured_queries]


INERROR = 3  # psycopg.pq.TransactionStatus.INERROR: a statement of an open transaction failed
DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH HOLD FOR ', re.S)


def bare_sql_timed(raw, statements: list[str], repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Seconds to run the page's statements, fetching every row (a server-side cursor of the
    page — Django iterates model choices through one — is run as its plain query)."""
    statements = [DECLARE.sub("", sql) for sql in statements]
    samples = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        for sql in statements:
            try:
                cursor = raw.execute(sql)
            except Exception as exc:  # the page's bounded count stops at its statement timeout too
                if type(exc).__name__ != "QueryCanceled":
                    raise
                if getattr(getattr(raw, "info", None), "transaction_status", None) == INERROR:
                    raw.execute("ROLLBACK")  # as the page does (the statements after it need it)
                continue
            if cursor.description is not None:
                cursor.fetchall()
        if i:
            samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("SCALE_DATABASE_URL", SCALE_DATABASE_URL))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json")
    parser.add_argument("--only", help="measure only this group (list, list500, search, detail, home, inbox)")
    parser.add_argument(
        "--embedded",
        action="store_true",
        help=f"the embedded mode: SQLite (default {EMBEDDED_DATABASE_URL}, made by make_scale_data.py "
        "--database-url sqlite:///… --cards 100000 …); list and search p95 ≤ 200 ms",
    )
    args = parser.parse_args()
    if args.embedded:
        os.environ["GWC_BENCH_EMBEDDED"] = "1"
        if args.database_url == os.environ.get("SCALE_DATABASE_URL", SCALE_DATABASE_URL):
            args.database_url = EMBEDDED_DATABASE_URL
        TARGETS_MS.update(list=200, list500=200, search=200)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["DATABASE_URL"] = args.database_url
    setup_django(args.database_url)
    import psycopg
    from django.db import connection

    from gongwucang.org.models import User

    facts = scale_facts()
    people = {
        "clerk": User.objects.get(username="bench_clerk"),
        "finance": User.objects.get(username="bench_finance"),
    }
    busy = facts["busy_cards"][0]
    pages: list[tuple[str, str, str, str]] = []  # (who, group, label, path)
    for who, user in people.items():
        for group, label, params in variants(user, facts):
            if group == "list500":
                params = deep_page_params(user, params)
            pages.append((who, group, label, f"/assets/?{urlencode(params)}"))
        pages.append((who, "detail", "卡片（200 条变动记录）", f"/assets/{busy}/"))
        pages.append((who, "home", "首页", "/"))
        pages.append((who, "inbox", "待办", "/workflow/"))
    if args.only:
        pages = [p for p in pages if p[1] == args.only]
    statements = {(who, path): capture_sql(people[who], path) for who, _g, _l, path in pages}
    connection.close()

    measured: list[dict] = []
    if args.embedded:
        import sqlite3

        raw = sqlite3.connect(args.database_url.removeprefix("sqlite:///"), isolation_level=None)
    else:
        raw = psycopg.connect(args.database_url.replace("postgres://", "postgresql://"), autocommit=True)
    with GunicornServer(args.database_url) as base_url:
        sessions = {}
        for who, user in people.items():
            sessions[who] = HttpSession(base_url)
            sessions[who].login(user.username)
        for who, group, label, path in pages:
            page = http_timed(sessions[who], path, args.repeat)
            bare = bare_sql_timed(raw, statements[(who, path)], args.repeat)
            ratio = statistics.median(page) / statistics.median(bare)
            p95 = percentile(page, 0.95)
            measured.append(
                {
                    "who": who,
                    "group": group,
                    "label": label,
                    "path": path,
                    "page": page,
                    "bare": bare,
                    "ratio": ratio,
                    "p95": p95,
                    "queries": len(statements[(who, path)]),
                }
            )
            print(
                f"{who:8} {group:8} {label:34} p50 {statistics.median(page) * 1000:7.1f} ms  "
                f"p95 {p95 * 1000:7.1f} ms  SQL {statistics.median(bare) * 1000:6.1f} ms "
                f"({len(statements[(who, path)])} q)  ×{ratio:.1f}",
                flush=True,
            )
    raw.close()

    results = []
    names = {
        "list": "资产列表 第 1 页",
        "list500": f"资产列表 第 {DEEP_PAGE} 页",
        "search": "搜索",
        "detail": "卡片页（200 条记录）",
        "home": "首页",
        "inbox": "待办",
    }
    for who in people:
        for group, target_ms in TARGETS_MS.items():
            rows = [m for m in measured if m["who"] == who and m["group"] == group]
            if not rows:
                continue
            worst_p95 = max(rows, key=lambda m: m["p95"])
            worst_ratio = max(rows, key=lambda m: m["ratio"])
            p95_ok = worst_p95["p95"] * 1000 <= target_ms
            ratio_ok = worst_ratio["ratio"] <= RATIO_TARGET or args.embedded  # a PostgreSQL target
            pooled = [s * 1000 for m in rows for s in m["page"]]
            pooled_bare = [s * 1000 for m in rows for s in m["bare"]]
            note = (
                f"{len(rows)} variants; slowest p95 {worst_p95['p95'] * 1000:.1f} ms ({worst_p95['label']}); "
                f"bare SQL median {statistics.median(pooled_bare):.1f} ms; "
                f"worst ratio ×{worst_ratio['ratio']:.1f} ({worst_ratio['label']}); "
                f"queries {min(m['queries'] for m in rows)}–{max(m['queries'] for m in rows)}"
            )
            results.append(
                Result(
                    figure=f"{names[group]} · {'大单位资产管理员' if who == 'clerk' else '财政（全区域）'}",
                    target=f"every variant p95 ≤ {target_ms} ms"
                    + ("" if args.embedded else f", ≤ {RATIO_TARGET:g}× bare SQL"),
                    unit="ms",
                    samples=pooled,
                    ratio=statistics.median(m["ratio"] for m in rows),
                    ok=p95_ok and ratio_ok,
                    note=note + ("" if p95_ok else "; p95 MISSED") + ("" if ratio_ok else "; ratio MISSED"),
                )
            )
    for r in results:
        print(f"  {r.figure}: {r.note}")
    title = (
        "Embedded mode: pages over HTTP (gunicorn, 2 workers, SQLite, 100,000 cards)"
        if args.embedded
        else "Everyday pages over HTTP (gunicorn, 2 workers, PostgreSQL, 1,000,000 cards)"
    )
    code = report(title, results, args.json)
    if args.json:
        data = json.loads(Path(args.json).read_text(encoding="utf-8"))
        data["variants"] = [{k: v for k, v in m.items() if k not in ("page", "bare")} for m in measured]
        Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
