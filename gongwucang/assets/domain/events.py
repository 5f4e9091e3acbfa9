"""Kinds of ledger event (资产变动记录). Every service that changes a card writes one of these."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventType(models.TextChoices):
    REGISTERED = "registered", _("新增登记")
    IMPORTED = "imported", _("导入登记")
    UPDATED = "updated", _("信息变更")
    IMPORT_UPDATED = "import_updated", _("导入更新")
    VALUE_CHANGED = "value_changed", _("价值变动")
    STATUS_CHANGED = "status_changed", _("状态变更")
    ATTACHMENT_ADDED = "attachment_added", pgettext_lazy("ledger event", "上传附件")
    # The pool (warehouse app) and its orders.
    INTAKE_REQUESTED = "intake_requested", pgettext_lazy("ledger event", "申请入仓")
    INTAKE_RECEIVED = "intake_received", _("入仓验收")
    INTAKE_REFUSED = "intake_refused", _("入仓拒收")
    ALLOCATION_REQUESTED = "allocation_requested", pgettext_lazy("ledger event", "申请调剂")
    DISPATCHED = "dispatched", _("出仓")
    ALLOCATED = "allocated", _("调剂签收")
    LOAN_REQUESTED = "loan_requested", pgettext_lazy("ledger event", "申请借用")
    LOANED = "loaned", _("借出")
    RETURNED = "returned", pgettext_lazy("ledger event", "归还验收")
    ORDER_RELEASED = "order_released", _("单据解除")
    TRANSFERRED = "transferred", _("调拨")
    # Accounting and the end of life.
    DEPRECIATION_ADJUSTED = "depreciation_adjusted", _("折旧调整")
    DISPOSED = "disposed", _("处置")
