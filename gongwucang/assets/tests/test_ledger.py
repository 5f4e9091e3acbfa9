"""ledger.recorded_at: rows written inside it carry a past time set at insert (the demo's idle
cards); outside it, now. The ledger stays append-only. ledger.LedgerWording: how a ledger row
reads to people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone, translation

from gongwucang.assets.ledger import LedgerWording, record_event, record_events_bulk, recorded_at
from gongwucang.assets.models import AssetEvent
from gongwucang.core.testing import make_asset

pytestmark = pytest.mark.django_db


def test_rows_written_inside_recorded_at_carry_its_time(world):
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
    when = timezone.now() - dt.timedelta(days=250)
    with transaction.atomic():
        with recorded_at(when):
            one = record_event(asset=asset, event_type="status_changed", actor=world.clerk_sch)
            [bulk] = record_events_bulk([AssetEvent(asset=asset, event_type="status_changed")])
        after = record_event(asset=asset, event_type="status_changed", actor=world.clerk_sch)
    assert AssetEvent.objects.get(pk=one.pk).occurred_at == when
    assert AssetEvent.objects.filter(asset=asset).order_by("id").last().occurred_at > when
    assert abs(AssetEvent.objects.get(pk=after.pk).occurred_at - timezone.now()) < dt.timedelta(minutes=5)
    assert bulk.occurred_at == when


def test_recorded_at_needs_an_aware_time():
    with pytest.raises(ValueError), recorded_at(dt.datetime(2026, 1, 1, 9, 0)):
        pass


def test_snapshot_values_are_snapshot_without_model_instances(world, django_assert_max_num_queries):
    """The re-import's reading of existing cards (plain rows) gives exactly what snapshot() gives
    of the same cards — related rows set and empty, dates, amounts, the book's values — so an
    unchanged row compares equal and a changed one shows the same before/after."""
    from gongwucang.assets.ledger import SNAPSHOT_VALUES, snapshot, snapshot_values
    from gongwucang.assets.models import Asset
    from gongwucang.org.models import Department

    office = Department.objects.get(unit=world.SCH, name="办公室")
    full = make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        department=office,
        custodian=world.clerk_sch,
        location="三楼 301",
        fiscal_amount_fen=500000,
        accumulated="1234.56",
        original_value="12345.67",
    )
    bare = make_asset(actor=world.clerk_sch, unit=world.SCH, name="办公桌", category_code="A05010100")
    ids = [full.pk, bare.pk]
    rows = Asset.objects.filter(pk__in=ids).order_by("pk").values(*SNAPSHOT_VALUES)
    with django_assert_max_num_queries(6):  # the rows, then each kind of related row once
        got = snapshot_values(rows)
    expected = [snapshot(a) for a in Asset.objects.filter(pk__in=ids).order_by("pk").select_related("book")]
    assert got == expected
    assert got[0]["department"] == {"id": office.pk, "text": str(office)}
    assert got[0]["custodian"]["id"] == world.clerk_sch.pk and got[1]["custodian"] is None
    assert got[0]["original_value_fen"] == "12345.67" and got[0]["acquired_on"] == "2025-03-15"


def test_ledger_values_read_as_the_screen_shows_them():
    with translation.override("zh-hans"):
        words = LedgerWording()
        assert (words.label("status"), words.value("status", "in_use"), words.value("status", "idle")) == (
            "资产状态",
            "在用",
            "闲置",
        )
        assert words.value("condition", "needs_repair") == "待修"
        assert words.value("acquisition_method", "purchase") == "购置"
        assert words.value("owner_unit", {"id": 3, "text": "中心小学"}) == "中心小学"
        assert [words.value("note", v) for v in (None, "", True, False)] == ["—", "—", "是", "否"]
        assert words.value("status", "no_such_code") == "no_such_code"  # an old code stays readable
        assert (words.label("original_value_fen"), words.value("original_value_fen", "6299.00")) == (
            "原值",
            "6299.00",
        )
        assert words.label("not_a_field") == "not_a_field"
    with translation.override("en"):
        assert LedgerWording().value("status", "idle") == "Idle"  # the reader's language…
        chinese = LedgerWording("zh-hans")  # …or the one asked for (an export), whatever is active
        assert (chinese.label("status"), chinese.value("status", "idle"), chinese.value("note", True)) == (
            "资产状态",
            "闲置",
            "是",
        )
        assert translation.get_language() == "en"
