"""Template helpers for the frame: money in yuan, status tags, query strings."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from gongwucang.core.money import format_yuan

register = template.Library()

STATUS_CLASSES = {
    "in_use": "tag-in-use",
    "idle": "tag-idle",
    "in_warehouse": "tag-in-warehouse",
    "on_loan": "tag-on-loan",
    "leased": "tag-on-loan",
    "lent": "tag-on-loan",
    "under_repair": "tag-under-repair",
    "pending_disposal": "tag-pending-disposal",
    "disposed": "tag-disposed",
}


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen → ¥12,345.67."""
    return format_yuan(fen)


@register.simple_tag
def status_tag(value: str, label: str) -> str:
    """A coloured tag that also carries the word (never colour alone)."""
    return format_html('<span class="tag {}">{}</span>', STATUS_CLASSES.get(value, "tag-default"), label)


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (for sorting and paging links)."""
    request = context["request"]
    params: QueryDict = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_th(context: dict[str, Any], key: str, label: str, cls: str = "", money: bool = False) -> SafeString:
    """A sortable column header: its link sorts by `key`, or by `-key` when the list is sorted by
    `key` already (the context's `sort`); the arrow and aria-sort say the current order. The link
    keeps the filters and starts again at the first page. Written in Python: five headers as
    template includes cost the list's table fragment about a tenth of its time."""
    sort = context.get("sort", "")
    descending = f"-{key}"
    href = query_with(context, sort=descending if sort == key else key, page="", after="", before="", last="")
    if sort == key:
        aria, arrow = ' aria-sort="ascending"', " ▲"
    elif sort == descending:
        aria, arrow = ' aria-sort="descending"', " ▼"
    else:
        aria, arrow = "", ""
    classes = " ".join(part for part in ("money" if money else "", cls) if part)
    return format_html(
        '<th scope="col" class="{}"{}>\n<a href="{}" class="text-reset">{}{}</a></th>',
        classes,
        mark_safe(aria),  # noqa: S308 — one of three constant strings
        href,
        label,
        arrow,
    )
