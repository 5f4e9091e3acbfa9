"""Orders (单据) and the approval engine: flows, their steps, each order's approvals and history.

Every operation of the warehouse is an `Order` with `OrderLine`s of assets. It moves through the
transition table in workflow/domain/statuses.py, one `OrderHistory` row per transition. Approval
flows are data (`ApprovalFlow` → ordered `ApprovalStep`s) an administrator edits; on submission
the steps that apply are copied onto the order as `OrderApproval` rows with the unit and role
resolved, so the inbox is one indexed query and a later change of the flow does not rewrite an
order already under way.

One open order per item: `OrderLine.is_open` is true while the order holds the asset (submitted
until done/rejected/cancelled) and a partial unique index allows one open line per asset, on
SQLite and PostgreSQL alike. Services also lock the cards, so the loser gets a clear message.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongwucang.org.domain.roles import Role
from gongwucang.org.models import Region, Unit

from .domain.statuses import Action, OrderStatus, OrderType


class StepScope(models.TextChoices):
    """Where the approving role is held, relative to the order."""

    OWN_UNIT = "own_unit", _("申请单位")
    SUPERVISING_UNIT = "supervising_unit", _("主管部门")
    FINANCE = "finance", _("财政部门")
    KEEPER = "keeper", _("公物仓（运营单位）")


class ApprovalFlow(models.Model):
    """The approval flow of one order type (审批流): ordered steps, edited by administrators."""

    order_type = models.CharField(_("单据类型"), max_length=20, choices=OrderType.choices, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("审批流程")
        verbose_name_plural = _("审批流程")
        ordering = ["order_type"]

    def __str__(self) -> str:
        return self.name


class ApprovalStep(models.Model):
    """One step of a flow: a role held in a unit found from the order (scope), and conditions.

    No condition: the step always applies. Otherwise it applies when any condition holds (total
    original value ≥ threshold; a line's category code starts with a listed prefix; the order
    moves title across supervising units).
    """

    flow = models.ForeignKey(
        ApprovalFlow, on_delete=models.CASCADE, related_name="steps", verbose_name=_("流程")
    )
    seq = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("步骤名称"), max_length=50)
    role = models.CharField(_("审批角色"), max_length=20, choices=Role.choices)
    scope = models.CharField(_("审批单位"), max_length=20, choices=StepScope.choices)
    min_total_value_fen = models.BigIntegerField(
        _("金额条件：原值合计不低于（分）"),
        null=True,
        blank=True,
        help_text=_("单位为分，如 5,000,000 分 = 50,000 元；留空表示不按金额"),
    )
    category_prefixes = models.CharField(
        _("分类条件：分类代码前缀"),
        max_length=100,
        blank=True,
        help_text=_("逗号分隔，如 A01,A0203（房屋、车辆）；留空表示不按分类"),
    )
    when_cross_department = models.BooleanField(_("跨部门调剂时"), default=False)

    class Meta:
        verbose_name = _("审批步骤")
        verbose_name_plural = _("审批步骤")
        ordering = ["flow_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "seq"], name="approvalstep_unique_seq"),
            models.CheckConstraint(
                condition=Q(min_total_value_fen__isnull=True) | Q(min_total_value_fen__gte=0),
                name="approvalstep_threshold_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.AUDITOR, Role.ASSET_CLERK]), name="approvalstep_role_approves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.role in (Role.AUDITOR, Role.ASSET_CLERK):
            raise ValidationError({"role": _("审计和资产管理员不能担任审批角色")})
        if (
            self.scope == StepScope.KEEPER
            and self.flow_id
            and self.flow.order_type == OrderType.INTAKE
            and self.role == Role.KEEPER
        ):
            raise ValidationError({"scope": _("仓管员不能审批自己将要验收的入仓申请（职责分离）")})


class OrderNumberSequence(models.Model):
    """The last order number issued per type and year; advanced under a row lock, never reused."""

    order_type = models.CharField(max_length=20, choices=OrderType.choices)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("单据编号序列")
        verbose_name_plural = _("单据编号序列")
        constraints = [
            models.UniqueConstraint(fields=["order_type", "year"], name="order_number_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order_type} {self.year}: {self.last_value}"


class Order(models.Model):
    """A numbered document (单据): intake, allocation, loan or loan extension.

    The applicant files it for their unit; `handling_unit` is the unit that executes it (the
    warehouse's operating unit), whose keepers see every order addressed to it. Type-specific
    fields live in the warehouse app (IntakeOrder, AllocationOrder, LoanOrder, LoanExtension),
    one-to-one with this row.
    """

    order_no = models.CharField(_("单据编号"), max_length=20, unique=True)
    order_type = models.CharField(_("单据类型"), max_length=20, choices=OrderType.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("申请人")
    )
    applicant_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="orders", verbose_name=_("申请单位")
    )
    handling_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_orders",
        verbose_name=_("办理单位"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("关联单据"),
    )
    title = models.CharField(_("事由"), max_length=200)
    total_original_value_fen = models.BigIntegerField(_("原值合计（分）"), default=0)
    approval_round = models.PositiveSmallIntegerField(_("审批轮次"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("审批通过时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("单据")
        verbose_name_plural = _("单据")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["applicant_unit", "status", "id"], name="order_unit_status"),
            models.Index(fields=["handling_unit", "status", "id"], name="order_handling_status"),
            models.Index(fields=["region", "order_type", "status", "id"], name="order_region_type_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_known"),
            models.CheckConstraint(condition=Q(order_type__in=OrderType.values), name="order_type_known"),
            models.CheckConstraint(
                condition=Q(total_original_value_fen__gte=0), name="order_total_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.order_no


class LineOutcome(models.TextChoices):
    """What happened to a line once the order is executed."""

    PENDING = "pending", _("待办理")
    ACCEPTED = "accepted", _("已验收入仓")
    REFUSED = "refused", _("拒收")
    DISPATCHED = "dispatched", _("已出仓")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    LENT = "lent", _("借出中")
    RETURNED = "returned", _("已归还")
    RELEASED = "released", _("已解除")


class OrderLine(models.Model):
    """One asset on an order, with its values at submission and the keeper's outcome.

    `is_open` mirrors "the order holds this asset" and carries the one-open-order-per-item rule
    (a partial unique index). Savings (节约资金) are filled for allocation lines at receipt.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines", verbose_name=_("单据"))
    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("资产")
    )
    original_value_fen = models.BigIntegerField(_("原值（分）"), default=0)
    accumulated_depreciation_fen = models.BigIntegerField(_("累计折旧（分）"), default=0)
    condition = models.CharField(_("申请时状况"), max_length=20, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_open = models.BooleanField(_("占用中"), default=False)
    outcome = models.CharField(
        _("办理结果"), max_length=20, choices=LineOutcome.choices, default=LineOutcome.PENDING
    )
    condition_after = models.CharField(_("验收状况"), max_length=20, blank=True)
    outcome_note = models.CharField(_("验收说明"), max_length=200, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    handled_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    savings_fen = models.BigIntegerField(_("节约资金（分）"), null=True, blank=True)

    class Meta:
        verbose_name = _("单据明细")
        verbose_name_plural = _("单据明细")
        ordering = ["order_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"], condition=Q(is_open=True), name="orderline_one_open_order_per_asset"
            ),
            models.UniqueConstraint(fields=["order", "asset"], name="orderline_asset_once_per_order"),
            models.CheckConstraint(
                condition=Q(original_value_fen__gte=0), name="orderline_value_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(savings_fen__isnull=True) | Q(savings_fen__gte=0),
                name="orderline_savings_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["asset", "order"], name="orderline_asset_order")]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.asset_id}"

    @property
    def net_value_fen(self) -> int:
        return self.original_value_fen - self.accumulated_depreciation_fen

    @property
    def condition_label(self) -> str:
        from gongwucang.assets.domain.choices import Condition

        return str(Condition(self.condition).label) if self.condition in Condition.values else ""

    @property
    def condition_after_label(self) -> str:
        from gongwucang.assets.domain.choices import Condition

        return str(Condition(self.condition_after).label) if self.condition_after in Condition.values else ""


def order_attachment_upload_to(instance: OrderAttachment, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"orders/{instance.order_id}/{uuid.uuid4().hex}.{ext}"


class OrderAttachmentKind(models.TextChoices):
    TRANSFER_LIST = "transfer_list", _("移交清单")
    INVOICE = "invoice", _("发票")
    CONTRACT = "contract", _("合同")
    OWNERSHIP = "ownership", _("权属证明")
    PHOTO = "photo", _("照片")
    OTHER = "other", _("其他")


class OrderAttachment(models.Model):
    """A document or photo on an order (or one of its lines: the keeper's photos at receipt)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="attachments")
    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=OrderAttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=order_attachment_upload_to, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size_bytes = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("单据附件")
        verbose_name_plural = _("单据附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class OrderComment(models.Model):
    """A remark on an order by someone who can see it (not a decision: those are in the history)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("意见"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("单据意见")
        verbose_name_plural = _("单据意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.text[:20]}"


class OrderHistory(models.Model):
    """One row per transition of an order: who, when, what, from which status to which, comment.
    Append-only, written by the service in the same transaction as the transition."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="history")
    action = models.CharField(_("操作"), max_length=30, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_role = models.CharField(_("身份"), max_length=20, choices=Role.choices, blank=True)
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("单据记录")
        verbose_name_plural = _("单据记录")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["actor", "occurred_at"], name="orderhistory_actor_time")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class ApprovalStatus(models.TextChoices):
    WAITING = "waiting", _("未到")
    PENDING = "pending", _("待审批")
    APPROVED = "approved", pgettext_lazy("approval result", "同意")
    REJECTED = "rejected", pgettext_lazy("approval result", "驳回")
    RETURNED = "returned", pgettext_lazy("approval result", "退回修改")
    SKIPPED = "skipped", _("跳过")
    CANCELLED = "cancelled", _("已撤销")


class OrderApproval(models.Model):
    """A step of an order's approval, copied from its flow at submission with the unit resolved.

    At most one row per order is `pending` (the current step): the inbox of a person is every
    pending row whose (role, unit) they hold — one indexed query.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="approvals")
    round = models.PositiveSmallIntegerField(_("轮次"))
    seq = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("步骤"), max_length=50)
    role = models.CharField(_("审批角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批单位"))
    status = models.CharField(
        _("结果"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.WAITING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("审批环节")
        verbose_name_plural = _("审批环节")
        ordering = ["order_id", "round", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "round", "seq"], name="orderapproval_unique_step"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="pending"), name="orderapproval_one_pending_per_order"
            ),
        ]
        indexes = [models.Index(fields=["status", "role", "unit"], name="orderapproval_inbox")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.round}.{self.seq} {self.name}"


class Notification(models.Model):
    """An in-app message (站内消息); e-mailed through Django's mail backend when the person has an
    address (by a task, after the transaction that created it commits)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title


class ScheduledRun(models.Model):
    """When `run_scheduler` last enqueued each periodic task (so restarts do not double it)."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return self.name
