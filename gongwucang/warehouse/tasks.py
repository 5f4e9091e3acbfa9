"""Background work of the warehouse, run by the Tasks worker; the scheduler enqueues it."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from gongwucang.workflow.scheduling import Periodic


@task()
def send_loan_reminders() -> int:
    """Remind borrowers before a loan is due and every day it is overdue (idempotent per day)."""
    from .services import loan_reminders_send

    return loan_reminders_send()


PERIODIC = [Periodic("warehouse.loan_reminders", send_loan_reminders, dt.timedelta(hours=1))]
