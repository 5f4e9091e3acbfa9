"""Shared plumbing of the benchmarks: Django set-up on PostgreSQL, timing, peak RSS, the report.

Every bench script:
- runs against PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/gwc_bench),
- repeats each measurement, reports min / median / p95 and the ratio to the bare SQL doing the
  same work in the same run (the limit),
- prints a markdown table, writes the rows as JSON when given --json PATH (bench/run_all.py
  collects them into bench/results/latest.md), and exits non-zero when a target is missed.
Benchmarks from several people on one 2-core machine disturb each other: run them under
`flock /tmp/gwc-bench.lock …` (run_all does) and compare ratios, not raw seconds.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gwc_bench"


def setup_django(database_url: str | None = None) -> None:
    """Point Django at the benchmark database (created if missing) and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", database_url or DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DEBUG", "0")
    _ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if "postgresql" not in cfg["ENGINE"]:
        raise SystemExit("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://…")
    admin = psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Result:
    figure: str
    target: str
    unit: str
    samples: list[float]
    ratio: float | None = None  # ours ÷ bare SQL (median over median)
    ok: bool = True
    note: str = ""

    @property
    def minimum(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row.update(min=self.minimum, median=self.median, p95=self.p95)
        del row["samples"]
        return row


def timed(fn: Callable[[], Any], repeat: int = 3) -> list[float]:
    """Wall-clock seconds of `repeat` runs of fn."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def report(title: str, results: list[Result], json_path: str | None = None) -> int:
    """Print the table, write JSON if asked; return the exit code (1 if any target was missed)."""
    print(f"\n### {title}\n")
    print("| figure | target | min | median | p95 | ratio | ok |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        print(
            f"| {r.figure} | {r.target} | {r.minimum:.3f} {r.unit} | {r.median:.3f} {r.unit} | "
            f"{r.p95:.3f} {r.unit} | {ratio} | {'✓' if r.ok else '✗ MISSED'} |"
        )
    if json_path:
        Path(json_path).write_text(
            json.dumps({"title": title, "rows": [r.as_row() for r in results]}, ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
    return 0 if all(r.ok for r in results) else 1
