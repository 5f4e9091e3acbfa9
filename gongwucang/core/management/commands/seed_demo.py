"""manage.py seed_demo — create the demo town (once): units, people, roles, cards and more.

Reproducible: the same --seed gives the same region. If the demo region exists, nothing is done.
"""

import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gongwucang.core.demo import DEMO_PASSWORD, DEMO_REGION_CODE, DemoContext, demo_modules
from gongwucang.org.models import Region

# The 公物仓's demo orders pick idle cards of particular units (warehouse/demo.py); with fewer
# cards some units have too few idle ones and seeding stopped with an error (1,000 did; the
# transaction left nothing behind).
MIN_CARDS = 2000


class Command(BaseCommand):
    help = "创建演示区域（青山镇）：单位、人员、角色、资产卡片等；已存在则跳过"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--cards", type=int, default=MIN_CARDS)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["cards"] < MIN_CARDS:
            raise CommandError(
                f"演示区域至少需要 {MIN_CARDS} 张资产卡片（公物仓的演示单据要用各单位的闲置资产）"
            )
        if Region.objects.filter(code=DEMO_REGION_CODE).exists():
            self.stdout.write("演示区域已存在，跳过生成。")
        else:
            ctx = DemoContext(
                rng=random.Random(options["seed"]), cards=options["cards"], log=self.stdout.write
            )
            with transaction.atomic():
                for module in demo_modules():
                    self.stdout.write(f"· {module.__name__}")
                    module.seed(ctx)
            self.stdout.write(self.style.SUCCESS("演示区域已生成。"))
        self.print_logins()

    def print_logins(self) -> None:
        from gongwucang.org.demo import DEMO_PERSONAS

        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, description in DEMO_PERSONAS:
            self.stdout.write(f"  {username:<14} {description}")
