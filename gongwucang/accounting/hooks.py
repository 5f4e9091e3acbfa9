"""What the card services tell accounting, inside their own transaction (called from
assets.services; no signals — a shell script or an import leaves the same trace as a click).

- The closed-period guard: nothing dated in a closed period changes. A card may not be booked in
  a closed month, its booking or disposal date may not be moved into or out of one, and no card
  changes while the current month itself is closed. (Triggers refuse the dated part in the
  database as well: migration 0002.)
- The depreciation basis: after a change of value, life or method the monthly amount is
  (new cost − accumulated) ÷ remaining months from then on (DOMAIN.md §6).
- Who held the card: a transfer between units is recorded so the month of the transfer is
  charged once, to the unit that held it at the start (or end) of the month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwucang.assets.domain.depreciation import (
    STRAIGHT_LINE,
    UNITS_OF_PRODUCTION,
    basis_after_change,
    month_label,
    month_of,
    on_fresh_schedule,
)
from gongwucang.core.dates import local_today

from .domain.periods import PeriodStatus
from .models import DepreciationBasis, HoldingChange, Period, WorkloadPlan

# Card fields whose change fixes a new basis (ledger snapshot keys): value, life, method.
BASIS_REASONS = {
    "original_value_fen": "原值变动",
    "useful_life_months": "使用年限变动",
    "depreciation_method": "折旧方法变动",
}
BASIS_FIELDS = frozenset(BASIS_REASONS)


def _closed_months(region_id: int, months: Iterable[dt.date]) -> list[dt.date]:
    wanted = sorted(set(months))
    if not wanted:
        return []
    return sorted(
        Period.objects.filter(region_id=region_id, status=PeriodStatus.CLOSED, month__in=wanted).values_list(
            "month", flat=True
        )
    )


def _parse_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def check_card_registration(*, region_id: int, booked_on: dt.date) -> None:
    """Refuse a card booked in a closed period, or any registration while this month is closed."""
    today = month_of(local_today())
    closed = _closed_months(region_id, [month_of(booked_on), today])
    if today in closed:
        raise ValidationError(_("本月（%(m)s）已结账，资产登记请在下月办理") % {"m": month_label(today)})
    if closed:
        raise ValidationError(
            {
                "booked_on": _(
                    "入账日期所在的会计期间 %(m)s 已结账，不能在该期间登记资产；"
                    "请以当前未结账期间的日期入账（取得日期可以更早）"
                )
                % {"m": month_label(closed[0])}
            }
        )


def check_card_change(*, region_id: int, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """Refuse a change while this month is closed, or one that moves a date of a closed period."""
    today = month_of(local_today())
    dated: dict[str, list[dt.date]] = {}
    for field in ("booked_on", "disposed_on"):
        if field in new:
            dated[field] = [
                month_of(d) for d in (_parse_date(old.get(field)), _parse_date(new.get(field))) if d
            ]
    closed = _closed_months(region_id, [today, *(m for months in dated.values() for m in months)])
    if today in closed:
        raise ValidationError(_("本月（%(m)s）已结账，资产变动请在下月办理") % {"m": month_label(today)})
    for field, months in dated.items():
        hit = sorted(set(months) & set(closed))
        if hit:
            label = _("入账日期") if field == "booked_on" else _("处置日期")
            raise ValidationError(
                {
                    field: _(
                        "会计期间 %(m)s 已结账，%(label)s不能改入或改出该期间；更正请在当前未结账期间办理"
                    )
                    % {"m": month_label(hit[0]), "label": label}
                }
            )


def card_registering(*, asset: Any) -> None:
    """Before a card is saved: the closed-period guard."""
    check_card_registration(region_id=asset.region_id, booked_on=asset.booked_on)


def card_registered(*, asset: Any) -> None:
    """After a card and its book row are saved: a basis when the opening values are off the fresh
    schedule (its history is unknown, so what is left is spread over the months that are left)."""
    book = asset.book
    life = asset.useful_life_months
    if not life or asset.depreciation_method != STRAIGHT_LINE:
        return
    if on_fresh_schedule(
        cost_fen=book.original_value_fen,
        accumulated_fen=book.accumulated_depreciation_fen,
        months_charged=book.months_depreciated,
        life_months=life,
    ):
        return
    _set_basis(asset, reason="期初数据")


def _set_basis(asset: Any, *, reason: str) -> None:
    book = asset.book
    life = asset.useful_life_months or 0
    basis = basis_after_change(
        cost_fen=book.original_value_fen,
        accumulated_fen=book.accumulated_depreciation_fen,
        months_charged=book.months_depreciated,
        life_months=life,
    )
    DepreciationBasis.objects.update_or_create(
        asset_id=asset.pk,
        defaults={
            "base_fen": basis.base_fen,
            "base_months": basis.base_units,
            "cost_fen": book.original_value_fen,
            "accumulated_fen": book.accumulated_depreciation_fen,
            "months_charged": book.months_depreciated,
            "life_months": life,
            "reason": reason,
            "set_at": timezone.now(),
        },
    )


def card_changed(*, asset: Any, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """After a card change is saved (same transaction): guard, basis, holder."""
    check_card_change(region_id=asset.region_id, old=old, new=new)
    changed = BASIS_FIELDS & set(new)
    if changed:
        reason = "、".join(BASIS_REASONS[f] for f in sorted(changed))
        if asset.depreciation_method == STRAIGHT_LINE and asset.useful_life_months:
            _set_basis(asset, reason=reason)
        elif asset.depreciation_method == UNITS_OF_PRODUCTION:
            plan = WorkloadPlan.objects.select_for_update().filter(asset_id=asset.pk).first()
            if plan is not None:
                book = asset.book
                plan.base_fen = max(0, book.original_value_fen - book.accumulated_depreciation_fen)
                plan.base_workload = plan.total_workload - plan.used_workload
                plan.updated_at = timezone.now()
                plan.save(update_fields=["base_fen", "base_workload", "updated_at"])
    if "owner_unit" in new and old.get("owner_unit") and new.get("owner_unit"):
        HoldingChange.objects.create(
            asset_id=asset.pk,
            region_id=asset.region_id,
            from_unit_id=old["owner_unit"]["id"],
            to_unit_id=new["owner_unit"]["id"],
            changed_at=timezone.now(),
        )
