"""PostgreSQL: the search keys compare as bytes (COLLATE "C"); issue 5, the 1,000,000-row import.

The GIN index of `search_keys` (~70 keys per card) sorts each new card's keys and merges its
pending list by comparing texts. Under the database's collation every comparison goes through
strcoll (even C.UTF-8: PostgreSQL 15 treats only "C"/"POSIX" as byte order) after copying both
texts into NUL-terminated buffers; with COLLATE "C" it is one memcmp. Measured (a 100,000-row
.csv import, bench/import.py): the PostgreSQL backend's CPU 17.0 → 15.2 s. Nothing reads the
keys' order: the search asks `search_keys @> '{…}'::text[]` (equality of elements, the same
under any deterministic collation; the column's "C" wins over the literal's default collation,
so the GIN index still serves it — tests/test_search_keys.py checks the plan) and pg_stats.

The two triggers that name the column are dropped and recreated around the type change (as
0005/0008 made them). The table is not rewritten; the GIN index is rebuilt (a minute or two at
1,000,000 cards, under the migration's lock — run it with the upgrade, workers stopped); the
column's statistics, dropped by the type change, are gathered again at once.
SQLite: nothing to do.
"""

from django.db import migrations

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS assets_asset_search_keys_insert ON assets_asset;
DROP TRIGGER IF EXISTS assets_asset_search_keys_update ON assets_asset;
"""
CREATE_TRIGGERS = """
CREATE TRIGGER assets_asset_search_keys_insert BEFORE INSERT ON assets_asset
    FOR EACH ROW WHEN (coalesce(cardinality(NEW.search_keys), 0) = 0)
    EXECUTE FUNCTION assets_asset_fill_search_keys();
CREATE TRIGGER assets_asset_search_keys_update BEFORE UPDATE OF search_text ON assets_asset
    FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION assets_asset_fill_search_keys();
"""


def _collate(schema_editor, collation: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP_TRIGGERS, params=None)
    schema_editor.execute(
        f"ALTER TABLE assets_asset ALTER COLUMN search_keys TYPE text[] COLLATE {collation}", params=None
    )
    schema_editor.execute(CREATE_TRIGGERS, params=None)
    # A type change drops the column's statistics, from which the search chooses its plan
    # (assets.selectors.estimated_share): gather them again now, not at the next ANALYZE.
    schema_editor.execute("ANALYZE assets_asset (search_keys)", params=None)


def forward(apps, schema_editor):
    _collate(schema_editor, '"C"')


def backward(apps, schema_editor):
    _collate(schema_editor, '"default"')


class Migration(migrations.Migration):
    dependencies = [("assets", "0011_id_indexes_carry_acquired_on")]

    operations = [migrations.RunPython(forward, backward)]
