"""The set-based depreciation posting: one month of a region in a few SQL statements, no Python loop.

What a statement computes is exactly what assets.domain.depreciation.month_charge_fen computes for
each card (the tests compare them card by card, on SQLite and PostgreSQL):

- which cards: the region's cards of a depreciable category, marked 计提, not at nominal value,
  booked before the month ends, not left before the month began (当月减少当月不再计提), with value
  left and no entry for the month yet (so a second run only adds what is missing: idempotent);
- how much: straight-line — the basis amount ÷ months, half-up, as integers (2a + b) / 2b, never
  more than what is left, and everything left in the last month of the life; units of production
  — basis × this month's work ÷ remaining work, and everything left once the work reaches the
  expected total;
- charged to: the unit that held the card at the start of the month (or at its end — the
  region's setting), read from accounting_holdingchange;
- then the book rows: accumulated += amount, months += 1.

PostgreSQL runs each method as ONE statement (data-modifying CTEs: insert the entries, update the
books from what was inserted, count and sum). SQLite has no data-modifying CTEs, so it runs the
same SELECT as an INSERT and then updates the books from the entries of the run. Both see the
same rows and make the same arithmetic; only the plumbing differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection

from gongwucang.assets.domain.depreciation import STRAIGHT_LINE, UNITS_OF_PRODUCTION

# The cards charged in the month: the same rules for both methods (see the module docstring).
ELIGIBLE = """
    a.region_id = %(region)s
    AND a.depreciation_method = %(method)s
    AND a.depreciation_status = 'depreciated'
    AND a.is_nominal_value = %(false)s
    AND c.depreciable = %(true)s
    AND a.booked_on < %(next_month)s
    AND (a.disposed_on IS NULL OR a.disposed_on >= %(next_month)s)
    AND (a.status <> 'disposed' OR a.disposed_on IS NOT NULL)
    AND b.accumulated_depreciation_fen < b.original_value_fen
    AND NOT EXISTS (
        SELECT 1 FROM accounting_depreciationentry e WHERE e.asset_id = a.id AND e.period_id = %(period)s
    )
"""

# The unit holding each card at %(holder_at)s, for the cards that changed hands since then: the
# unit it left at its first change after that instant. Cards not listed are held by their owner.
HOLDERS = """
holders AS (
    SELECT asset_id, from_unit_id FROM (
        SELECT asset_id, from_unit_id,
               ROW_NUMBER() OVER (PARTITION BY asset_id ORDER BY changed_at, id) AS rn
        FROM accounting_holdingchange
        WHERE region_id = %(region)s AND changed_at >= %(holder_at)s
    ) AS first_changes
    WHERE rn = 1
)"""

# {eligible} is filled in below from the constant ELIGIBLE; every value is a query parameter.
STRAIGHT_LINE_CHARGES = """
charges AS (
    SELECT asset_id, unit_id, category_id, method, cost_fen, acc_fen, CAST(NULL AS BIGINT) AS workload,
           CASE
               WHEN months_left <= 1 OR base_months <= 0 THEN net_fen
               WHEN (2 * base_fen + base_months) / (2 * base_months) < net_fen
                   THEN (2 * base_fen + base_months) / (2 * base_months)
               ELSE net_fen
           END AS amount_fen
    FROM (
        SELECT a.id AS asset_id,
               COALESCE(h.from_unit_id, a.owner_unit_id) AS unit_id,
               a.category_id AS category_id,
               a.depreciation_method AS method,
               b.original_value_fen AS cost_fen,
               b.accumulated_depreciation_fen AS acc_fen,
               b.original_value_fen - b.accumulated_depreciation_fen AS net_fen,
               a.useful_life_months - b.months_depreciated AS months_left,
               COALESCE(s.base_fen, b.original_value_fen) AS base_fen,
               COALESCE(s.base_months, a.useful_life_months) AS base_months
        FROM assets_asset a
        JOIN assets_assetbook b ON b.asset_id = a.id
        JOIN assets_category c ON c.id = a.category_id
        LEFT JOIN accounting_depreciationbasis s ON s.asset_id = a.id
        LEFT JOIN holders h ON h.asset_id = a.id
        WHERE {eligible}
          AND a.useful_life_months IS NOT NULL
    ) AS cards
)""".replace("{eligible}", ELIGIBLE)

UNITS_CHARGES = """
charges AS (
    SELECT asset_id, unit_id, category_id, method, cost_fen, acc_fen, workload,
           CASE
               WHEN workload <= 0 THEN 0
               WHEN used_workload + workload >= total_workload OR base_workload <= 0 THEN net_fen
               WHEN (2 * base_fen * workload + base_workload) / (2 * base_workload) < net_fen
                   THEN (2 * base_fen * workload + base_workload) / (2 * base_workload)
               ELSE net_fen
           END AS amount_fen
    FROM (
        SELECT a.id AS asset_id,
               COALESCE(h.from_unit_id, a.owner_unit_id) AS unit_id,
               a.category_id AS category_id,
               a.depreciation_method AS method,
               b.original_value_fen AS cost_fen,
               b.accumulated_depreciation_fen AS acc_fen,
               b.original_value_fen - b.accumulated_depreciation_fen AS net_fen,
               r.workload AS workload,
               p.total_workload AS total_workload,
               p.used_workload AS used_workload,
               p.base_fen AS base_fen,
               p.base_workload AS base_workload
        FROM accounting_workloadreading r
        JOIN assets_asset a ON a.id = r.asset_id
        JOIN assets_assetbook b ON b.asset_id = a.id
        JOIN assets_category c ON c.id = a.category_id
        JOIN accounting_workloadplan p ON p.asset_id = a.id
        LEFT JOIN holders h ON h.asset_id = a.id
        WHERE r.period_id = %(period)s AND {eligible}
    ) AS cards
)""".replace("{eligible}", ELIGIBLE)

CHARGES = {STRAIGHT_LINE: STRAIGHT_LINE_CHARGES, UNITS_OF_PRODUCTION: UNITS_CHARGES}

ENTRY_COLUMNS = (
    "asset_id, period_id, run_id, unit_id, category_id, method, amount_fen, original_value_fen, "
    "accumulated_after_fen, workload"
)
ENTRY_VALUES = (
    "asset_id, %(period)s, %(run)s, unit_id, category_id, method, amount_fen, cost_fen, "
    "acc_fen + amount_fen, workload"
)

POSTGRES_POST = """
WITH {holders}, {charges},
inserted AS (
    INSERT INTO accounting_depreciationentry ({columns})
    SELECT {values} FROM charges
    RETURNING asset_id, amount_fen, workload
),
books AS (
    UPDATE assets_assetbook AS b
    SET accumulated_depreciation_fen = b.accumulated_depreciation_fen + inserted.amount_fen,
        months_depreciated = b.months_depreciated + 1
    FROM inserted
    WHERE b.asset_id = inserted.asset_id
    RETURNING inserted.asset_id, inserted.amount_fen, inserted.workload
){plans}
SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM books
"""
POSTGRES_PLANS = """,
plans AS (
    UPDATE accounting_workloadplan AS p
    SET used_workload = p.used_workload + books.workload
    FROM books
    WHERE p.asset_id = books.asset_id AND books.workload IS NOT NULL
    RETURNING 1
)"""

SQLITE_INSERT = """
WITH {holders}, {charges}
INSERT INTO accounting_depreciationentry ({columns})
SELECT {values} FROM charges
"""
SQLITE_BOOKS = """
UPDATE assets_assetbook AS b
SET accumulated_depreciation_fen = b.accumulated_depreciation_fen + e.amount_fen,
    months_depreciated = b.months_depreciated + 1
FROM accounting_depreciationentry AS e
WHERE e.asset_id = b.asset_id AND e.period_id = %(period)s AND e.run_id = %(run)s AND e.method = %(method)s
"""
SQLITE_PLANS = """
UPDATE accounting_workloadplan AS p
SET used_workload = p.used_workload + e.workload
FROM accounting_depreciationentry AS e
WHERE e.asset_id = p.asset_id AND e.period_id = %(period)s AND e.run_id = %(run)s AND e.method = %(method)s
  AND e.workload IS NOT NULL
"""
SQLITE_TOTALS = """
SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM accounting_depreciationentry
WHERE period_id = %(period)s AND run_id = %(run)s AND method = %(method)s
"""

MISSING = """
WITH {holders}, {charges}
SELECT COUNT(*) FROM charges
"""


@dataclass(frozen=True)
class Totals:
    cards: int
    total_fen: int

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.cards + other.cards, self.total_fen + other.total_fen)


def _params(
    *,
    region_id: int,
    period_id: int,
    next_month: dt.date,
    holder_at: dt.datetime,
    method: str,
    run_id: int = 0,
) -> dict[str, Any]:
    ops = connection.ops
    return {
        "region": region_id,
        "period": period_id,
        "run": run_id,
        "next_month": ops.adapt_datefield_value(next_month),
        "holder_at": ops.adapt_datetimefield_value(holder_at),
        "method": method,
        "true": True,
        "false": False,
    }


# Memory for the straight-line statement's hash tables: the book rows of a million cards take
# about 70 MB in a hash. With the server's default (4 MB) every hash join of the posting spills
# to temporary files in 8–16 batches (~280 MB written and read back at 1,000,000 cards). Set for
# the statement only (SET LOCAL semantics), never lowered below what the database already has.
POSTING_WORK_MEM = "64MB"


@contextmanager
def _hash_joins(cursor: Any, method: str) -> Iterator[None]:
    """PostgreSQL: hash joins in memory for the straight-line statement (every card of the region).

    Planned while the month has no entries yet (or while statistics still say so), the check
    "no entry for this card and month" becomes a nested loop that scans the entry table once per
    card — and the same statement is appending a million entries to it: quadratic (measured:
    over 15 minutes instead of seconds). Hash joins read each table once, whatever the statistics
    say; with POSTING_WORK_MEM they stay in memory. The few units-of-production cards keep their
    index lookups.
    """
    if connection.vendor != "postgresql" or method != STRAIGHT_LINE:
        yield
        return
    cursor.execute("SELECT current_setting('enable_nestloop'), current_setting('work_mem')")
    nestloop, work_mem = cursor.fetchone()
    cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
    cursor.execute(
        "SELECT set_config('work_mem', CASE WHEN pg_size_bytes(%(ours)s) > pg_size_bytes(%(now)s) "
        "THEN %(ours)s ELSE %(now)s END, true)",
        {"ours": POSTING_WORK_MEM, "now": work_mem},
    )
    yield  # on an error the transaction (or savepoint) is rolled back, and the settings with it
    cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [nestloop])
    cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])


def post_entries(
    *, region_id: int, period_id: int, run_id: int, next_month: dt.date, holder_at: dt.datetime
) -> Totals:
    """Write the month's entries and book values for every card still to charge. Must run inside
    the posting's transaction (the caller holds the period's row lock)."""
    totals = Totals(0, 0)
    with connection.cursor() as cursor:
        for method in (STRAIGHT_LINE, UNITS_OF_PRODUCTION):
            params = _params(
                region_id=region_id,
                period_id=period_id,
                next_month=next_month,
                holder_at=holder_at,
                method=method,
                run_id=run_id,
            )
            parts = {
                "holders": HOLDERS,
                "charges": CHARGES[method],
                "columns": ENTRY_COLUMNS,
                "values": ENTRY_VALUES,
            }
            if connection.vendor == "postgresql":
                plans = POSTGRES_PLANS if method == UNITS_OF_PRODUCTION else ""
                with _hash_joins(cursor, method):
                    cursor.execute(POSTGRES_POST.format(plans=plans, **parts), params)
                    cards, total = cursor.fetchone()
            else:
                cursor.execute(SQLITE_INSERT.format(**parts), params)
                cursor.execute(SQLITE_BOOKS, params)
                if method == UNITS_OF_PRODUCTION:
                    cursor.execute(SQLITE_PLANS, params)
                cursor.execute(SQLITE_TOTALS, params)
                cards, total = cursor.fetchone()
            totals = totals + Totals(int(cards), int(total))
    return totals


def count_missing(*, region_id: int, period_id: int, next_month: dt.date, holder_at: dt.datetime) -> int:
    """How many cards the month would still charge (0 once it is fully posted)."""
    missing = 0
    with connection.cursor() as cursor:
        for method in (STRAIGHT_LINE, UNITS_OF_PRODUCTION):
            params = _params(
                region_id=region_id,
                period_id=period_id,
                next_month=next_month,
                holder_at=holder_at,
                method=method,
            )
            with _hash_joins(cursor, method):
                cursor.execute(MISSING.format(holders=HOLDERS, charges=CHARGES[method]), params)
                missing += int(cursor.fetchone()[0])
    return missing
