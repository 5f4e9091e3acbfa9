"""The one writer of the ledger (AssetEvent). Services call it inside their own transaction.

Snapshots are plain JSON: money as yuan strings ("5999.00"), dates as ISO strings, related
objects as {"id": …, "text": …} so the timeline reads as it was at the time of the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from gongwucang.core.money import fen_to_yuan
from gongwucang.core.request_context import current_request_id

from .models import Asset, AssetAttachment, AssetEvent

# The card fields a snapshot holds (the ledger's "before/after"), in display order.
SNAPSHOT_FIELDS: tuple[str, ...] = (
    "asset_no",
    "name",
    "category",
    "model_spec",
    "brand",
    "measure_unit",
    "quantity",
    "acquisition_method",
    "acquired_on",
    "booked_on",
    "funding_source",
    "fiscal_amount_fen",
    "non_fiscal_amount_fen",
    "useful_life_months",
    "depreciation_method",
    "depreciation_status",
    "is_nominal_value",
    "owner_unit",
    "user_unit",
    "department",
    "custodian",
    "location",
    "usage",
    "counterparty_name",
    "counterparty_contact",
    "counterparty_phone",
    "status",
    "condition",
    "disposal_method",
    "disposed_on",
    "disposal_income_fen",
    "note",
)
BOOK_FIELDS: tuple[str, ...] = ("original_value_fen", "accumulated_depreciation_fen", "months_depreciated")


# How the ledger reads to people (the card's timeline, the ledger export): each key by its field's
# label, each value as the screen shows it — a choice by its label (资产状态：在用 → 闲置, not
# in_use → idle), a related row by its text, nothing as "—". Lazy: translated when read.
def _asset_field(name: str) -> models.Field:  # type: ignore[type-arg]
    field = Asset._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


LEDGER_LABELS: dict[str, Any] = {name: _asset_field(name).verbose_name for name in SNAPSHOT_FIELDS}
LEDGER_LABELS.update(
    {
        "original_value_fen": gettext_lazy("原值"),
        "accumulated_depreciation_fen": gettext_lazy("累计折旧"),
        "months_depreciated": gettext_lazy("已计提月数"),
        "fiscal_amount_fen": gettext_lazy("财政拨款金额"),
        "non_fiscal_amount_fen": gettext_lazy("非财政金额"),
        "disposal_income_fen": gettext_lazy("处置收入"),
        "attachment": gettext_lazy("附件"),
        "kind": gettext_lazy("类型"),
    }
)
_LEDGER_CHOICES: dict[str, dict[Any, Any]] = {
    name: dict(_asset_field(name).choices or ()) for name in SNAPSHOT_FIELDS if _asset_field(name).choices
}
_LEDGER_CHOICES["kind"] = dict(AssetAttachment._meta.get_field("kind").choices or ())  # type: ignore[union-attr]


class LedgerWording:
    """Labels and values of ledger rows as people read them: in `language`, or the active one.
    One per rendering: each label is translated once (a card with 200 events would otherwise
    translate thousands of times)."""

    def __init__(self, language: str | None = None) -> None:
        self._language = language
        self._labels: dict[str, str] = {}
        self._values: dict[tuple[str, Any], str] = {}
        self._yes, self._no = self._text(gettext_lazy("是")), self._text(gettext_lazy("否"))

    def _text(self, lazy: Any) -> str:
        if self._language is None:
            return str(lazy)
        with translation.override(self._language):
            return str(lazy)

    def label(self, key: str) -> str:
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = self._text(LEDGER_LABELS.get(key, key))
        return found

    def value(self, key: str, value: Any) -> str:
        if isinstance(value, dict):
            return str(value.get("text", value))
        if value is None or value == "":
            return "—"
        if value is True:
            return self._yes
        if value is False:
            return self._no
        choices = _LEDGER_CHOICES.get(key)
        if choices is None or not isinstance(value, str):
            return str(value)
        found = self._values.get((key, value))
        if found is None:
            found = self._values[(key, value)] = self._text(choices.get(value, value))
        return found


# The time rows written now carry: None = now. Set only by `recorded_at` (seeding a past).
_recorded_at: ContextVar[dt.datetime | None] = ContextVar("ledger_recorded_at", default=None)


@contextmanager
def recorded_at(when: dt.datetime) -> Iterator[None]:
    """Rows written inside the block carry `when` as their time instead of now — for seeding a past
    that happened before the system existed (the demo region: cards idle for months). Never used by
    a service or a view. The time is set at insert; the ledger stays append-only."""
    if timezone.is_naive(when):
        raise ValueError("recorded_at needs an aware datetime")
    token = _recorded_at.set(when)
    try:
        yield
    finally:
        _recorded_at.reset(token)


def _json_value(asset: Asset, field_name: str) -> Any:
    field = Asset._meta.get_field(field_name)
    if isinstance(field, models.ForeignKey):
        related = getattr(asset, field_name)
        return None if related is None else {"id": related.pk, "text": str(related)}
    value = getattr(asset, field_name)
    if isinstance(value, dt.date):
        return value.isoformat()
    if field_name.endswith("_fen") and value is not None:
        return str(fen_to_yuan(value))
    return value


def snapshot(
    asset: Asset, fields: Iterable[str] = SNAPSHOT_FIELDS, *, with_book: bool = True
) -> dict[str, Any]:
    """The card as JSON, for the ledger."""
    data = {name: _json_value(asset, name) for name in fields}
    if with_book and hasattr(asset, "book"):
        book = asset.book
        data["original_value_fen"] = str(fen_to_yuan(book.original_value_fen))
        data["accumulated_depreciation_fen"] = str(fen_to_yuan(book.accumulated_depreciation_fen))
        data["months_depreciated"] = book.months_depreciated
    return data


# What snapshot_values() reads of a card: each snapshot field (a foreign key by its id column)
# and the book's three values.
SNAPSHOT_VALUES: tuple[str, ...] = (
    *(
        f"{name}_id" if isinstance(Asset._meta.get_field(name), models.ForeignKey) else name
        for name in SNAPSHOT_FIELDS
    ),
    *(f"book__{name}" for name in BOOK_FIELDS),
)


def snapshot_values(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """snapshot() of cards read as plain rows (Asset.objects.values(*SNAPSHOT_VALUES)), without
    model instances: what a re-imported ledger needs for each of its up to 1,000,000 existing
    cards, about six times cheaper than instances with their related rows. The related rows'
    texts are str() of each distinct one, read once (tests hold the output equal to snapshot()).
    A card without a book row gets no book values, as snapshot() does."""
    rows = list(rows)
    # (field, column, kind, texts of a foreign key's related rows); kinds as _json_value treats them
    plan: list[tuple[str, str, str, dict[int, str]]] = []
    for name in SNAPSHOT_FIELDS:
        field = Asset._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            column = f"{name}_id"
            ids = {row[column] for row in rows if row[column] is not None}
            related = field.related_model._default_manager.in_bulk(ids) if ids else {}
            plan.append((name, column, "ref", {pk: str(obj) for pk, obj in related.items()}))
        elif isinstance(field, models.DateField):
            plan.append((name, name, "date", {}))
        elif name.endswith("_fen"):
            plan.append((name, name, "fen", {}))
        else:
            plan.append((name, name, "plain", {}))
    out: list[dict[str, Any]] = []
    for row in rows:
        data: dict[str, Any] = {}
        for name, column, kind, texts in plan:
            value = row[column]
            if value is None or kind == "plain":
                data[name] = value
            elif kind == "ref":
                data[name] = {"id": value, "text": texts[value]}
            elif kind == "date":
                data[name] = value.isoformat()
            else:
                data[name] = str(fen_to_yuan(value))
        if row["book__original_value_fen"] is not None:
            data["original_value_fen"] = str(fen_to_yuan(row["book__original_value_fen"]))
            data["accumulated_depreciation_fen"] = str(fen_to_yuan(row["book__accumulated_depreciation_fen"]))
            data["months_depreciated"] = row["book__months_depreciated"]
        out.append(data)
    return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value changed, from each side."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record_event(
    *,
    asset: Asset,
    event_type: str,
    actor: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reference: str = "",
    note: str = "",
) -> AssetEvent:
    """Append one ledger row. Must run inside the service's transaction (a rule, checked here)."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must be called inside the service's transaction")
    return AssetEvent.objects.create(
        asset=asset,
        event_type=event_type,
        actor=actor if getattr(actor, "pk", None) else None,
        before=dict(before or {}),
        after=dict(after or {}),
        reference=reference,
        note=note,
        request_id=current_request_id(),
        occurred_at=_recorded_at.get() or timezone.now(),
    )


def record_events_bulk(events: list[AssetEvent], *, batch_size: int = 2000) -> list[AssetEvent]:
    """Append many ledger rows at once (imports, bulk actions), inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_events_bulk must be called inside the service's transaction")
    request_id = current_request_id()
    when = _recorded_at.get()
    for event in events:
        if not event.request_id:
            event.request_id = request_id
        if when is not None:
            event.occurred_at = when
    return AssetEvent.objects.bulk_create(events, batch_size=batch_size)
