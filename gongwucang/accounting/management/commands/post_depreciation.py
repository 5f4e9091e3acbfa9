"""manage.py post_depreciation — post a month's depreciation (the same service as finance's button).

    manage.py post_depreciation --period 2026-11 [--region 330182101] [--catch-up] [--user finance]
    manage.py post_depreciation --opening --period 2026-10 [--from 2026-01] --region …   (go-live)

Each month is one transaction: all of its entries and book values, or nothing. Posting a month
again changes nothing unless cards were added since. The run is recorded like a click (a posting
request with its runs); without --user the actor is the system.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongwucang.accounting.domain.periods import RequestStatus
from gongwucang.accounting.models import PostingRequest
from gongwucang.accounting.services import (
    AccountingNotAllowed,
    months_to_post,
    periods_open_books,
    posting_request_run,
)
from gongwucang.assets.domain.depreciation import DepreciationInputError, month_label, parse_month
from gongwucang.core.money import format_yuan
from gongwucang.org.models import Region, User


class Command(BaseCommand):
    help = "计提某月的折旧（每月一个事务；重复执行不会重复计提；--catch-up 依次补提此前未计提的月份）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="会计期间，如 2026-11")
        parser.add_argument("--region", default=None, help="区划代码；不填则依次处理每个区域")
        parser.add_argument("--catch-up", action="store_true", help="依次补提此前所有未计提的月份")
        parser.add_argument("--user", default=None, help="以该财政人员的名义计提（默认：系统）")
        parser.add_argument(
            "--opening",
            action="store_true",
            help="上线时使用：把 --from 至 --period 设为已结账的期初期间（折旧已含在期初累计折旧中）",
        )
        parser.add_argument(
            "--from", dest="first", default=None, help="期初期间的第一个月（与 --opening 一起用）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = parse_month(options["period"])
            first = parse_month(options["first"]) if options["first"] else month
        except DepreciationInputError as exc:
            raise CommandError(str(exc)) from exc
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户 {options['user']}")
        regions = Region.objects.order_by("code")
        if options["region"]:
            regions = regions.filter(code=options["region"])
            if not regions.exists():
                raise CommandError(f"没有区划代码为 {options['region']} 的区域")
        failed = False
        for region in regions:
            if options["opening"]:
                try:
                    periods = periods_open_books(actor=actor, region=region, first=first, last=month)
                except (ValidationError, AccountingNotAllowed) as exc:
                    raise CommandError(
                        f"{region.name}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}"
                    ) from exc
                self.stdout.write(
                    f"{region.name}：期初期间 {month_label(first)} 至 {month_label(month)}，"
                    f"共 {len(periods)} 个月"
                )
                continue
            failed |= not self._post(region, month, options["catch_up"], actor)
        if failed:
            raise CommandError("有区域计提未完成（见上）；失败的月份没有写入任何数据")

    def _post(self, region: Region, month: Any, catch_up: bool, actor: User | None) -> bool:
        try:
            months = months_to_post(region=region, month=month, catch_up=catch_up)
        except ValidationError as exc:
            self.stderr.write(f"{region.name}：{'；'.join(exc.messages)}")
            return False
        request = PostingRequest.objects.create(
            region=region,
            month=month,
            catch_up=catch_up,
            requested_by=actor,
            months_total=len(months),
            message="命令行 post_depreciation",
        )
        request = posting_request_run(request_id=request.pk)
        for run in request.runs.select_related("period").order_by("period__month", "started_at"):
            self.stdout.write(
                f"{region.name} {run.period.label}：{run.cards} 张卡片，{format_yuan(run.total_fen)}"
                f"{'（补充计提）' if run.is_supplementary else ''}"
            )
        if request.status != RequestStatus.SUCCEEDED:
            self.stderr.write(f"{region.name}：{request.error}")
            return False
        self.stdout.write(f"{region.name}：{request.message}")
        return True
