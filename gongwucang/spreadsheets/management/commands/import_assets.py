"""manage.py import_assets FILE --unit CODE [--user NAME] [--dry-run] [--valid-only]

Imports an asset ledger from the shell, exactly as the screen does (same checks, same single
transaction, an AssetImport record), with a progress bar on the terminal.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from gongwucang.assets.exceptions import AssetNotWritable
from gongwucang.org.models import Membership, Unit, User

from ...models import ImportMode, ImportStatus
from ...services import (
    asset_import_check,
    asset_import_commit,
    asset_import_upload,
    asset_imports_recover_stale,
)


class Command(BaseCommand):
    help = "从 Excel/CSV 文件导入资产卡片（与网页导入相同的检查，一个事务写入）"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        parser.add_argument("--unit", required=True, help="导入到的单位编码")
        parser.add_argument("--user", help="以哪个资产管理员的身份导入（默认该单位的第一个资产管理员）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--valid-only", action="store_true", help="只导入正确的行（默认全部正确才导入）")

    def _bar(self, done: int, total: int, stage: str) -> None:
        width = 30
        if total:
            filled = int(width * min(done, total) / total)
            text = f"\r{stage} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} 行"
        else:
            text = f"\r{stage} {done:,} 行"
        self.stderr.write(text.ljust(shutil.get_terminal_size((80, 20)).columns - 1), ending="")
        self.stderr.flush()

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            unit = Unit.objects.get(code=options["unit"])
        except Unit.DoesNotExist as exc:
            raise CommandError(f"没有编码为 {options['unit']} 的单位") from exc
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户 {options['user']}")
        else:
            membership = (
                Membership.objects.filter(unit=unit, role="asset_clerk").select_related("user").first()
            )
            if membership is None:
                raise CommandError("该单位没有资产管理员，请用 --user 指定")
            actor = membership.user
        recovered = asset_imports_recover_stale()
        if recovered:
            self.stdout.write(f"已将 {recovered} 个中断的导入标记为“已中断”（其未完成的写入已被数据库撤销）")
        started = time.perf_counter()
        with path.open("rb") as handle:
            upload = File(handle, name=path.name)
            upload.size = path.stat().st_size
            try:
                job = asset_import_upload(actor=actor, unit=unit, uploaded=upload)  # type: ignore[arg-type]
            except (AssetNotWritable, ValidationError) as exc:
                raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"导入编号 {job.number}（{unit}，{actor}）")
        job = asset_import_check(import_id=job.pk, on_progress=self._bar)
        self.stderr.write("")
        if job.status == ImportStatus.REFUSED:
            raise CommandError(job.message)
        self.stdout.write(
            f"检查完成：{job.rows_total:,} 行，新增 {job.rows_new:,}，更新 {job.rows_update:,}，"
            f"无变化 {job.rows_unchanged:,}，有错误 {job.rows_error:,} 行"
        )
        for row, column, value, reason in job.errors[:20]:
            self.stdout.write(f"  第 {row} 行「{column}」「{value}」：{reason}")
        if options["dry_run"]:
            return
        mode = ImportMode.VALID_ONLY if options["valid_only"] else ImportMode.ALL_OR_NOTHING
        if job.rows_error and mode == ImportMode.ALL_OR_NOTHING:
            raise CommandError("文件中有错误，未导入。改正后重试，或加 --valid-only 只导入正确的行")
        job = asset_import_commit(actor=actor, import_id=job.pk, mode=mode, on_progress=self._bar)
        self.stderr.write("")
        if job.status != ImportStatus.COMMITTED:
            raise CommandError(job.message or job.get_status_display())
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入：新增 {job.created_count:,}，更新 {job.updated_count:,}，"
                f"跳过 {job.skipped_count:,}；用时 {time.perf_counter() - started:.1f} 秒 {job.timings}"
            )
        )
        sys.stdout.flush()
