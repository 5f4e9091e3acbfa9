"""The approval centre's contributions to the shared screens: menu, inbox count, to-do items."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongwucang.core.contributions import MenuItem, TodoItem
from gongwucang.core.memo import memo_on

from . import selectors

MENU = [
    MenuItem("approvals", _("我的待办"), "workflow:inbox", order=10),
    MenuItem("approvals", _("我的已办"), "workflow:done", order=20),
    MenuItem("approvals", _("全部单据"), "workflow:order_list", order=30),
    MenuItem("approvals", _("消息通知"), "workflow:notifications", order=40),
]


# The inbox badge's count of approvals and work, kept on the user for the request. A page that
# has read every waiting item already (the inbox; the home page's to-dos when there are fewer
# than a page of each) keeps their number here, and the badge asks no count of its own.
INBOX_COUNT_MEMO = "workflow_inbox_count"
TODO_ITEMS_PER_KIND = 10


def inbox_count(user) -> int:  # type: ignore[no-untyped-def]
    return memo_on(user, INBOX_COUNT_MEMO, lambda: selectors.inbox_count(user))


def todo_items(user) -> list[TodoItem]:  # type: ignore[no-untyped-def]
    if not getattr(user, "is_authenticated", False):
        return []
    # The items show the order's number, title and times only: its applicant and unit (which the
    # approval queues join for their tables) are not read for the home page.
    approvals = list(
        selectors.pending_approvals(actor=user)
        .select_related(None)
        .select_related("order")[:TODO_ITEMS_PER_KIND]
    )
    work = list(selectors.work_orders(actor=user).select_related(None)[:TODO_ITEMS_PER_KIND])
    if len(approvals) < TODO_ITEMS_PER_KIND and len(work) < TODO_ITEMS_PER_KIND:
        memo_on(user, INBOX_COUNT_MEMO, lambda: len(approvals) + len(work))  # all of them: their number
    items = [
        TodoItem(
            title=gettext("待审批 · %(no)s %(title)s（%(step)s）")
            % {"no": a.order.order_no, "title": a.order.title, "step": a.name},
            url=reverse("workflow:order_detail", args=[a.order_id]),
            when=a.order.submitted_at,
            kind="approval",
        )
        for a in approvals
    ]
    items += [
        TodoItem(
            title=f"{selectors.work_label(o)} · {o.order_no} {o.title}",
            url=reverse("workflow:order_detail", args=[o.pk]),
            when=o.updated_at,
            kind="work",
        )
        for o in work
    ]
    return items
