"""The approval centre's contributions to the shared screens: menu, inbox count, to-do items."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongwucang.core.contributions import MenuItem, TodoItem

from . import selectors

MENU = [
    MenuItem("approvals", _("我的待办"), "workflow:inbox", order=10),
    MenuItem("approvals", _("我的已办"), "workflow:done", order=20),
    MenuItem("approvals", _("全部单据"), "workflow:order_list", order=30),
    MenuItem("approvals", _("消息通知"), "workflow:notifications", order=40),
]


def inbox_count(user) -> int:  # type: ignore[no-untyped-def]
    return selectors.inbox_count(user)


def todo_items(user) -> list[TodoItem]:  # type: ignore[no-untyped-def]
    if not getattr(user, "is_authenticated", False):
        return []
    items = [
        TodoItem(
            title=gettext("待审批 · %(no)s %(title)s（%(step)s）")
            % {"no": a.order.order_no, "title": a.order.title, "step": a.name},
            url=reverse("workflow:order_detail", args=[a.order_id]),
            when=a.order.submitted_at,
            kind="approval",
        )
        # The items show the order's number, title and times only: its applicant and unit (which
        # the approval queues join for their tables) are not read for the home page.
        for a in selectors.pending_approvals(actor=user).select_related(None).select_related("order")[:10]
    ]
    items += [
        TodoItem(
            title=f"{selectors.work_label(o)} · {o.order_no} {o.title}",
            url=reverse("workflow:order_detail", args=[o.pk]),
            when=o.updated_at,
            kind="work",
        )
        for o in selectors.work_orders(actor=user).select_related(None)[:10]
    ]
    return items
