"""The demo region's 公物仓: idle cards have a past (their ledger says since when they are idle), so
the headline flow "hand an idle laptop into the pool" under 闲置 works for one idle long enough and
is refused, with the date, for one idle only weeks; the catalogue has photos."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from gongwucang.assets import demo as assets_demo
from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.core.dates import local_today
from gongwucang.core.demo import DemoContext
from gongwucang.org import demo as org_demo
from gongwucang.warehouse import services
from gongwucang.warehouse.domain.idle import idle_qualifies_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_cards(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    ctx = DemoContext(rng=random.Random(2026), cards=160, log=lambda *_a: None)
    for part in (org_demo, assets_demo):
        part.seed(ctx)
    return ctx


def test_demo_idle_cards_have_a_past_in_their_ledger(demo_cards, settings):
    today = local_today()
    idle = list(Asset.objects.filter(status="idle"))
    assert len(idle) > 10
    since = services.idle_since([a.pk for a in idle])
    for card in idle:
        events = list(AssetEvent.objects.filter(asset=card).order_by("occurred_at", "id"))
        registered, marked = events
        assert registered.event_type == "registered" and registered.after["status"] == "in_use"
        assert timezone.localdate(registered.occurred_at) == card.booked_on
        assert marked.event_type == "status_changed" and marked.after == {"status": "idle"}
        assert card.booked_on <= since[card.pk] <= today
        assert marked.occurred_at <= timezone.now()
    qualifying = [a for a in idle if idle_qualifies_on(since[a.pk], 6) <= today]
    assert 0 < len(qualifying) < len(idle)  # most may come in as 闲置, a few not yet
    # Cards in use were registered now, as before.
    in_use = Asset.objects.filter(status="in_use").first()
    assert AssetEvent.objects.get(asset=in_use).occurred_at > timezone.now() - timezone.timedelta(hours=1)
