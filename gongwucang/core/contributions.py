"""What each app contributes to the shared screens, collected from its `ui.py`.

An app's `ui.py` may define any of:
- `MENU: list[MenuItem]` — entries of the left menu (shown only to the roles named);
- `inbox_count(user) -> int` — work waiting for the user (待办), summed in the top bar;
- `todo_items(user) -> list[TodoItem]` — the first items of that work, for the home page;
- `card_actions(request, asset) -> list[CardAction]` — buttons on an asset card's page;
- `card_panels(request, asset) -> list[str]` — rendered HTML sections on the card's page;
- `timeline_entries(asset) -> list[TimelineEntry]` — entries merged into the card's timeline;
- `list_actions(request) -> list[ListAction]` — bulk actions on the asset list's selected rows;
- `list_links(request) -> list[CardAction]` — links in the asset list's header (the current
  filters are appended to their URL as the query string, e.g. for "export what is shown").
The frame shows only what the user's roles may use (UX.md).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from types import ModuleType
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .memo import memo_on

GROUPS: list[tuple[str, Promise]] = [
    ("assets", _("资产管理")),
    ("warehouse", _("公物仓")),
    ("approvals", _("审批中心")),
    ("reports", _("统计分析")),
    ("settings", _("系统设置")),
]


@dataclass(frozen=True)
class MenuItem:
    group: str
    label: Promise | str
    url_name: str
    roles: frozenset[str] | None = None  # None: anyone with a role somewhere
    order: int = 100
    staff_only: bool = False


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str
    when: dt.datetime | None = None
    kind: str = ""


@dataclass(frozen=True)
class CardAction:
    label: str
    url: str
    style: str = "outline-primary"


@dataclass(frozen=True)
class ListAction:
    """A bulk action: a submit button of the list's selection form, posting to `url`."""

    label: str
    url: str
    style: str = "outline-primary"


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: dt.datetime
    title: str
    lines: list[str] = field(default_factory=list)
    actor: str = ""
    reference: str = ""


@cache
def _ui_modules() -> tuple[ModuleType, ...]:
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gongwucang."):
            continue
        try:
            modules.append(importlib.import_module(f"{config.name}.ui"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.ui":
                raise
    return tuple(modules)


def _collect(hook: str, *args: Any) -> list[Any]:
    found: list[Any] = []
    for module in _ui_modules():
        function: Callable[..., list[Any]] | None = getattr(module, hook, None)
        if function is not None:
            found.extend(function(*args))
    return found


def menu_for(user: Any, roles: set[str]) -> list[tuple[Promise, list[dict[str, str]]]]:
    """The menu groups and items `user` may use, in order.

    The menu is fixed configuration (the apps' `MENU` lists and the URL conf), so it depends only on
    the roles, the staff flag and the language: built once per process for each
    combination instead of on every page (it was ~15 `reverse()` calls per request)."""
    return _menu(frozenset(roles), bool(user.is_staff), get_language())


@lru_cache(maxsize=256)
def _menu(
    roles: frozenset[str], is_staff: bool, language: str | None
) -> list[tuple[Promise, list[dict[str, str]]]]:
    items: list[MenuItem] = [item for module in _ui_modules() for item in getattr(module, "MENU", [])]
    result = []
    for key, label in GROUPS:
        entries = []
        for item in sorted((i for i in items if i.group == key), key=lambda i: i.order):
            if item.staff_only and not is_staff:
                continue
            # By role only, superusers too: a superuser without the role (the demo's admin has no
            # unit to write in) would be shown pages that are a 404 for them. An entry for
            # everyone (roles None) still needs a role somewhere.
            if not (roles if item.roles is None else item.roles & roles):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            entries.append({"label": str(item.label), "url": url, "url_name": item.url_name})
        if entries:
            result.append((label, entries))
    return result


def inbox_count(user: Any) -> int:
    """Work waiting for `user` across all apps (待办)."""
    total = 0
    for module in _ui_modules():
        counter: Callable[..., int] | None = getattr(module, "inbox_count", None)
        if counter is not None:
            total += counter(user)
    return total


def request_inbox_count(request: Any) -> int:
    """`inbox_count(request.user)`, counted once per request (the frame's badge and the home page
    both show it)."""
    return memo_on(request, "inbox_count", lambda: inbox_count(request.user))


def todo_items(user: Any) -> list[TodoItem]:
    return _collect("todo_items", user)


def card_actions(request: Any, asset: Any) -> list[CardAction]:
    return _collect("card_actions", request, asset)


def card_panels(request: Any, asset: Any) -> list[str]:
    return _collect("card_panels", request, asset)


def timeline_entries(asset: Any) -> list[TimelineEntry]:
    return _collect("timeline_entries", asset)


def list_actions(request: Any) -> list[ListAction]:
    return _collect("list_actions", request)


def list_links(request: Any) -> list[CardAction]:
    return _collect("list_links", request)
