"""Depreciation under 政府会计准则第3号 (DOMAIN.md §6), in integer fen — the one place the rules live.

Pure Python (no ORM). The accounting app's set-based SQL posting computes exactly what these
functions compute; its tests pin the two together card by card on SQLite and PostgreSQL.

The rules:
- straight-line (年限平均法) by default, units-of-production (工作量法) per card;
- no residual value: the whole cost is depreciated;
- monthly amount = cost ÷ life in months, rounded half-up to the fen (四舍五入); the last month
  takes the remainder, so the entries sum to the cost exactly;
- charging starts in the month the card is added (当月增加当月计提: the month of `booked_on`)
  and stops in the month it leaves (当月减少当月不再计提: no charge in the month of disposal);
- a fully depreciated card gets nothing more and stays on the books at net value 0;
- after a change of value or life the monthly amount from then on is
  (new cost − accumulated) ÷ remaining months — a `Basis` fixed at the change;
- not depreciated: categories marked so (land, relics, books and archives, special animals and
  plants), cards at nominal value (名义金额), cards marked 不计提; intangibles (A08) are amortised
  the same way as fixed assets.

Amounts are never negative and accumulated depreciation never exceeds the cost.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

STRAIGHT_LINE = "straight_line"
UNITS_OF_PRODUCTION = "units_of_production"
DISPOSED = "disposed"
# A card is never charged for more months than this in one projection (100 years): a guard
# against a loop on data no rule foresaw, far beyond any real useful life.
MAX_PROJECTION_MONTHS = 1200


class DepreciationInputError(ValueError):
    """Input the rules cannot work with (the message is Chinese, for the person who typed it)."""


# --- Months ---------------------------------------------------------------------------------


def month_of(day: dt.date) -> dt.date:
    """The month a date falls in, as the first day of that month."""
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_from(first: dt.date, last: dt.date) -> int:
    """How many months `last`'s month is after `first`'s (negative if before)."""
    return (last.year - first.year) * 12 + last.month - first.month


def month_label(month: dt.date) -> str:
    """2026-11 — how a period is written everywhere (screens, commands, exports)."""
    return f"{month.year:04d}-{month.month:02d}"


MONTH_PATTERN = re.compile(r"^\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?\s*$")


def parse_month(text: str) -> dt.date:
    """Read 2026-11 (also 2026/11, 2026年11月) as the first day of that month."""
    match = MONTH_PATTERN.match(text or "")
    if not match:
        raise DepreciationInputError(
            _("会计期间应写作 年-月，如 2026-11（收到的是 %(text)s）") % {"text": repr(text)}
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1900 <= year <= 9999:
        raise DepreciationInputError(_("没有这个月份：%(text)s") % {"text": text})
    return dt.date(year, month, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """Calendar months from first's month to last's month, both counted (0 if last is earlier)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


# --- Amounts --------------------------------------------------------------------------------


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half-up to an integer, for numerator ≥ 0, denominator > 0.

    Integer arithmetic only: (2a + b) // 2b. The posting's SQL uses the same expression, so
    SQLite and PostgreSQL round exactly as Python does (no floats, no vendor ROUND).
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator < 0:
        raise ValueError("numerator must not be negative")
    return (2 * numerator + denominator) // (2 * denominator)


def monthly_amount_fen(cost_fen: int, life_months: int) -> int:
    """cost ÷ life, rounded half-up to the fen (the regular monthly amount of a fresh card)."""
    if life_months <= 0:
        raise ValueError("life_months must be positive")
    return int((Decimal(cost_fen) / Decimal(life_months)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Basis:
    """What is left to spread and over how many months (or units of work), fixed at a change.

    A card without a basis spreads its whole cost over its whole life. After a change of value
    or life (or of method or status) the basis becomes (cost − accumulated, remaining months).
    """

    base_fen: int
    base_units: int

    def __post_init__(self) -> None:
        if self.base_fen < 0:
            raise ValueError("base_fen must not be negative")


def basis_after_change(
    *, cost_fen: int, accumulated_fen: int, months_charged: int, life_months: int
) -> Basis:
    """The straight-line basis from a change on: (new cost − accumulated) over the remaining months."""
    return Basis(max(0, cost_fen - accumulated_fen), life_months - months_charged)


def straight_line_charge_fen(
    *, cost_fen: int, accumulated_fen: int, months_charged: int, life_months: int, basis: Basis | None = None
) -> int:
    """This month's straight-line charge of a card being charged this month.

    The regular amount is base ÷ months (half-up), never more than what is left; the last month
    of the life (or any month once the life is used up, e.g. after it was shortened) takes all
    that is left, so the total equals the cost exactly.
    """
    net = cost_fen - accumulated_fen
    if net <= 0:
        return 0
    if life_months - months_charged <= 1:
        return net
    base_fen, base_months = (basis.base_fen, basis.base_units) if basis else (cost_fen, life_months)
    if base_months <= 0:
        return net
    return min(net, round_half_up_div(base_fen, base_months))


def straight_line_accumulated_fen(cost_fen: int, life_months: int, months_charged: int) -> int:
    """Accumulated depreciation after `months_charged` months of a fresh card (never above cost).

    The same as charging `straight_line_charge_fen` month after month from nothing.
    """
    if months_charged >= life_months:
        return cost_fen
    return min(cost_fen, monthly_amount_fen(cost_fen, life_months) * max(0, months_charged))


def on_fresh_schedule(
    *, cost_fen: int, accumulated_fen: int, months_charged: int, life_months: int | None
) -> bool:
    """Whether opening book values are what a fresh card accumulates in that many months.

    A card registered with other opening values (an import from another system, a card whose
    history is unknown) gets a basis at once: what is left, over the months that are left.
    """
    if not life_months:
        return True
    return accumulated_fen == straight_line_accumulated_fen(cost_fen, life_months, months_charged)


def units_of_production_charge_fen(
    *,
    cost_fen: int,
    accumulated_fen: int,
    total_workload: int,
    used_workload: int,
    workload: int,
    basis: Basis,
) -> int:
    """This month's units-of-production charge for `workload` units of work.

    basis.base_fen × workload ÷ basis.base_units (half-up), never more than what is left; the
    month in which the work done reaches the expected total takes all that is left.
    """
    net = cost_fen - accumulated_fen
    if net <= 0 or workload <= 0:
        return 0
    if used_workload + workload >= total_workload or basis.base_units <= 0:
        return net
    return min(net, round_half_up_div(basis.base_fen * workload, basis.base_units))


# --- Which cards are charged in a month -------------------------------------------------------


def excluded_reason(
    *,
    category_depreciable: bool,
    depreciated: bool,
    is_nominal_value: bool,
    life_months: int | None,
    method: str,
) -> str | None:
    """Why a card is never depreciated (None: it is). Chinese (marked for translation; the card's
    schedule translates it when it shows it)."""
    if not category_depreciable:
        return gettext_noop("该分类不计提折旧（土地、文物和陈列品、图书档案、特种动植物等）")
    if is_nominal_value:
        return gettext_noop("以名义金额计量的资产不计提折旧")
    if not depreciated:
        return gettext_noop("该资产的折旧状态为「不计提」")
    if method == STRAIGHT_LINE and not life_months:
        return gettext_noop("未填写使用年限，无法计提折旧")
    return None


def charged_in_month(*, month: dt.date, booked_on: dt.date, status: str, disposed_on: dt.date | None) -> bool:
    """当月增加当月计提，当月减少当月不再计提: charged from the month it was booked up to, not
    including, the month it left. A disposed card without a date has left."""
    if month_of(booked_on) > month:
        return False
    if disposed_on is not None:
        return month < month_of(disposed_on)
    return status != DISPOSED


@dataclass(frozen=True)
class CardState:
    """Everything the rules need to know about a card at the start of a month's posting."""

    cost_fen: int
    accumulated_fen: int
    months_charged: int
    life_months: int | None
    booked_on: dt.date
    method: str = STRAIGHT_LINE
    status: str = "in_use"
    disposed_on: dt.date | None = None
    category_depreciable: bool = True
    depreciated: bool = True
    is_nominal_value: bool = False
    basis: Basis | None = None
    # Units of production: the expected total, the work done so far, the basis, this month's work.
    total_workload: int | None = None
    used_workload: int = 0
    workload_basis: Basis | None = None
    workload: int | None = None


def month_charge_fen(card: CardState, month: dt.date) -> int | None:
    """The card's entry for `month`: its amount in fen, or None when the card gets no entry.

    An entry is written for every card charged in the month that still has value left, even in
    the odd case where the rounded amount is 0 (the month still counts towards its life).
    """
    if excluded_reason(
        category_depreciable=card.category_depreciable,
        depreciated=card.depreciated,
        is_nominal_value=card.is_nominal_value,
        life_months=card.life_months,
        method=card.method,
    ):
        return None
    if not charged_in_month(
        month=month, booked_on=card.booked_on, status=card.status, disposed_on=card.disposed_on
    ):
        return None
    if card.accumulated_fen >= card.cost_fen:
        return None  # fully depreciated: nothing more, the card stays on the books
    if card.method == UNITS_OF_PRODUCTION:
        if card.total_workload is None or card.workload is None or card.workload_basis is None:
            return None  # no plan or no work entered for the month: nothing to charge
        return units_of_production_charge_fen(
            cost_fen=card.cost_fen,
            accumulated_fen=card.accumulated_fen,
            total_workload=card.total_workload,
            used_workload=card.used_workload,
            workload=card.workload,
            basis=card.workload_basis,
        )
    assert card.life_months is not None
    return straight_line_charge_fen(
        cost_fen=card.cost_fen,
        accumulated_fen=card.accumulated_fen,
        months_charged=card.months_charged,
        life_months=card.life_months,
        basis=card.basis,
    )


def after_charge(card: CardState, amount_fen: int) -> CardState:
    """The card after one month's entry of `amount_fen`."""
    used = (
        card.used_workload + (card.workload or 0)
        if card.method == UNITS_OF_PRODUCTION
        else card.used_workload
    )
    return replace(
        card,
        accumulated_fen=card.accumulated_fen + amount_fen,
        months_charged=card.months_charged + 1,
        used_workload=used,
    )


# --- Schedules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    """One month of a schedule: the charge and the book values after it."""

    month: dt.date
    amount_fen: int
    accumulated_fen: int
    net_fen: int

    @property
    def period(self) -> str:
        return month_label(self.month)

    @property
    def amount(self) -> Decimal:
        return _yuan(self.amount_fen)

    @property
    def accumulated(self) -> Decimal:
        return _yuan(self.accumulated_fen)

    @property
    def net(self) -> Decimal:
        return _yuan(self.net_fen)


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def straight_line_schedule(
    *,
    cost_fen: int,
    life_months: int,
    added: dt.date,
    left: dt.date | None = None,
    accumulated_fen: int = 0,
    months_charged: int = 0,
    basis: Basis | None = None,
    first_month: dt.date | None = None,
) -> list[ScheduleRow]:
    """Month by month, from `first_month` (default: the month added) until the card is fully
    depreciated or leaves (no charge in the month it leaves).

    With the defaults this is a fresh card's whole schedule; a card's projection passes its
    current book values and basis and the first month not yet posted.
    """
    if cost_fen < 0:
        raise DepreciationInputError(_("原值不能为负数"))
    if life_months < 1:
        raise DepreciationInputError(_("使用年限至少为 1 个月"))
    if not 0 <= accumulated_fen <= cost_fen:
        raise DepreciationInputError(_("累计折旧应在 0 和原值之间"))
    if left is not None and left < added:
        raise DepreciationInputError(_("减少日期不能早于入账日期"))
    month = max(first_month or month_of(added), month_of(added))
    rows: list[ScheduleRow] = []
    accumulated, charged = accumulated_fen, months_charged
    while accumulated < cost_fen and len(rows) < MAX_PROJECTION_MONTHS:
        if left is not None and month >= month_of(left):
            break
        amount = straight_line_charge_fen(
            cost_fen=cost_fen,
            accumulated_fen=accumulated,
            months_charged=charged,
            life_months=life_months,
            basis=basis,
        )
        accumulated += amount
        charged += 1
        rows.append(ScheduleRow(month, amount, accumulated, cost_fen - accumulated))
        month = add_months(month, 1)
    return rows


def schedule_from_yuan(
    *, cost: Decimal | str, life_months: int, added: dt.date, left: dt.date | None = None
) -> list[ScheduleRow]:
    """The calculator: a fresh card's schedule from a cost in yuan (at most two decimals)."""
    try:
        amount = Decimal(str(cost).strip().replace(",", ""))
    except ArithmeticError as exc:
        raise DepreciationInputError(_("原值不是有效的金额：%(cost)s") % {"cost": cost}) from exc
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise DepreciationInputError(_("原值最多两位小数：%(cost)s") % {"cost": cost})
    if amount < 0:
        raise DepreciationInputError(_("原值不能为负数"))
    return straight_line_schedule(cost_fen=int(amount * 100), life_months=life_months, added=added, left=left)
