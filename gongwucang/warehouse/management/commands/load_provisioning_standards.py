"""manage.py load_provisioning_standards — load or refresh the configuration standards (配置标准)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from gongwucang.warehouse.standards import DEFAULT_PATH, standards_load


class Command(BaseCommand):
    help = "从 data/reference/provisioning_standards.csv 导入（或更新）配置标准"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--path", default=str(DEFAULT_PATH))

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        count = standards_load(Path(options["path"]))
        self.stdout.write(self.style.SUCCESS(f"已导入配置标准 {count} 条"))
