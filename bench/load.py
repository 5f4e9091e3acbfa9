"""Load: 50 people browsing and searching for 60 s against gunicorn (2 workers) on 127.0.0.1 (issue 6).

Targets: ≥ 150 requests/s on this 2-core machine, zero errors (every answer 200), p99 ≤ 500 ms.

    flock /tmp/gwc-bench.lock .venv/bin/python bench/load.py [--duration 60] [--users 50] [--json out.json]

The load comes from wrk (Debian package `wrk`), which runs on the same two cores as gunicorn and
PostgreSQL. Fifty people log in first (40 asset clerks of units large and small, 10 finance
staff, region-wide); then each of wrk's 50 connections sends, without pause, one page after
another of what these people do all day, with their own session cookie: the home page, the asset
list (first page, other sorts and filters, deeper pages through the "next" links), searches
(names, pinyin initials), cards, and the inbox. --think-ms adds a pause between one person's
requests (0 by default: the hardest case, a closed loop).

Each request is what the browser sends for it: on the asset list, a search or filter (the filter
form), a sort (a column header) and the next pages (the pager) are htmx requests that fetch the
table alone (header `HX-Request: true`, assets/_asset_table.html) — the page around it stays; the
first visit of the list, the home page, the inbox and the cards are whole pages. --full-pages
sends every request as a whole page, as a browser without JavaScript would (informational).

--request-times also prints gunicorn's own time per request (its access log), by kind and the
slowest: wrk's latencies are mostly the wait in the listen queue, these are what each request
costs a worker. It found the value-sorted lists of mid-sized units that held a worker 0.6–3.1 s
(docs/architecture.md, "Sorted by value, a small scope is read").
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import GunicornServer, HttpSession, Result, percentile, report, scale_facts, setup_django
from make_scale_data import SCALE_DATABASE_URL

SEARCHES = ["电脑", "bjb", "打印机", "桌", "空调", "dyj", "联想", "椅", "tsj", "文件柜"]
SORTS = ["name", "-acquired_on", "original_value", "status", "asset_no"]
FILTERS = [{"status": "idle"}, {"condition": "fair"}, {"status": "in_use", "sort": "name"}]

LUA = r"""
local requests = {}
local i = 0
%(entries)s
request = function()
  i = i + 1
  local r = requests[math.random(#requests)]
  local headers = {["Cookie"] = "sessionid=" .. r[1], ["Accept-Language"] = "zh-hans"}
  if r[3] then headers["HX-Request"] = "true" end
  return wrk.format("GET", r[2], headers)
end
%(delay)s
"""


def people(count: int, facts: dict) -> list[str]:  # type: ignore[no-untyped-def]
    from gongwucang.org.models import Membership

    clerks = count * 4 // 5
    big = [f"bigclerk{i:02d}" for i in range(1, 11)]
    rng = random.Random(6)
    units = list(
        Membership.objects.filter(role="asset_clerk", user__username__startswith="clerk").values_list(
            "user__username", flat=True
        )
    )
    names = big + rng.sample(sorted(units), clerks - len(big))
    return names + [f"finance{i:02d}" for i in range(1, count - clerks + 1)]


def filter_query(**values: str) -> str:
    """The query string the asset list's filter form sends: every field, most of them empty."""
    from gongwucang.assets.forms import AssetFilterForm

    return "/assets/?" + urlencode({name: values.get(name, "") for name in AssetFilterForm.base_fields})


def paths_for(username: str, rng: random.Random) -> list[tuple[str, bool]]:
    """What one person opens, in the proportions of a working day: (path, fetched by htmx as the
    table alone)."""
    from gongwucang.assets import selectors
    from gongwucang.assets.selectors import AssetFilters
    from gongwucang.org.models import User

    user = User.objects.get(username=username)
    pages = ["/"] * 3 + ["/assets/"] * 4 + ["/workflow/"]
    in_page = []
    for sort in rng.sample(SORTS, 2):
        in_page.append("/assets/?" + urlencode({"sort": sort}))  # a column header's link
    for params in rng.sample(FILTERS, 2):
        in_page.append(filter_query(**params))
    for term in rng.sample(SEARCHES, 4):
        in_page.append(filter_query(q=term))
    # Deeper pages as the "next" links reach them, and cards of the person's scope.
    qs = selectors.asset_list(actor=user, filters=AssetFilters())
    ids = list(qs.values_list("id", flat=True)[:2000])
    for depth in (2, 5, 20):
        rows = list(qs[(depth - 1) * 20 - 1 : (depth - 1) * 20])
        if rows:
            cursor = selectors.encode_cursor("-id", [rows[0].pk])
            in_page.append("/assets/?" + urlencode({"page": depth, "after": cursor}))  # the pager
    for card in rng.sample(ids, min(3, len(ids))):
        pages.append(f"/assets/{card}/")
    return [(path, False) for path in pages] + [(path, True) for path in in_page]


def parse_wrk(text: str) -> dict[str, float]:
    def ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    out: dict[str, float] = {}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        if m:
            out[f"p{pct}"] = ms(*m.groups())
    out["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    out["requests"] = float(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["non2xx"] = float(non2xx.group(1)) if non2xx else 0.0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = float(sum(int(g) for g in sock.groups())) if sock else 0.0
    out["socket_detail"] = sock.group(0) if sock else ""  # type: ignore[assignment]
    return out


def request_kind(path: str) -> str:
    """What a request of the load is, from its path and query string."""
    route, _, query = path.partition("?")
    params = {key for key, value in parse_qsl(query, keep_blank_values=True) if value}
    if route != "/assets/":
        return "card" if route.startswith("/assets/") else route
    if "q" in params:
        return "list: search"
    if "after" in params:
        return "list: next pages"
    if params - {"sort"}:
        return "list: filter"
    return "list: sort" if params else "list"


def print_request_times(log: str) -> None:
    """gunicorn's own time per request (access log, ACCESS_LOG_FORMAT), by kind: what the workers
    spend on each — wrk's latencies add the wait in the listen queue — and the slowest requests."""
    times: list[tuple[float, str]] = []
    for line in log.splitlines():
        fields = line.strip().strip("'").split(" ", 2)
        if len(fields) == 3 and fields[0].isdigit():
            times.append((int(fields[0]) / 1000, unquote(fields[2]).removesuffix("?")))
    if not times:
        return
    total = sum(ms for ms, _path in times)
    kinds: dict[str, list[float]] = {}
    for ms, path in times:
        kinds.setdefault(request_kind(path), []).append(ms)
    print("\n### gunicorn's time per request (ms), by kind\n")
    print("| kind | requests | share of the time | mean | p50 | p95 | max |\n|---|---|---|---|---|---|---|")
    for kind, values in sorted(kinds.items(), key=lambda item: -sum(item[1])):
        n = len(values)
        print(
            f"| {kind} | {n} | {sum(values) / total:.1%} | {sum(values) / n:.1f} "
            f"| {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} | {max(values):.1f} |"
        )
    every = [ms for ms, _path in times]
    p50, p99 = statistics.median(every), percentile(every, 0.99)
    print(f"\nAll {len(times)}: p50 {p50:.1f}, p99 {p99:.1f} ms. Slowest:")
    for ms, path in sorted(times)[-8:][::-1]:
        print(f"  {ms:8.1f} ms  {path[:160]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("SCALE_DATABASE_URL", SCALE_DATABASE_URL))
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think-ms", type=int, default=0)
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("GWC_BENCH_WORKERS", "2")),
        help="gunicorn workers (config/gunicorn.conf.py; default 2, one per core)",
    )
    parser.add_argument(
        "--full-pages", action="store_true", help="every request a whole page, no htmx (informational)"
    )
    parser.add_argument(
        "--request-times",
        action="store_true",
        help="also print gunicorn's own time per request by kind, and the slowest requests "
        "(from its access log; informational — the log costs the workers a little)",
    )
    parser.add_argument("--json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    os.environ["DATABASE_URL"] = args.database_url
    setup_django(args.database_url)
    from django.db import connection

    facts = scale_facts()
    rng = random.Random(60)
    names = people(args.users, facts)
    plan = {name: paths_for(name, rng) for name in names}
    connection.close()
    access_log = ""
    if args.request_times:
        descriptor, access_log = tempfile.mkstemp(suffix=".log")
        os.close(descriptor)
    with GunicornServer(args.database_url, workers=args.workers, access_log=access_log) as base_url:
        entries = []
        for name in names:
            session = HttpSession(base_url)
            session.login(name)
            for path, fragment in plan[name]:  # every page answers before the clock starts
                fragment = fragment and not args.full_pages
                headers = {"HX-Request": "true"} if fragment else {}
                status, body, _h = session.request("GET", path, headers=headers)
                if status != 200 or (b"<html" in body) == fragment:
                    wanted = "the table alone" if fragment else "a whole page"
                    raise SystemExit(f"{name}: GET {path} answered {status}, not {wanted}")
                cookie = session.cookies["sessionid"]
                flag = "true" if fragment else "false"
                entries.append(f'requests[#requests + 1] = {{"{cookie}", "{path}", {flag}}}')
        delay = f"delay = function() return {args.think_ms} end" if args.think_ms else ""
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as script:
            script.write(LUA % {"entries": "\n".join(entries), "delay": delay})
        command = [
            "wrk",
            "-t",
            "2",
            "-c",
            str(args.users),
            "-d",
            f"{args.duration}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            script.name,
            base_url,
        ]
        print(" ".join(command), flush=True)
        logged_before = os.path.getsize(access_log) if access_log else 0  # the logins and first visits
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        os.unlink(script.name)
    print(done.stdout)
    if access_log:
        with open(access_log, encoding="utf-8") as log:
            log.seek(logged_before)
            print_request_times(log.read())
        os.unlink(access_log)
    figures = parse_wrk(done.stdout)
    errors = figures["non2xx"] + figures["socket_errors"]
    think = f", pause {args.think_ms} ms" if args.think_ms else ", no pause"
    if args.full_pages:
        think += ", every request a whole page"
    results = [
        Result(
            f"吞吐量（{args.users} 人{think}）",
            "≥ 150 req/s",
            "req/s",
            [figures["rps"]],
            ok=figures["rps"] >= 150,
            note=f"{int(figures['requests'])} requests in {args.duration} s",
        ),
        Result(
            "错误",
            "0",
            "errors",
            [errors],
            ok=errors == 0,
            note=f"non-2xx {int(figures['non2xx'])}; {figures['socket_detail']}",
        ),
        Result(
            "延迟 p99",
            "≤ 500 ms",
            "ms",
            [figures.get("p99", 1e9)],
            ok=figures.get("p99", 1e9) <= 500,
            note=f"p50 {figures.get('p50', 0):.0f} ms, p90 {figures.get('p90', 0):.0f} ms (wrk --latency)",
        ),
    ]
    title = f"Load: {args.users} people for {args.duration} s (wrk, gunicorn {args.workers} workers)"
    return report(title, results, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
