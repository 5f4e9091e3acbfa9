"""The left menu and the inbox count, collected from every app's `menu.py`.

An app declares `MENU: list[MenuItem]` and, if it has work waiting for people, `inbox_count(user)`.
The frame shows only the items the user's roles may use, grouped by work (UX.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


@cache
def _menu_modules() -> tuple[ModuleType, ...]:
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gongwucang."):
            continue
        try:
            modules.append(importlib.import_module(f"{config.name}.menu"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.menu":
                raise
    return tuple(modules)


def menu_for(user, roles: set[str]) -> list[tuple[Promise, list[dict[str, str]]]]:  # type: ignore[no-untyped-def]
    """The menu groups and items `user` may use, in order."""
    items: list[MenuItem] = [item for module in _menu_modules() for item in getattr(module, "MENU", [])]
    result = []
    for key, label in GROUPS:
        entries = []
        for item in sorted((i for i in items if i.group == key), key=lambda i: i.order):
            if item.staff_only and not user.is_staff:
                continue
            if item.roles is not None and not (item.roles & roles) and not user.is_superuser:
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            entries.append({"label": str(item.label), "url": url, "url_name": item.url_name})
        if entries:
            result.append((label, entries))
    return result


def inbox_count(user) -> int:  # type: ignore[no-untyped-def]
    """Work waiting for `user` across all apps (待办)."""
    total = 0
    for module in _menu_modules():
        counter: Callable[..., int] | None = getattr(module, "inbox_count", None)
        if counter is not None:
            total += counter(user)
    return total
