"""An import of asset cards (资产导入) is itself a recorded object: who, when, which file, what it
found and what it wrote. The uploaded file is kept (storage API) so the user can download it
back with the bad cells marked, and so an auditor can see what was imported.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwucang.org.models import Region, Unit


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    VALIDATING = "validating", _("正在校验")
    VALIDATED = "validated", _("校验完成")
    REFUSED = "refused", _("文件被拒绝")
    COMMITTING = "committing", _("正在导入")
    COMMITTED = "committed", _("已导入")
    FAILED = "failed", _("导入未成功")
    INTERRUPTED = "interrupted", _("已中断")
    CANCELLED = "cancelled", _("已取消")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("全部正确才导入")
    VALID_ONLY = "valid_only", _("只导入正确的行")


BUSY_STATUSES = frozenset({ImportStatus.VALIDATING, ImportStatus.COMMITTING})


def import_upload_to(instance: AssetImport, filename: str) -> str:
    # A random stored name: the user's file name is kept in original_name, never in the path.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"imports/{timezone.now():%Y/%m}/{instance.token}.{ext}"


class AssetImport(models.Model):
    """One uploaded ledger file and what became of it: checked (dry run), then committed.

    Counts are those of the last check or of the commit. `errors` keeps the first
    SPREADSHEET_IMPORT_MAX_ERRORS_KEPT cell errors as [row, column, value, reason]; `changes`
    keeps a sample of the updates' before/after for the preview. Progress fields are written by
    the task (and read by the page every second).
    """

    token = models.CharField(max_length=32, unique=True, editable=False)
    number = models.CharField(_("导入编号"), max_length=32, unique=True, null=True, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="asset_imports", verbose_name=_("导入单位")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    file = models.FileField(_("文件"), upload_to=import_upload_to, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    size_bytes = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    file_format = models.CharField(_("格式"), max_length=8, blank=True)
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    sheet_name = models.CharField(_("工作表"), max_length=100, blank=True)
    mode = models.CharField(
        _("导入方式"), max_length=20, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING
    )

    status = models.CharField(
        _("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    stage = models.CharField(_("当前步骤"), max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    message = models.TextField(_("说明"), blank=True)

    rows_total = models.PositiveIntegerField(_("数据行"), default=0)
    rows_new = models.PositiveIntegerField(_("新增"), default=0)
    rows_update = models.PositiveIntegerField(_("更新"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    rows_error = models.PositiveIntegerField(_("有错误的行"), default=0)
    errors_total = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(default=list, blank=True)
    changes = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    columns = models.JSONField(default=list, blank=True)  # [header as in file, key or ""]
    validated_at = models.DateTimeField(_("校验时间"), null=True, blank=True)

    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入人"),
    )
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("已新增"), default=0)
    updated_count = models.PositiveIntegerField(_("已更新"), default=0)
    skipped_count = models.PositiveIntegerField(_("已跳过"), default=0)
    timings = models.JSONField(default=dict, blank=True)  # seconds per stage of the last run

    class Meta:
        verbose_name = _("资产导入")
        verbose_name_plural = _("资产导入")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "created_at"], name="assetimport_unit_time")]

    def __str__(self) -> str:
        return self.number or self.original_name

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.VALIDATED, ImportStatus.COMMITTED):
            return 100
        if not self.progress_total:
            return 0
        return min(99, int(self.progress_done * 100 / self.progress_total))

    @property
    def is_busy(self) -> bool:
        return self.status in BUSY_STATUSES

    @property
    def can_commit(self) -> bool:
        """Checked and something to write (with errors, only as "import only the valid rows")."""
        return self.status == ImportStatus.VALIDATED and bool(self.rows_new or self.rows_update)
