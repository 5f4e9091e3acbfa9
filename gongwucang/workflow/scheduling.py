"""Periodic work: each app's `tasks.py` may list `PERIODIC = [Periodic(name, task, every)]`;
`manage.py run_scheduler` enqueues each through the Tasks API when it is due, and the worker
(`manage.py db_worker`) runs it. When a task was last enqueued is kept in the database
(ScheduledRun, under a row lock), so a restart — or a second scheduler by mistake — does not run
it twice.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ScheduledRun


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Any  # a django_tasks Task
    every: dt.timedelta


def periodic_tasks() -> list[Periodic]:
    found: list[Periodic] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gongwucang."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tasks":
                raise
            continue
        found.extend(getattr(module, "PERIODIC", []))
    return found


def enqueue_due(now: dt.datetime | None = None, periodic: list[Periodic] | None = None) -> list[str]:
    """Enqueue every periodic task whose interval has passed; returns their names."""
    now = now or timezone.now()
    enqueued = []
    for job in periodic if periodic is not None else periodic_tasks():
        try:
            with transaction.atomic():
                ScheduledRun.objects.get_or_create(name=job.name)
        except IntegrityError:
            pass
        with transaction.atomic():
            run = ScheduledRun.objects.select_for_update().get(name=job.name)
            if run.last_enqueued_at is not None and now - run.last_enqueued_at < job.every:
                continue
            job.task.enqueue()
            run.last_enqueued_at = now
            run.save(update_fields=["last_enqueued_at"])
        enqueued.append(job.name)
    return enqueued
