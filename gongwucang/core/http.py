"""Typing help for views behind @login_required: request.user is a real User there."""

from __future__ import annotations

from django.http import HttpRequest

from gongwucang.org.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
