"""ledger.recorded_at: rows written inside it carry a past time set at insert (the demo's idle
cards); outside it, now. The ledger stays append-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from gongwucang.assets.ledger import record_event, record_events_bulk, recorded_at
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
