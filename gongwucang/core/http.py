"""HTTP helpers shared by the apps' views: typing for @login_required views, ids from the request,
and htmx partials."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from gongwucang.org.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]


# The largest id the databases hold (PostgreSQL bigint, SQLite's INTEGER): a longer number in a
# request is nobody's id, and handed to the database it is an error (a 500), not a miss.
MAX_ID = 2**63 - 1


def id_param(raw: object) -> int | None:
    """A row id sent in a form or a query string, or None when `raw` is not one: only ASCII digits
    ("²" and "١" pass str.isdigit()), 1 to MAX_ID."""
    text = str(raw) if raw is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def id_list(values: Iterable[object]) -> list[int]:
    """The ids among `values` (a getlist()), in order; anything else is dropped."""
    return [value for value in map(id_param, values) if value is not None]


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
