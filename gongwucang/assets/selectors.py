"""Reads of asset cards. Every query starts from the actor's scope (org.scoping), so another
unit's card is simply not there — views turn that into a 404."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, QuerySet, Sum
from django.db.models.expressions import RawSQL

from gongwucang.core.money import yuan_to_fen
from gongwucang.org.models import User
from gongwucang.org.scoping import scope_for

from .domain.search_keys import normalise_query, term_keys
from .models import Asset, AssetEvent, AssetTally, Category

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
    """Match name, asset no., model, brand or pinyin initials as a substring, term by term.

    PostgreSQL: each term's grams must be among the card's indexed `search_keys` (GIN; a term of
    up to 3 characters is itself a key, so 桌, 电脑 and bjb are one exact index probe), and a
    longer term is then checked as a substring. SQLite: the substring check alone.
    """
    for term in normalise_query(query).split():
        if connection.vendor == "postgresql":
            keys, exact = term_keys(term)
            qs = qs.filter(
                RawSQL('"assets_asset"."search_keys" @> %s::text[]', (keys,), output_field=BooleanField())
            )
            if exact:
                continue
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
    sort = filters.sort if filters.sort in SORTS else DEFAULT_SORT
    if sort.lstrip("-") == "original_value":
        # Every card has its book row: an inner join lets PostgreSQL walk the book's
        # (original value, card) index in order instead of sorting the whole scope.
        qs = qs.filter(book__isnull=False)
    return qs.select_related("book", "category", "owner_unit", "department", "custodian").order_by(
        *SORTS[sort]
    )


# --- Pages: keyset (seek) pagination ------------------------------------------------------------
# A deep page costs what the first page costs: the next page starts *after* the last row shown
# (its sort key and id, carried in the link as an opaque cursor), so the database reads one short
# index range instead of skipping 10,000 rows with OFFSET. `?page=N` without a cursor (a typed or
# old link) still works, by OFFSET.

# sort → (SQL columns of the key, in order; Python type of the first; descending?)
_KEYSET: dict[str, tuple[tuple[str, ...], type, bool]] = {}
for _name, _cols, _kind in [
    ("id", ('"assets_asset"."id"',), int),
    ("asset_no", ('"assets_asset"."asset_no"',), str),
    ("name", ('"assets_asset"."name"', '"assets_asset"."id"'), str),
    ("acquired_on", ('"assets_asset"."acquired_on"', '"assets_asset"."id"'), dt.date),
    ("original_value", ('"assets_assetbook"."original_value_fen"', '"assets_assetbook"."asset_id"'), int),
    ("status", ('"assets_asset"."status"', '"assets_asset"."id"'), str),
]:
    _KEYSET[_name] = (_cols, _kind, False)
    _KEYSET[f"-{_name}"] = (_cols, _kind, True)
_KEY_ATTRS: dict[str, tuple[str, ...]] = {
    "id": ("pk",),
    "asset_no": ("asset_no",),
    "name": ("name", "pk"),
    "acquired_on": ("acquired_on", "pk"),
    "original_value": ("book.original_value_fen", "pk"),
    "status": ("status", "pk"),
}


def encode_cursor(sort: str, values: list[Any]) -> str:
    """An opaque cursor: the sort it belongs to and the key values of one row."""
    raw = json.dumps(
        [sort, *(v.isoformat() if isinstance(v, dt.date) else v for v in values)], ensure_ascii=False
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list[Any] | None:
    """The cursor's key values as the columns' Python types; None if it is not a valid cursor of `sort`."""
    cols, kind, _desc = _KEYSET[sort]
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if not isinstance(data, list) or len(data) != len(cols) + 1 or data[0] != sort:
            return None
        values = data[1:]
        first = dt.date.fromisoformat(values[0]) if kind is dt.date else kind(values[0])
        return [first, *(int(v) for v in values[1:])]
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError, binascii.Error):
        return None


def _row_key(asset: Asset, sort: str) -> list[Any]:
    values = []
    for path in _KEY_ATTRS[sort.lstrip("-")]:
        obj: Any = asset
        for part in path.split("."):
            obj = getattr(obj, part)
        values.append(obj)
    return values


@dataclass
class AssetPage:
    """One page of the list, and how to reach its neighbours."""

    object_list: list[Asset]
    number: int
    size: int
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    is_last: bool = False

    @property
    def previous_number(self) -> int:
        """The previous page's number for its link (0: position unknown, e.g. counted back from the end)."""
        return max(self.number - 1, 0)

    @property
    def next_number(self) -> int:
        return self.number + 1 if self.number > 0 else 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def asset_page(
    qs: QuerySet[Asset],
    *,
    sort: str,
    size: int,
    after: str = "",
    before: str = "",
    last: bool = False,
    number: int = 1,
) -> AssetPage:
    """A page of an asset_list() queryset: after a cursor, before one, the last page, or page `number`
    (by OFFSET, when no cursor is given). Reads size + 1 rows, never a count."""
    sort = sort if sort in _KEYSET else DEFAULT_SORT
    cols, _kind, desc = _KEYSET[sort]
    key_after = decode_cursor(after, sort) if after else None
    key_before = decode_cursor(before, sort) if before and key_after is None else None
    backwards = last or key_before is not None
    if key_after is not None or key_before is not None:
        key = key_after if key_after is not None else key_before
        forward_op = "<" if desc else ">"
        op = forward_op if key_after is not None else ("<" if forward_op == ">" else ">")
        lhs = f"({', '.join(cols)})" if len(cols) > 1 else cols[0]
        rhs = f"({', '.join(['%s'] * len(cols))})" if len(cols) > 1 else "%s"
        # Column names are constants of _KEYSET; the cursor's values are parameters.
        condition = RawSQL(f"{lhs} {op} {rhs}", tuple(key or ()), output_field=BooleanField())  # noqa: S611
        qs = qs.filter(condition)
    if backwards:
        qs = qs.reverse()
        rows = list(qs[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        has_previous, has_next = more, not last
        number = 0 if last else max(number, 0)
        if not has_previous:
            number = 1
    else:
        number = max(number, 1) if key_after is None else max(number, 0)
        offset = 0 if key_after is not None else (number - 1) * size
        rows = list(qs[offset : offset + size + 1])
        more = len(rows) > size
        rows = rows[:size]
        has_next, has_previous = more, key_after is not None or offset > 0
    page = AssetPage(
        object_list=rows,
        number=number,
        size=size,
        has_next=has_next,
        has_previous=has_previous,
        is_last=last or not has_next,
    )
    if rows:
        page.next_cursor = encode_cursor(sort, _row_key(rows[-1], sort))
        page.previous_cursor = encode_cursor(sort, _row_key(rows[0], sort))
    return page


# --- Counts ---------------------------------------------------------------------------------------
# The list shows how many cards match without counting a million rows on every page: the
# maintained counters (AssetTally) answer exactly when only scope, unit and status filter the
# list; otherwise PostgreSQL's planner estimate answers ("约 N 项"), and a small estimate is
# confirmed by a bounded exact count. SQLite (the embedded mode, ≤ 100,000 cards) counts exactly.

EXACT_COUNT_LIMIT = 5000


@dataclass(frozen=True)
class ListCount:
    n: int
    exact: bool


def _tally_answers(filters: AssetFilters) -> bool:
    return not (
        filters.department_id
        or filters.category_id
        or filters.condition
        or filters.query
        or filters.value_min is not None
        or filters.value_max is not None
        or filters.acquired_from
        or filters.acquired_to
    )


def tally_queryset(*, actor: User) -> QuerySet[AssetTally]:
    """The counters of the units the actor may see."""
    return AssetTally.objects.filter(scope_for(actor).read_q("owner_unit", "region"))


def _planner_estimate(qs: QuerySet[Asset]) -> int:
    try:
        sql, params = qs.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _round_estimate(n: int) -> int:
    if n < 1000:
        return n
    digits = len(str(n)) - 2
    return round(n, -digits)


def asset_count(*, actor: User, filters: AssetFilters, qs: QuerySet[Asset]) -> ListCount:
    """How many cards the list `qs` (built from `filters` by asset_list) holds: exact or an estimate."""
    if _tally_answers(filters):
        tallies = tally_queryset(actor=actor)
        if filters.unit_id:
            tallies = tallies.filter(owner_unit_id=filters.unit_id)
        if filters.statuses:
            tallies = tallies.filter(status__in=filters.statuses)
        return ListCount(int(tallies.aggregate(n=Sum("cards"))["n"] or 0), True)
    if connection.vendor != "postgresql":
        return ListCount(qs.order_by().count(), True)
    estimate = _planner_estimate(qs)
    if estimate <= EXACT_COUNT_LIMIT:
        n = qs.order_by()[: EXACT_COUNT_LIMIT + 1].count()
        if n <= EXACT_COUNT_LIMIT:
            return ListCount(n, True)
        estimate = max(estimate, n)
    return ListCount(_round_estimate(estimate), False)


def asset_detail_queryset(*, actor: User) -> QuerySet[Asset]:
    return asset_queryset(actor=actor).select_related(
        "book", "category", "owner_unit", "user_unit", "department", "custodian"
    )


def asset_timeline(*, asset: Asset, limit: int = 500) -> QuerySet[AssetEvent]:
    """The card's ledger, newest first (the card is already scoped by the caller)."""
    return (
        AssetEvent.objects.filter(asset=asset).select_related("actor").order_by("-occurred_at", "-id")[:limit]
    )


def status_counts(*, actor: User) -> dict[str, int]:
    """Number of visible cards per status, for the home page (from the maintained counters)."""
    rows = tally_queryset(actor=actor).values("status").annotate(n=Sum("cards")).order_by()
    return {row["status"]: int(row["n"]) for row in rows if row["n"]}


def value_totals(*, actor: User) -> dict[str, int]:
    """Total original value and accumulated depreciation (fen) of the visible cards not disposed
    (from the maintained counters)."""
    totals = (
        tally_queryset(actor=actor)
        .exclude(status="disposed")
        .aggregate(
            original=Sum("original_value_fen"),
            accumulated=Sum("accumulated_depreciation_fen"),
            cards=Sum("cards"),
        )
    )
    result = {k: int(v or 0) for k, v in totals.items()}
    result["net"] = result["original"] - result["accumulated"]
    return result
