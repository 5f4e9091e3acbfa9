"""`make bench`: make the scale data if missing, run every benchmark, write bench/results/latest.md.

Each step runs under `flock /tmp/gwc-bench.lock` (benchmarks of several people share two cores),
writes its figures as JSON (--json), and this script collects them into one table: figure,
target, measured min / median / p95, ratio to the bare SQL measured in the same run, and whether
the target holds. Exits 1 if any benchmark missed a target or failed.

    .venv/bin/python bench/run_all.py [--only pages,load] [--skip-data]
    GWC_BENCH_LOCK_HELD=1 flock /tmp/gwc-bench.lock .venv/bin/python bench/run_all.py   # one lock for all

With --only, the benchmarks not run keep their last figures (bench/results/<name>.json) in
latest.md, marked "earlier run".

On a fresh machine the first run fills PostgreSQL (bench/make_scale_data.py, about 10 minutes on
2 cores) and the embedded-mode SQLite file (about 1 minute); later runs reuse them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
LOCK = "/tmp/gwc-bench.lock"
PYTHON = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)
EMBEDDED_URL = "sqlite:////tmp/gwc-bench-embedded/gongwucang.sqlite3"
NOT_BENCHMARKS = {"_common.py", "make_scale_data.py", "run_all.py", "instructions.py"}  # instructions: a tool
# name → extra arguments (pages runs twice: PostgreSQL, then the embedded mode on SQLite)
RUNS: dict[str, tuple[str, list[str]]] = {"pages-embedded": ("pages.py", ["--embedded"])}
DATA_STEPS = [
    ("scale data (PostgreSQL, province)", [PYTHON, str(BENCH / "make_scale_data.py")], {}),
    (
        "scale data (SQLite, embedded mode: county)",
        [
            PYTHON,
            str(BENCH / "make_scale_data.py"),
            "--database-url",
            EMBEDDED_URL,
            "--cards",
            "100000",
            "--units",
            "200",
            "--users",
            "2000",
            "--events-per-month",
            "10000",
            "--orders",
            "5000",
        ],
        {"GWC_BENCH_EMBEDDED": "1"},
    ),
]


def locked(command: list[str]) -> list[str]:
    """The command under the benchmarks' lock — unless the caller holds it for the whole run
    (`GWC_BENCH_LOCK_HELD=1 flock /tmp/gwc-bench.lock bench/run_all.py …`: nobody else's benchmark
    slips in between two of ours)."""
    if os.environ.get("GWC_BENCH_LOCK_HELD") == "1" or not shutil.which("flock"):
        return command
    return ["flock", LOCK, *command]


def run(label: str, command: list[str], env: dict[str, str] | None = None) -> int:
    print(f"\n=== {label}: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    code = subprocess.call(locked(command), cwd=ROOT, env={**os.environ, **(env or {})})
    print(f"=== {label}: exit {code} after {time.perf_counter() - started:.0f} s", flush=True)
    return code


def benchmarks() -> dict[str, tuple[str, list[str]]]:
    """Every benchmark, in the order they run: by name, except that export comes after import,
    whose 1,000,000 imported cards it exports (on a fresh machine it has nothing else to read)."""
    found = {p.stem: (p.name, []) for p in sorted(BENCH.glob("*.py")) if p.name not in NOT_BENCHMARKS}
    found.update(RUNS)
    return dict(sorted(found.items(), key=lambda item: item[0] == "export"))


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f} {unit}" if abs(value) >= 10 else f"{value:.3g} {unit}"


def write_table(outcomes: dict[str, tuple[int, dict | None]]) -> str:
    lines = [
        "# Benchmarks — latest run",
        "",
        f"Written by `make bench` (bench/run_all.py) on {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; "
        f"{os.cpu_count()} cores shared. Ratio = our median ÷ the median of the bare SQL doing the same work "
        "in the same run (where one exists).",
        "",
        "| benchmark | figure | target | min | median | p95 | ratio | ok | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, (code, data) in outcomes.items():
        if not data:
            lines.append(f"| {name} | (no figures: exit {code}) | | | | | | ✗ | |")
            continue
        for row in data.get("rows", []):
            ratio = f"{row['ratio']:.2f}×" if row.get("ratio") is not None else "—"
            note = str(row.get("note", "")).replace("|", "/")
            unit = row["unit"]
            measured = f"{fmt(row['min'], unit)} | {fmt(row['median'], unit)} | {fmt(row['p95'], unit)}"
            lines.append(
                f"| {data.get('title', name)} | {row['figure']} | {row['target']} | {measured} | {ratio} | "
                f"{'✓' if row['ok'] else '✗ MISSED'} | {note} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark names (file stems, or pages-embedded)")
    parser.add_argument("--skip-data", action="store_true", help="do not make or resume the scale data")
    parser.add_argument(
        "--collect-only", action="store_true", help="run nothing: rebuild latest.md from bench/results/*.json"
    )
    args = parser.parse_args()
    if args.collect_only:
        wanted = set(args.only.split(",")) if args.only else None
        outcomes = {
            name: (0, json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8")))
            for name in benchmarks()
            if (RESULTS / f"{name}.json").exists() and (not wanted or name in wanted)
        }
        (RESULTS / "latest.md").write_text(write_table(outcomes), encoding="utf-8")
        print(write_table(outcomes))
        return 0 if all(row["ok"] for _c, data in outcomes.values() for row in data.get("rows", [])) else 1
    RESULTS.mkdir(exist_ok=True)
    failed = False
    if not args.skip_data:
        for label, command, env in DATA_STEPS:
            if run(label, command, env) != 0:
                failed = True
    if shutil.which("wrk") is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.call(["apt-get", "install", "-y", "-q", "wrk"])
    wanted = set(args.only.split(",")) if args.only else None
    outcomes: dict[str, tuple[int, dict | None]] = {}
    for name, (script, extra) in benchmarks().items():
        if wanted and name not in wanted:
            continue
        out = RESULTS / f"{name}.json"
        out.unlink(missing_ok=True)
        env = {"GWC_BENCH_EMBEDDED": "1"} if "--embedded" in extra else {}
        code = run(name, [PYTHON, str(BENCH / script), *extra, "--json", str(out)], env)
        data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
        outcomes[name] = (code, data)
        failed = failed or code != 0
    # With --only, the other benchmarks keep the figures of their last run (their JSON), so that
    # latest.md always shows every benchmark; their "note" says so.
    for name in benchmarks():
        earlier = RESULTS / f"{name}.json"
        if name not in outcomes and earlier.exists():
            data = json.loads(earlier.read_text(encoding="utf-8"))
            when = data.get("measured_at") or (
                f"{dt.datetime.fromtimestamp(earlier.stat().st_mtime).astimezone():%Y-%m-%d %H:%M %Z}"
            )
            for row in data.get("rows", []):
                row["note"] = f"(earlier run, {when}) {row.get('note', '')}".strip()
            outcomes[name] = (0, data)
    table = write_table(outcomes)
    (RESULTS / "latest.md").write_text(table, encoding="utf-8")
    print("\n" + table)
    print(f"written: {RESULTS / 'latest.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
