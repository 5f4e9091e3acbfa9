"""How long a card must have been idle before it is handed in as "idle" (DOMAIN.md §3: idle for
more than 6 months, a setting: INTAKE_IDLE_MIN_MONTHS). Pure date arithmetic."""

from __future__ import annotations

import calendar
import datetime as dt


def same_day_months_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day (31 Aug + 6 months = 28/29 Feb).
    Not depreciation.add_months, which works in whole months (first days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def idle_qualifies_on(idle_since: dt.date, months: int) -> dt.date:
    """The first day a card idle since `idle_since` counts as idle for `months` full months."""
    return same_day_months_later(idle_since, months)
