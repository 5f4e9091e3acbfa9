"""PostgreSQL: leave half of every page of assets_assetbook free, so the monthly posting's update of
accumulated depreciation and months charged is a HOT update (the new row version on the same page,
no index entry written).

Measured on 1,000,000 cards (564,029 charged): the posting's statement took 12.6 s with full pages
and 7.0 s with fillfactor 50 — the book row's two indexes were most of the cost. A storage setting
of the assets app's table for the accounting app's posting, so it lives here (like the triggers).
It applies to pages written from now on: an existing table converges after one posting and its
vacuum (or at once with VACUUM FULL assets_assetbook). SQLite has no such setting.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE assets_assetbook SET (fillfactor = 50)", params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE assets_assetbook RESET (fillfactor)", params=None)


class Migration(migrations.Migration):
    dependencies = [("accounting", "0003_entry_primary_key_period_first"), ("assets", "0003_ledger_append_only")]
    operations = [migrations.RunPython(forward, backward)]
