"""The asset register: categories, asset cards, their book values, attachments and the ledger.

Money is integer fen (ARCHITECTURE.md rule 9). The card's hot numbers — original value,
accumulated depreciation, months charged — live in the narrow AssetBook table (rule 10), so the
monthly depreciation run rewrites small rows, never the wide card. Net value is derived.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwucang.core.money import fen_to_yuan
from gongwucang.org.models import Department, Region, Unit

from .domain.choices import (
    AcquisitionMethod,
    AssetStatus,
    AttachmentKind,
    Condition,
    DepreciationMethod,
    DepreciationStatus,
    DisposalMethod,
    FundingSource,
    Usage,
)
from .domain.events import EventType

category_code_validator = RegexValidator(r"^[A-Z]\d{8}$", _("分类代码应为1个大写字母加8位数字，如 A02010105"))


class Category(models.Model):
    """A GB/T 14885-2022 class. Data an administrator edits and reloads, never hard-coded."""

    code = models.CharField(_("分类代码"), max_length=9, unique=True, validators=[category_code_validator])
    name = models.CharField(_("分类名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    depreciation_item = models.CharField(_("折旧年限类别"), max_length=50, blank=True)
    default_life_months = models.PositiveIntegerField(_("默认使用年限（月）"), null=True, blank=True)
    depreciable = models.BooleanField(_("计提折旧"), default=True)
    measure_unit = models.CharField(_("计量单位"), max_length=10, default="件")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("资产分类")
        verbose_name_plural = _("资产分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def top_class_code(self) -> str:
        """The top class (A01 房屋和构筑物, A02 设备, …) this category belongs to."""
        return f"{self.code[:3]}000000"


class Asset(models.Model):
    """An asset card (资产卡片): one registered asset, or one batch card with a quantity.

    Written only through assets.services (and the services of later apps), each of which writes
    one AssetEvent. `version` increases with every change; an edit based on an older version is
    refused rather than silently overwriting someone else's change.
    """

    # No single-column indexes on region and owner unit: the composite indexes below start with them.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"), db_index=False
    )
    asset_no = models.CharField(_("资产编号"), max_length=40, unique=True)
    name = models.CharField(_("资产名称"), max_length=200)
    # No single-column indexes on category and department either: asset_category_id and
    # asset_department_id start with them (migration 0008).
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="assets",
        verbose_name=_("资产分类"),
        db_index=False,
    )
    model_spec = models.CharField(_("规格型号"), max_length=200, blank=True)
    brand = models.CharField(_("品牌"), max_length=100, blank=True)
    measure_unit = models.CharField(_("计量单位"), max_length=10, default="台")
    quantity = models.PositiveIntegerField(_("数量"), default=1, validators=[MinValueValidator(1)])
    acquisition_method = models.CharField(
        _("取得方式"), max_length=20, choices=AcquisitionMethod.choices, default=AcquisitionMethod.PURCHASE
    )
    acquired_on = models.DateField(_("取得日期"))
    booked_on = models.DateField(_("入账日期"))
    funding_source = models.CharField(
        _("经费来源"), max_length=20, choices=FundingSource.choices, default=FundingSource.FISCAL
    )
    fiscal_amount_fen = models.BigIntegerField(_("财政拨款金额（分）"), default=0)
    non_fiscal_amount_fen = models.BigIntegerField(_("非财政金额（分）"), default=0)
    useful_life_months = models.PositiveIntegerField(_("使用年限（月）"), null=True, blank=True)
    depreciation_method = models.CharField(
        _("折旧方法"),
        max_length=25,
        choices=DepreciationMethod.choices,
        default=DepreciationMethod.STRAIGHT_LINE,
    )
    depreciation_status = models.CharField(
        _("折旧状态"),
        max_length=20,
        choices=DepreciationStatus.choices,
        default=DepreciationStatus.DEPRECIATED,
    )
    is_nominal_value = models.BooleanField(_("名义金额"), default=False)

    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="owned_assets",
        verbose_name=_("产权单位"),
        db_index=False,
    )
    user_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="used_assets", verbose_name=_("使用单位")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("使用部门"),
        db_index=False,
    )
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="custody_assets",
        verbose_name=_("使用人"),
    )
    location = models.CharField(_("存放地点"), max_length=200, blank=True)
    usage = models.CharField(_("使用方向"), max_length=20, choices=Usage.choices, default=Usage.OWN_USE)
    counterparty_name = models.CharField(_("出租出借对方名称"), max_length=100, blank=True)
    counterparty_contact = models.CharField(_("对方联系人"), max_length=50, blank=True)
    counterparty_phone = models.CharField(_("对方电话"), max_length=30, blank=True)
    status = models.CharField(
        _("资产状态"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.IN_USE
    )
    condition = models.CharField(
        _("资产状况"), max_length=20, choices=Condition.choices, default=Condition.GOOD
    )

    disposal_method = models.CharField(
        _("处置方式"), max_length=20, choices=DisposalMethod.choices, blank=True
    )
    disposed_on = models.DateField(_("处置日期"), null=True, blank=True)
    disposal_income_fen = models.BigIntegerField(_("处置收入（分）"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    version = models.PositiveIntegerField(_("版本"), default=1)
    search_text = models.TextField(_("检索键"), blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("资产卡片")
        verbose_name_plural = _("资产卡片")
        # Scoped lists start from the scoping column — the owner unit for clerks, the region for
        # region-wide readers — followed by each sort key of the list and the id, so a page of any
        # sort (first or deep, keyset-paginated) is a short index range (docs/architecture.md,
        # "Performance"). The search keys' GIN index is PostgreSQL-only (migration 0004).
        # The default sort (id) carries acquired_on as a trailing key, so a date-range filter on the
        # newest-first page is checked inside the index instead of on the heap (finance's
        # "acquired 2020–2022" at 1,000,000 cards: 370–470 ms → 13–20 ms, bench/pages.py).
        indexes = [
            models.Index(fields=["owner_unit", "id", "acquired_on"], name="asset_owner_id_acquired"),
            models.Index(fields=["owner_unit", "status", "id"], name="asset_owner_status_id"),
            models.Index(fields=["owner_unit", "name", "id"], name="asset_owner_name_id"),
            models.Index(fields=["owner_unit", "acquired_on", "id"], name="asset_owner_acquired_id"),
            models.Index(fields=["owner_unit", "asset_no"], name="asset_owner_asset_no"),
            models.Index(fields=["region", "id", "acquired_on"], name="asset_region_id_acquired"),
            models.Index(fields=["region", "status", "id"], name="asset_region_status_id"),
            models.Index(fields=["region", "name", "id"], name="asset_region_name_id"),
            models.Index(fields=["region", "acquired_on", "id"], name="asset_region_acquired_id"),
            models.Index(fields=["region", "asset_no"], name="asset_region_asset_no"),
            models.Index(fields=["category", "id"], name="asset_category_id"),
            models.Index(fields=["department", "id"], name="asset_department_id"),
            # Condition correlates with age (new cards are in good condition), so "fair" cards
            # lie far down the newest-first order: an index of their own keeps that page short.
            models.Index(fields=["region", "condition", "id"], name="asset_region_condition_id"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="asset_quantity_at_least_one"),
            models.CheckConstraint(
                condition=Q(fiscal_amount_fen__gte=0), name="asset_fiscal_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(non_fiscal_amount_fen__gte=0), name="asset_non_fiscal_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(disposal_income_fen__isnull=True) | Q(disposal_income_fen__gte=0),
                name="asset_disposal_income_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(useful_life_months__isnull=True) | Q(useful_life_months__gte=1),
                name="asset_useful_life_positive",
            ),
            models.CheckConstraint(
                condition=Q(booked_on__gte=F("acquired_on")), name="asset_booked_after_acquired"
            ),
            models.CheckConstraint(condition=Q(status__in=AssetStatus.values), name="asset_status_known"),
            models.CheckConstraint(condition=~Q(asset_no=""), name="asset_no_not_blank"),
            models.CheckConstraint(condition=~Q(name=""), name="asset_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_no} {self.name}"

    # The card's money, read through its book row.
    @property
    def original_value(self) -> Decimal:
        return fen_to_yuan(self.book.original_value_fen) or Decimal("0.00")

    @property
    def accumulated_depreciation(self) -> Decimal:
        return fen_to_yuan(self.book.accumulated_depreciation_fen) or Decimal("0.00")

    @property
    def net_value(self) -> Decimal:
        return fen_to_yuan(self.book.net_value_fen) or Decimal("0.00")

    @property
    def is_depreciated(self) -> bool:
        return self.depreciation_status == DepreciationStatus.DEPRECIATED and not self.is_nominal_value


class AssetBook(models.Model):
    """The card's book values (账面价值) in a narrow row of their own.

    Monthly depreciation rewrites accumulated depreciation and months charged on every card;
    keeping them here keeps that rewrite small (ARCHITECTURE.md rule 10). The database refuses
    negative values and accumulated depreciation above the original value.
    """

    asset = models.OneToOneField(Asset, on_delete=models.PROTECT, primary_key=True, related_name="book")
    original_value_fen = models.BigIntegerField(_("原值（分）"))
    accumulated_depreciation_fen = models.BigIntegerField(_("累计折旧（分）"), default=0)
    months_depreciated = models.PositiveIntegerField(_("已计提月数"), default=0)
    # The card's category, copied here by the database (triggers of migration 0013, on insert of
    # a book row and on every change of a card's category) so that the list sorted by value and
    # filtered by category tests each row of the (value, card) walk in the book instead of
    # probing the card (assets.selectors, "Sorted by original value on PostgreSQL"). Not a
    # constraint of its own (the card's category is one); NULL only inside the statement that
    # inserts the row.
    category = models.ForeignKey(
        "Category",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("资产分类"),
    )

    class Meta:
        verbose_name = _("账面价值")
        verbose_name_plural = _("账面价值")
        # (value, card) so the list sorted by original value pages by keyset; (category, value,
        # card) for the value range of a category's cards, read before that list, filtered by
        # category, walks the first (assets.selectors). Monthly depreciation changes no indexed
        # column, so it stays a HOT update.
        indexes = [
            models.Index(fields=["original_value_fen", "asset"], name="assetbook_original_value"),
            models.Index(fields=["category", "original_value_fen", "asset"], name="assetbook_category_value"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(original_value_fen__gte=0), name="book_original_value_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(accumulated_depreciation_fen__gte=0), name="book_accumulated_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(accumulated_depreciation_fen__lte=F("original_value_fen")),
                name="book_accumulated_not_above_original",
            ),
            models.CheckConstraint(condition=Q(months_depreciated__gte=0), name="book_months_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}: {self.original_value_fen}/{self.accumulated_depreciation_fen}"

    @property
    def net_value_fen(self) -> int:
        return self.original_value_fen - self.accumulated_depreciation_fen


class AssetTally(models.Model):
    """Maintained counters: cards and book-value sums per owner unit and status (issue 6).

    The home page and the unfiltered asset list read these instead of counting a million rows.
    Kept exact by database triggers on assets_asset and assets_assetbook (migration 0004), so
    every writer — services, imports, bulk SQL — keeps them right without calling anything.
    `rebuild_tallies()` (assets.selectors) recomputes them from scratch.
    """

    owner_unit = models.ForeignKey(Unit, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    region = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    status = models.CharField(max_length=20)
    cards = models.BigIntegerField(default=0)
    original_value_fen = models.BigIntegerField(default=0)
    accumulated_depreciation_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("资产统计")
        verbose_name_plural = _("资产统计")
        constraints = [
            models.UniqueConstraint(fields=["owner_unit", "status"], name="assettally_unit_status")
        ]
        indexes = [models.Index(fields=["region", "status"], name="assettally_region_status")]

    def __str__(self) -> str:
        return f"{self.owner_unit_id}/{self.status}: {self.cards}"


class AssetNumberSequence(models.Model):
    """The last asset number issued per unit and year. Advanced under a row lock; never goes back."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("资产编号序列")
        verbose_name_plural = _("资产编号序列")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="asset_number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last_value}"


def attachment_upload_to(instance: AssetAttachment, filename: str) -> str:
    # A random stored name: the user's file name is kept in original_name, never in the path.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"assets/{instance.asset_id}/{uuid.uuid4().hex}.{ext}"


class AssetAttachment(models.Model):
    """A photo or document attached to a card, stored through Django's storage API."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size_bytes = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("资产附件")
        verbose_name_plural = _("资产附件")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class AssetEventQuerySet(models.QuerySet):
    """The ledger has no update or delete path: these refuse, as do the row methods below."""

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("资产变动记录只能追加，不能修改")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("资产变动记录只能追加，不能删除")


class AssetEvent(models.Model):
    """The ledger (资产变动记录): one append-only row for every change of a card.

    Written by the service that makes the change, inside the same transaction
    (assets.ledger.record_event), never by a signal. Updates and deletes are refused here, in
    the admin, and by a database trigger.
    """

    # No single-column index on asset: assetevent_asset_time starts with it (migration 0009).
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, related_name="events", verbose_name=_("资产"), db_index=False
    )
    event_type = models.CharField(_("变动类型"), max_length=40, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)
    reference = models.CharField(_("关联单据"), max_length=64, blank=True)
    before = models.JSONField(_("变动前"), default=dict, blank=True)
    after = models.JSONField(_("变动后"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)

    objects = AssetEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("资产变动记录")
        verbose_name_plural = _("资产变动记录")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["asset", "occurred_at", "id"], name="assetevent_asset_time")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.event_type} {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None or kwargs.get("force_update"):
            raise PermissionError("资产变动记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("资产变动记录只能追加，不能删除")
