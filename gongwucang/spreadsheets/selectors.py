"""Reads for imports and exports, each starting from the actor's scope (org.scoping)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from gongwucang.accounting.domain.periods import PeriodStatus
from gongwucang.accounting.models import Period
from gongwucang.assets.ledger import SNAPSHOT_VALUES, snapshot_values
from gongwucang.assets.models import Asset, Category
from gongwucang.core.dates import local_today
from gongwucang.org.models import Department, Unit, User
from gongwucang.org.scoping import scope_for

from .domain.cells import normalise_name
from .domain.validation import AMBIGUOUS, CategoryRef, Existing, Lookups, Ref, UnitRef
from .models import AssetImport


def import_queryset(*, actor: User) -> QuerySet[AssetImport]:
    """Imports the actor may see: those of the units they can read (another unit's is a 404)."""
    return AssetImport.objects.filter(scope_for(actor).read_q("unit", "region")).select_related(
        "unit", "created_by", "committed_by"
    )


def importable_units(*, actor: User) -> QuerySet[Unit]:
    """Units the actor may import cards into (those whose cards they may write)."""
    return scope_for(actor).writable_units().filter(is_active=True).order_by("tree_path")


def build_lookups(*, actor: User, unit: Unit, date1904: bool = False) -> Lookups:
    """Everything the row checks need from the database, as plain dictionaries (a few queries)."""
    scope = scope_for(actor)
    categories = {
        c.code: CategoryRef(
            c.pk, c.code, str(c), c.depreciable, c.default_life_months, c.measure_unit, c.is_active
        )
        for c in Category.objects.all()
    }
    units: dict[str, UnitRef] = {}
    region_units = list(Unit.objects.filter(region_id=unit.region_id, is_active=True))
    for u in region_units:
        ref = UnitRef(u.pk, str(u), u.code, scope.can_write(u.pk))
        for key in (u.code, u.name, u.short_name):
            if key:
                units.setdefault(normalise_name(key), ref)
    unit_ids = [u.pk for u in region_units]
    departments = {
        (d.unit_id, normalise_name(d.name)): Ref(d.pk, str(d))
        for d in Department.objects.filter(unit_id__in=unit_ids, is_active=True)
    }
    people: dict[tuple[int, str], Ref] = {}
    for person in User.objects.filter(unit_id__in=unit_ids, is_active=True).only(
        "id", "username", "full_name", "unit_id"
    ):
        if person.unit_id is None:
            continue
        person_ref = Ref(person.pk, str(person))
        keys = {normalise_name(person.username)}
        if person.full_name:
            keys.add(normalise_name(person.full_name))
        for key in keys:
            slot = (person.unit_id, key)
            people[slot] = AMBIGUOUS if slot in people and people[slot].id != person.pk else person_ref
    default = UnitRef(unit.pk, str(unit), unit.code, scope.can_write(unit.pk))
    closed_months = frozenset(
        Period.objects.filter(region_id=unit.region_id, status=PeriodStatus.CLOSED).values_list(
            "month", flat=True
        )
    )
    return Lookups(
        categories=categories,
        units=units,
        departments=departments,
        people=people,
        default_unit=default,
        closed_months=closed_months,
        today=local_today(),
        date1904=date1904,
    )


def existing_cards(*, actor: User, asset_nos: Iterable[str]) -> dict[str, Existing]:
    """The existing cards among `asset_nos` (any unit: a number is unique everywhere), with their
    ledger snapshot, read as plain rows and not locked. First a bare look-up of the numbers (one
    index probe each; a fresh ledger usually finds none), then those found. A re-imported ledger
    (exported, a few cells fixed) names every card it holds: model instances with their related
    rows for each cost about six times as much, so the few cards a row really changes are read
    again, locked, by cards_for_update()."""
    found_numbers = used_asset_numbers(asset_nos)
    return _existing(actor, "asset_no__in", sorted(found_numbers))


def cards_for_update(*, actor: User, ids: Iterable[int]) -> dict[int, tuple[Existing, Asset]]:
    """The cards `ids`, locked for update (the import's transaction changes them), each with the
    Existing it is now — the authority for the change, whatever existing_cards() read before.
    The snapshots are read as plain rows after the lock (no related instances)."""
    wanted = sorted(set(ids))
    locked: dict[int, Asset] = {}
    for start in range(0, len(wanted), 2000):
        chunk = wanted[start : start + 2000]
        locked.update((a.pk, a) for a in Asset.objects.filter(pk__in=chunk).select_for_update())
    fresh = _existing(actor, "pk__in", sorted(locked))
    return {info.id: (info, locked[info.id]) for info in fresh.values()}


def _existing(actor: User, lookup: str, values: list[Any]) -> dict[str, Existing]:
    """Each card whose `lookup` ("pk__in" or "asset_no__in") is among `values`, as the Existing
    the import compares a row with, by number (2,000 values a query)."""
    scope = scope_for(actor)
    found: dict[str, Existing] = {}
    for start in range(0, len(values), 2000):
        rows = list(
            Asset.objects.filter(**{lookup: values[start : start + 2000]}).values(
                "id", "version", *SNAPSHOT_VALUES
            )
        )
        writable = [scope.can_write(row["owner_unit_id"]) for row in rows]
        snapshots = iter(snapshot_values(row for row, ok in zip(rows, writable, strict=True) if ok))
        for row, ok in zip(rows, writable, strict=True):
            found[row["asset_no"]] = Existing(
                id=row["id"],
                asset_no=row["asset_no"],
                owner_unit_id=row["owner_unit_id"],
                writable=ok,
                status=row["status"],
                version=row["version"],
                snapshot=next(snapshots) if ok else {},
            )
    return found


def used_asset_numbers(candidates: Iterable[str]) -> set[str]:
    """Which of `candidates` are asset numbers already (in any unit). One query per 5,000 numbers
    (PostgreSQL: one array parameter; SQLite: an IN list), no model instances."""
    numbers = list(candidates)
    used: set[str] = set()
    table = Asset._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(numbers), 5000):
            chunk = numbers[start : start + 5000]
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT asset_no FROM {table} WHERE asset_no = ANY(%s)", [chunk])  # noqa: S608
            else:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT asset_no FROM {table} WHERE asset_no IN ({marks})", chunk)  # noqa: S608
            used.update(r[0] for r in cursor.fetchall())
    return used


def departments_by_unit(unit_ids: Iterable[int]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for unit_id, name in (
        Department.objects.filter(unit_id__in=list(unit_ids), is_active=True)
        .values_list("unit_id", "name")
        .order_by("unit_id", "name")
    ):
        grouped[unit_id].append(name)
    return grouped


def active_category_codes() -> list[tuple[str, str]]:
    return list(Category.objects.filter(is_active=True).order_by("code").values_list("code", "name"))


def visible_q(actor: User) -> Q:
    return scope_for(actor).read_q("owner_unit", "region")


def live_progress(job: AssetImport) -> AssetImport:
    """The job with the progress its running commit last reported. On SQLite a commit cannot
    write its own row until it ends, so it leaves progress in a file (services._save_progress);
    the values are copied onto the instance for display, never saved."""
    if not job.is_busy:
        return job
    from .services import progress_file

    try:
        data = json.loads(progress_file(job.pk, job.token).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return job
    job.progress_done = int(data.get("progress_done", job.progress_done))
    job.progress_total = int(data.get("progress_total", job.progress_total))
    job.stage = str(data.get("stage", job.stage))[:100]
    return job
