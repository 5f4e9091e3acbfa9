"""The ledger's foreign-key index on asset_id alone is dropped (issue 5: every imported card writes
one ledger row, and each index costs every row): `assetevent_asset_time (asset_id, occurred_at, id)`
starts with the same column and serves every read of a card's events and the FK checks. DROP INDEX
only — no table is rebuilt on SQLite, so the append-only trigger stays."""

from django.db import migrations, models

TABLE = "assets_assetevent"


def _asset_id_indexes(schema_editor) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info.get("index")
        and not info.get("unique")
        and not info.get("primary_key")
        and info.get("columns") == ["asset_id"]
    ]


def forward(apps, schema_editor):
    for name in _asset_id_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def backward(apps, schema_editor):
    if not _asset_id_indexes(schema_editor):
        schema_editor.execute(f'CREATE INDEX "assets_assetevent_asset_id_i5" ON "{TABLE}" ("asset_id")')


class Migration(migrations.Migration):
    dependencies = [("assets", "0008_import_speed")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="assetevent",
                    name="asset",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="events",
                        to="assets.asset",
                        verbose_name="资产",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
