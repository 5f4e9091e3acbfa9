"""公物仓: warehouses and bins, what is in the pool, the type-specific parts of its orders, and the
provisioning standards that price an allocation's savings.

- `Warehouse` (实体仓 physical / 虚拟仓 virtual) is run by a unit; its keepers are the people holding
  Role.KEEPER in that unit (org.Membership) — no second list to keep in step.
- `PoolItem` is an asset while it is in the pool (在库 / 借出), with its warehouse, bin and the
  intake that brought it. One active pool item per asset (a partial unique index); when it is
  allocated or withdrawn the row stays as history.
- `IntakeOrder`, `AllocationOrder`, `LoanOrder`, `LoanExtension` hold what each order type adds to
  workflow.Order (one-to-one, sharing its primary key).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwucang.org.models import Region, Unit

from .domain.choices import (
    ACTIVE_POOL_STATUSES,
    AllocationMode,
    IntakeSource,
    PoolItemStatus,
    WarehouseKind,
)


class Warehouse(models.Model):
    """A 公物仓 of a region: physical (goods move into its store, with bins) or virtual (goods stay
    at the owner and are listed, booked and handed out through the platform)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    code = models.CharField(_("仓库编码"), max_length=20, unique=True)
    name = models.CharField(_("仓库名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=WarehouseKind.choices)
    operating_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="warehouses", verbose_name=_("运营单位")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("公物仓")
        verbose_name_plural = _("公物仓")
        ordering = ["region_id", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=WarehouseKind.values), name="warehouse_kind_known")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_physical(self) -> bool:
        return self.kind == WarehouseKind.PHYSICAL


class StorageBin(models.Model):
    """A place inside a physical warehouse (库位), e.g. A-01-02: zone, shelf, level."""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="bins", verbose_name=_("仓库")
    )
    code = models.CharField(_("库位编码"), max_length=20)
    name = models.CharField(_("库位名称"), max_length=100, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("库位")
        verbose_name_plural = _("库位")
        ordering = ["warehouse_id", "code"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="storagebin_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.warehouse_id and self.warehouse.kind != WarehouseKind.PHYSICAL:
            raise ValidationError(_("虚拟仓没有库位：物品存放在原单位"))


class ProvisioningStandard(models.Model):
    """A configuration standard (配置标准, 财资〔2016〕27号): price cap and minimum years by category.

    Loaded from data/reference/provisioning_standards.csv (`manage.py load_provisioning_standards`)
    and edited in the admin. Where several standards share a category (desk for bureau level and
    below), the one marked default prices savings.
    """

    name = models.CharField(_("品目"), max_length=100, unique=True)
    category = models.ForeignKey(
        "assets.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("资产分类"),
    )
    price_cap_fen = models.BigIntegerField(_("价格上限（分）"))
    min_service_years = models.PositiveSmallIntegerField(_("最低使用年限"))
    quantity_rule = models.CharField(_("数量标准"), max_length=200, blank=True)
    is_default_for_category = models.BooleanField(_("本分类默认标准"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("配置标准")
        verbose_name_plural = _("配置标准")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(price_cap_fen__gte=0), name="standard_price_cap_non_negative"),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(is_default_for_category=True, is_active=True),
                name="standard_one_default_per_category",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PoolItem(models.Model):
    """An asset while it is in the pool (在仓资产), with where it is and how it came.

    `home_unit` / `home_location` are where the goods sit when not lent out: the warehouse's unit
    and bin for a physical warehouse, the owner and its place for a virtual one (a loan's return
    puts them back there).
    """

    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.PROTECT, related_name="pool_items", verbose_name=_("资产")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="items", verbose_name=_("仓库")
    )
    bin = models.ForeignKey(
        StorageBin,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("库位"),
    )
    status = models.CharField(
        _("在库状态"), max_length=20, choices=PoolItemStatus.choices, default=PoolItemStatus.IN_STOCK
    )
    source = models.CharField(_("来源"), max_length=20, choices=IntakeSource.choices)
    source_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("移交单位")
    )
    home_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("存放单位")
    )
    home_location = models.CharField(_("存放地点"), max_length=200, blank=True)
    status_before_intake = models.CharField(_("入仓前资产状态"), max_length=20)
    intake_line = models.ForeignKey(
        "workflow.OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("入仓明细"),
    )
    listed_at = models.DateTimeField(_("入仓时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("出仓时间"), null=True, blank=True)
    # Who took it out of the pool without an allocation (撤回), and why.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    close_note = models.CharField(_("撤回理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("在仓资产")
        verbose_name_plural = _("在仓资产")
        ordering = ["-listed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(status__in=ACTIVE_POOL_STATUSES),
                name="poolitem_one_active_per_asset",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PoolItemStatus.values), name="poolitem_status_known"
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "status", "id"], name="poolitem_warehouse_status")]

    def __str__(self) -> str:
        return f"{self.warehouse_id}:{self.asset_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_POOL_STATUSES


class IntakeOrder(models.Model):
    """入仓: what an intake order adds — the warehouse and the source tag (DOMAIN.md §3)."""

    order = models.OneToOneField(
        "workflow.Order", on_delete=models.PROTECT, primary_key=True, related_name="intake"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("入仓仓库")
    )
    source = models.CharField(_("来源"), max_length=20, choices=IntakeSource.choices)
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("入仓申请")
        verbose_name_plural = _("入仓申请")
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="other") | ~Q(source_note=""), name="intake_other_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return str(self.order_id)


class AllocationOrder(models.Model):
    """调剂/申领: a unit asks for specific pool items, or a category and a quantity, for a purpose.

    The receiving unit is the order's applicant unit. Savings are the sum of the lines' savings,
    recorded when the receiver signs (签收).
    """

    order = models.OneToOneField(
        "workflow.Order", on_delete=models.PROTECT, primary_key=True, related_name="allocation"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("仓库")
    )
    mode = models.CharField(
        _("申领方式"), max_length=10, choices=AllocationMode.choices, default=AllocationMode.ITEMS
    )
    purpose = models.CharField(_("用途"), max_length=200)
    category = models.ForeignKey(
        "assets.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申领分类"),
    )
    quantity = models.PositiveIntegerField(_("申领数量"), null=True, blank=True)
    savings_fen = models.BigIntegerField(_("节约资金（分）"), null=True, blank=True)
    receiving_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("使用部门"),
    )
    receiving_location = models.CharField(_("存放地点"), max_length=200, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发货人"),
    )
    dispatched_at = models.DateTimeField(_("出仓时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签收人"),
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调剂申领")
        verbose_name_plural = _("调剂申领")
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="items") | (Q(category__isnull=False) & Q(quantity__gte=1)),
                name="allocation_category_needs_quantity",
            ),
        ]

    def __str__(self) -> str:
        return str(self.order_id)


class LoanOrder(models.Model):
    """借用: temporary use until a due date; title stays. Return is inspected by the keeper."""

    order = models.OneToOneField(
        "workflow.Order", on_delete=models.PROTECT, primary_key=True, related_name="loan"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("仓库")
    )
    purpose = models.CharField(_("借用用途"), max_length=200)
    due_on = models.DateField(_("归还日期"))
    lent_at = models.DateTimeField(_("借出时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    return_note = models.CharField(_("归还验收说明（缺件等）"), max_length=200, blank=True)
    due_reminder_sent_on = models.DateField(_("到期提醒日期"), null=True, blank=True)
    overdue_reminder_sent_on = models.DateField(_("逾期提醒日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("借用")
        verbose_name_plural = _("借用")
        indexes = [models.Index(fields=["due_on"], name="loan_due_on")]

    def __str__(self) -> str:
        return str(self.order_id)


class LoanExtension(models.Model):
    """借用延期: a request to move a loan's due date, approved like any order."""

    order = models.OneToOneField(
        "workflow.Order", on_delete=models.PROTECT, primary_key=True, related_name="extension"
    )
    loan = models.ForeignKey(
        LoanOrder, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("借用单")
    )
    previous_due_on = models.DateField(_("原归还日期"))
    new_due_on = models.DateField(_("申请延至"))
    reason = models.CharField(_("延期理由"), max_length=200)

    class Meta:
        verbose_name = _("借用延期")
        verbose_name_plural = _("借用延期")
        constraints = [
            models.CheckConstraint(
                condition=Q(new_due_on__gt=models.F("previous_due_on")), name="extension_moves_due_date_later"
            ),
        ]

    def __str__(self) -> str:
        return str(self.order_id)
