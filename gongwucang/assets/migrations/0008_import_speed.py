"""Cheaper writes of many cards (issue 5, the 1,000,000-row import).

1. PostgreSQL: the search-keys insert trigger fires only when the writer left the keys empty
   (every ORM insert does: search_keys is not a model field, its default is '{}'). The bulk
   importer supplies the keys itself, computed by assets.domain.search_keys.search_grams — the
   twin of gwc_search_keys, held equal by tests — and so skips 1,000,000 PL/pgSQL calls. A card
   whose search text has no token at all gets '{}' either way.
2. Both vendors: three indexes nothing reads are dropped (each costs every insert):
   - the foreign-key index on category_id alone: `asset_category_id (category_id, id)` starts with
     the same column and serves every filter and FK check of it;
   - the foreign-key index on department_id alone: likewise `asset_department_id (department_id, id)`;
   - PostgreSQL's `assets_asset_asset_no_*_like` (varchar_pattern_ops), made by Django for a unique
     CharField: it serves only LIKE 'prefix%' on asset_no, which no query runs (the search reads
     search_text / search_keys; lists compare asset_no with =, IN and the keyset's <, >, which the
     unique index serves).
   No table is rebuilt on SQLite (DROP INDEX only), so the counter and accounting triggers stay.
"""

from django.db import migrations, models

PG_TRIGGER_FORWARD = """
DROP TRIGGER IF EXISTS assets_asset_search_keys_insert ON assets_asset;
CREATE TRIGGER assets_asset_search_keys_insert BEFORE INSERT ON assets_asset
    FOR EACH ROW WHEN (coalesce(cardinality(NEW.search_keys), 0) = 0)
    EXECUTE FUNCTION assets_asset_fill_search_keys();
"""
PG_TRIGGER_BACKWARD = """
DROP TRIGGER IF EXISTS assets_asset_search_keys_insert ON assets_asset;
CREATE TRIGGER assets_asset_search_keys_insert BEFORE INSERT ON assets_asset
    FOR EACH ROW EXECUTE FUNCTION assets_asset_fill_search_keys();
"""

TABLE = "assets_asset"


def _single_column_indexes(schema_editor, column: str) -> list[str]:
    """Names of the plain (not unique, not primary) indexes of assets_asset on `column` alone."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info.get("index")
        and not info.get("unique")
        and not info.get("primary_key")
        and info.get("columns") == [column]
        and info.get("type") in (None, "btree", "idx")
    ]


def _like_indexes(schema_editor) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
            [TABLE, "assets_asset_asset_no_%_like"],
        )
        return [name for (name,) in cursor.fetchall()]


def forward(apps, schema_editor):
    quote = schema_editor.quote_name
    for column in ("category_id", "department_id"):
        for name in _single_column_indexes(schema_editor, column):
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
    if schema_editor.connection.vendor == "postgresql":
        for name in _like_indexes(schema_editor):
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
        schema_editor.execute(PG_TRIGGER_FORWARD, params=None)


def backward(apps, schema_editor):
    quote = schema_editor.quote_name
    for column in ("category_id", "department_id"):
        if not _single_column_indexes(schema_editor, column):
            name = f"assets_asset_{column}_i5"
            schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(TABLE)} ({quote(column)})")
    if schema_editor.connection.vendor == "postgresql":
        if not _like_indexes(schema_editor):
            schema_editor.execute(
                'CREATE INDEX "assets_asset_asset_no_i5_like" ON "assets_asset" '
                '("asset_no" varchar_pattern_ops)',
                params=None,
            )
        schema_editor.execute(PG_TRIGGER_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("assets", "0007_event_type_loan_requested")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="asset",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="assets",
                        to="assets.category",
                        verbose_name="资产分类",
                    ),
                ),
                migrations.AlterField(
                    model_name="asset",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="assets",
                        to="org.department",
                        verbose_name="使用部门",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
