"""Request id for the ledger, the Content-Security-Policy header (nothing from elsewhere), and the
refusal of NUL characters in what a request sends."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict

from .request_context import new_request_id, reset_request_id, set_request_id


class RequestIdMiddleware:
    """Gives each request an id (or takes X-Request-ID from a trusted proxy) and echoes it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else new_request_id()
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


class ContentSecurityPolicyMiddleware:
    """Adds the CSP header from settings; the platform serves every script and style itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class RefuseNulCharactersMiddleware:
    """A NUL character (U+0000) in the query string or a form field is a 400 (templates/400.html).
    Nobody types one; PostgreSQL cannot store it in text, nor compare text with it, so a view that
    reads such a value itself (a search term, a comment) failed with a 500. Django's form fields
    refuse it one by one (ProhibitNullCharactersValidator); this refuses it for every view. Runs
    after the locale is chosen, so the page is in the user's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            raise BadRequest("NUL character in the request")
        return self.get_response(request)


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())
