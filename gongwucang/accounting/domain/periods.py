"""Accounting periods as plain data: their states, the moves between them, and the request states.

A period (会计期间) is a month of a region's books:

    open ──post──▶ posted ──close──▶ closed
                    ▲  │ post (补提: cards without an entry yet)
                    └──┘◀──reopen (finance, with a reason; only the latest closed period)──

Periods are posted and closed in month order; the services check the order, this table checks
each move.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("未计提")
    POSTED = "posted", _("已计提")
    CLOSED = "closed", _("已结账")


class PeriodAction(models.TextChoices):
    POST = "post", _("计提折旧")
    CLOSE = "close", _("结账")
    REOPEN = "reopen", _("反结账")


class PeriodTransitionError(ValueError):
    """A move the table does not allow; the message is Chinese."""


TRANSITIONS: dict[tuple[str, str], str] = {
    (PeriodStatus.OPEN, PeriodAction.POST): PeriodStatus.POSTED,
    (PeriodStatus.POSTED, PeriodAction.POST): PeriodStatus.POSTED,
    (PeriodStatus.POSTED, PeriodAction.CLOSE): PeriodStatus.CLOSED,
    (PeriodStatus.CLOSED, PeriodAction.REOPEN): PeriodStatus.POSTED,
}

REFUSALS: dict[tuple[str, str], str] = {
    (PeriodStatus.CLOSED, PeriodAction.POST): gettext_noop(
        "该期间已结账，不能再计提折旧；更正请在下一个未结账期间办理"
    ),
    (PeriodStatus.OPEN, PeriodAction.CLOSE): gettext_noop("该期间尚未计提折旧，不能结账"),
    (PeriodStatus.CLOSED, PeriodAction.CLOSE): gettext_noop("该期间已结账"),
    (PeriodStatus.OPEN, PeriodAction.REOPEN): gettext_noop("该期间未结账，无需反结账"),
    (PeriodStatus.POSTED, PeriodAction.REOPEN): gettext_noop("该期间未结账，无需反结账"),
}


def next_status(current: str, action: str) -> str:
    """The status after `action`, or PeriodTransitionError with the reason in Chinese."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise PeriodTransitionError(
            gettext(REFUSALS.get((current, action), gettext_noop("不允许的操作")))
        ) from None


class RequestStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计提中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.QUEUED: frozenset({RequestStatus.RUNNING, RequestStatus.FAILED}),
    RequestStatus.RUNNING: frozenset({RequestStatus.SUCCEEDED, RequestStatus.FAILED}),
    RequestStatus.SUCCEEDED: frozenset(),
    RequestStatus.FAILED: frozenset(),
}


def check_request_move(current: str, target: str) -> None:
    if target not in REQUEST_TRANSITIONS[current]:
        raise PeriodTransitionError(
            gettext("计提请求不能从「%(current)s」变为「%(target)s」")
            % {"current": RequestStatus(current).label, "target": RequestStatus(target).label}
        )
