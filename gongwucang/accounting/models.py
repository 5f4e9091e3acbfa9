"""Accounting: periods (会计期间), depreciation entries (折旧明细), posting runs and their progress.

Money is integer fen. The cards' book values stay in assets.AssetBook; this app writes them only
through the set-based posting (accounting.posting) inside one transaction per month.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwucang.assets.domain.depreciation import add_months, month_label
from gongwucang.assets.models import Asset, Category
from gongwucang.org.models import Region, Unit

from .domain.periods import PeriodStatus, RequestStatus


class Period(models.Model):
    """A month of a region's books: open → depreciation posted → closed (结账).

    Nothing dated in a closed period changes: the services refuse it and database triggers
    (migration 0002) refuse entries in it and cards booked or disposed in it. Only finance closes,
    and only finance reopens the latest closed period, with a recorded reason. An *opening*
    period (期初) carries no entries: its depreciation is in the cards' opening book values
    (how the demo and a go-live start).
    """

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    month = models.DateField(_("月份"), help_text=_("该月的第一天"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    is_opening = models.BooleanField(_("期初期间"), default=False)
    posted_at = models.DateTimeField(_("计提时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结账时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("结账人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("会计期间")
        verbose_name_plural = _("会计期间")
        ordering = ["region_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="period_unique_month"),
            models.CheckConstraint(condition=Q(status__in=PeriodStatus.values), name="period_status_known"),
            models.CheckConstraint(
                condition=~Q(status=PeriodStatus.CLOSED) | Q(closed_at__isnull=False),
                name="period_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status=PeriodStatus.OPEN) | Q(posted_at__isnull=False),
                name="period_posted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.label}"

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def next_month(self) -> dt.date:
        return add_months(self.month, 1)


class AppendOnlyQuerySet(models.QuerySet):
    """Rows that are records of what happened: no update or delete path."""

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("该记录只能追加，不能修改")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("该记录只能追加，不能删除")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding or kwargs.get("force_update"):
            raise PermissionError("该记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("该记录只能追加，不能删除")


class PostingRequest(models.Model):
    """One press of 计提折旧 (or one `post_depreciation` command): the progress row the page polls.

    A request posts its month — or, in catch-up mode, every month missing up to it, in order,
    one transaction per month. It is the background task's whole state.
    """

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    month = models.DateField(_("计提至月份"))
    catch_up = models.BooleanField(_("补提模式"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    requested_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.QUEUED
    )
    months_total = models.PositiveIntegerField(_("待计提月数"), default=0)
    months_done = models.PositiveIntegerField(_("已完成月数"), default=0)
    current_month = models.DateField(_("正在计提"), null=True, blank=True)
    cards = models.PositiveBigIntegerField(_("计提卡片数"), default=0)
    total_fen = models.BigIntegerField(_("折旧合计（分）"), default=0)
    message = models.CharField(_("进度说明"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("计提请求")
        verbose_name_plural = _("计提请求")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["region", "-requested_at"], name="postingrequest_region_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="postingrequest_status_known"
            ),
            models.CheckConstraint(
                condition=Q(months_done__lte=models.F("months_total")),
                name="postingrequest_done_not_above_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} → {month_label(self.month)} ({self.status})"

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def percent(self) -> int:
        if self.status == RequestStatus.SUCCEEDED:
            return 100
        if not self.months_total:
            return 0
        return int(100 * self.months_done / self.months_total)

    @property
    def is_finished(self) -> bool:
        return self.status in (RequestStatus.SUCCEEDED, RequestStatus.FAILED)


class DepreciationRun(models.Model):
    """One posting of one period: who, when, how many cards, how much.

    Written only by the posting service, in the posting's transaction (created first so the
    entries can name it, completed with the counts at the end), never changed afterwards.

    The first run of a period posts it; later runs of the same period (补提) charge only cards
    that have no entry for it yet (e.g. a card registered after the posting).
    """

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="runs", verbose_name=_("会计期间")
    )
    request = models.ForeignKey(
        PostingRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("计提请求"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    is_supplementary = models.BooleanField(_("补充计提"), default=False)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cards = models.PositiveBigIntegerField(_("卡片数"), default=0)
    total_fen = models.BigIntegerField(_("折旧合计（分）"), default=0)

    class Meta:
        verbose_name = _("计提记录")
        verbose_name_plural = _("计提记录")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_fen__gte=0), name="run_total_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.cards} · {self.total_fen}"


class DepreciationEntry(AppendOnly):
    """折旧明细: one card, one period, one amount — the card's record of the month's charge.

    Written only by the set-based posting, never changed (a trigger refuses updates and deletes
    on PostgreSQL, updates on SQLite, and inserts into a closed period on both). The unit is the
    one charged for the month (the holder at the start of the month by default, a regional
    setting); category and method are as they were at posting. Book values after the charge are
    kept so the entry reads on its own.

    Foreign keys carry no database constraint: a constraint is checked row by row, and a posting
    writes a million rows at once (each checked row would also lock the wide card row). The rows
    are selected from those very tables in the same statement, and cards, units and categories
    are never deleted.
    """

    pk = models.CompositePrimaryKey("period_id", "asset_id")
    asset = models.ForeignKey(
        Asset,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("资产"),
    )
    period = models.ForeignKey(
        Period,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("会计期间"),
    )
    run = models.ForeignKey(
        DepreciationRun,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("计提记录"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("计提单位"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("资产分类"),
    )
    method = models.CharField(_("折旧方法"), max_length=25)
    amount_fen = models.BigIntegerField(_("本期折旧（分）"))
    original_value_fen = models.BigIntegerField(_("原值（分）"))
    accumulated_after_fen = models.BigIntegerField(_("计提后累计折旧（分）"))
    workload = models.BigIntegerField(_("本期工作量"), null=True, blank=True)

    class Meta:
        verbose_name = _("折旧明细")
        verbose_name_plural = _("折旧明细")
        indexes = [models.Index(fields=["period", "unit"], name="entry_period_unit")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="entry_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(accumulated_after_fen__lte=models.F("original_value_fen")),
                name="entry_accumulated_not_above_original",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.period_id} {self.amount_fen}"

    @property
    def net_after_fen(self) -> int:
        return self.original_value_fen - self.accumulated_after_fen


class DepreciationBasis(models.Model):
    """A straight-line card's basis after a change: what is left over how many months.

    Kept only for cards whose value, life, method or status changed (or that were registered
    with opening values off the fresh schedule); every other card spreads cost over life. Set by
    accounting.hooks from the card services, in their transaction.
    """

    asset = models.OneToOneField(Asset, on_delete=models.PROTECT, primary_key=True, related_name="+")
    base_fen = models.BigIntegerField(_("待摊金额（分）"))
    base_months = models.IntegerField(_("剩余月数"))
    cost_fen = models.BigIntegerField(_("变动后原值（分）"))
    accumulated_fen = models.BigIntegerField(_("变动时累计折旧（分）"))
    months_charged = models.IntegerField(_("变动时已计提月数"))
    life_months = models.IntegerField(_("变动后使用年限（月）"))
    reason = models.CharField(_("原因"), max_length=100)
    set_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("折旧基数")
        verbose_name_plural = _("折旧基数")
        constraints = [models.CheckConstraint(condition=Q(base_fen__gte=0), name="basis_base_non_negative")]

    def __str__(self) -> str:
        return f"{self.asset_id}: {self.base_fen}/{self.base_months}"


class WorkloadPlan(models.Model):
    """A units-of-production card's expected total work and the work charged so far (工作量法)."""

    asset = models.OneToOneField(Asset, on_delete=models.PROTECT, primary_key=True, related_name="+")
    total_workload = models.PositiveBigIntegerField(_("预计总工作量"))
    workload_unit = models.CharField(_("工作量单位"), max_length=20)
    used_workload = models.BigIntegerField(_("已计提工作量"), default=0)
    base_fen = models.BigIntegerField(_("待摊金额（分）"))
    base_workload = models.BigIntegerField(_("剩余工作量"))
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工作量计划")
        verbose_name_plural = _("工作量计划")
        constraints = [
            models.CheckConstraint(condition=Q(total_workload__gte=1), name="workload_total_positive"),
            models.CheckConstraint(condition=Q(used_workload__gte=0), name="workload_used_non_negative"),
            models.CheckConstraint(condition=Q(base_fen__gte=0), name="workload_base_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}: {self.used_workload}/{self.total_workload} {self.workload_unit}"


class WorkloadReading(models.Model):
    """The work a units-of-production card did in one month, entered before the posting."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+", verbose_name=_("资产"))
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("会计期间"))
    workload = models.PositiveBigIntegerField(_("本月工作量"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("月度工作量")
        verbose_name_plural = _("月度工作量")
        constraints = [models.UniqueConstraint(fields=["asset", "period"], name="workload_reading_unique")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.period_id} {self.workload}"


class HoldingChange(models.Model):
    """A card changed hands between units of the region (调剂): who held it before and after, when.

    Written by accounting.hooks in the card service's transaction; the posting reads it to charge
    the month of a transfer to the unit that held the card at the start (or end) of the month.
    """

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("持有单位变动")
        verbose_name_plural = _("持有单位变动")
        indexes = [models.Index(fields=["region", "changed_at"], name="holdingchange_region_time")]

    def __str__(self) -> str:
        return f"{self.asset_id}: {self.from_unit_id} → {self.to_unit_id}"


class PeriodEvent(AppendOnly):
    """The period's history: posted, closed, reopened (with the reason), made the opening period."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("设为期初期间")
        POSTED = "posted", _("计提折旧")
        SUPPLEMENTED = "supplemented", _("补充计提")
        CLOSED = "closed", _("结账")
        REOPENED = "reopened", _("反结账")

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="events", verbose_name=_("会计期间")
    )
    kind = models.CharField(_("操作"), max_length=15, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.TextField(_("原因"), blank=True)
    run = models.ForeignKey(
        DepreciationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("期间操作记录")
        verbose_name_plural = _("期间操作记录")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="reopened") | ~Q(reason=""), name="period_event_reopen_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.kind}"
