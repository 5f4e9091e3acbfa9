"""Organisation: regions, the unit tree, departments, people and the roles they hold.

The unit tree is kept as a materialised path (`tree_path`, e.g. "/3/17/42/") so that
"this unit and everything below it" is one indexed prefix query, whatever the depth.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .domain.credit_code import credit_code_error
from .domain.roles import Role


class Region(models.Model):
    """A town or county that runs one public asset warehouse and whose units share its books."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    # Which unit is charged depreciation for the month a card changes hands (DOMAIN.md §6):
    # the unit that held it at the start of the month (default) or the one holding it at the end.
    transfer_month_charged_by = models.CharField(
        _("调剂当月折旧由哪方计提"),
        max_length=10,
        choices=[("start", _("月初持有单位")), ("end", _("月末持有单位"))],
        default="start",
    )

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("行政单位")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")


def validate_credit_code(value: str) -> None:
    error = credit_code_error(value)
    if error:
        raise ValidationError(error, code="credit_code")


class Unit(models.Model):
    """A 行政事业单位: it owns (产权) and uses state assets and is the root of every user's scope."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="units", verbose_name=_("区域"))
    code = models.CharField(
        _("单位编码"), max_length=12, unique=True, help_text=_("用于资产编号前缀，字母或数字")
    )
    name = models.CharField(_("单位名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("单位性质"), max_length=20, choices=UnitKind.choices)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
    )
    supervising_unit = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subordinates",
        verbose_name=_("主管部门"),
    )
    is_finance_office = models.BooleanField(_("财政部门"), default=False)
    tree_path = models.CharField(_("层级路径"), max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False, default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["tree_path"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervising_unit=models.F("id")), name="unit_not_own_supervisor"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Department(models.Model):
    """A section (内设科室) inside a unit; assets are used by departments."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="departments", verbose_name=_("单位")
    )
    name = models.CharField(_("部门名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["unit_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="department_unique_name_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person of the region. Staff who only hold assets (使用人) may have no usable password."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("所在单位"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("所在部门"),
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.full_name or self.username


class Membership(models.Model):
    """A role held by a person in a unit. Every permission in the platform starts from these rows."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("人员")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("单位")
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("角色任职")
        verbose_name_plural = _("角色任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
