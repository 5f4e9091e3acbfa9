"""The maintained counters (AssetTally): rebuilt from the cards when asked.

Triggers (migration 0005) keep the counters exact on every write; a rebuild is for after a bulk
load made with triggers disabled (bench/make_scale_data.py) or to check them.
"""

from __future__ import annotations

from django.db import connection, transaction

REBUILD_STATEMENTS = [
    "DELETE FROM assets_assettally",
    """INSERT INTO assets_assettally
        (owner_unit_id, region_id, status, cards, original_value_fen, accumulated_depreciation_fen)
    SELECT a.owner_unit_id, min(a.region_id), a.status, count(*),
           coalesce(sum(b.original_value_fen), 0), coalesce(sum(b.accumulated_depreciation_fen), 0)
    FROM assets_asset a LEFT JOIN assets_assetbook b ON b.asset_id = a.id
    GROUP BY a.owner_unit_id, a.status""",
]


@transaction.atomic
def rebuild_tallies() -> None:
    """Recompute every counter from the cards and their book rows."""
    with connection.cursor() as cursor:
        for statement in REBUILD_STATEMENTS:
            cursor.execute(statement)
