"""In-app notifications, and their e-mail after the transaction commits (so a rolled-back action
never mails anyone). Services call `notify` inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.urls import reverse

from gongwucang.org.models import Membership, User

from .models import Notification, Order

_mail_muted: ContextVar[bool] = ContextVar("gwc_mail_muted", default=False)


@contextmanager
def mail_muted():  # type: ignore[no-untyped-def]
    """Create in-app notifications but send no e-mail (demo seeding)."""
    token = _mail_muted.set(True)
    try:
        yield
    finally:
        _mail_muted.reset(token)


def holders(*, unit_id: int | None, role: str) -> list[User]:
    """People holding `role` in the unit."""
    if unit_id is None:
        return []
    return list(
        User.objects.filter(
            pk__in=Membership.objects.filter(unit_id=unit_id, role=role).values("user_id"), is_active=True
        )
    )


def notify(
    recipients: Iterable[User],
    *,
    order: Order | None,
    title: str,
    body: str = "",
    exclude: User | None = None,
) -> list[Notification]:
    """One notification per distinct recipient (not the person who caused it)."""
    seen: set[int] = set()
    rows = []
    url = reverse("workflow:order_detail", args=[order.pk]) if order is not None else ""
    for user in recipients:
        if user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, order=order, title=title, body=body, url=url))
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk is not None]
    if ids and not _mail_muted.get():
        from .tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.enqueue(ids))
    return created
