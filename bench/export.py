"""Export benchmark (issue 5): the asset list of every card in the benchmark database exported to
.xlsx end to end — an HTTP GET of the export URL through Django (login, filters, scope, the query,
every row streamed into the workbook) — against PostgreSQL's own COPY (SELECT …) TO STDOUT of the
same rows and columns in the same run.

    flock /tmp/gwc-bench.lock .venv/bin/python bench/export.py [--repeat 2]

Run bench/import.py first (it leaves 1,000,000 imported cards). Target: 1,000,000 rows ≤ 90 s
(scaled to the rows present); prints rows/s, the file size, the peak RSS (a flat memory line is
the point of streaming) and checks that the file holds every row. Exits non-zero when missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench._common import Result, peak_rss_mb, report, setup_django

DB = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gwc_bench_e")
IMPORTING_CLERK = "clerk_sch_99"  # the clerk bench/import.py imports as


def rows_in(path: str) -> int:
    """Data rows in the exported sheet (streamed, not loaded)."""
    count = 0
    carry = b""
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        while block := sheet.read(1 << 20):
            data = carry + block
            count += data.count(b"</row>")
            carry = data[-5:]  # a tag cut in two is counted in the next block, never twice
    return count - 1  # the header row


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    setup_django(DB)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from gongwucang.assets.models import Asset
    from gongwucang.assets.selectors import AssetFilters, asset_list
    from gongwucang.org.models import User

    actor = User.objects.filter(username=IMPORTING_CLERK).first()
    if actor is None:
        raise SystemExit(f"no cards to export: run bench/import.py first (it imports as {IMPORTING_CLERK})")
    rows = asset_list(actor=actor, filters=AssetFilters()).count()
    total_cards = Asset.objects.count()
    if rows < 1:
        raise SystemExit("no cards to export: run bench/import.py first")
    client = Client(HTTP_HOST="localhost")
    client.force_login(actor)
    url = reverse("spreadsheets:asset_export")
    ours, copies = [], []
    for _ in range(args.repeat):
        with tempfile.NamedTemporaryFile(suffix=".xlsx", dir="/tmp") as out:
            start = time.perf_counter()
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            size = 0
            for piece in response.streaming_content:
                out.write(piece)
                size += len(piece)
            response.close()
            out.flush()
            ours.append(time.perf_counter() - start)
            written = rows_in(out.name)
        print(
            f"export {rows:,} rows × 34 columns: {ours[-1]:.1f} s ({rows / ours[-1]:,.0f} rows/s), "
            f"{size / 1e6:.0f} MB, file holds {written:,} rows, peak RSS {peak_rss_mb():.0f} MB",
            flush=True,
        )
        assert written == rows, (written, rows)
        # PostgreSQL alone: the same cards and columns (same joins), as text.
        sql = (
            "SELECT a.asset_no, a.name, c.code, c.name, a.model_spec, a.brand, a.measure_unit, a.quantity, "
            "a.acquisition_method, a.acquired_on, a.booked_on, a.funding_source, a.fiscal_amount_fen, "
            "a.non_fiscal_amount_fen, b.original_value_fen, b.accumulated_depreciation_fen, "
            "a.useful_life_months, b.months_depreciated, a.depreciation_status, a.depreciation_method, "
            "o.name, uu.name, d.name, p.full_name, a.location, a.usage, a.status, a.condition, a.note, "
            "a.is_nominal_value, a.counterparty_name, a.counterparty_contact, a.counterparty_phone "
            "FROM assets_asset a JOIN assets_category c ON c.id = a.category_id "
            "LEFT JOIN assets_assetbook b ON b.asset_id = a.id JOIN org_unit o ON o.id = a.owner_unit_id "
            "JOIN org_unit uu ON uu.id = a.user_unit_id LEFT JOIN org_department d ON d.id = a.department_id "
            "LEFT JOIN org_user p ON p.id = a.custodian_id WHERE a.owner_unit_id = %s ORDER BY a.id"
        )
        start = time.perf_counter()
        with connection.cursor() as cursor:
            raw = cursor.cursor
            # COPY takes no bound parameters: the value is written into the statement, quoted by a
            # client-side cursor (Django's connection binds on the server and cannot mogrify).
            query = psycopg.ClientCursor(raw.connection).mogrify(sql, [actor.unit_id])
            with raw.copy(f"COPY ({query}) TO STDOUT") as copy:
                for _block in copy:
                    pass
        copies.append(time.perf_counter() - start)
        print(f"  PostgreSQL COPY (SELECT …) TO STDOUT of the same rows: {copies[-1]:.1f} s", flush=True)
    target = 90.0 * rows / 1_000_000
    results = [
        Result(
            f"export asset list {rows:,} rows × 34 (HTTP GET → streamed .xlsx; "
            f"{total_cards:,} cards in the DB)",
            f"≤ {target:.1f} s",
            "s",
            ours,
            ratio=statistics.median(ours) / statistics.median(copies),
            ok=statistics.median(ours) <= target,
        ),
        Result("  export rows/s", "—", "rows/s", [rows / t for t in ours]),
        Result("  peak RSS of the exporting process", "—", "MB", [peak_rss_mb()]),
        Result("PostgreSQL COPY (SELECT …) TO STDOUT, same rows and joins", "—", "s", copies),
    ]
    return report("Export (issue 5)", results, args.json)


if __name__ == "__main__":
    sys.exit(main())
