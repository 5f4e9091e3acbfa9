"""HTTP helpers shared by the apps' views: typing for @login_required views, and htmx partials."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from gongwucang.org.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]


def wants_fragment(request: HttpRequest) -> bool:
    """True when htmx asks for a piece of a page (a table, a progress bar) to swap in.

    htmx also sends HX-Request when it restores a page from the server after the browser's
    history cache missed (back button); that request needs the whole page, or the piece would
    replace the whole body.
    """
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """The same URL answers a whole page or a fragment: caches must keep them apart."""
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response
