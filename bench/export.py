"""Export benchmark (issue 5): the asset list export of every card in the benchmark database
(run bench/import.py first), streamed through the same code as the view, against PostgreSQL's
own COPY (SELECT …) TO STDOUT of the same rows.

    flock /tmp/gwc-bench.lock .venv/bin/python bench/export.py [--repeat 2]

Target: 1,000,000 rows ≤ 90 s (scaled to the rows present).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Result, peak_rss_mb, report, setup_django

DB = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gwc_bench_c")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    setup_django(DB)
    from django.db import connection

    from gongwucang.assets.models import Asset
    from gongwucang.assets.selectors import AssetFilters, asset_list
    from gongwucang.org.models import User
    from gongwucang.spreadsheets.export import iter_xlsx
    from gongwucang.spreadsheets.workbooks import asset_export_rows, ledger_export_columns

    actor = User.objects.get(username="clerk_sch_99")
    rows = Asset.objects.count()
    qs = asset_list(actor=actor, filters=AssetFilters())
    ours, copies = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        size = 0
        for piece in iter_xlsx(sheet_title="资产卡片", columns=ledger_export_columns(), rows=asset_export_rows(qs)):
            size += len(piece)
        ours.append(time.perf_counter() - start)
        print(f"export {rows:,} rows: {ours[-1]:.1f} s ({rows / ours[-1]:,.0f} rows/s), {size / 1e6:.0f} MB, "
              f"peak RSS {peak_rss_mb():.0f} MB", flush=True)
        sql, params = qs.order_by().values_list("asset_no", "name", "category__code", "book__original_value_fen",
                                                "owner_unit__name", "department__name", "status").query.sql_with_params()
        start = time.perf_counter()
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY ({cursor.mogrify(sql, params).decode()}) TO STDOUT") as copy:
                for _block in copy:
                    pass
        copies.append(time.perf_counter() - start)
    target = 90.0 * max(rows, 1) / 1_000_000
    median_copy = sorted(copies)[len(copies) // 2]
    results = [
        Result(f"export asset list {rows:,} rows × 34", f"≤ {target:.1f} s", "s", ours,
               ratio=sorted(ours)[len(ours) // 2] / median_copy, ok=min(ours) <= target),
        Result("PostgreSQL COPY (SELECT …) TO STDOUT, same rows", "—", "s", copies),
    ]
    return report("Export (issue 5)", results, args.json)


if __name__ == "__main__":
    sys.exit(main())
