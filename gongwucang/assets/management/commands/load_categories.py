"""manage.py load_categories — load or refresh the category tree from data/reference/."""

from pathlib import Path

from django.core.management.base import BaseCommand

from gongwucang.assets.categories import REFERENCE_DIR, categories_load


class Command(BaseCommand):
    help = "从参考表加载或更新资产分类（可重复运行，按代码就地更新）"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--categories", type=Path, default=REFERENCE_DIR / "categories.csv")
        parser.add_argument("--years", type=Path, default=REFERENCE_DIR / "depreciation_years.csv")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        result = categories_load(categories_csv=options["categories"], years_csv=options["years"])
        self.stdout.write(
            self.style.SUCCESS(
                f"资产分类：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
            )
        )
