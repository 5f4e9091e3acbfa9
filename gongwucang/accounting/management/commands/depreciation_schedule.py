"""manage.py depreciation_schedule — the month-by-month schedule of one card, for checking by hand.

    manage.py depreciation_schedule --cost 5999.00 --life-months 72 --added 2026-03-15 \
        [--left 2027-06-05] [--format table|csv]

The same pure functions as the posting (assets.domain.depreciation); touches no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongwucang.assets.domain.depreciation import DepreciationInputError, schedule_from_yuan
from gongwucang.core.money import format_yuan


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(f"日期应写作 年-月-日，如 2026-03-15（收到的是 {text!r}）") from exc


class Command(BaseCommand):
    help = "按月列出一张资产卡片的折旧计划（年限平均法，无残值，当月增加当月计提），不读写数据库"
    requires_system_checks: list[str] = []  # a calculator: no database, no checks that might touch one

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cost", required=True, help="原值（元），如 5999.00")
        parser.add_argument("--life-months", required=True, type=int, help="使用年限（月），如 72")
        parser.add_argument("--added", required=True, help="入账日期，如 2026-03-15")
        parser.add_argument("--left", default=None, help="减少日期（处置、调出），如 2027-06-05")
        parser.add_argument("--format", choices=["table", "csv"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        added = _date(options["added"])
        left = _date(options["left"]) if options["left"] else None
        try:
            rows = schedule_from_yuan(
                cost=options["cost"], life_months=options["life_months"], added=added, left=left
            )
        except DepreciationInputError as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "csv":
            writer = csv.writer(self.stdout if self.stdout else sys.stdout, lineterminator="\n")
            writer.writerow(["period", "amount", "accumulated", "net"])
            for row in rows:
                writer.writerow([row.period, f"{row.amount:.2f}", f"{row.accumulated:.2f}", f"{row.net:.2f}"])
            return
        self.stdout.write(f"{'期间':<8}{'本期折旧':>14}{'累计折旧':>16}{'净值':>16}")
        for row in rows:
            self.stdout.write(
                f"{row.period:<10}{format_yuan(row.amount_fen, symbol=False):>16}"
                f"{format_yuan(row.accumulated_fen, symbol=False):>18}"
                f"{format_yuan(row.net_fen, symbol=False):>18}"
            )
        total = sum(r.amount_fen for r in rows)
        if rows:
            self.stdout.write(
                f"共 {len(rows)} 个月，{rows[0].period} 至 {rows[-1].period}，合计 {format_yuan(total)}"
            )
        else:
            self.stdout.write("这段时间不计提折旧")
