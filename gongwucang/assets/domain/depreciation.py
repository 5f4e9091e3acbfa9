"""Straight-line depreciation under 政府会计准则第3号 (DOMAIN.md §6), in integer fen.

No residual value; monthly amount = cost ÷ life in months, rounded half-up to the fen; the last
month takes the remainder so the total equals the cost exactly; charging starts in the month the
card is added (当月增加当月计提). The accounting app builds the full rules on these.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal


def monthly_amount_fen(cost_fen: int, life_months: int) -> int:
    """cost ÷ life, rounded half-up to the fen."""
    if life_months <= 0:
        raise ValueError("life_months must be positive")
    return int((Decimal(cost_fen) / Decimal(life_months)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def straight_line_accumulated_fen(cost_fen: int, life_months: int, months_charged: int) -> int:
    """Accumulated depreciation after `months_charged` months of a fresh card (never above cost)."""
    if months_charged >= life_months:
        return cost_fen
    return min(cost_fen, monthly_amount_fen(cost_fen, life_months) * max(0, months_charged))


def months_between(first: dt.date, last: dt.date) -> int:
    """Calendar months from first's month to last's month, both counted (0 if last is earlier)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)
