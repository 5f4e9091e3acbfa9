"""The coded values of an asset card (GLOSSARY.md), one list each, used by models, forms and imports."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    IDLE = "idle", _("闲置")
    IN_WAREHOUSE = "in_warehouse", _("在仓")
    ON_LOAN = "on_loan", _("借出")
    LEASED = "leased", _("出租")
    LENT = "lent", _("出借")
    UNDER_REPAIR = "under_repair", _("维修中")
    PENDING_DISPOSAL = "pending_disposal", _("待处置")
    DISPOSED = "disposed", _("已处置")


class Condition(models.TextChoices):
    GOOD = "good", _("完好")
    FAIR = "fair", _("一般")
    NEEDS_REPAIR = "needs_repair", _("待修")
    BEYOND_USE = "beyond_use", _("报废")


class AcquisitionMethod(models.TextChoices):
    PURCHASE = "purchase", _("购置")
    TRANSFER_IN = "transfer_in", _("调入")
    DONATION = "donation", _("接受捐赠")
    SELF_BUILT = "self_built", _("自建")
    EXCHANGE = "exchange", _("置换")
    STOCKTAKE_SURPLUS = "stocktake_surplus", _("盘盈")
    OTHER = "other", _("其他")


class FundingSource(models.TextChoices):
    FISCAL = "fiscal", _("财政拨款")
    NON_FISCAL = "non_fiscal", _("非财政")
    MIXED = "mixed", _("财政与非财政")


class Usage(models.TextChoices):
    OWN_USE = "own_use", _("自用")
    LEASED = "leased", _("出租")
    LENT = "lent", _("出借")
    IDLE = "idle", _("闲置")
    OTHER = "other", _("其他")


class DepreciationMethod(models.TextChoices):
    STRAIGHT_LINE = "straight_line", _("年限平均法")
    UNITS_OF_PRODUCTION = "units_of_production", _("工作量法")


class DepreciationStatus(models.TextChoices):
    DEPRECIATED = "depreciated", _("计提")
    NOT_DEPRECIATED = "not_depreciated", _("不计提")


class DisposalMethod(models.TextChoices):
    SCRAP = "scrap", _("报废")
    WRITE_OFF = "write_off", _("报损")
    SALE = "sale", _("出售/拍卖")
    TRANSFER = "transfer", _("协议转让")
    DONATION = "donation", _("对外捐赠")
    EXCHANGE = "exchange", _("置换")
    FREE_TRANSFER = "free_transfer", _("无偿划转")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("文档")
