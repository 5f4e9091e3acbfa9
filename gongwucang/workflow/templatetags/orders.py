"""Template helpers of the order pages: status tags (colour and words)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()

# The asset list's tag colours, reused (UX.md: never colour alone — the word is always there).
ORDER_STATUS_CLASSES = {
    "draft": "tag-under-repair",
    "submitted": "tag-idle",
    "in_approval": "tag-idle",
    "returned": "tag-idle",
    "approved": "tag-in-warehouse",
    "executing": "tag-on-loan",
    "done": "tag-in-use",
    "rejected": "tag-pending-disposal",
    "cancelled": "tag-disposed",
    "refused": "tag-pending-disposal",
}
APPROVAL_CLASSES = {
    "pending": "tag-idle",
    "approved": "tag-in-use",
    "rejected": "tag-pending-disposal",
    "returned": "tag-idle",
    "waiting": "tag-default",
    "skipped": "tag-under-repair",
    "cancelled": "tag-disposed",
}


@register.simple_tag
def order_status_tag(order) -> str:  # type: ignore[no-untyped-def]
    return format_html(
        '<span class="tag {}" data-testid="order-status">{}</span>',
        ORDER_STATUS_CLASSES.get(order.status, "tag-default"),
        order.get_status_display(),
    )


@register.simple_tag
def approval_tag(approval) -> str:  # type: ignore[no-untyped-def]
    return format_html(
        '<span class="tag {}">{}</span>',
        APPROVAL_CLASSES.get(approval.status, "tag-default"),
        approval.get_status_display(),
    )
