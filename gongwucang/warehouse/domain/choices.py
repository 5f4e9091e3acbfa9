"""Coded values of the warehouse app (GLOSSARY.md), used by models, forms and the demo."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WarehouseKind(models.TextChoices):
    PHYSICAL = "physical", _("实体仓")
    VIRTUAL = "virtual", _("虚拟仓")


class IntakeSource(models.TextChoices):
    """Why assets come into the pool (DOMAIN.md §3); 'other' needs a reason."""

    IDLE = "idle", _("闲置资产（闲置超过6个月）")
    OVER_STANDARD = "over_standard", _("超标准配置资产")
    TEMPORARY_BODY = "temporary_body", _("临时机构/专班撤销后的资产")
    EVENT = "event", _("会议、展览、活动购置的资产")
    CENSUS = "census", _("普查、调查类设备")
    REFORM = "reform", _("机构改革/撤并移交的资产")
    CONFISCATED = "confiscated", _("罚没/涉案物品（单独存放）")
    DONATION = "donation", _("接受捐赠的资产")
    PAST_LIFE = "past_life", _("超过使用年限仍可使用的资产（转自处置）")
    OTHER = "other", _("其他（须说明理由）")


class PoolItemStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("在库")
    ON_LOAN = "on_loan", _("借出")
    ALLOCATED = "allocated", _("已调出")
    WITHDRAWN = "withdrawn", _("已撤回")


ACTIVE_POOL_STATUSES = (PoolItemStatus.IN_STOCK, PoolItemStatus.ON_LOAN)


class Availability(models.TextChoices):
    """Whether an active pool item can be asked for now, as the catalogue's and the stock's tag
    says it (warehouse/_availability.html) and their exports write it."""

    ON_LOAN = "on_loan", _("借出中")
    HELD = "held", _("已被申请")  # on an open order
    AVAILABLE = "available", _("可申领")


def availability(*, status: str, is_held: bool) -> Availability:
    if status == PoolItemStatus.ON_LOAN:
        return Availability.ON_LOAN
    return Availability.HELD if is_held else Availability.AVAILABLE


class AllocationMode(models.TextChoices):
    ITEMS = "items", _("指定物品")
    CATEGORY = "category", _("按分类和数量")
