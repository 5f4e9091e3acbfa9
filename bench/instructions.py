"""Instructions per request: what one page costs the CPU, whatever else the machine is doing.

    .venv/bin/python bench/instructions.py [--pages fragment,list,card] [--who bench_clerk] [--code DIR]

Timings on these shared 2-core VMs vary by a third from one run to the next (docs/architecture.md),
so a change that saves 5 % cannot be seen in them. The number of instructions a request executes
can: valgrind's callgrind counts them, and the same run gives the same count to within 0.01 %
(PYTHONHASHSEED fixed). Each page is requested in one Django process (production settings, the
province data of make_scale_data.py, Django's test client) under callgrind twice — 2 and 22 times
after a warm-up of 3 — and the difference ÷ 20 is one request: middleware, our code, the ORM,
psycopg and the templates, without the process start. PostgreSQL's own work is not counted (it
runs in its own process); bench/pages.py times it as the bare SQL.

--code DIR also runs another checkout against the same database (this one is measured last), for
an A/B of a change:
    git worktree add /tmp/base HEAD~1
    .venv/bin/python bench/instructions.py --code /tmp/base --pages fragment
A page takes about 3 minutes (valgrind runs Python ~50× slower); pages run two at a time. This is
a measuring tool, not a target (bench/run_all.py leaves it out); needs valgrind (Debian package).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, production_env, scale_facts
from load import filter_query
from make_scale_data import SCALE_DATABASE_URL

WARM_UP, FEW, MANY = 3, 2, 22
# name → (what it is, path, sent by htmx)
PAGES = {
    "fragment": ("list table by a header's sort (htmx)", "/assets/?sort=name", True),
    "search": ("list table for a search (htmx)", "FILTER:q=电脑", True),
    "list": ("asset list, whole page", "/assets/", False),
    "card": ("card with 200 ledger events", "CARD", False),
    "home": ("home page", "/", False),
    "inbox": ("inbox", "/workflow/", False),
}


def child(page: str, who: str, count: int) -> None:
    """Request `page` WARM_UP + count times in this process (run under callgrind by the parent)."""
    os.environ.update(production_env(os.environ["DATABASE_URL"]))
    import django

    import gongwucang

    if not gongwucang.__file__.startswith(os.environ.get("GWC_INSTRUCTIONS_CODE", str(ROOT))):
        raise SystemExit(f"measuring {gongwucang.__file__}, not the checkout asked for")
    django.setup()
    from django.test import Client

    from gongwucang.org.models import User

    _label, path, htmx = PAGES[page]
    if path == "CARD":
        path = f"/assets/{scale_facts()['busy_cards'][0]}/"
    elif path.startswith("FILTER:"):
        key, value = path.removeprefix("FILTER:").split("=", 1)
        path = filter_query(**{key: value})  # what the filter form sends, as bench/load.py sends it
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=who))
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for _ in range(WARM_UP):
        status = client.get(path, **headers).status_code
        if status != 200:
            raise SystemExit(f"{who}: GET {path} answered {status}")
    for _ in range(count):
        client.get(path, **headers)


def counted(code: Path, page: str, who: str, count: int, database_url: str) -> int:
    """Instructions of one child process run under callgrind."""
    env = dict(os.environ, PYTHONHASHSEED="0", DATABASE_URL=database_url, GWC_INSTRUCTIONS_CODE=str(code))
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            page,
            "--who",
            who,
            "--count",
            str(count),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"{page} ({code}) failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(code: Path, page: str, who: str, database_url: str) -> float:
    few = counted(code, page, who, FEW, database_url)
    many = counted(code, page, who, MANY, database_url)
    return (many - few) / (MANY - FEW)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("SCALE_DATABASE_URL", SCALE_DATABASE_URL))
    parser.add_argument("--pages", default="fragment,search,list,card,home,inbox")
    parser.add_argument(
        "--who", default="bench_clerk", help="bench_clerk (the largest unit) or bench_finance"
    )
    parser.add_argument("--code", action="append", help="a checkout to measure besides this one (repeatable)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        code = os.environ.get("GWC_INSTRUCTIONS_CODE", str(ROOT))
        sys.path[:0] = [code]  # before this checkout's editable install
        child(args.child, args.who, args.count)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install valgrind")
    pages = [p for p in args.pages.split(",") if p]
    unknown = set(pages) - set(PAGES)
    if unknown:
        raise SystemExit(f"unknown pages {sorted(unknown)}; known: {', '.join(PAGES)}")
    codes = [*(Path(c).resolve() for c in args.code or []), ROOT]  # this checkout last
    jobs = [(code, page) for page in pages for code in codes]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda job: per_request(job[0], job[1], args.who, args.database_url), jobs))
    print(f"\n### Instructions per request ({args.who}; callgrind, {MANY} − {FEW} requests)\n")
    print("| page | code | M instructions / request |")
    print("|---|---|---|")
    for (code, page), value in zip(jobs, results, strict=True):
        print(f"| {PAGES[page][0]} | {code} | {value / 1e6:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
