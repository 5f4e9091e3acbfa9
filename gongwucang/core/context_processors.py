"""What every page's frame needs: the menu, the active role, the inbox count."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from gongwucang.org.scoping import scope_for
from gongwucang.org.selectors import active_membership, memberships_of

from .contributions import menu_for, request_inbox_count


def frame(request: HttpRequest) -> dict[str, Any]:
    """Each value is computed when a template first reads it (the template calls it), once per
    request: a fragment swapped in by htmx (a table, a progress bar) draws no frame and so asks no
    question about roles, menu or inbox."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def memberships() -> list[Any]:
        return memberships_of(user)  # kept on the user object for the request

    @cache
    def menu() -> list[Any]:
        return menu_for(user, {role for _unit, role in scope_for(user).roles})

    @cache
    def active() -> Any:
        return active_membership(request, memberships())

    return {
        "frame_menu": menu,
        "frame_memberships": memberships,
        "frame_active_membership": active,
        "frame_inbox_count": lambda: request_inbox_count(request),
    }
