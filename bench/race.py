"""The pool's allocation race at province scale (issue 6; the race of the pool issue).

Many units ask for the same pool item at the same instant. Exactly one wins; every other gets
the clear Chinese message (资产「…」已在其他单据中办理…); nobody gets a 500; the database holds one
open line and one `allocation_requested` event for the card. Two ways, on the scale data:

1. over HTTP against gunicorn (config/gunicorn.conf.py, 2 workers) on 127.0.0.1: --users clerks
   of as many units (logged in first) POST the item's request form at the same moment (threads
   behind a barrier), --rounds times, one item per round — the deployment as it runs;
2. direct service calls: --direct-users threads, each on its own database connection, call
   `warehouse.services.allocation_request` at the same moment — more transactions at once
   than two gunicorn workers ever run, so the row locks and the open-line constraint are what
   decides.

After each round the winner's order is cancelled (撤销, through the service), so the item is free
again and the scale data keeps its figures; the pool item the benchmark lists (a card of the
warehouse unit, created once, in stock) is reused by later runs.

    flock /tmp/gwc-bench.lock .venv/bin/python bench/race.py [--users 50] [--rounds 5] [--json out.json]

Latencies are printed for information (the last of 50 simultaneous requests queues behind the
other 49 on two workers); the targets are the outcome: one winner, N-1 clear refusals, 0 errors.
Exits 1 when any of these fails.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import GunicornServer, HttpSession, Result, report, setup_django
from make_scale_data import SCALE_DATABASE_URL

TAKEN = "已在其他单据中办理"
SUBMITTED = "已提交"


def pool_items(count: int) -> list[int]:
    """`count` in-stock pool items of the region's physical warehouse that no open order holds
    (created once, then reused). The scale data's open orders hold every card of the warehouse
    unit, so the items are idle cards handed in by other units (as an intake leaves them: still
    the unit's card, in the pool)."""
    from django.db import transaction

    from gongwucang.assets.models import Asset
    from gongwucang.warehouse.models import PoolItem, Warehouse
    from gongwucang.workflow.models import OrderLine

    warehouse = Warehouse.objects.filter(kind="physical").order_by("id").first()
    if warehouse is None:
        raise SystemExit("no warehouse in the scale data (make_scale_data.py step orders)")
    busy = OrderLine.objects.filter(is_open=True).values("asset_id")
    found = list(
        PoolItem.objects.filter(warehouse=warehouse, status="in_stock")
        .exclude(asset_id__in=busy)
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    if len(found) < count:
        cards = list(
            Asset.objects.filter(region_id=warehouse.region_id, status="idle")
            .exclude(owner_unit_id=warehouse.operating_unit_id)
            .exclude(pk__in=busy)
            .exclude(pool_items__status__in=["in_stock", "on_loan"])
            .order_by("id")
            .values_list("id", "owner_unit_id")[: count - len(found)]
        )
        with transaction.atomic():
            for asset_id, owner_unit_id in cards:
                found.append(
                    PoolItem.objects.create(
                        asset_id=asset_id,
                        warehouse=warehouse,
                        status="in_stock",
                        source="idle",
                        source_unit_id=owner_unit_id,
                        home_unit_id=warehouse.operating_unit_id,
                        status_before_intake="idle",
                    ).pk
                )
    if len(found) < count:
        raise SystemExit(f"only {len(found)} free cards for the pool")
    return found


def requesters(count: int, exclude_units: set[int]) -> list[str]:
    """Clerks of `count` different units (not the warehouse's nor the items' owners)."""
    from gongwucang.org.models import Membership

    names = (
        Membership.objects.filter(
            role="asset_clerk", user__username__startswith="clerk", user__is_active=True
        )
        .exclude(unit_id__in=sorted(exclude_units))
        .order_by("unit_id")
        .values_list("user__username", flat=True)
    )
    chosen = list(dict.fromkeys(names))[:count]
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} clerks in the scale data")
    return chosen


def at_once(calls):  # type: ignore[no-untyped-def]
    """Run every call at the same instant, each in its own thread; (result or exception, seconds)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, call):  # type: ignore[no-untyped-def]
        from django.db import connection

        try:
            barrier.wait()
            start = time.perf_counter()
            try:
                value = call()
            except Exception as exc:  # counted below
                value = exc
            results[i] = (value, time.perf_counter() - start)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results


def open_lines(asset_id: int) -> int:
    from gongwucang.workflow.models import OrderLine

    return OrderLine.objects.filter(asset_id=asset_id, is_open=True).count()


def cancel_open(asset_id: int) -> None:
    """Cancel the winner's order, so that the item is free for the next round (and run)."""
    from gongwucang.org.models import User
    from gongwucang.workflow import services as wf
    from gongwucang.workflow.models import OrderLine

    for line in OrderLine.objects.filter(asset_id=asset_id, is_open=True).select_related("order"):
        actor = User.objects.get(pk=line.order.applicant_id)
        wf.order_cancel(actor=actor, order_id=line.order_id, comment="并发基准测试后撤销")


def events_of(asset_id: int) -> int:
    from gongwucang.assets.models import AssetEvent

    return AssetEvent.objects.filter(asset_id=asset_id, event_type="allocation_requested").count()


def login(session: HttpSession, username: str):  # type: ignore[no-untyped-def]
    def call():  # type: ignore[no-untyped-def]
        try:
            session.login(username)
        except SystemExit as exc:  # HttpSession.login stops a script; here it is one of many
            return RuntimeError(str(exc))
        return None

    return call


def http_round(sessions: list[HttpSession], item_id: int) -> list[tuple[str, float, str]]:
    """Every session POSTs the request form of `item_id` at once; (outcome, seconds, detail)."""
    path = f"/warehouse/items/{item_id}/request/"

    def post(session: HttpSession):  # type: ignore[no-untyped-def]
        def call():  # type: ignore[no-untyped-def]
            body = urlencode(
                {
                    "mode": "allocation",
                    "purpose": "抢同一台物品（并发基准）",
                    "submit_now": "on",
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                }
            )
            status, _data, headers = session.request(
                "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
            )
            return status, headers.get("location", "")

        return call

    answers = at_once([post(s) for s in sessions])
    outcomes = []
    for session, answer in zip(sessions, answers, strict=True):
        value, seconds = answer
        if isinstance(value, Exception):
            outcomes.append(("error", seconds, repr(value)))
            continue
        status, location = value
        if status != 302:
            outcomes.append(("error", seconds, f"HTTP {status}"))
            continue
        # The message is shown on the page the redirect leads to (the order, or the item again).
        page_status, page = session.get(location)
        html = page.decode("utf-8", "replace")
        if page_status != 200:
            outcomes.append(("error", seconds, f"HTTP {page_status} after redirect"))
        elif "/workflow/orders/" in location and SUBMITTED in html:
            outcomes.append(("winner", seconds, location))
        elif TAKEN in html:
            outcomes.append(("refused", seconds, ""))
        else:
            message = re.search(r'class="alert[^"]*"[^>]*>(.*?)<', html, re.S)
            outcomes.append(("unclear", seconds, message.group(1).strip() if message else location))
    return outcomes


def direct_round(users: list, item_id: int) -> list[tuple[str, float, str]]:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from gongwucang.warehouse import services

    def call(user):  # type: ignore[no-untyped-def]
        return lambda: services.allocation_request(
            actor=user, pool_item_ids=[item_id], purpose="抢同一台物品（并发基准）"
        )

    outcomes = []
    for value, seconds in at_once([call(u) for u in users]):
        if isinstance(value, ValidationError):
            text = " ".join(value.messages)
            outcomes.append(("refused" if TAKEN in text else "unclear", seconds, text))
        elif isinstance(value, Exception):
            outcomes.append(("error", seconds, repr(value)))
        else:
            outcomes.append(("winner", seconds, value[0].order_no))
    return outcomes


def summarise(label: str, rounds: list[list[tuple[str, float, str]]], asset_checks: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
    n = len(rounds[0])
    winners = [sum(1 for o in r if o[0] == "winner") for r in rounds]
    refused = [sum(1 for o in r if o[0] == "refused") for r in rounds]
    errors = sum(1 for r in rounds for o in r if o[0] == "error")
    unclear = [o for r in rounds for o in r if o[0] == "unclear"]
    latencies = [o[1] * 1000 for r in rounds for o in r]
    lines_ok = all(lines == 1 and events == 1 for lines, events in asset_checks)
    for r in rounds:
        for kind, _s, detail in r:
            if kind in ("error", "unclear"):
                print(f"  {label}: {kind}: {detail}", flush=True)
    print(
        f"{label}: {len(rounds)} rounds × {n}: winners {winners}, refused {refused}, errors {errors}, "
        f"unclear {len(unclear)}; latency p50 {statistics.median(latencies):.0f} ms, "
        f"max {max(latencies):.0f} ms; DB per round (open lines, events) {asset_checks}",
        flush=True,
    )
    return [
        Result(
            figure=f"{label}: 每轮胜者",
            target="exactly 1 per round",
            unit="winners",
            samples=[float(w) for w in winners],
            ok=all(w == 1 for w in winners) and lines_ok,
            note=f"{len(rounds)} rounds of {n} at once; the database: 1 open line and 1 allocation_requested "
            f"event per round: {'yes' if lines_ok else 'NO ' + str(asset_checks)}",
        ),
        Result(
            figure=f"{label}: 落败者收到明确提示",
            target=f"{n - 1} per round (「{TAKEN}」)",
            unit="refused",
            samples=[float(x) for x in refused],
            ok=all(x == n - 1 for x in refused) and not unclear,
            note=f"other answers: {len(unclear)}" + (f" (e.g. {unclear[0][2][:80]})" if unclear else ""),
        ),
        Result(
            figure=f"{label}: 错误（5xx / 异常）",
            target="0",
            unit="errors",
            samples=[float(errors)],
            ok=errors == 0,
        ),
        Result(
            figure=f"{label}: 每个请求的耗时",
            target="(information)",
            unit="ms",
            samples=latencies,
            note=f"{n} requests at the same instant; the last queues behind the others",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("SCALE_DATABASE_URL", SCALE_DATABASE_URL))
    parser.add_argument("--users", type=int, default=50, help="clerks racing over HTTP")
    parser.add_argument("--direct-users", type=int, default=16, help="threads racing through the service")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["DATABASE_URL"] = args.database_url
    setup_django(args.database_url)
    from django.db import connection

    from gongwucang.org.models import User
    from gongwucang.warehouse.models import PoolItem

    items = pool_items(args.rounds)
    owners = {
        unit
        for pair in PoolItem.objects.filter(pk__in=items).values_list(
            "warehouse__operating_unit_id", "asset__owner_unit_id"
        )
        for unit in pair
    }
    names = requesters(max(args.users, args.direct_users), owners)
    connection.close()
    results: list[Result] = []

    # 1. Over HTTP, as deployed.
    with GunicornServer(args.database_url) as base_url:
        sessions = [HttpSession(base_url) for _ in names[: args.users]]
        started = time.perf_counter()
        logins = at_once([login(s, n) for s, n in zip(sessions, names, strict=False)])
        failed = [value for value, _s in logins if value is not None]
        if failed:
            raise SystemExit(f"{len(failed)} logins failed: {failed[0]!r}")
        print(f"{len(sessions)} clerks logged in in {time.perf_counter() - started:.1f} s", flush=True)
        rounds, checks = [], []
        for item_id in items:
            asset_id = PoolItem.objects.get(pk=item_id).asset_id
            before = events_of(asset_id)
            rounds.append(http_round(sessions, item_id))
            checks.append((open_lines(asset_id), events_of(asset_id) - before))
            cancel_open(asset_id)
        results += summarise(f"HTTP（gunicorn 2 workers, {args.users} 个单位）", rounds, checks)

    # 2. Straight through the service, each thread on its own connection.
    users = list(User.objects.filter(username__in=names[: args.direct_users]))
    rounds, checks = [], []
    for item_id in items:
        asset_id = PoolItem.objects.get(pk=item_id).asset_id
        before = events_of(asset_id)
        rounds.append(direct_round(users, item_id))
        checks.append((open_lines(asset_id), events_of(asset_id) - before))
        cancel_open(asset_id)
    results += summarise(f"服务直调（{args.direct_users} 个连接同时）", rounds, checks)
    return report("The pool's allocation race at scale (1,000,000 cards)", results, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
