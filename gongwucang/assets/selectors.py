"""Reads of asset cards. Every query starts from the actor's scope (org.scoping), so another
unit's card is simply not there — views turn that into a 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, QuerySet, Sum

from gongwucang.core.money import yuan_to_fen
from gongwucang.org.models import User
from gongwucang.org.scoping import scope_for

from .domain.search_keys import normalise_query
from .models import Asset, AssetEvent, Category

SORTS: dict[str, tuple[str, ...]] = {
    "asset_no": ("asset_no",),
    "-asset_no": ("-asset_no",),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "acquired_on": ("acquired_on", "id"),
    "-acquired_on": ("-acquired_on", "-id"),
    "original_value": ("book__original_value_fen", "id"),
    "-original_value": ("-book__original_value_fen", "-id"),
    "status": ("status", "id"),
    "-status": ("-status", "-id"),
    "-id": ("-id",),
    "id": ("id",),
}
DEFAULT_SORT = "-id"


@dataclass
class AssetFilters:
    """The asset list's filters, as typed values (forms turn the query string into these)."""

    unit_id: int | None = None
    department_id: int | None = None
    category_id: int | None = None
    statuses: list[str] = field(default_factory=list)
    condition: str | None = None
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    acquired_from: dt.date | None = None
    acquired_to: dt.date | None = None
    query: str = ""
    sort: str = DEFAULT_SORT


def asset_queryset(*, actor: User) -> QuerySet[Asset]:
    """Every card the actor may see (and nothing else)."""
    return Asset.objects.filter(scope_for(actor).read_q("owner_unit", "region"))


def writable_asset_queryset(*, actor: User) -> QuerySet[Asset]:
    return Asset.objects.filter(owner_unit_id__in=scope_for(actor).write_unit_ids)


@lru_cache(maxsize=1024)
def _descendants(category_id: int, _generation: int) -> tuple[int, ...]:
    children: dict[int | None, list[int]] = {}
    for cid, parent_id in Category.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(cid)
    found, stack = [], [category_id]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return tuple(found)


def category_with_descendants(category_id: int) -> tuple[int, ...]:
    """A category and every category under it (the tree is small: a few hundred rows)."""
    generation = Category.objects.count()  # cheap invalidation when categories are added
    return _descendants(category_id, generation)


def apply_search(qs: QuerySet[Asset], query: str) -> QuerySet[Asset]:
    """Match name, asset no., model, brand or pinyin initials as a substring, term by term."""
    for term in normalise_query(query).split():
        qs = qs.filter(search_text__contains=term)
    return qs


def asset_list(*, actor: User, filters: AssetFilters) -> QuerySet[Asset]:
    """The asset list: scoped, filtered, searched and sorted; rows carry what the table shows."""
    qs = asset_queryset(actor=actor)
    if filters.unit_id:
        qs = qs.filter(owner_unit_id=filters.unit_id)
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if filters.category_id:
        qs = qs.filter(category_id__in=category_with_descendants(filters.category_id))
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.condition:
        qs = qs.filter(condition=filters.condition)
    if filters.value_min is not None:
        qs = qs.filter(book__original_value_fen__gte=yuan_to_fen(filters.value_min))
    if filters.value_max is not None:
        qs = qs.filter(book__original_value_fen__lte=yuan_to_fen(filters.value_max))
    if filters.acquired_from:
        qs = qs.filter(acquired_on__gte=filters.acquired_from)
    if filters.acquired_to:
        qs = qs.filter(acquired_on__lte=filters.acquired_to)
    if filters.query:
        qs = apply_search(qs, filters.query)
    order = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    return qs.select_related("book", "category", "owner_unit", "department", "custodian").order_by(*order)


def asset_detail_queryset(*, actor: User) -> QuerySet[Asset]:
    return asset_queryset(actor=actor).select_related(
        "book", "category", "owner_unit", "user_unit", "department", "custodian"
    )


def asset_timeline(*, asset: Asset, limit: int = 500) -> QuerySet[AssetEvent]:
    """The card's ledger, newest first (the card is already scoped by the caller)."""
    return AssetEvent.objects.filter(asset=asset).select_related("actor").order_by("-occurred_at", "-id")[:limit]


def status_counts(*, actor: User) -> dict[str, int]:
    """Number of visible cards per status, for the home page."""
    rows = asset_queryset(actor=actor).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def value_totals(*, actor: User) -> dict[str, int]:
    """Total original value and accumulated depreciation (fen) of the visible cards not disposed."""
    totals = asset_queryset(actor=actor).exclude(status="disposed").aggregate(
        original=Sum("book__original_value_fen"), accumulated=Sum("book__accumulated_depreciation_fen"),
        cards=Count("id"),
    )
    result = {k: int(v or 0) for k, v in totals.items()}
    result["net"] = result["original"] - result["accumulated"]
    return result
