"""Per-request memos, kept on the object they belong to.

A page often asks the same question twice — the frame and the page both want the user's roles, a
card's timeline and its panel both want its depreciation entries — and the objects asked about
(the request, its user, the card read for this page) live exactly as long as the request. Keeping
the answer on that object shares it without a cache to invalidate: the next request reads afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_PREFIX = "_gwc_memo_"
_MISSING = object()


def memo_on(owner: Any, key: str, compute: Callable[[], T]) -> T:
    """`compute()` the first time `key` is asked of `owner`, the kept answer afterwards (None and
    empty answers are kept too)."""
    name = _PREFIX + key
    value = getattr(owner, name, _MISSING)
    if value is _MISSING:
        value = compute()
        setattr(owner, name, value)
    return value  # type: ignore[return-value]


def forget(owner: Any, *keys: str) -> None:
    """Drop the kept answers for `keys`, so the next ask computes again (after a change within the
    same request, or between steps of a test)."""
    for key in keys:
        name = _PREFIX + key
        if hasattr(owner, name):
            delattr(owner, name)
