"""Reads of asset cards. Every query starts from the actor's scope (org.scoping), so another
unit's card is simply not there — views turn that into a 404."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection, transaction
from django.db.models import BigIntegerField, BooleanField, F, IntegerField, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In

from gongwucang.core.memo import memo_on
from gongwucang.core.money import yuan_to_fen
from gongwucang.core.planner import unindexed
from gongwucang.org.models import User
from gongwucang.org.scoping import scope_for

from .domain.search_keys import MAX_GRAM, normalise_query, term_keys
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
Walk = Literal["", "sort", "value"]  # the index SQLite should walk for a page (see _filtered)


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


def asset_queryset(*, actor: User, region_index: bool = True) -> QuerySet[Asset]:
    """Every card the actor may see (and nothing else). `region_index`: see Scope.read_q."""
    return Asset.objects.filter(scope_for(actor).read_q("owner_unit", "region", region_index=region_index))


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


def apply_search(qs: QuerySet[Asset], query: str, *, use_keys: bool | None = None) -> QuerySet[Asset]:
    """Match name, asset no., model, brand or pinyin initials as a substring, term by term.

    With `use_keys` (the default on PostgreSQL), each term's grams must be among the card's
    GIN-indexed `search_keys` (a term of up to 3 characters is itself a key, so 桌, 电脑 and bjb
    are one exact index probe) and a longer term is then checked as a substring. Without, the
    substring check alone (SQLite; and PostgreSQL's ordered walk for common terms, see
    asset_list).
    """
    if use_keys is None:
        use_keys = connection.vendor == "postgresql"
    for term in normalise_query(query).split():
        if use_keys:
            keys, exact = term_keys(term)
            qs = qs.filter(
                RawSQL('"assets_asset"."search_keys" @> %s::text[]', (keys,), output_field=BooleanField())
            )
            if exact:
                continue
        qs = qs.filter(search_text__contains=term)
    return qs


# --- How to search on PostgreSQL -----------------------------------------------------------------
# A page is the first 21 rows in sort order. For a common term (电脑: 15 % of cards) the fastest
# plan walks the scope's sorted index and checks each card's text: 21 hits come within a few
# hundred rows. For a rare term (保险柜: none) that walk would read the whole scope, so the
# matching ids are taken from the GIN index first (at most RARE_CAP) and the page is sorted from
# those. PostgreSQL's planner cannot tell the two apart (a term missing from its statistics is
# guessed at ~0.2 %, and it then walks a million rows for nothing), so the choice is made here
# from the same statistics: the share of cards holding each key, for the column's most common
# keys (any other key is rarer than the least common of those).

RARE_FRACTION = 0.002  # below: a page of 21 would need a walk of more than 10,000 rows
RARE_CAP = 2000
KEY_STATS_SECONDS = 600
_KEY_STATS: dict[str, Any] = {"at": -1e9, "freqs": {}, "floor": 0.0}


def _key_frequencies() -> tuple[dict[str, float], float]:
    """{key: share of cards holding it} for the most common keys, and the smallest such share.
    Read from pg_stats at most every KEY_STATS_SECONDS (statistics change only on ANALYZE)."""
    now = time.monotonic()
    if now - _KEY_STATS["at"] > KEY_STATS_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = 'assets_asset' AND attname = 'search_keys' "
                "AND schemaname = current_schema()"
            )
            row = cursor.fetchone()
        freqs: dict[str, float] = {}
        if row and row[0]:
            freqs = dict(zip(row[0], row[1][: len(row[0])], strict=True))
        _KEY_STATS.update(at=now, freqs=freqs, floor=min(freqs.values()) if freqs else 0.0)
    return _KEY_STATS["freqs"], _KEY_STATS["floor"]


def estimated_share(query: str) -> float | None:
    """The estimated share of cards matching every term of `query` (None: no statistics yet)."""
    freqs, floor = _key_frequencies()
    if not freqs:
        return None
    share = 1.0
    for term in normalise_query(query).split():
        keys, _exact = term_keys(term)
        share *= min(freqs.get(key, floor / 2) for key in keys)
    return share


def _filter_categories(filters: AssetFilters) -> tuple[int, ...]:
    """The categories the filters' category stands for (with its descendants; none: no filter).
    Read once per filters object (core.memo): each reading asks the database whether the tree has
    grown, and a page's list and its count are given the same filters."""
    category_id = filters.category_id
    if not category_id:
        return ()
    key = f"filter_categories_{category_id}"  # keyed by the category, should the filters change
    return memo_on(filters, key, lambda: category_with_descendants(category_id))


def _filtered(
    *, actor: User, filters: AssetFilters, categories: tuple[int, ...], walk: Walk = ""
) -> QuerySet[Asset]:
    """The scoped cards under every filter but the search; `categories`: _filter_categories(filters).

    `walk` names the index SQLite is meant to walk for the list's rows (asset_list): "sort" —
    the sort's own, so an original value range is written unindexed; "value" — the book's
    value index, so the region and the category are (core.planner). "" — no hints (PostgreSQL,
    and counts, which read every match and are fastest from the most selective index).
    """
    qs = asset_queryset(actor=actor, region_index=walk != "value")
    if filters.unit_id:
        qs = qs.filter(owner_unit_id=filters.unit_id)
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if categories:
        if walk == "value":
            qs = qs.filter(In(unindexed("category_id", IntegerField()), categories))
        else:
            qs = qs.filter(category_id__in=categories)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.condition:
        qs = qs.filter(condition=filters.condition)
    if filters.value_min is not None or filters.value_max is not None:
        field = "book__original_value_fen"
        if walk == "sort":
            unindexed_value = unindexed(field, BigIntegerField())
            qs = qs.filter(book__isnull=False).alias(unindexed_value=unindexed_value)
            field = "unindexed_value"
        if filters.value_min is not None:
            qs = qs.filter(**{f"{field}__gte": yuan_to_fen(filters.value_min)})
        if filters.value_max is not None:
            qs = qs.filter(**{f"{field}__lte": yuan_to_fen(filters.value_max)})
    if filters.acquired_from:
        qs = qs.filter(acquired_on__gte=filters.acquired_from)
    if filters.acquired_to:
        qs = qs.filter(acquired_on__lte=filters.acquired_to)
    return qs


def _searched(qs: QuerySet[Asset], query: str) -> QuerySet[Asset]:
    if connection.vendor != "postgresql":
        return apply_search(qs, query, use_keys=False)
    share = estimated_share(query)
    # A longer term is judged by its rarest trigram: right for words, whose trigrams come
    # together (thinkpad), wrong for numbers, whose trigrams are common apart (u0041-2019 is
    # 0.2 % of cards, its rarest trigram 4 %): a term with digits asks the index first.
    numbered = any(
        len(term) > MAX_GRAM and any(ch.isdigit() for ch in term) for term in normalise_query(query).split()
    )
    if share is not None and share >= RARE_FRACTION and not numbered:
        return apply_search(qs, query, use_keys=False)
    ids = list(apply_search(qs, query, use_keys=True).order_by().values_list("id", flat=True)[: RARE_CAP + 1])
    if len(ids) > RARE_CAP:  # commoner than it looked: the ordered walk finds a page fast
        return apply_search(qs, query, use_keys=False)
    return qs.filter(pk__in=ids)


def asset_list(*, actor: User, filters: AssetFilters) -> QuerySet[Asset]:
    """The asset list: scoped, filtered, searched and sorted (asset_page reads a page of it).

    On PostgreSQL a search for a rare term reads the matching ids from the GIN index first (one
    query, at most RARE_CAP ids); see "How to search" above.
    """
    sort = filters.sort if filters.sort in SORTS else DEFAULT_SORT
    by_value = sort.lstrip("-") == "original_value"
    # SQLite (the embedded mode) plans without statistics (core.planner): given an original
    # value range it read every card in the range from the value index and sorted them all —
    # 57 % of 100,000 cards: 150–350 ms — and sorted by value, a region-wide reader's list
    # started from the region (every card of a county) or the category: 150–250 ms. Walking the
    # sort's own index finds a page within a few dozen cards (0.1–3 ms), so the other conditions
    # are written so that they cannot choose the plan. The walk's worst case, a filter that few
    # cards pass, reads the whole scope (~85 ms at 100,000 cards).
    walk: Walk = ("value" if by_value else "sort") if connection.vendor == "sqlite" else ""
    categories = _filter_categories(filters)
    qs = _filtered(actor=actor, filters=filters, categories=categories, walk=walk)
    if normalise_query(filters.query):
        qs = _searched(qs, filters.query)
    if by_value:
        # Every card has its book row: an inner join lets PostgreSQL walk the book's
        # (original value, card) index in order instead of sorting the whole scope.
        qs = qs.filter(book__isnull=False)
        if connection.vendor == "postgresql" and _reads_scope_by_value(actor=actor, filters=filters):
            # The sort's own order (SORTS) with its value written +value.
            first, *ties = SORTS[sort]
            value = unindexed(first.lstrip("-"), BigIntegerField())
            return qs.order_by(value.desc() if first.startswith("-") else value.asc(), *ties)
        if categories:
            value_range = _category_value_range(categories)
            if value_range is None:
                return qs.none()  # no card of these categories anywhere
            # The walk starts at the categories' cheapest (dearest) card and tests the category
            # in the book rows it passes (their copy of the card's); on SQLite written so that
            # it cannot choose the plan (core.planner).
            book_category = (
                F("book__category_id")
                if connection.vendor == "postgresql"
                else unindexed("book__category_id", IntegerField())
            )
            qs = qs.filter(In(book_category, categories), book__original_value_fen__range=value_range)
    # asset_page reads a page's rows as AssetRow (the table's columns only); the category's and
    # the owner unit's names after the page (_attach_names), not joined here: with inner joins
    # SQLite's planner starts from the unit table and sorts the whole region (700 ms for 100,000
    # cards sorted by number).
    return qs.order_by(*SORTS[sort])


# --- Sorted by original value on PostgreSQL ------------------------------------------------------
# The cards' values are in the book (AssetBook), whose (value, card) index serves every scope: a
# page is the first 21 cards of the scope met walking it from the cheapest (or dearest) card. If
# the scope's values were spread like everyone's, the walk would read about 21 × all cards ÷ the
# scope's cards book rows, and PostgreSQL's planner assumes so. They are not: a unit's cards come
# in together (consecutive ids) and prices repeat, so within each price a unit's cards lie in one
# place of the (value, card) order. For a township clinic's 1,592 of 1,000,000 cards the walk
# read 170,000 book rows (1.4 s, in three parallel processes) for its first page; clerks of units
# with 1,500–5,500 cards waited 0.4–1.4 s, and under load held a worker that long (bench/load.py,
# whose people include clerks of such units). Reading
# the scope's cards and sorting them costs a few µs per card (1,592 cards: 11 ms; the largest
# unit's 33,622: ~110 ms). So a scope is read and sorted when it is smaller than what the walk
# would read even if spread evenly, with room for a walk step costing two read steps: scope² ≤
# 2 × 21 × all cards (6,500 cards of 1,000,000). The value is then written as +value, which no
# index serves (core.planner), so the index cannot choose the plan; the pages' keyset condition
# (asset_page) is the same. Region-wide readers and large units still walk (every card of theirs
# is found within a few hundred rows). The cards in scope come from the counters.
#
# Filtered by category, the walk met the other categories' cards first: the 350,000 computers of
# 1,000,000 cards cost less than cars, houses and land and more than chairs and desks, so the
# dearest-first walk passed ~10,000 book rows and the cheapest-first walk 550,000, probing the
# card of each (90 ms and 0.8–5 s per page). Now the book row carries the card's category (kept
# equal by triggers, assets migration 0013) and the walk is bounded by the categories' value range,
# one probe at each end of the (category, value, card) index per category: it starts at the first
# card of the categories and tests the rest in the book row, probing only the cards that pass —
# 0.2 ms for the region's computers in either order, 5–6 ms for the largest unit's (the book is
# not walked in parallel: migration 0013). The range is read in a statement of its own: written
# into the list's statement as subqueries, the planner cannot see the bounds, guesses that the
# range keeps 0.5 % of the rows, and sorts every card of the categories instead (0.8–4.7 s). A
# card that gets a value beyond the range between the two statements is missing from that one
# page, as a card registered a moment later would be. SQLite walks the same way (the book's
# category written unindexed): the region's computers cheapest first, p95 224.7 ms over HTTP at
# 100,000 cards, 51.3 ms since (most of it SQLite's exact count of the 35,000 computers).


# The categories' least and greatest value: per category, one probe at each end of the
# (category, value, card) index; the categories come as an array (PostgreSQL) or JSON (SQLite).
_CATEGORY_VALUE_RANGE_SQL = {
    "postgresql": """
        SELECT min((SELECT min(original_value_fen) FROM assets_assetbook WHERE category_id = c.id)),
               max((SELECT max(original_value_fen) FROM assets_assetbook WHERE category_id = c.id))
        FROM unnest(%s::bigint[]) AS c(id)""",
    "sqlite": """
        SELECT min((SELECT min(original_value_fen) FROM assets_assetbook WHERE category_id = c.value)),
               max((SELECT max(original_value_fen) FROM assets_assetbook WHERE category_id = c.value))
        FROM json_each(%s) AS c""",
}


def _category_value_range(categories: tuple[int, ...]) -> tuple[int, int] | None:
    """The least and the greatest original value (fen) of the cards of `categories`, every unit's
    (None: no card)."""
    ids = list(categories)
    with connection.cursor() as cursor:
        cursor.execute(
            _CATEGORY_VALUE_RANGE_SQL[connection.vendor],
            [ids if connection.vendor == "postgresql" else json.dumps(ids)],
        )
        low, high = cursor.fetchone()
    return None if low is None else (int(low), int(high))


VALUE_WALK_STEP_COST = 2
VALUE_WALK_PAGE_ROWS = 21  # a page of 20 and the row that tells whether there is a next
_TABLE_CARDS: dict[str, float] = {"at": -1e9, "cards": 0.0}


def _table_cards() -> int:
    """All cards, as PostgreSQL's statistics count them (0: never analysed). Read at most every
    KEY_STATS_SECONDS per process (the figure changes only on ANALYZE)."""
    now = time.monotonic()
    if now - _TABLE_CARDS["at"] > KEY_STATS_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'assets_asset'::regclass")
            row = cursor.fetchone()
        _TABLE_CARDS.update(at=now, cards=max(float(row[0]), 0.0) if row else 0.0)
    return int(_TABLE_CARDS["cards"])


def _reads_scope_by_value(*, actor: User, filters: AssetFilters) -> bool:
    """True when the list sorted by value reads the scope's cards and sorts them (see above)."""
    if filters.unit_id is None and scope_for(actor).read_region_ids:
        # A region is a county's cards or more: walked, and its counters (a row per unit and
        # status, thousands) are not summed for the choice.
        return False
    total = _table_cards()
    if total <= 0:
        return False  # no statistics: leave the plan to the planner
    scope = _tallied_cards(actor=actor, filters=filters)
    return scope * scope <= VALUE_WALK_STEP_COST * VALUE_WALK_PAGE_ROWS * total


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
    "original_value": ("original_value_fen", "pk"),
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


def _row_key(row: AssetRow, sort: str) -> list[Any]:
    return [getattr(row, name) for name in _KEY_ATTRS[sort.lstrip("-")]]


# (attribute of AssetRow, query path) of each value a list row reads, in the SELECT's order.
_ROW_COLUMNS = (
    ("pk", "id"),
    ("asset_no", "asset_no"),
    ("name", "name"),
    ("model_spec", "model_spec"),
    ("category_id", "category_id"),
    ("owner_unit_id", "owner_unit_id"),
    ("department_name", "department__name"),
    ("acquired_on", "acquired_on"),
    ("status", "status"),
    ("original_value_fen", "book__original_value_fen"),
    ("accumulated_depreciation_fen", "book__accumulated_depreciation_fen"),
)


class AssetRow:
    """One row of the asset list: the columns the table shows, read as plain values.

    A page used to be 20 Asset model instances with their book and department (select_related:
    47 columns and 60 model objects a page); reading the table's 11 columns as tuples took a
    table update from 34.0 to 26.4 M instructions (issue 6). `category_name` and
    `owner_unit_name` are set by _attach_names after the page is read.
    """

    __slots__ = (
        "accumulated_depreciation_fen",
        "acquired_on",
        "asset_no",
        "category_id",
        "category_name",
        "department_name",
        "model_spec",
        "name",
        "original_value_fen",
        "owner_unit_id",
        "owner_unit_name",
        "pk",
        "status",
    )
    FIELDS = tuple(path for _name, path in _ROW_COLUMNS)
    pk: int
    asset_no: str
    name: str
    model_spec: str
    category_id: int
    owner_unit_id: int
    department_name: str | None
    acquired_on: dt.date | None
    status: str
    original_value_fen: int
    accumulated_depreciation_fen: int
    category_name: str
    owner_unit_name: str

    def __init__(self, values: tuple[Any, ...]) -> None:
        for (name, _path), value in zip(_ROW_COLUMNS, values, strict=True):
            setattr(self, name, value)

    @property
    def net_value_fen(self) -> int:
        """Original value less accumulated depreciation, as AssetBook.net_value_fen."""
        return self.original_value_fen - self.accumulated_depreciation_fen

    def __repr__(self) -> str:
        return f"<AssetRow {self.pk} {self.asset_no}>"


@dataclass
class AssetPage:
    """One page of the list, and how to reach its neighbours."""

    object_list: list[AssetRow]
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

    @property
    def is_whole_list(self) -> bool:
        """True when this page holds every row of its list: nothing before it, nothing after."""
        return not self.has_previous and not self.has_next

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
    table = qs.values_list(*AssetRow.FIELDS)  # the table's columns only (AssetRow)
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
        table = table.filter(condition)
    if backwards:
        rows = [AssetRow(values) for values in table.reverse()[: size + 1]]
        more = len(rows) > size
        rows = rows[:size][::-1]
        has_previous, has_next = more, not last
        number = 0 if last else max(number, 0)
        if not has_previous:
            number = 1
    else:
        number = max(number, 1) if key_after is None else max(number, 0)
        offset = 0 if key_after is not None else (number - 1) * size
        rows = [AssetRow(values) for values in table[offset : offset + size + 1]]
        more = len(rows) > size
        rows = rows[:size]
        has_next, has_previous = more, key_after is not None or offset > 0
    _attach_names(rows)
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


_NAMES_SQL = (
    'SELECT 0, "id", "name" FROM "assets_category" WHERE "id" IN ({categories}) UNION ALL '
    """SELECT 1, "id", COALESCE(NULLIF("short_name", ''), "name") FROM "org_unit" """
    'WHERE "id" IN ({units})'
)


def _attach_names(rows: list[AssetRow]) -> None:
    """Give each row of a page its category's name and its owner unit's shown name
    (`category_name`, `owner_unit_name`) — one statement for the whole page.

    Measured (callgrind, a clerk's 20-row list fragment): a prefetch of both took two ORM queries
    and 40 M instructions per request in all; the same names as Subquery(OuterRef(…)) annotations
    cost as much to compile; scalar subqueries in the rows' SQL saved 12 % but SQLite evaluates
    them for every row it sorts (a region sorted by value: +40–60 ms). This reads them afterwards,
    for the page's rows only, in the same way on both databases.
    """
    if not rows:
        return
    category_ids = sorted({a.category_id for a in rows})
    unit_ids = sorted({a.owner_unit_id for a in rows})
    # Only placeholders are formatted in: the ids are parameters; tables and columns are the
    # models' (Category, Unit).
    sql = _NAMES_SQL.format(
        categories=", ".join(["%s"] * len(category_ids)), units=", ".join(["%s"] * len(unit_ids))
    )
    names: tuple[dict[int, str], dict[int, str]] = ({}, {})
    with connection.cursor() as cursor:
        cursor.execute(sql, [*category_ids, *unit_ids])
        for kind, pk, name in cursor.fetchall():
            names[kind][pk] = name
    for a in rows:
        a.category_name = names[0][a.category_id]  # type: ignore[attr-defined]
        a.owner_unit_name = names[1][a.owner_unit_id]  # type: ignore[attr-defined]


# --- Counts ---------------------------------------------------------------------------------------
# The list shows how many cards match without counting a million rows on every page: the
# maintained counters (AssetTally) answer exactly when only scope, unit and status filter the
# list; otherwise PostgreSQL's planner estimate answers ("约 N 项"), and a small estimate is
# confirmed by a bounded exact count. SQLite (the embedded mode, ≤ 100,000 cards) counts exactly.

# An exact count walks every matching row: for a common term in a large unit (4,000 of its 33,000
# cards) that took 30–65 ms of the database's CPU on every page of the search — the most expensive
# part of the list under load (issue 6). Up to 1,000 matches the count is cheap and the number
# worth knowing exactly; above, the estimate ("约 4,000 项") says as much.
EXACT_COUNT_LIMIT = 1000
COUNT_TIME_LIMIT_MS = 20


@dataclass(frozen=True)
class ListCount:
    """How many cards the list holds: exact, an estimate, or unknown (n None: not counted in time)."""

    n: int | None
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


def _tallied_cards(*, actor: User, filters: AssetFilters) -> int:
    """The actor's cards in the filters' unit and statuses, from the counters (other filters ignored)."""
    tallies = tally_queryset(actor=actor)
    if filters.unit_id:
        tallies = tallies.filter(owner_unit_id=filters.unit_id)
    if filters.statuses:
        tallies = tallies.filter(status__in=filters.statuses)
    return int(tallies.aggregate(n=Sum("cards"))["n"] or 0)


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


def asset_count(*, actor: User, filters: AssetFilters, page: AssetPage | None = None) -> ListCount:
    """How many cards the list of `filters` (asset_list) holds: exact or an estimate.

    Given the list's `page` (asset_page) and that page holds the whole list, its rows are the
    count and nothing is asked: a search that finds nothing or a few cards would otherwise read
    the scope a second time to count them (on SQLite the whole scope for a term found nowhere).
    """
    if page is not None and page.is_whole_list:
        return ListCount(len(page.object_list), True)
    if _tally_answers(filters):
        return ListCount(_tallied_cards(actor=actor, filters=filters), True)
    # Counted without the list's plan choices: on PostgreSQL on the GIN form of the search (its
    # estimate uses the keys' statistics, and an exact count of a few thousand matches is one
    # bitmap scan); on SQLite with the indexes the list's rows may walk without (core.planner) —
    # counting every match is what they are fast at.
    qs = _filtered(actor=actor, filters=filters, categories=_filter_categories(filters))
    if filters.query:
        qs = apply_search(qs, filters.query)
    if connection.vendor != "postgresql":
        return ListCount(qs.order_by().count(), True)
    estimate = _planner_estimate(qs)
    if estimate <= EXACT_COUNT_LIMIT:
        n = _bounded_count(qs)
        if n is None:  # counting takes long: show the estimate unless it is too small to be true
            return ListCount(_round_estimate(estimate), False) if estimate >= 100 else ListCount(None, False)
        if n <= EXACT_COUNT_LIMIT:
            return ListCount(n, True)
        estimate = n
    return ListCount(_round_estimate(estimate), False)


class _UndoSettings(Exception):
    """Raised to roll the count's block back: SET LOCAL would otherwise outlive it when the caller
    is inside a transaction of its own."""


def _bounded_count(qs: QuerySet[Asset]) -> int | None:
    """The exact count (at most EXACT_COUNT_LIMIT + 1), or None when it takes longer than
    COUNT_TIME_LIMIT_MS — the page then shows the estimate rather than wait for a number."""
    counted = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {int(COUNT_TIME_LIMIT_MS)}")
            counted = qs.order_by()[: EXACT_COUNT_LIMIT + 1].count()
            raise _UndoSettings
    except _UndoSettings:
        return counted
    except OperationalError:  # canceled by the timeout
        return None


def asset_detail_queryset(*, actor: User) -> QuerySet[Asset]:
    return asset_queryset(actor=actor).select_related(
        "book", "category", "owner_unit", "user_unit", "department", "custodian"
    )


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One ledger event as the card's timeline shows it, read as plain values.

    The timeline used to read 200 AssetEvent models, each with its actor as a User model
    (select_related): 400 model objects and ~13.5 ms of CPU per card with 200 events on a slow
    machine; the same columns as tuples take ~6 ms (issue 6)."""

    event_type: str
    occurred_at: dt.datetime
    reference: str
    before: dict[str, Any]
    after: dict[str, Any]
    note: str
    actor: str  # the actor as str(user) shows them (full name, else user name); "" for the system


def asset_timeline(*, asset: Asset, limit: int = 500) -> list[TimelineEvent]:
    """The card's ledger, newest first (the card is already scoped by the caller)."""
    rows = (
        AssetEvent.objects.filter(asset=asset)
        .order_by("-occurred_at", "-id")
        .values_list(
            "event_type",
            "occurred_at",
            "reference",
            "before",
            "after",
            "note",
            "actor__full_name",
            "actor__username",
        )[:limit]
    )
    return [
        TimelineEvent(event_type, occurred_at, reference, before, after, note, full_name or username or "")
        for event_type, occurred_at, reference, before, after, note, full_name, username in rows
    ]


@dataclass(frozen=True)
class Holdings:
    """The visible cards as the home page shows them, from the maintained counters."""

    by_status: dict[str, int]  # cards per status (statuses without cards left out)
    totals: dict[str, int]  # original, accumulated, net (fen) and cards — disposed cards left out


def holdings(*, actor: User) -> Holdings:
    """Cards per status and the value totals of the cards not disposed, in one query (the home
    page asked two: per status, then the totals without the disposed)."""
    rows = (
        tally_queryset(actor=actor)
        .values("status")
        .annotate(
            cards=Sum("cards"),
            original=Sum("original_value_fen"),
            accumulated=Sum("accumulated_depreciation_fen"),
        )
        .order_by()
    )
    by_status: dict[str, int] = {}
    totals = {"original": 0, "accumulated": 0, "cards": 0}
    for row in rows:
        if row["cards"]:
            by_status[row["status"]] = int(row["cards"])
        if row["status"] != "disposed":
            totals["original"] += int(row["original"] or 0)
            totals["accumulated"] += int(row["accumulated"] or 0)
            totals["cards"] += int(row["cards"] or 0)
    totals["net"] = totals["original"] - totals["accumulated"]
    return Holdings(by_status, totals)
