"""Errors of the order services. Views turn OrderNotFound into a 404 and ActionNotAllowed into a
message on the order page; bad input and wrong states are ValidationErrors with Chinese text."""

from __future__ import annotations


class OrderNotFound(LookupError):
    """The order does not exist for this user (outside their scope): always a 404."""


class ActionNotAllowed(PermissionError):
    """The user sees the order but may not take this action now (wrong role, own order …)."""
