"""Property tests of the set-based posting against the pure rules, card by card (hypothesis).

A random portfolio — fresh and imported cards, changed values and lives, short and odd lives,
cards not depreciated, at nominal value, fully depreciated, disposed, booked after the month,
units of production with and without work — is registered through the services; one month is
posted by SQL; every card's entry (or its absence) and book row must be exactly what
assets.domain.depreciation.month_charge_fen says. Then the month is posted again (nothing
changes) and the next month is posted and checked the same way. Runs on SQLite and, with
DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongwucang.accounting.models import DepreciationBasis, DepreciationEntry, WorkloadPlan, WorkloadReading
from gongwucang.accounting.services import depreciation_post, workload_plan_set, workload_record
from gongwucang.assets.domain.depreciation import (
    UNITS_OF_PRODUCTION,
    Basis,
    CardState,
    after_charge,
    month_charge_fen,
    straight_line_accumulated_fen,
)
from gongwucang.assets.domain.events import EventType
from gongwucang.assets.models import Asset, AssetBook
from gongwucang.assets.services import asset_apply_change, asset_register, asset_update
from gongwucang.core.testing import ensure_categories

pytestmark = pytest.mark.django_db
NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
DEPRECIABLE = ["A02010105", "A02010108", "A05010100", "A02030500", "A08000000", "A01010100"]
NOT_DEPRECIABLE = ["A04000000", "A03000000", "A06000000"]


@dataclass
class CardSpec:
    code: str
    cost_fen: int
    life: int | None
    months: int
    on_schedule: bool
    accumulated_share: float
    booked_on: dt.date
    not_depreciated: bool
    nominal: bool
    units: tuple[int, int, int | None] | None  # total work, work before, this month's work
    change: tuple[str, int] | None  # ("value", delta fen) or ("life", new life)
    disposed_on: dt.date | None


@st.composite
def card_specs(draw) -> CardSpec:  # type: ignore[no-untyped-def]
    code = draw(st.sampled_from(DEPRECIABLE * 3 + NOT_DEPRECIABLE))
    cost = draw(st.one_of(st.integers(0, 200), st.integers(0, 10**9)))
    life = (
        draw(st.one_of(st.none(), st.integers(1, 240))) if code == "A08000000" else draw(st.integers(1, 240))
    )
    months = draw(st.integers(0, (life or 12) + 3))
    units = None
    if draw(st.integers(0, 9)) == 0:
        total = draw(st.integers(1, 10**6))
        units = (total, draw(st.integers(0, total - 1)), draw(st.one_of(st.none(), st.integers(0, 10**5))))
    change = draw(
        st.one_of(
            st.none(),
            st.tuples(st.just("value"), st.integers(-(10**6), 10**7)),
            st.tuples(st.just("life"), st.integers(1, 240)),
        )
    )
    booked = draw(st.dates(dt.date(2012, 1, 1), dt.date(2027, 1, 31)))
    disposed = (
        draw(st.one_of(st.none(), st.dates(booked, dt.date(2027, 3, 31))))
        if draw(st.integers(0, 7)) == 0
        else None
    )
    return CardSpec(
        code=code,
        cost_fen=cost,
        life=life,
        months=months,
        on_schedule=draw(st.booleans()),
        accumulated_share=draw(st.floats(0, 1)),
        booked_on=booked,
        not_depreciated=draw(st.integers(0, 15)) == 0,
        nominal=draw(st.integers(0, 19)) == 0,
        units=units,
        change=change,
        disposed_on=disposed,
    )


def _register(world, spec: CardSpec) -> Asset:
    categories = ensure_categories()
    cost, life = spec.cost_fen, spec.life
    if spec.on_schedule and life:
        accumulated = straight_line_accumulated_fen(cost, life, min(spec.months, life))
    else:
        accumulated = int(cost * spec.accumulated_share)
    values = {
        "name": "测试卡片",
        "category": categories[spec.code],
        "acquired_on": spec.booked_on,
        "booked_on": spec.booked_on,
        "useful_life_months": life,
        "is_nominal_value": spec.nominal,
    }
    if spec.not_depreciated:
        values["depreciation_status"] = "not_depreciated"
    if spec.units:
        values["depreciation_method"] = UNITS_OF_PRODUCTION
    card = asset_register(
        actor=world.clerk_sch,
        owner_unit=world.SCH,
        values=values,
        original_value=Decimal(cost) / 100,
        accumulated_depreciation=Decimal(accumulated) / 100,
        months_depreciated=spec.months,
    )
    if spec.units:
        total, before, work = spec.units
        workload_plan_set(actor=world.clerk_sch, asset_id=card.pk, total_workload=total, workload_unit="公里")
        WorkloadPlan.objects.filter(asset_id=card.pk).update(
            used_workload=before, base_workload=total - before
        )
        if work is not None:
            workload_record(actor=world.clerk_sch, asset_id=card.pk, month=NOV, workload=work)
    if spec.change:
        card.refresh_from_db()
        kind, value = spec.change
        if kind == "value":
            new = max(accumulated, cost + value)
            asset_update(
                actor=world.clerk_sch,
                asset_id=card.pk,
                expected_version=card.version,
                values={},
                original_value=Decimal(new) / 100,
            )
        elif life is not None:
            asset_update(
                actor=world.clerk_sch,
                asset_id=card.pk,
                expected_version=card.version,
                values={"useful_life_months": value},
            )
    if spec.disposed_on:
        asset_apply_change(
            actor=None,
            asset_id=card.pk,
            values={"status": "pending_disposal"},
            event_type=EventType.STATUS_CHANGED,
        )
        asset_apply_change(
            actor=None,
            asset_id=card.pk,
            values={"status": "disposed", "disposed_on": spec.disposed_on, "disposal_method": "scrap"},
            event_type=EventType.DISPOSED,
        )
    return card


def _state(asset_id: int, month: dt.date) -> CardState:
    """The card as the rules see it, read back from the database."""
    asset = Asset.objects.select_related("category").get(pk=asset_id)
    book = AssetBook.objects.get(asset_id=asset_id)
    basis = DepreciationBasis.objects.filter(asset_id=asset_id).first()
    plan = WorkloadPlan.objects.filter(asset_id=asset_id).first()
    reading = WorkloadReading.objects.filter(asset_id=asset_id, period__month=month).first()
    return CardState(
        cost_fen=book.original_value_fen,
        accumulated_fen=book.accumulated_depreciation_fen,
        months_charged=book.months_depreciated,
        life_months=asset.useful_life_months,
        booked_on=asset.booked_on,
        method=asset.depreciation_method,
        status=asset.status,
        disposed_on=asset.disposed_on,
        category_depreciable=asset.category.depreciable,
        depreciated=asset.depreciation_status == "depreciated",
        is_nominal_value=asset.is_nominal_value,
        basis=Basis(basis.base_fen, basis.base_months) if basis else None,
        total_workload=plan.total_workload if plan else None,
        used_workload=plan.used_workload if plan else 0,
        workload_basis=Basis(plan.base_fen, plan.base_workload) if plan else None,
        workload=reading.workload if reading else None,
    )


def _check_month(world, ids: list[int], month: dt.date) -> None:
    expected = {}
    for asset_id in ids:
        state = _state(asset_id, month)
        expected[asset_id] = (state, month_charge_fen(state, month))
    depreciation_post(actor=world.finance, region=world.region, month=month, catch_up=True)
    entries = {e.asset_id: e for e in DepreciationEntry.objects.filter(period__month=month, asset_id__in=ids)}
    for asset_id, (state, amount) in expected.items():
        entry = entries.get(asset_id)
        assert (entry.amount_fen if entry else None) == amount, (asset_id, state)
        book = AssetBook.objects.get(asset_id=asset_id)
        after = after_charge(state, amount) if amount is not None else state
        assert (book.accumulated_depreciation_fen, book.months_depreciated) == (
            after.accumulated_fen,
            after.months_charged,
        ), (asset_id, state)
        assert 0 <= book.accumulated_depreciation_fen <= book.original_value_fen
        if entry:
            assert entry.amount_fen >= 0
            assert entry.accumulated_after_fen == book.accumulated_depreciation_fen
            assert entry.unit_id == world.SCH.pk
        if amount is not None and state.method == UNITS_OF_PRODUCTION:
            assert WorkloadPlan.objects.get(asset_id=asset_id).used_workload == after.used_workload


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(card_specs(), min_size=1, max_size=12))
def test_set_based_posting_equals_the_pure_rules(world, specs):
    with transaction.atomic():
        ids = [_register(world, spec).pk for spec in specs]
        _check_month(world, ids, NOV)
        books = list(
            AssetBook.objects.filter(asset_id__in=ids)
            .order_by("asset_id")
            .values_list("accumulated_depreciation_fen", "months_depreciated")
        )
        entries = DepreciationEntry.objects.filter(asset_id__in=ids).count()
        [again] = depreciation_post(actor=world.finance, region=world.region, month=NOV)  # idempotent
        assert again.run is None
        assert (
            list(
                AssetBook.objects.filter(asset_id__in=ids)
                .order_by("asset_id")
                .values_list("accumulated_depreciation_fen", "months_depreciated")
            )
            == books
        )
        assert DepreciationEntry.objects.filter(asset_id__in=ids).count() == entries
        _check_month(world, ids, DEC)
        transaction.set_rollback(True)
