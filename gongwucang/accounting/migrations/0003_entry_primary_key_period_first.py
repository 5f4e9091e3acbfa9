"""Entries keyed (period, asset) instead of (asset, period).

A month's posting inserts one entry per card in card order. Keyed by card first, every new key
lands next to that card's older entries — after two years a posting dirtied every leaf page of the
primary key (hundreds of MB and their WAL). Keyed by period first, a month's keys are appended at
the right edge of the index. A card's own entries are read by (period, asset) for the region's
periods (a handful of index seeks).

Django does not alter a composite primary key by itself, so the database part is written here:
PostgreSQL swaps the constraint; SQLite rebuilds the table (which drops its triggers: they are
created again at once, and after every migrate by AccountingConfig).
"""

from django.db import migrations, models

from gongwucang.accounting import triggers

SQLITE = [
    """CREATE TABLE "accounting_depreciationentry_new" ("method" varchar(25) NOT NULL,
    "amount_fen" bigint NOT NULL, "original_value_fen" bigint NOT NULL, "accumulated_after_fen" bigint NOT NULL,
    "workload" bigint NULL, "asset_id" bigint NOT NULL, "category_id" bigint NOT NULL, "unit_id" bigint NOT NULL,
    "run_id" bigint NOT NULL, "period_id" bigint NOT NULL,
    CONSTRAINT "entry_amount_non_negative" CHECK ("amount_fen" >= 0),
    CONSTRAINT "entry_accumulated_not_above_original" CHECK ("accumulated_after_fen" <= ("original_value_fen")),
    PRIMARY KEY ("{first}", "{second}"))""",
    """INSERT INTO "accounting_depreciationentry_new" ("method", "amount_fen", "original_value_fen",
    "accumulated_after_fen", "workload", "asset_id", "category_id", "unit_id", "run_id", "period_id")
    SELECT "method", "amount_fen", "original_value_fen", "accumulated_after_fen", "workload", "asset_id",
    "category_id", "unit_id", "run_id", "period_id" FROM accounting_depreciationentry""",
    'DROP TABLE "accounting_depreciationentry"',
    'ALTER TABLE "accounting_depreciationentry_new" RENAME TO "accounting_depreciationentry"',
    'CREATE INDEX "entry_period_unit" ON "accounting_depreciationentry" ("period_id", "unit_id")',
]
PG = """
ALTER TABLE accounting_depreciationentry DROP CONSTRAINT accounting_depreciationentry_pkey;
ALTER TABLE accounting_depreciationentry ADD CONSTRAINT accounting_depreciationentry_pkey
    PRIMARY KEY ({first}, {second});
"""


def _swap(schema_editor, first: str, second: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG.format(first=first, second=second), params=None)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement.format(first=first, second=second), params=None)
        for statement in triggers.SQLITE_FORWARD:  # idempotent: the entry table's triggers come back
            schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _swap(schema_editor, "period_id", "asset_id")


def backward(apps, schema_editor):
    _swap(schema_editor, "asset_id", "period_id")


class Migration(migrations.Migration):
    dependencies = [("accounting", "0002_closed_periods_refuse_changes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="depreciationentry",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "period_id", "asset_id", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
