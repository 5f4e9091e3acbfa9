"""assets.selectors reads not covered by the list's own tests (test_list_at_scale)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from gongwucang.assets import selectors
from gongwucang.assets.ledger import record_event, recorded_at
from gongwucang.core.testing import make_asset
from gongwucang.org.models import User

pytestmark = pytest.mark.django_db


def test_timeline_reads_each_event_with_its_actor_as_str_shows_them(world):
    asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
    nameless = User.objects.create_user(username="li_si", full_name="")
    later = timezone.now() + dt.timedelta(minutes=5)
    with transaction.atomic():
        with recorded_at(later):
            record_event(
                asset=asset,
                event_type="status_changed",
                actor=nameless,
                before={"status": "in_use"},
                after={"status": "idle"},
                reference="R-1",
                note="闲置待调剂",
            )
        with recorded_at(later + dt.timedelta(minutes=1)):
            record_event(asset=asset, event_type="status_changed", actor=None, after={"status": "in_use"})

    newest, middle, created = selectors.asset_timeline(asset=asset)

    assert newest.actor == "" and newest.after == {"status": "in_use"} and newest.before == {}
    assert (middle.actor, middle.reference, middle.note) == ("li_si", "R-1", "闲置待调剂")
    assert (middle.before, middle.after, middle.event_type) == (
        {"status": "in_use"},
        {"status": "idle"},
        "status_changed",
    )
    assert middle.occurred_at == later
    assert created.actor == str(world.clerk_sch) == world.clerk_sch.full_name != ""
    assert created.event_type == "registered" and created.after["name"] == "笔记本电脑"
    assert [e.event_type for e in selectors.asset_timeline(asset=asset, limit=2)] == ["status_changed"] * 2
