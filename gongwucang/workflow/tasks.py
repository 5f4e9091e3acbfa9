"""Background work of the workflow app, run by the Tasks worker (`manage.py db_worker`)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail the given notifications to recipients who have an address; each at most once."""
    from .models import Notification

    sent = 0
    for note in Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related(
        "recipient"
    ):
        if not note.recipient.email:
            continue
        site = getattr(settings, "SITE_URL", "http://127.0.0.1:8000")
        link = f"{site.rstrip('/')}{note.url}" if note.url else ""
        send_mail(
            subject=f"【公物仓】{note.title}",
            message="\n\n".join(part for part in (note.body, link) if part),
            from_email=None,
            recipient_list=[note.recipient.email],
        )
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


PERIODIC: list = []  # periodic work of this app (see scheduling.py)
