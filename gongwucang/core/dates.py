"""Dates in the platform's time zone (Asia/Shanghai): 'today' is the local business day."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def local_today() -> dt.date:
    return timezone.localdate()


def local_now() -> dt.datetime:
    return timezone.localtime()
