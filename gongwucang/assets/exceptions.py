"""Errors the asset services raise; each carries a message a clerk can act on."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ConcurrentEditError(ValidationError):
    """The card changed since the user opened it; their save would overwrite someone else's."""


class AssetNotWritable(PermissionError):
    """The actor may not change cards of this unit (views turn it into a 404)."""
