"""Load the default approval flows (DOMAIN.md §4) where a type has none yet."""

from django.db import migrations

from gongwucang.workflow.domain.default_flows import DEFAULT_FLOWS


def load(apps, schema_editor):
    ApprovalFlow = apps.get_model("workflow", "ApprovalFlow")
    ApprovalStep = apps.get_model("workflow", "ApprovalStep")
    for order_type, (name, steps) in DEFAULT_FLOWS.items():
        if ApprovalFlow.objects.filter(order_type=order_type).exists():
            continue
        flow = ApprovalFlow.objects.create(order_type=order_type, name=name)
        for seq, step_name, role, scope, threshold, prefixes, cross in steps:
            ApprovalStep.objects.create(flow=flow, seq=seq, name=step_name, role=role, scope=scope,
                                        min_total_value_fen=threshold, category_prefixes=prefixes,
                                        when_cross_department=cross)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
