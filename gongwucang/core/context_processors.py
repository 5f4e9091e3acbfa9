"""What every page's frame needs: the menu, the active role, the inbox count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gongwucang.org.scoping import scope_for
from gongwucang.org.selectors import active_membership, memberships_of

from .contributions import menu_for, request_inbox_count


def frame(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    memberships = memberships_of(user)
    return {
        "frame_menu": menu_for(user, {role for _unit, role in scope.roles}),
        "frame_memberships": memberships,
        "frame_active_membership": active_membership(request, memberships),
        "frame_inbox_count": request_inbox_count(request),
    }
