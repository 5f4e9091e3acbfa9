"""Loan due dates and reminders (pure): which reminder, if any, a loan needs on a given day."""

from __future__ import annotations

import datetime as dt
import enum


class Reminder(enum.Enum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def reminder_due(
    *,
    today: dt.date,
    due_on: dt.date,
    days_before: int,
    due_soon_sent_on: dt.date | None,
    overdue_sent_on: dt.date | None,
) -> Reminder | None:
    """One reminder `days_before` the due date (once), then one a day while overdue."""
    if today > due_on:
        return None if overdue_sent_on == today else Reminder.OVERDUE
    if (due_on - today).days <= days_before and due_soon_sent_on is None:
        return Reminder.DUE_SOON
    return None


def days_overdue(*, today: dt.date, due_on: dt.date) -> int:
    return max((today - due_on).days, 0)
