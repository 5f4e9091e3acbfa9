"""Order types, statuses and actions, and the transition table every order follows.

Pure data and functions (no ORM). Services look up `(status, action)` here before they change an
order; anything not in the table is refused with a Chinese message naming both.

    draft ─submit→ submitted ─approve→ in_approval ─approve→ approved ─(execute)→ executing → done
                      │  └─reject→ rejected          │                     └─cancel→ cancelled
                      └─return_for_revision→ returned ─submit→ submitted (a new approval round)
    executing ─refuse_receipt→ refused  (an allocation the receiver will not sign for)

An order is *open* (it holds its assets) from submission until it is done, rejected or
cancelled; a draft holds nothing (a forgotten draft must not block an item for everyone).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class OrderType(models.TextChoices):
    INTAKE = "intake", _("入仓")
    ALLOCATION = "allocation", _("调剂申领")
    LOAN = "loan", _("借用")
    LOAN_EXTENSION = "loan_extension", _("借用延期")


# The order number prefix of each type (RC-2026-000123): pinyin initials of the Chinese name.
ORDER_NO_PREFIX: dict[str, str] = {
    OrderType.INTAKE: "RC",  # 入仓
    OrderType.ALLOCATION: "DB",  # 调拨
    OrderType.LOAN: "JY",  # 借用
    OrderType.LOAN_EXTENSION: "YQ",  # 延期
}


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    IN_APPROVAL = "in_approval", _("审批中")
    APPROVED = "approved", _("已审批")
    EXECUTING = "executing", _("执行中")
    DONE = "done", _("已完成")
    REJECTED = "rejected", _("已驳回")
    RETURNED = "returned", _("退回修改")
    CANCELLED = "cancelled", _("已撤销")
    REFUSED = "refused", _("已拒收")


class Action(models.TextChoices):
    CREATE = "create", _("创建")
    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("驳回")
    RETURN_FOR_REVISION = "return_for_revision", pgettext_lazy("action", "退回修改")
    CANCEL = "cancel", _("撤销")
    RECEIVE = "receive", _("验收入仓")
    DISPATCH = "dispatch", _("出仓")
    ACKNOWLEDGE = "acknowledge", _("签收")
    REFUSE_RECEIPT = "refuse_receipt", _("拒收")
    LEND = "lend", pgettext_lazy("action", "借出")
    RETURN_GOODS = "return_goods", _("归还验收")
    EXTEND = "extend", _("延期")
    COMPLETE = "complete", _("完成")


S, A = OrderStatus, Action

OPEN_STATUSES: frozenset[str] = frozenset({S.SUBMITTED, S.IN_APPROVAL, S.APPROVED, S.EXECUTING, S.RETURNED})
CLOSED_STATUSES: frozenset[str] = frozenset({S.DONE, S.REJECTED, S.CANCELLED, S.REFUSED})
EDITABLE_STATUSES: frozenset[str] = frozenset({S.DRAFT, S.RETURNED})
APPROVAL_STATUSES: frozenset[str] = frozenset({S.SUBMITTED, S.IN_APPROVAL})

# (current status, action) → the statuses the action may lead to. The service picks one (e.g. an
# approval leads to in_approval while steps remain, to approved after the last one).
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.DRAFT, A.SUBMIT): frozenset({S.SUBMITTED}),
    (S.RETURNED, A.SUBMIT): frozenset({S.SUBMITTED}),
    (S.DRAFT, A.CANCEL): frozenset({S.CANCELLED}),
    (S.RETURNED, A.CANCEL): frozenset({S.CANCELLED}),
    (S.SUBMITTED, A.APPROVE): frozenset({S.IN_APPROVAL, S.APPROVED}),
    (S.IN_APPROVAL, A.APPROVE): frozenset({S.IN_APPROVAL, S.APPROVED}),
    (S.SUBMITTED, A.REJECT): frozenset({S.REJECTED}),
    (S.IN_APPROVAL, A.REJECT): frozenset({S.REJECTED}),
    (S.SUBMITTED, A.RETURN_FOR_REVISION): frozenset({S.RETURNED}),
    (S.IN_APPROVAL, A.RETURN_FOR_REVISION): frozenset({S.RETURNED}),
    (S.SUBMITTED, A.CANCEL): frozenset({S.CANCELLED}),  # the applicant withdraws it
    (S.IN_APPROVAL, A.CANCEL): frozenset({S.CANCELLED}),
    (S.APPROVED, A.CANCEL): frozenset({S.CANCELLED}),  # e.g. the item was damaged before dispatch
    # Execution. The keeper may receive an intake's lines in several sittings.
    (S.APPROVED, A.RECEIVE): frozenset({S.EXECUTING, S.DONE}),
    (S.EXECUTING, A.RECEIVE): frozenset({S.EXECUTING, S.DONE}),
    (S.APPROVED, A.DISPATCH): frozenset({S.EXECUTING}),
    (S.EXECUTING, A.ACKNOWLEDGE): frozenset({S.DONE}),
    # The receiver will not sign (wrong or damaged goods): the items go back to the pool.
    (S.EXECUTING, A.REFUSE_RECEIPT): frozenset({S.REFUSED}),
    (S.APPROVED, A.LEND): frozenset({S.EXECUTING}),
    (S.EXECUTING, A.RETURN_GOODS): frozenset({S.DONE}),
    (S.EXECUTING, A.EXTEND): frozenset({S.EXECUTING}),
    (S.APPROVED, A.COMPLETE): frozenset({S.DONE}),  # an approved extension takes effect
}

# The actions each order type knows (the approval actions are common to all).
_COMMON = frozenset({A.SUBMIT, A.APPROVE, A.REJECT, A.RETURN_FOR_REVISION, A.CANCEL})
TYPE_ACTIONS: dict[str, frozenset[str]] = {
    OrderType.INTAKE: _COMMON | {A.RECEIVE},
    OrderType.ALLOCATION: _COMMON | {A.DISPATCH, A.ACKNOWLEDGE, A.REFUSE_RECEIPT},
    OrderType.LOAN: _COMMON | {A.LEND, A.RETURN_GOODS, A.EXTEND},
    OrderType.LOAN_EXTENSION: _COMMON | {A.COMPLETE},
}


class TransitionError(ValueError):
    """An action the order's type or current status does not allow."""


def targets(order_type: str, status: str, action: str) -> frozenset[str]:
    """The statuses `action` may lead to from `status`, or raise TransitionError (Chinese message)."""
    if action not in TYPE_ACTIONS.get(order_type, frozenset()):
        raise TransitionError(
            gettext("「%(type)s」单据没有「%(action)s」操作")
            % {"type": OrderType(order_type).label, "action": Action(action).label}
        )
    allowed = TRANSITIONS.get((status, action))
    if not allowed:
        raise TransitionError(
            gettext("单据当前状态为「%(status)s」，不能%(action)s")
            % {"status": OrderStatus(status).label, "action": Action(action).label}
        )
    return allowed


def check_transition(order_type: str, status: str, action: str, target: str) -> None:
    if target not in targets(order_type, status, action):
        raise TransitionError(
            gettext("单据不能从「%(status)s」经「%(action)s」变为「%(target)s」")
            % {
                "status": OrderStatus(status).label,
                "action": Action(action).label,
                "target": OrderStatus(target).label,
            }
        )


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def format_order_no(order_type: str, year: int, value: int) -> str:
    """RC-2026-000123: type prefix, year, a six-digit counter per type and year."""
    return f"{ORDER_NO_PREFIX[order_type]}-{year}-{value:06d}"
