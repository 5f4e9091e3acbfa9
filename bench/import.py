"""Import benchmark (issue 5): a 1,000,000-row, 30-column asset ledger as .xlsx and .csv, imported
into PostgreSQL through the real import (read → check → write in one transaction).

    flock /tmp/gwc-bench.lock .venv/bin/python bench/import.py [--rows 1000000] [--repeat 2]

Prints rows/s for each stage (read, check, write), the total, the peak RSS of the importing
process (each run is a fresh subprocess), and the ratio to PostgreSQL's own COPY of the same
rows from the CSV in the same run. Targets: .xlsx ≤ 120 s and ≤ 1.5 GB; .csv ≤ 60 s (the median
of the runs). The preview's dry run (the whole file read and checked before the user clicks
"import") is timed as well, and once more for the .csv after its import: the same file again, every
card existing and none changed (a re-imported ledger). Fixtures are cached under /tmp/gwc-bench-import/.

    … bench/import.py --db-costs [--rows N]   what each trigger, index and FK of the card table
                                             costs a COPY of N imported cards (rolled back)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Result, peak_rss_mb, report, setup_django

DB = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gwc_bench_e")
CACHE = Path("/tmp/gwc-bench-import")
NAMES = ["笔记本电脑", "台式计算机", "办公桌", "办公椅", "打印机", "文件柜", "空调机", "复印机"]
CODES = [
    "A02010108",
    "A02010105",
    "A05010100",
    "A05010301",
    "A02021000",
    "A05010502",
    "A02061804",
    "A02021100",
]


def ledger_rows(n: int, unit_name: str, department: str, person: str):  # type: ignore[no-untyped-def]
    for r in range(1, n + 1):
        original = 100_000 + (r * 7919) % 2_000_000
        accumulated = original // 3
        d = dt.date(2015 + r % 10, 1 + r % 12, 1 + r % 28)
        yield [
            f"BENCH-{r:08d}",
            NAMES[r % 8],
            CODES[r % 8],
            "",
            f"型号{r % 500}",
            "联想",
            "",
            1,
            "购置",
            d,
            d,
            "财政拨款",
            original,
            0,
            original,
            accumulated,
            original - accumulated,
            72,
            24,
            "计提",
            "年限平均法",
            unit_name,
            unit_name,
            department,
            person,
            f"办公楼{r % 300}室",
            "自用",
            "在用",
            "完好",
            f"备注{r % 1000}",
        ]


def make_fixtures(n: int, unit_name: str, department: str, person: str) -> tuple[Path, Path]:
    from gongwucang.spreadsheets.domain.columns import LEDGER_COLUMNS
    from gongwucang.spreadsheets.export import Column, write_xlsx

    CACHE.mkdir(exist_ok=True)
    xlsx, csv_path = CACHE / f"ledger-{n}.xlsx", CACHE / f"ledger-{n}.csv"
    columns = LEDGER_COLUMNS[:30]
    kinds = {"money": "money_fen", "date": "date", "int": "int"}
    if not xlsx.exists():
        t = time.perf_counter()
        write_xlsx(
            str(xlsx) + ".part",
            sheet_title="资产卡片",
            columns=[
                Column(c.header, "money_fen" if c.key == "net_value" else kinds.get(c.kind, "text"))  # type: ignore[misc]
                for c in columns
            ],
            rows=ledger_rows(n, unit_name, department, person),
        )
        os.replace(str(xlsx) + ".part", xlsx)
        print(f"fixture {xlsx} written in {time.perf_counter() - t:.1f} s", flush=True)
    if not csv_path.exists():
        import csv

        with open(str(csv_path) + ".part", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.header for c in columns])
            for row in ledger_rows(n, unit_name, department, person):
                writer.writerow(
                    [
                        f"{v // 100}.{v % 100:02d}"
                        if i in (12, 13, 14, 15, 16)
                        else (v.isoformat() if isinstance(v, dt.date) else v)
                        for i, v in enumerate(row)
                    ]
                )
        os.replace(str(csv_path) + ".part", csv_path)
    return xlsx, csv_path


def reset_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE assets_assetevent, assets_assetbook, assets_asset, spreadsheets_assetimport CASCADE"
        )
        cursor.execute("VACUUM ANALYZE assets_asset")


def ensure_world():  # type: ignore[no-untyped-def]
    from gongwucang.core.testing import ensure_categories, make_world
    from gongwucang.org.models import Region, Unit, User

    ensure_categories()
    if not Region.objects.filter(code="330100099").exists():
        make_world("330100099")
    unit = Unit.objects.get(code="SCH99")
    return unit, User.objects.get(username="clerk_sch_99")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process on this machine (the PostgreSQL backend)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(fmt: str, path: Path, mode: str) -> None:
    """In a fresh process: check (the preview's dry run) or import the file; print the stage
    timings and the peak RSS as JSON."""
    setup_django(DB)
    from gongwucang.spreadsheets import writer
    from gongwucang.spreadsheets.services import run_import

    if "GWC_BENCH_IMPORT_SETTINGS" in os.environ:  # experiments: "name=value;name=value" or ""
        writer.PG_IMPORT_SETTINGS = tuple(
            tuple(item.split("=", 1)) for item in os.environ["GWC_BENCH_IMPORT_SETTINGS"].split(";") if item
        )  # type: ignore[assignment]
    if "GWC_BENCH_IMPORT_SWITCH" in os.environ:  # seconds, or "" for Python's default
        from gongwucang.spreadsheets import services

        value = os.environ["GWC_BENCH_IMPORT_SWITCH"]
        services.PIPELINE_SWITCH_SECONDS = float(value) if value else None
    if "GWC_BENCH_IMPORT_IMMEDIATE" in os.environ:
        writer.PG_IMMEDIATE_CONSTRAINTS = os.environ["GWC_BENCH_IMPORT_IMMEDIATE"] == "1"
    if "GWC_BENCH_IMPORT_CLEAN" in os.environ:
        writer.PG_CLEAN_PENDING_LIST = os.environ["GWC_BENCH_IMPORT_CLEAN"] == "1"

    unit, actor = ensure_world()
    if mode != "recheck":  # a re-import finds the cards the last commit of the same file left
        reset_tables()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid(), pg_current_wal_lsn(), checkpoints_req + checkpoints_timed, "
            "buffers_backend, buffers_clean, buffers_checkpoint FROM pg_stat_bgwriter"
        )
        backend, wal_start, checkpoints, *buffers = cursor.fetchone()
    cpu_pg, cpu_py = _cpu_seconds(backend), time.process_time()
    started = time.perf_counter()
    result = run_import(
        actor=actor, unit=unit, path=str(path), filename=path.name, commit=mode == "commit", reference="BENCH"
    )
    total = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s), checkpoints_req + checkpoints_timed - %s, "
            "buffers_backend - %s, buffers_clean - %s, buffers_checkpoint - %s FROM pg_stat_bgwriter",
            [wal_start, checkpoints, *buffers],
        )
        wal_bytes, checkpoints, *buffers = cursor.fetchone()
        wal_mb = float(wal_bytes) / 1048576  # the whole server's WAL meanwhile
    if mode == "commit":
        assert result.created == result.rows_total, (result.created, result.rows_total, result.errors[:5])
    elif mode == "recheck":
        assert result.rows_unchanged == result.rows_total, (result.rows_unchanged, result.errors[:5])
    else:
        assert result.rows_new == result.rows_total, (result.rows_new, result.rows_total, result.errors[:5])
    print(
        json.dumps(
            {
                "fmt": fmt,
                "mode": mode,
                "rows": result.rows_total,
                **result.timings,
                "total": total,
                "commit": total - result.timings.get("total", total),  # COMMIT (and what follows)
                # CPU seconds of the importing process (all its threads) and of its PostgreSQL
                # backend: what the run costs on a quiet machine, whatever else was running.
                "cpu_python": time.process_time() - cpu_py,
                "cpu_postgres": _cpu_seconds(backend) - cpu_pg,
                "wal_mb": wal_mb,
                "checkpoints": checkpoints,
                # 8 KB pages written out by the backends themselves (a dirty page evicted to make
                # room: CPU of the importing backend), by the background writer, by checkpoints
                "buffers_backend": buffers[0],
                "buffers_clean": buffers[1],
                "buffers_checkpoint": buffers[2],
                "rss_mb": peak_rss_mb(),
            }
        )
    )


# Server settings to try for a bulk import: --server-settings "name=value;…" applies them with
# ALTER SYSTEM + pg_reload_conf() before the runs (reloadable settings only; they stay in
# postgresql.auto.conf until ALTER SYSTEM RESET). None by default: measured on this server
# (shared_buffers 128MB), "max_wal_size=16GB;checkpoint_timeout=30min" took the 11 checkpoints of
# a 1,000,000-row .csv import to 0 and its WAL from 5.99 to 5.65 GB (few full-page images), but
# the backend's CPU rose from 138–143 to 160 s (148 s with an eager bgwriter, bgwriter_delay 10ms,
# lru_maxpages 1000, lru_multiplier 10) and the import took 196–200 s instead of 169–178 s:
# without checkpoints cleaning the 128 MB of buffers, the importing backend writes out every dirty
# page it evicts itself. With shared_buffers 6GB as well (a restart), measured on a later machine:
# 156.4 / 138.1 s against 133.4 / 138.6 s with the defaults — COPY writes each table through a 16 MB
# ring of buffers, so the backend still wrote 435,000–653,000 pages itself. See docs/operations.md,
# "Large imports".
IMPORT_SERVER_SETTINGS = ""


def apply_server_settings(spec: str) -> dict[str, str]:
    """ALTER SYSTEM SET each name=value of `spec` (";"-separated), reload; return the values now."""
    import psycopg

    pairs = [tuple(item.split("=", 1)) for item in spec.split(";") if item.strip()]
    with psycopg.connect(DB, autocommit=True) as conn:
        for name, value in pairs:
            conn.execute(f"ALTER SYSTEM SET {name.strip()} = '{value.strip()}'")
        if pairs:
            conn.execute("SELECT pg_reload_conf()")
            time.sleep(0.5)  # the postmaster signals its children
        names = ["max_wal_size", "checkpoint_timeout", "wal_compression", "shared_buffers", "wal_buffers"]
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}


def copy_baseline(path: Path) -> float:
    """PostgreSQL's own COPY of the same rows from the CSV into a bare 30-column text table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_copy (" + ", ".join(f"c{i} text" for i in range(30)) + ")"
        )
    start = time.perf_counter()
    raw = connection.connection
    with (
        raw.cursor() as cur,
        cur.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
        path.open("rb") as handle,
    ):
        while block := handle.read(1 << 20):
            copy.write(block)
    raw.commit()
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


# ---------------------------------------------------------------- what the database costs per row

DBCOST_DIR = Path("/tmp/gwc-e-dbcost")  # written and read by the PostgreSQL server itself
EVENT_COLS = "id, asset_id, event_type, actor_id, occurred_at, reference, before, after, note, request_id"
BOOK_COLS = "asset_id, category_id, original_value_fen, accumulated_depreciation_fen, months_depreciated"


def _dbcost_files(cur, n: int, ids: dict[str, int]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Server-side COPY files of n cards as the import writes them (same columns, same shapes)."""
    DBCOST_DIR.mkdir(exist_ok=True)
    os.chmod(DBCOST_DIR, 0o777)
    files = {k: str(DBCOST_DIR / f"{k}-{n}.copy") for k in ("asset", "asset_keys", "book_category", "event")}
    if all(Path(p).exists() for p in files.values()):
        return files
    names = "ARRAY['笔记本电脑','台式计算机','办公桌','办公椅','打印机','文件柜','空调机','复印机']"
    initials = "ARRAY['bjbdn','tsjsj','bgz','bgy','dyj','wjg','ktj','fyj']"
    rows = f"""
        SELECT 10000000 + g AS id, 'DBC-' || lpad(g::text, 8, '0') AS asset_no,
               ({names})[1 + g % 8] AS name, '型号' || (g % 500) AS model_spec, '联想' AS brand,
                 '台' AS measure_unit,
               1 AS quantity, 'purchase' AS acquisition_method,
               make_date(2015 + g % 10, 1 + g % 12, 1 + g % 28) AS acquired_on,
               make_date(2015 + g % 10, 1 + g % 12, 1 + g % 28) AS booked_on, 'fiscal' AS funding_source,
               100000 + (g::bigint * 7919) % 2000000 AS fiscal_amount_fen,
                 0 AS non_fiscal_amount_fen, 72 AS useful_life_months,
               'straight_line' AS depreciation_method, 'depreciated' AS depreciation_status,
                 false AS is_nominal_value,
               '办公楼' || (g % 300) || '室' AS location, 'own_use' AS usage, '' AS counterparty_name,
               '' AS counterparty_contact, '' AS counterparty_phone, 'in_use' AS status,
                 'good' AS condition,
               '' AS disposal_method, NULL::date AS disposed_on, NULL::bigint AS disposal_income_fen,
               '备注' || (g % 1000) AS note, 1 AS version,
               ({names})[1 + g % 8] || ' ' || ({initials})[1 + g % 8] || ' dbc-' || lpad(g::text, 8, '0')
                 || ' 型号' || (g % 500) || ' xh' || (g % 500) || ' 联想 lx' AS search_text,
               now() AS created_at, now() AS updated_at, {ids["person"]} AS custodian_id,
               {ids["department"]} AS department_id, {ids["unit"]} AS owner_unit_id,
                 {ids["region"]} AS region_id,
               {ids["unit"]} AS user_unit_id, {ids["category"]} AS category_id
        FROM generate_series(1, {n}) AS g"""
    cur.execute(f"COPY ({rows}) TO '{files['asset']}'")
    cur.execute(
        f"COPY (SELECT r.*, gwc_search_keys(r.search_text) FROM ({rows}) AS r) TO '{files['asset_keys']}'"
    )
    cur.execute(
        f"COPY (SELECT 10000000 + g, {ids['category']}, 100000 + (g::bigint * 7919) % 2000000, "
        "(100000 + (g::bigint * 7919) % 2000000) / 3, 24 "
        f"FROM generate_series(1, {n}) AS g) TO '{files['book_category']}'"
    )
    # The ledger row of an imported card: empty before, the card's whole snapshot after (~1 KB).
    cur.execute(f"""COPY (SELECT 20000000 + r.id - 10000000, r.id, 'imported', {ids["actor"]},
      now(), 'DR-BENCH', '{{}}',
        jsonb_build_object('asset_no', r.asset_no, 'name', r.name,
          'category', jsonb_build_object('id', r.category_id, 'text', 'A02010108 便携式计算机'),
          'model_spec', r.model_spec, 'brand', r.brand, 'measure_unit', r.measure_unit, 'quantity', 1,
          'acquisition_method', 'purchase', 'acquired_on', r.acquired_on, 'booked_on', r.booked_on,
          'funding_source', 'fiscal', 'fiscal_amount_fen', '1234.56', 'non_fiscal_amount_fen', '0.00',
          'useful_life_months', 72, 'depreciation_method', 'straight_line', 'depreciation_status',
            'depreciated',
          'is_nominal_value', false, 'owner_unit', jsonb_build_object('id', r.owner_unit_id,
            'text', '中心小学'),
          'user_unit', jsonb_build_object('id', r.user_unit_id, 'text', '中心小学'),
          'department', jsonb_build_object('id', r.department_id, 'text', '中心小学 办公室'),
          'custodian', jsonb_build_object('id', r.custodian_id, 'text', '资产管理员'), 'location', r.location,
          'usage', 'own_use', 'counterparty_name', '', 'counterparty_contact', '',
            'counterparty_phone', '',
          'status', 'in_use', 'condition', 'good', 'disposal_method', '', 'disposed_on', null,
          'disposal_income_fen', null, 'note', r.note, 'original_value_fen', '12345.67',
          'accumulated_depreciation_fen', '4115.22', 'months_depreciated', 24),
        '导入 DR-BENCH', '' FROM ({rows}) AS r) TO '{files["event"]}'""")
    return files


def _indexes(cur, table: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    cur.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = "
        "i.indexrelid WHERE i.indrelid = %s::regclass",
        [table],
    )
    return dict(cur.fetchall())


def _fks(cur, table: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype = 'f'",
        [table],
    )
    return dict(cur.fetchall())


def _strip_sql(cur, table: str) -> list[str]:  # type: ignore[no-untyped-def]
    """SQL that leaves `table` bare: no index, constraint-backed or not, no FK, no user trigger."""
    cur.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f')",
        [table],
    )
    sql = [f'ALTER TABLE {table} DROP CONSTRAINT "{name}" CASCADE' for (name,) in cur.fetchall()]
    sql.append(f"SELECT 'drop indexes of {table}'")
    sql.append(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    return sql


def db_costs(n: int, repeat: int) -> list[Result]:
    """COPY n cards into assets_asset (then book rows and ledger rows) as the import does, with and
    without each trigger, index and foreign key — every experiment in a transaction that is rolled
    back, so the bench database is left as it was. Deferred FK checks are timed apart
    (SET CONSTRAINTS ALL IMMEDIATE before the rollback: what COMMIT would run)."""
    import psycopg

    from gongwucang.org.models import Department

    unit, actor = ensure_world()
    ids = {
        "unit": unit.pk,
        "region": unit.region_id,
        "actor": actor.pk,
        "person": actor.pk,
        "department": Department.objects.get(unit=unit, name="办公室").pk,
    }
    from gongwucang.assets.models import Category

    ids["category"] = Category.objects.get(code="A02010108").pk
    reset_tables()
    conn = psycopg.connect(DB)
    conn.autocommit = True
    with conn.cursor() as cur:
        files = _dbcost_files(cur, n, ids)
        asset_idx = _indexes(cur, "assets_asset")
        asset_fks = _fks(cur, "assets_asset")
    conn.autocommit = False
    results: list[Result] = []

    def run(label: str, setup: list[str], loads: list[tuple[str, str, str]]) -> tuple[float, float]:
        """COPY each of `loads` in turn; the time of the last one (and of all deferred checks)."""
        with conn.cursor() as cur:
            cur.execute("TRUNCATE assets_assetevent, assets_assetbook, assets_asset CASCADE")
            for statement in setup:
                if statement.startswith("SELECT 'drop indexes of "):
                    table = statement.split("of ", 1)[1].rstrip("'")
                    for name in _indexes(cur, table):
                        cur.execute(f'DROP INDEX IF EXISTS "{name}"')
                    continue
                cur.execute(statement)
            copied = cpu = 0.0
            for table, cols, path in loads:
                cpu = _cpu_seconds(conn.info.backend_pid)
                start = time.perf_counter()
                cur.execute(f"COPY {table} ({cols}) FROM '{path}'")
                copied = time.perf_counter() - start  # the last load is the one measured
            start = time.perf_counter()
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            checked = time.perf_counter() - start
            cpu = _cpu_seconds(conn.info.backend_pid) - cpu
        conn.rollback()
        print(
            f"  {label}: COPY {copied:.2f} s + deferred FK checks {checked:.2f} s "
            f"= {copied + checked:.2f} s ({n / (copied + checked):,.0f} rows/s; backend CPU {cpu:.2f} s)",
            flush=True,
        )
        return copied, checked

    def measure(
        label: str, setup: list[str], loads: list[tuple[str, str, str]], times: int = 1
    ) -> list[float]:
        samples = [sum(run(label, setup, loads)) for _ in range(times)]
        results.append(Result(f"db: {label} ({n:,} rows)", "—", "s", samples))
        return samples

    from gongwucang.spreadsheets.writer import _ASSET_COPY_COLUMNS

    asset_cols = ", ".join(_ASSET_COPY_COLUMNS)  # the import's own COPY column list
    asset = [("assets_asset", asset_cols, files["asset"])]
    asset_keys = [("assets_asset", asset_cols + ", search_keys", files["asset_keys"])]
    with conn.cursor() as cur:
        strip = _strip_sql(cur, "assets_asset")
    conn.rollback()
    print(f"Database cost of writing {n:,} imported cards (each experiment rolled back):", flush=True)
    full = measure("assets_asset as deployed (all triggers, indexes, FKs)", [], asset, repeat)
    bare = measure("assets_asset bare (no index, FK or trigger)", strip, asset, repeat)
    # One thing added to the bare table at a time: the marginal cost of each.
    for name, definition in sorted(asset_idx.items()):
        if name == "asset_search_keys_gin":
            continue
        measure(f"bare + index {name}", [*strip, definition], asset)
    measure(
        "bare + GIN asset_search_keys_gin (keys supplied by the writer)",
        [*strip, asset_idx["asset_search_keys_gin"]],
        asset_keys,
    )
    measure(
        "bare + search-keys row trigger (PL/pgSQL gwc_search_keys)",
        [*strip, "ALTER TABLE assets_asset ENABLE TRIGGER assets_asset_search_keys_insert"],
        asset,
    )
    measure(
        "bare + search-keys trigger + GIN",
        [
            *strip,
            asset_idx["asset_search_keys_gin"],
            "ALTER TABLE assets_asset ENABLE TRIGGER assets_asset_search_keys_insert",
        ],
        asset,
    )
    measure(
        "bare + tally statement trigger",
        [*strip, "ALTER TABLE assets_asset ENABLE TRIGGER assets_tally_asset_insert"],
        asset,
    )
    measure(
        "bare + closed-period statement trigger",
        [*strip, "ALTER TABLE assets_asset ENABLE TRIGGER accounting_asset_insert_refuse_closed"],
        asset,
    )
    for name, definition in sorted(asset_fks.items()):
        measure(
            f"bare + FK {name.split('_fk_')[0].removeprefix('assets_asset_')}",
            [*strip, f'ALTER TABLE assets_asset ADD CONSTRAINT "{name}" {definition}'],
            asset,
        )
    # The proposals, on the table as deployed.
    when_empty = [
        "DROP TRIGGER assets_asset_search_keys_insert ON assets_asset",
        "CREATE TRIGGER assets_asset_search_keys_insert BEFORE INSERT ON assets_asset FOR EACH ROW "
        "WHEN (cardinality(NEW.search_keys) = 0) EXECUTE FUNCTION assets_asset_fill_search_keys()",
    ]
    measure(
        "as deployed, trigger WHEN keys empty + keys computed by the writer", when_empty, asset_keys, repeat
    )
    measure(
        "as deployed, SET LOCAL gin_pending_list_limit = 256MB",
        ["SET LOCAL gin_pending_list_limit = '256MB'"],
        asset,
        repeat,
    )
    measure(
        "as deployed, both of the above",
        [*when_empty, "SET LOCAL gin_pending_list_limit = '256MB'"],
        asset_keys,
        repeat,
    )
    # The other two tables an import writes.
    measure(
        "assets_assetbook as deployed (after the cards)",
        [],
        [*asset, ("assets_assetbook", BOOK_COLS, files["book_category"])],
    )
    measure(
        "assets_assetevent as deployed (after the cards)",
        [],
        [*asset, ("assets_assetevent", EVENT_COLS, files["event"])],
    )
    conn.close()
    print(
        f"  (assets_asset: bare median {sorted(bare)[len(bare) // 2]:.2f} s, "
        f"as deployed {sorted(full)[len(full) // 2]:.2f} s)"
    )
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--one", nargs=3, metavar=("FMT", "PATH", "MODE"))
    parser.add_argument("--json")
    parser.add_argument("--fixtures-only", action="store_true")
    parser.add_argument("--formats", default="csv,xlsx", help="which files to import (csv,xlsx)")
    parser.add_argument(
        "--db-costs", action="store_true", help="per trigger/index/FK cost of COPY, then exit"
    )
    parser.add_argument(
        "--server-settings",
        default=IMPORT_SERVER_SETTINGS,
        help='ALTER SYSTEM settings to apply first, "name=value;…" (default: none)',
    )
    args = parser.parse_args()
    if args.one:
        one_run(args.one[0], Path(args.one[1]), args.one[2])
        return 0
    setup_django(DB)
    server = apply_server_settings(args.server_settings)
    print("server: " + ", ".join(f"{k} {v}" for k, v in server.items()), flush=True)
    if args.db_costs:
        return report(
            "Import: what the database costs (issue 5)", db_costs(args.rows, args.repeat), args.json
        )
    unit, actor = ensure_world()
    xlsx, csv_path = make_fixtures(args.rows, unit.name, "办公室", actor.full_name)
    if args.fixtures_only:
        return 0
    results = []
    copies: list[float] = []

    def run(fmt: str, path: Path, mode: str) -> dict[str, float]:
        copies.append(copy_baseline(csv_path))  # PostgreSQL's own COPY, in the same run
        out = subprocess.run(
            [sys.executable, __file__, "--one", fmt, str(path), mode],
            capture_output=True,
            text=True,
            env={**os.environ, "DATABASE_URL": DB},
            check=False,
        )
        if out.returncode:
            print(out.stdout, out.stderr, file=sys.stderr)
            raise SystemExit(2)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        n = got["rows"]

        def rate(stage: str) -> str:
            seconds = got[stage]
            return f"{n / seconds:,.0f} rows/s ({seconds:.1f} s)" if seconds >= 0.05 else "—"

        print(
            f"{fmt} {mode}: {n:,} rows  read {rate('read')}  check {rate('check')}  write {rate('write')}  "
            f"[reading thread: prepared the COPY values {got.get('prepare', 0):.1f} s, "
            f"waited {got.get('handover', 0):.1f} s for the database]  "
            f"total {got['total']:.1f} s ({n / got['total']:,.0f} rows/s)  peak RSS {got['rss_mb']:.0f} MB  "
            f"(COPY of the CSV: {copies[-1]:.1f} s)",
            flush=True,
        )
        parts = {k.removeprefix("write_"): v for k, v in got.items() if k.startswith("write_")}
        print(
            ("    write: " + "  ".join(f"{k} {v:.1f} s" for k, v in parts.items()) if parts else "   ")
            + (f"  COMMIT {got.get('commit', 0):.1f} s" if parts else "")
            + f"  | CPU: Python {got.get('cpu_python', 0):.1f} s, "
            + f"PostgreSQL {got.get('cpu_postgres', 0):.1f} s | WAL {got.get('wal_mb', 0):,.0f} MB, "
            + f"{got.get('checkpoints', 0)} checkpoints | pages written by backends "
            + f"{got.get('buffers_backend', 0):,}, bgwriter {got.get('buffers_clean', 0):,}, "
            + f"checkpoints {got.get('buffers_checkpoint', 0):,}",
            flush=True,
        )
        return got

    scale = args.rows / 1_000_000
    formats = args.formats.split(",")
    for fmt, path, target_s in (("csv", csv_path, 60.0), ("xlsx", xlsx, 120.0)):
        if fmt not in formats:
            continue
        checks = [run(fmt, path, "check") for _ in range(args.repeat)]
        commits = [run(fmt, path, "commit") for _ in range(args.repeat)]
        median_copy = statistics.median(copies)
        n = commits[0]["rows"]
        totals = [r["total"] for r in commits]
        results.append(
            Result(
                f"import {fmt} {n:,} rows × 30, end to end (read, check, write in one transaction)",
                f"≤ {target_s * scale:.0f} s",
                "s",
                totals,
                ratio=statistics.median(totals) / median_copy,
                ok=statistics.median(totals) <= target_s * scale,
            )
        )
        for who, label in (("python", "importing process"), ("postgres", "PostgreSQL backend")):
            results.append(
                Result(
                    f"  {fmt} CPU seconds of the {label}",
                    "—",
                    "s",
                    [r.get(f"cpu_{who}", 0.0) for r in commits],
                )
            )
        for stage in ("read", "check", "write"):
            results.append(
                Result(
                    f"  {fmt} stage {stage} (rows/s)",
                    "—",
                    "rows/s",
                    [n / max(r[stage], 1e-9) for r in commits],
                )
            )
        checked = [r["total"] for r in checks]
        results.append(
            Result(
                f"  {fmt} preview (dry-run check of the whole file, before the import)",
                "—",
                "s",
                checked,
                ratio=statistics.median(checked) / median_copy,
            )
        )
        # The same file again (exported, nothing fixed): every card exists and nothing changes —
        # the path of a re-imported ledger. Once, .csv only (the reading is not what it measures).
        if fmt == "csv":
            again = run(fmt, path, "recheck")["total"]
            results.append(
                Result(
                    f"  {fmt} preview of the same file again (every card exists, nothing changes)",
                    "—",
                    "s",
                    [again],
                    ratio=again / median_copy,
                )
            )
        rss = [r["rss_mb"] for r in commits + checks]
        results.append(
            Result(
                f"  {fmt} peak RSS of the importing process",
                "≤ 1536 MB" if fmt == "xlsx" else "—",
                "MB",
                rss,
                ok=max(rss) <= 1536 or fmt != "xlsx",
            )
        )
    results.append(
        Result(f"PostgreSQL COPY of the same CSV into a bare table ({args.rows:,} rows)", "—", "s", copies)
    )
    return report("Import (issue 5)", results, args.json)


if __name__ == "__main__":
    sys.exit(main())
