"""Files written inside a database transaction are deleted when the transaction rolls back.

Django has `transaction.on_commit` but no on-rollback hook: a receipt photo saved to storage while
a transaction is open survives the rollback of that transaction, an orphan on disk that no row
points to. `atomic_with_files()` is `transaction.atomic()` that remembers the files saved inside it
(each writer calls `remember_saved(storage, name)` right after saving) and deletes them when the
block is rolled back — by an exception, or by `transaction.set_rollback(True)`. A nested block
that succeeds hands its files to the enclosing one, so a file saved by a service that succeeded is
still deleted when the view's outer transaction fails afterwards.

Rule: the outermost transaction of a request that saves files is an `atomic_with_files()` (the
services that save files use it too, so a standalone call is covered). Files are written before
the commit, never after it: a crash between commit and a later save would leave rows pointing at
missing files, which is worse than an orphan.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.files.storage import Storage
from django.db import transaction

logger = logging.getLogger(__name__)

_collectors: ContextVar[tuple[list[tuple[Storage, str]], ...]] = ContextVar("gwc_saved_files", default=())


def remember_saved(storage: Storage, name: str) -> None:
    """Record a file just saved, so the enclosing `atomic_with_files()` deletes it on rollback."""
    stack = _collectors.get()
    if stack:
        stack[-1].append((storage, name))


def _delete(saved: list[tuple[Storage, str]]) -> None:
    for storage, name in saved:
        try:
            storage.delete(name)
        except Exception:  # a cleanup failure must not hide the error that caused the rollback
            logger.exception("could not delete %s after a rollback", name)


@contextmanager
def atomic_with_files(using: str | None = None) -> Iterator[None]:
    saved: list[tuple[Storage, str]] = []
    stack = _collectors.get()
    token = _collectors.set((*stack, saved))
    rolled_back = True
    try:
        with transaction.atomic(using=using):
            yield
            rolled_back = transaction.get_rollback(using=using)
    finally:
        _collectors.reset(token)
        if rolled_back:
            _delete(saved)
        elif stack:
            stack[-1].extend(saved)
