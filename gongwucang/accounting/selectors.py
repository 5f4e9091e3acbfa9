"""Reads of the accounting app, each starting from the actor's scope (org.scoping): periods of the
regions they work in, entries of the units they may read, the value summary of units they may
read, a card's schedule. Anything outside the scope does not exist (views answer 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr

from gongwucang.assets.domain.choices import AssetStatus
from gongwucang.assets.domain.depreciation import (
    STRAIGHT_LINE,
    UNITS_OF_PRODUCTION,
    Basis,
    ScheduleRow,
    add_months,
    excluded_reason,
    month_of,
    straight_line_charge_fen,
    straight_line_schedule,
)
from gongwucang.assets.models import Asset, Category
from gongwucang.core.dates import local_today
from gongwucang.core.memo import memo_on
from gongwucang.org.models import Region, Unit, User
from gongwucang.org.scoping import Scope, scope_for

from .domain.periods import PeriodStatus
from .models import (
    DepreciationBasis,
    DepreciationEntry,
    DepreciationRun,
    Period,
    PostingRequest,
    WorkloadPlan,
    WorkloadReading,
)

# --- Regions and periods --------------------------------------------------------------------------


def regions_of(actor: User) -> list[Region]:
    """The regions the actor works in (every region where they hold a role)."""
    scope = scope_for(actor)
    unit_ids = {unit_id for unit_id, _role in scope.roles}
    region_ids = set(scope.read_region_ids) | set(
        Unit.objects.filter(pk__in=unit_ids).values_list("region_id", flat=True)
    )
    return list(Region.objects.filter(pk__in=region_ids).order_by("code"))


def region_of(actor: User, region_id: int | None = None) -> Region | None:
    """The region a page is about: the one asked for if the actor works there, else their first."""
    regions = regions_of(actor)
    if region_id is not None:
        return next((r for r in regions if r.pk == region_id), None)
    return regions[0] if regions else None


def reads_whole_region(scope: Scope, region_id: int) -> bool:
    return region_id in scope.read_region_ids


@dataclass
class PeriodRow:
    month: dt.date
    period: Period | None
    cards: int = 0
    total_fen: int = 0

    @property
    def status(self) -> str:
        return self.period.status if self.period else PeriodStatus.OPEN


def period_rows(*, region: Region, months_ahead: int = 0) -> list[PeriodRow]:
    """The region's periods, newest first, with what was posted in each; the current month is
    listed even before it has a row."""
    periods = {p.month: p for p in Period.objects.filter(region=region).select_related("closed_by")}
    totals = {
        row["period_id"]: row
        for row in DepreciationRun.objects.filter(period__region=region, finished_at__isnull=False)
        .values("period_id")
        .annotate(cards=Sum("cards"), total=Sum("total_fen"))
        .order_by()
    }
    months = set(periods) | {month_of(local_today())}
    rows = []
    for month in sorted(months, reverse=True):
        period = periods.get(month)
        t = totals.get(period.pk) if period else None
        rows.append(PeriodRow(month, period, int(t["cards"]) if t else 0, int(t["total"]) if t else 0))
    return rows


def next_month_to_post(*, region: Region) -> dt.date:
    """The month a finance officer would post next: after the latest posted one, else this month."""
    latest = Period.objects.filter(region=region).exclude(status=PeriodStatus.OPEN).order_by("-month").first()
    if latest is None:
        return month_of(local_today())
    if latest.status == PeriodStatus.POSTED:
        return latest.month if latest.month >= month_of(local_today()) else add_months(latest.month, 1)
    return add_months(latest.month, 1)


def period_for(*, actor: User, period_id: int) -> Period | None:
    """A period of a region the actor works in (None: not there for them)."""
    period = Period.objects.select_related("region", "closed_by").filter(pk=period_id).first()
    if period is None or region_of(actor, period.region_id) is None:
        return None
    return period


def request_for(*, actor: User, request_id: int) -> PostingRequest | None:
    request = PostingRequest.objects.select_related("region", "requested_by").filter(pk=request_id).first()
    if request is None or region_of(actor, request.region_id) is None:
        return None
    return request


def recent_requests(*, region: Region, limit: int = 5) -> QuerySet[PostingRequest]:
    return PostingRequest.objects.filter(region=region).select_related("requested_by")[:limit]


# --- Entries (折旧明细) ---------------------------------------------------------------------------


def entry_queryset(*, actor: User, period: Period) -> QuerySet[DepreciationEntry]:
    """The period's entries the actor may read: all of the region for region-wide readers, else
    those charged to the units they read."""
    scope = scope_for(actor)
    qs = DepreciationEntry.objects.filter(period_id=period.pk)
    if not reads_whole_region(scope, period.region_id):
        qs = qs.filter(unit_id__in=sorted(scope.read_unit_ids))
    return qs


def entry_list(*, actor: User, period: Period, unit_id: int | None = None, top_class: str = "") -> QuerySet:
    qs = entry_queryset(actor=actor, period=period)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if top_class:
        qs = qs.filter(category__code__startswith=top_class)
    return qs.select_related("asset", "unit", "category").order_by("unit_id", "asset_id")


def entry_totals(*, actor: User, period: Period) -> dict[str, list[dict]]:
    """The period's entries summed by unit and by top class (what the actor may read)."""
    qs = entry_queryset(actor=actor, period=period)
    by_unit: list[dict[str, Any]] = [
        dict(row)
        for row in qs.values("unit_id", "unit__name")
        .annotate(cards=Count("asset_id"), total=Sum("amount_fen"))
        .order_by("unit__name")
    ]
    by_class = _with_class_names(
        qs.annotate(top=Substr("category__code", 1, 3))
        .values("top")
        .annotate(cards=Count("asset_id"), total=Sum("amount_fen"))
        .order_by("top")
    )
    return {"by_unit": by_unit, "by_class": by_class}


def _top_classes() -> dict[str, str]:
    """A01 → 房屋和构筑物 … from the category table (data, not hard-coded)."""
    return {c.code[:3]: c.name for c in Category.objects.filter(parent__isnull=True).order_by("code")}


def _with_class_names(rows) -> list[dict]:  # type: ignore[no-untyped-def]
    names = _top_classes()
    return [{**row, "name": names.get(row["top"], row["top"])} for row in rows]


# --- 资产价值量情况表 ------------------------------------------------------------------------------


@dataclass
class SummaryRow:
    code: str
    name: str
    cards: int = 0
    original_fen: int = 0
    accumulated_fen: int = 0
    period_fen: int = 0

    @property
    def net_fen(self) -> int:
        return self.original_fen - self.accumulated_fen


@dataclass
class ValueSummary:
    title: str
    rows: list[SummaryRow] = field(default_factory=list)
    period: Period | None = None

    @property
    def total(self) -> SummaryRow:
        total = SummaryRow("", "合计")
        for row in self.rows:
            total.cards += row.cards
            total.original_fen += row.original_fen
            total.accumulated_fen += row.accumulated_fen
            total.period_fen += row.period_fen
        return total


def summary_units(*, actor: User, region: Region, unit: Unit | None, subtree: bool) -> list[int] | None:
    """The units a summary covers (None: the whole region), or PermissionError when the actor
    may not read them."""
    scope = scope_for(actor)
    whole = reads_whole_region(scope, region.pk)
    if unit is None:
        if not whole:
            raise PermissionError("not a region-wide reader")
        return None
    if unit.region_id != region.pk:
        raise PermissionError("unit of another region")
    if subtree:
        ids = list(Unit.objects.filter(tree_path__startswith=unit.tree_path).values_list("pk", flat=True))
    else:
        ids = [unit.pk]
    if not whole and not set(ids) <= set(scope.read_unit_ids):
        raise PermissionError("unit outside the scope")
    return ids


def value_summary(
    *, region: Region, unit_ids: list[int] | None, title: str, period: Period | None
) -> ValueSummary:
    """Original value, accumulated depreciation and net value by top class (A01 房屋和构筑物, A02
    设备, A05 家具和用具 …) of the cards on the books (not disposed), with the chosen period's
    depreciation. Call summary_units first: this reads what it is given."""
    cards = Asset.objects.filter(region=region).exclude(status=AssetStatus.DISPOSED)
    if unit_ids is not None:
        cards = cards.filter(owner_unit_id__in=unit_ids)
    values: dict[str, dict[str, Any]] = {
        row["top"]: dict(row)
        for row in cards.annotate(top=Substr("category__code", 1, 3))
        .values("top")
        .annotate(
            cards=Count("id"),
            original=Sum("book__original_value_fen"),
            accumulated=Sum("book__accumulated_depreciation_fen"),
        )
        .order_by()
    }
    charged: dict[str, int] = {}
    if period is not None:
        entries = DepreciationEntry.objects.filter(period_id=period.pk)
        if unit_ids is not None:
            entries = entries.filter(unit_id__in=unit_ids)
        charged = {
            row["top"]: int(row["total"] or 0)
            for row in entries.annotate(top=Substr("category__code", 1, 3))
            .values("top")
            .annotate(total=Sum("amount_fen"))
            .order_by()
        }
    summary = ValueSummary(title=title, period=period)
    for code, name in _top_classes().items():
        row = values.get(code, {})
        summary.rows.append(
            SummaryRow(
                code=code,
                name=name,
                cards=int(row.get("cards") or 0),
                original_fen=int(row.get("original") or 0),
                accumulated_fen=int(row.get("accumulated") or 0),
                period_fen=charged.get(code, 0),
            )
        )
    return summary


# --- A card's schedule ----------------------------------------------------------------------------


@dataclass
class CardSchedule:
    """What was charged (entries) and what will be (projection from the current book values)."""

    asset: Asset
    past: list[DepreciationEntry]
    projection: list[ScheduleRow]
    excluded: str | None
    monthly_fen: int | None
    next_month: dt.date | None
    basis: DepreciationBasis | None
    plan: WorkloadPlan | None
    readings: list[WorkloadReading]

    @property
    def opening_accumulated_fen(self) -> int:
        """Accumulated depreciation before the first entry here (opening balance, 期初)."""
        book = self.asset.book
        return book.accumulated_depreciation_fen - sum(e.amount_fen for e in self.past)

    @property
    def opening_months(self) -> int:
        return self.asset.book.months_depreciated - len(self.past)

    @property
    def projected_total_fen(self) -> int:
        return sum(r.amount_fen for r in self.projection)


def _region_periods(asset: Asset) -> list[tuple[int, dt.date, str]]:
    """The periods of the card's region as (pk, month, status), read once per asset object: the
    card's entries and its schedule both need them (one statement fewer on the card page)."""
    return memo_on(
        asset,
        "region_periods",
        lambda: list(Period.objects.filter(region_id=asset.region_id).values_list("pk", "month", "status")),
    )


def card_entries(*, asset: Asset) -> list[DepreciationEntry]:
    """The card's entries, oldest first, with their period and run (the card is already scoped)."""
    # Keyed (period, asset): seek each of the region's periods rather than scan for the card.
    periods = [pk for pk, _month, _status in _region_periods(asset)]
    if not periods:  # a region that has posted nothing yet: no statements to build (card page, issue 6)
        return []
    entries = list(
        DepreciationEntry.objects.filter(period_id__in=periods, asset_id=asset.pk).select_related(
            "period", "unit"
        )
    )
    if not entries:
        return []
    runs = {
        r.pk: r
        for r in DepreciationRun.objects.filter(pk__in={e.run_id for e in entries}).select_related("actor")
    }
    for entry in entries:
        entry.run_cached = runs.get(entry.run_id)  # type: ignore[attr-defined]
    entries.sort(key=lambda e: e.period.month)
    return entries


def card_schedule(*, asset: Asset, past: list[DepreciationEntry] | None = None) -> CardSchedule:
    """The card's own schedule: past entries and the projection to the end of its life, computed
    by the same rules the posting uses, from the first month not yet posted for the card.
    `past`: the card's entries when the caller has read them already (card_entries)."""
    book = asset.book
    past = card_entries(asset=asset) if past is None else past
    basis = DepreciationBasis.objects.filter(asset_id=asset.pk).first()
    plan = (
        WorkloadPlan.objects.filter(asset_id=asset.pk).first()
        if asset.depreciation_method == UNITS_OF_PRODUCTION
        else None
    )
    readings = (
        list(
            WorkloadReading.objects.filter(asset_id=asset.pk)
            .select_related("period")
            .order_by("-period__month")[:24]
        )
        if plan
        else []
    )
    excluded = excluded_reason(
        category_depreciable=asset.category.depreciable,
        depreciated=asset.depreciation_status == "depreciated",
        is_nominal_value=asset.is_nominal_value,
        life_months=asset.useful_life_months,
        method=asset.depreciation_method,
    )
    projection: list[ScheduleRow] = []
    monthly = None
    next_month = None
    if excluded is None and asset.depreciation_method == STRAIGHT_LINE and asset.useful_life_months:
        latest_posted = max(
            ((month, status) for _pk, month, status in _region_periods(asset) if status != PeriodStatus.OPEN),
            default=None,
        )
        posted_months = {e.period.month for e in past}
        start = month_of(asset.booked_on)
        if latest_posted is not None:
            start = max(start, add_months(latest_posted[0], 1))
        # A month posted for the region but not for this card (added later) is still to come.
        if (
            latest_posted is not None
            and latest_posted[1] == PeriodStatus.POSTED
            and latest_posted[0] not in posted_months
            and month_of(asset.booked_on) <= latest_posted[0]
        ):
            start = latest_posted[0]
        next_month = start
        left = asset.disposed_on if asset.disposed_on else None
        if asset.status == AssetStatus.DISPOSED and left is None:
            projection = []
        else:
            basis_value = Basis(basis.base_fen, basis.base_months) if basis else None
            projection = straight_line_schedule(
                cost_fen=book.original_value_fen,
                life_months=asset.useful_life_months,
                added=asset.booked_on,
                left=left,
                accumulated_fen=book.accumulated_depreciation_fen,
                months_charged=book.months_depreciated,
                basis=basis_value,
                first_month=start,
            )
        if book.accumulated_depreciation_fen < book.original_value_fen:
            monthly = straight_line_charge_fen(
                cost_fen=book.original_value_fen,
                accumulated_fen=book.accumulated_depreciation_fen,
                months_charged=book.months_depreciated,
                life_months=asset.useful_life_months,
                basis=Basis(basis.base_fen, basis.base_months) if basis else None,
            )
    return CardSchedule(
        asset=asset,
        past=past,
        projection=projection,
        excluded=excluded,
        monthly_fen=monthly,
        next_month=next_month,
        basis=basis,
        plan=plan,
        readings=readings,
    )


def region_readers_q(scope: Scope) -> Q:
    """Cards' regions the actor reads in full (for the schedule of region-wide readers)."""
    return Q(region_id__in=sorted(scope.read_region_ids))
