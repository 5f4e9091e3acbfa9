"""The home page (to-do and counts) and the role switch."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gongwucang.assets.domain.choices import AssetStatus
from gongwucang.assets.selectors import holdings
from gongwucang.org.selectors import memberships_of

from .contributions import request_inbox_count, todo_items
from .http import AuthedRequest, id_param


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    visible = holdings(actor=request.user)
    tiles = [(s.value, s.label, visible.by_status.get(s.value, 0)) for s in AssetStatus]
    items = todo_items(request.user)[:10]  # first: an app that read all its items knows their number
    return render(
        request,
        "core/home.html",
        {
            "tiles": tiles,
            "totals": visible.totals,
            "todo_count": request_inbox_count(request),
            "todo_items": items,
        },
    )


@login_required
@require_POST
def switch_role(request: AuthedRequest) -> HttpResponse:
    """Choose which of the user's roles the frame shows and forms default to."""
    wanted = request.POST.get("membership", "")
    if (chosen := id_param(wanted)) and any(m.pk == chosen for m in memberships_of(request.user)):
        request.session["active_membership_id"] = chosen
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "home")
