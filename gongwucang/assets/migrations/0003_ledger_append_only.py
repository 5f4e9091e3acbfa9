"""The database itself refuses to change or delete ledger rows (AssetEvent is append-only).

PostgreSQL: a row trigger refuses UPDATE and DELETE (TRUNCATE, a maintenance operation, is left
to the database owner). SQLite: a trigger refuses UPDATE; DELETE is refused by the code paths
(model, queryset, admin) and by PROTECT foreign keys, because SQLite has no way to tell the test
runner's flush from a real delete.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION assets_assetevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'asset ledger (assets_assetevent) is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER assets_assetevent_append_only
    BEFORE UPDATE OR DELETE ON assets_assetevent
    FOR EACH ROW EXECUTE FUNCTION assets_assetevent_refuse_change();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS assets_assetevent_append_only ON assets_assetevent;
DROP FUNCTION IF EXISTS assets_assetevent_refuse_change();
"""
SQLITE_FORWARD = """
CREATE TRIGGER assets_assetevent_no_update BEFORE UPDATE ON assets_assetevent
BEGIN
    SELECT RAISE(ABORT, 'asset ledger (assets_assetevent) is append-only: UPDATE refused');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS assets_assetevent_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("assets", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
