"""The database itself refuses changes dated in a closed period (结账), and keeps entries
append-only. The SQL lives in gongwucang/accounting/triggers.py (see there for what and why)."""

from django.db import migrations

from gongwucang.accounting import triggers


def forward(apps, schema_editor):
    triggers.create(schema_editor)


def backward(apps, schema_editor):
    triggers.drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("accounting", "0001_initial"), ("assets", "0003_ledger_append_only")]
    operations = [migrations.RunPython(forward, backward)]
