"""Search keys (PostgreSQL) and the maintained counters of cards and book values (both vendors).

1. PostgreSQL: `assets_asset.search_keys text[]` holds the distinct 1-, 2- and 3-character grams
   of each space-separated token of `search_text` (SQL function gwc_search_keys, the twin of
   assets.domain.search_keys.search_grams), kept by a BEFORE trigger and indexed with GIN. The
   column is not a model field: only the search selector reads it, and every writer (services,
   imports, COPY) gets it right because the database fills it. SQLite searches `search_text`
   with LIKE (fast enough for the embedded mode's 100,000 cards).
2. Both vendors: assets_assettally (cards, original value, accumulated depreciation per owner
   unit and status) kept exact by triggers on assets_asset and assets_assetbook — statement
   triggers with transition tables on PostgreSQL (one upsert per statement, even for a monthly
   depreciation run of a million rows), row triggers on SQLite.
"""

from django.db import migrations

PG_SEARCH_FORWARD = """
CREATE OR REPLACE FUNCTION gwc_search_keys(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(tok, i, n)), '{}')
    FROM unnest(string_to_array(coalesce(t, ''), ' ')) AS tok,
         generate_series(1, 3) AS n,
         generate_series(1, length(tok) - n + 1) AS i
$$;
ALTER TABLE assets_asset ADD COLUMN IF NOT EXISTS search_keys text[] NOT NULL DEFAULT '{}';
UPDATE assets_asset SET search_keys = gwc_search_keys(search_text);
CREATE OR REPLACE FUNCTION assets_asset_fill_search_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_keys := gwc_search_keys(NEW.search_text);
    RETURN NEW;
END;
$$;
CREATE TRIGGER assets_asset_search_keys_insert BEFORE INSERT ON assets_asset
    FOR EACH ROW EXECUTE FUNCTION assets_asset_fill_search_keys();
CREATE TRIGGER assets_asset_search_keys_update BEFORE UPDATE OF search_text ON assets_asset
    FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION assets_asset_fill_search_keys();
CREATE INDEX IF NOT EXISTS asset_search_keys_gin ON assets_asset USING gin (search_keys);
"""
PG_SEARCH_BACKWARD = """
DROP TRIGGER IF EXISTS assets_asset_search_keys_insert ON assets_asset;
DROP TRIGGER IF EXISTS assets_asset_search_keys_update ON assets_asset;
DROP FUNCTION IF EXISTS assets_asset_fill_search_keys();
ALTER TABLE assets_asset DROP COLUMN IF EXISTS search_keys;
DROP FUNCTION IF EXISTS gwc_search_keys(text);
"""

# One upsert of signed deltas, in key order (a stable lock order between concurrent writers).
PG_UPSERT = """
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
            assets_assettally.accumulated_depreciation_fen + EXCLUDED.accumulated_depreciation_fen;
"""
PG_DELTAS = {
    "asset_insert": """
        SELECT n.owner_unit_id, n.region_id, n.status, 1 AS dc,
               coalesce(b.original_value_fen, 0) AS dov, coalesce(b.accumulated_depreciation_fen, 0) AS dacc
        FROM new_rows n LEFT JOIN assets_assetbook b ON b.asset_id = n.id""",
    "asset_delete": """
        SELECT o.owner_unit_id, o.region_id, o.status, -1,
               -coalesce(b.original_value_fen, 0), -coalesce(b.accumulated_depreciation_fen, 0)
        FROM old_rows o LEFT JOIN assets_assetbook b ON b.asset_id = o.id""",
    "asset_update": """
        SELECT o.owner_unit_id, o.region_id, o.status, -1,
               -coalesce(b.original_value_fen, 0), -coalesce(b.accumulated_depreciation_fen, 0)
        FROM old_rows o JOIN new_rows n ON n.id = o.id LEFT JOIN assets_assetbook b ON b.asset_id = o.id
        WHERE (o.owner_unit_id, o.status, o.region_id) IS DISTINCT FROM (n.owner_unit_id, n.status, n.region_id)
        UNION ALL
        SELECT n.owner_unit_id, n.region_id, n.status, 1,
               coalesce(b.original_value_fen, 0), coalesce(b.accumulated_depreciation_fen, 0)
        FROM old_rows o JOIN new_rows n ON n.id = o.id LEFT JOIN assets_assetbook b ON b.asset_id = n.id
        WHERE (o.owner_unit_id, o.status, o.region_id) IS DISTINCT FROM (n.owner_unit_id, n.status, n.region_id)""",
    "book_insert": """
        SELECT a.owner_unit_id, a.region_id, a.status, 0, n.original_value_fen, n.accumulated_depreciation_fen
        FROM new_rows n JOIN assets_asset a ON a.id = n.asset_id""",
    "book_delete": """
        SELECT a.owner_unit_id, a.region_id, a.status, 0, -o.original_value_fen, -o.accumulated_depreciation_fen
        FROM old_rows o JOIN assets_asset a ON a.id = o.asset_id""",
    "book_update": """
        SELECT a.owner_unit_id, a.region_id, a.status, 0,
               n.original_value_fen - o.original_value_fen,
               n.accumulated_depreciation_fen - o.accumulated_depreciation_fen
        FROM old_rows o JOIN new_rows n ON n.asset_id = o.asset_id JOIN assets_asset a ON a.id = n.asset_id
        WHERE n.original_value_fen <> o.original_value_fen
           OR n.accumulated_depreciation_fen <> o.accumulated_depreciation_fen""",
}
PG_TRIGGERS = [
    # (name, table, event, referencing)
    ("asset_insert", "assets_asset", "INSERT", "NEW TABLE AS new_rows"),
    ("asset_delete", "assets_asset", "DELETE", "OLD TABLE AS old_rows"),
    ("asset_update", "assets_asset", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("book_insert", "assets_assetbook", "INSERT", "NEW TABLE AS new_rows"),
    ("book_delete", "assets_assetbook", "DELETE", "OLD TABLE AS old_rows"),
    ("book_update", "assets_assetbook", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
]

REBUILD = """
DELETE FROM assets_assettally;
INSERT INTO assets_assettally
    (owner_unit_id, region_id, status, cards, original_value_fen, accumulated_depreciation_fen)
SELECT a.owner_unit_id, min(a.region_id), a.status, count(*),
       coalesce(sum(b.original_value_fen), 0), coalesce(sum(b.accumulated_depreciation_fen), 0)
FROM assets_asset a LEFT JOIN assets_assetbook b ON b.asset_id = a.id
GROUP BY a.owner_unit_id, a.status;
"""


def pg_tally_forward() -> str:
    parts = []
    for name, table, event, referencing in PG_TRIGGERS:
        body = PG_UPSERT.format(deltas=PG_DELTAS[name])
        parts.append(f"""
CREATE OR REPLACE FUNCTION assets_tally_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{body}
    RETURN NULL;
END;
$$;
CREATE TRIGGER assets_tally_{name} AFTER {event} ON {table}
    REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION assets_tally_{name}();
""")
    return "\n".join(parts)


def pg_tally_backward() -> str:
    return "\n".join(
        f"DROP TRIGGER IF EXISTS assets_tally_{name} ON {table}; DROP FUNCTION IF EXISTS assets_tally_{name}();"
        for name, table, _event, _ref in PG_TRIGGERS
    )


# SQLite: row triggers. Increments upsert; decrements only update an existing row, so that the
# test runner's flush (DELETE FROM every table, in any order) leaves no stray counter rows.
SQLITE_ADD = """
    INSERT INTO assets_assettally
        (owner_unit_id, region_id, status, cards, original_value_fen, accumulated_depreciation_fen)
    SELECT {unit}, {region}, {status}, {dc}, {dov}, {dacc} {from_where}
    ON CONFLICT (owner_unit_id, status) DO UPDATE SET
        cards = cards + excluded.cards,
        original_value_fen = original_value_fen + excluded.original_value_fen,
        accumulated_depreciation_fen = accumulated_depreciation_fen + excluded.accumulated_depreciation_fen;
"""
SQLITE_SUB = """
    UPDATE assets_assettally SET cards = cards - ({dc}), original_value_fen = original_value_fen - ({dov}),
        accumulated_depreciation_fen = accumulated_depreciation_fen - ({dacc})
    WHERE owner_unit_id = {unit} AND status = {status};
"""
BOOK_OV = "coalesce((SELECT original_value_fen FROM assets_assetbook WHERE asset_id = {row}.id), 0)"
BOOK_ACC = "coalesce((SELECT accumulated_depreciation_fen FROM assets_assetbook WHERE asset_id = {row}.id), 0)"


def sqlite_tally_forward() -> list[str]:
    def add(row: str) -> str:
        return SQLITE_ADD.format(unit=f"{row}.owner_unit_id", region=f"{row}.region_id", status=f"{row}.status",
                                 dc=1, dov=BOOK_OV.format(row=row), dacc=BOOK_ACC.format(row=row),
                                 from_where="WHERE true")

    def sub(row: str) -> str:
        return SQLITE_SUB.format(unit=f"{row}.owner_unit_id", status=f"{row}.status", dc=1,
                                 dov=BOOK_OV.format(row=row), dacc=BOOK_ACC.format(row=row))

    book_from = "FROM assets_asset a WHERE a.id = {row}.asset_id"
    return [
        f"CREATE TRIGGER assets_tally_asset_insert AFTER INSERT ON assets_asset BEGIN {add('NEW')} END;",
        f"CREATE TRIGGER assets_tally_asset_delete AFTER DELETE ON assets_asset BEGIN {sub('OLD')} END;",
        "CREATE TRIGGER assets_tally_asset_update AFTER UPDATE OF owner_unit_id, status, region_id ON assets_asset "
        "WHEN OLD.owner_unit_id IS NOT NEW.owner_unit_id OR OLD.status IS NOT NEW.status "
        f"OR OLD.region_id IS NOT NEW.region_id BEGIN {sub('OLD')} {add('NEW')} END;",
        "CREATE TRIGGER assets_tally_book_insert AFTER INSERT ON assets_assetbook BEGIN "
        + SQLITE_ADD.format(unit="a.owner_unit_id", region="a.region_id", status="a.status", dc=0,
                            dov="NEW.original_value_fen", dacc="NEW.accumulated_depreciation_fen",
                            from_where=book_from.format(row="NEW"))
        + " END;",
        "CREATE TRIGGER assets_tally_book_delete AFTER DELETE ON assets_assetbook BEGIN "
        "UPDATE assets_assettally SET original_value_fen = original_value_fen - OLD.original_value_fen, "
        "accumulated_depreciation_fen = accumulated_depreciation_fen - OLD.accumulated_depreciation_fen "
        "WHERE (owner_unit_id, status) = (SELECT a.owner_unit_id, a.status FROM assets_asset a "
        "WHERE a.id = OLD.asset_id); END;",
        "CREATE TRIGGER assets_tally_book_update AFTER UPDATE OF original_value_fen, accumulated_depreciation_fen "
        "ON assets_assetbook WHEN OLD.original_value_fen IS NOT NEW.original_value_fen "
        "OR OLD.accumulated_depreciation_fen IS NOT NEW.accumulated_depreciation_fen BEGIN "
        "UPDATE assets_assettally SET "
        "original_value_fen = original_value_fen + NEW.original_value_fen - OLD.original_value_fen, "
        "accumulated_depreciation_fen = accumulated_depreciation_fen + NEW.accumulated_depreciation_fen "
        "- OLD.accumulated_depreciation_fen "
        "WHERE (owner_unit_id, status) = (SELECT a.owner_unit_id, a.status FROM assets_asset a "
        "WHERE a.id = NEW.asset_id); END;",
    ]


SQLITE_TRIGGER_NAMES = [f"assets_tally_{name}" for name, *_rest in PG_TRIGGERS]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_SEARCH_FORWARD, params=None)
        schema_editor.execute(pg_tally_forward(), params=None)
        schema_editor.execute(REBUILD, params=None)
    elif vendor == "sqlite":
        for statement in sqlite_tally_forward():
            schema_editor.execute(statement)
        for statement in REBUILD.strip().split(";\n"):
            if statement.strip():
                schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(pg_tally_backward(), params=None)
        schema_editor.execute(PG_SEARCH_BACKWARD, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("assets", "0004_performance")]
    operations = [migrations.RunPython(forward, backward)]
