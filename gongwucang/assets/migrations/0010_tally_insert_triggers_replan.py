"""PostgreSQL: the counters' insert triggers plan their query afresh on every statement.

A PL/pgSQL function keeps the plan of a query without parameters for the whole session. The
tally triggers of cards and book rows (migration 0005) join the statement's new rows with the
other table; planned on the first statement of a bulk import, while that table is still small,
the plan is a hash join over a sequential scan of it — and it is kept while the table grows. A
1,000,000-card import (200 COPY statements of 5,000 cards each) then read the whole growing
card table once per statement: the book rows' COPY took 78 s instead of ~8 (bench/import.py).
With EXECUTE the query is planned each time (a fraction of a millisecond per statement) and
uses the primary-key index. Same SQL, same counts; SQLite's row triggers are unchanged.
"""

from django.db import migrations

UPSERT = """
    INSERT INTO assets_assettally
        (owner_unit_id, region_id, status, cards, original_value_fen, accumulated_depreciation_fen)
    SELECT owner_unit_id, min(region_id), status, sum(dc), sum(dov), sum(dacc)
    FROM ({deltas}) AS d(owner_unit_id, region_id, status, dc, dov, dacc)
    GROUP BY owner_unit_id, status
    HAVING sum(dc) <> 0 OR sum(dov) <> 0 OR sum(dacc) <> 0
    ORDER BY owner_unit_id, status
    ON CONFLICT (owner_unit_id, status) DO UPDATE SET
        cards = assets_assettally.cards + EXCLUDED.cards,
        original_value_fen = assets_assettally.original_value_fen + EXCLUDED.original_value_fen,
        accumulated_depreciation_fen =
            assets_assettally.accumulated_depreciation_fen + EXCLUDED.accumulated_depreciation_fen
"""
DELTAS = {
    "asset_insert": """
        SELECT n.owner_unit_id, n.region_id, n.status, 1 AS dc,
               coalesce(b.original_value_fen, 0) AS dov, coalesce(b.accumulated_depreciation_fen, 0) AS dacc
        FROM new_rows n LEFT JOIN assets_assetbook b ON b.asset_id = n.id""",
    "book_insert": """
        SELECT a.owner_unit_id, a.region_id, a.status, 0, n.original_value_fen, n.accumulated_depreciation_fen
        FROM new_rows n JOIN assets_asset a ON a.id = n.asset_id""",
}


def _function(name: str, dynamic: bool) -> str:
    body = UPSERT.format(deltas=DELTAS[name])
    statement = f"EXECUTE $sql${body}$sql$;" if dynamic else f"{body};"
    return f"""
CREATE OR REPLACE FUNCTION assets_tally_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {statement}
    RETURN NULL;
END;
$$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in DELTAS:
            schema_editor.execute(_function(name, dynamic=True), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in DELTAS:
            schema_editor.execute(_function(name, dynamic=False), params=None)


class Migration(migrations.Migration):
    dependencies = [("assets", "0009_event_asset_index")]
    operations = [migrations.RunPython(forward, backward)]
