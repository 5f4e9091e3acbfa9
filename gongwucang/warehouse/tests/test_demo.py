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
from gongwucang.warehouse import selectors, services
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
    since = selectors.idle_since([a.pk for a in idle])
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


@pytest.mark.parametrize("code", ["A02010105", "A02010108", "A02030500", "A05010301", "A04000000", "B99"])
def test_demo_photo_is_a_valid_png_the_same_every_time(code):
    import struct
    import zlib

    from gongwucang.assets.domain.attachments import check_attachment
    from gongwucang.warehouse.demo_photos import HEIGHT, WIDTH, demo_photo

    photo = demo_photo(code, variant=7)
    assert photo == demo_photo(code, variant=7) and photo != demo_photo(code, variant=8)
    assert photo[:8] == b"\x89PNG\r\n\x1a\n" and photo[12:16] == b"IHDR"
    assert struct.unpack(">II", photo[16:24]) == (WIDTH, HEIGHT)
    idat = photo.index(b"IDAT")
    (length,) = struct.unpack(">I", photo[idat - 4 : idat])
    assert len(zlib.decompress(photo[idat + 4 : idat + 4 + length])) == HEIGHT * (1 + WIDTH * 3)
    checked = check_attachment(
        kind="photo", filename="p.png", size=len(photo), head=photo[:16], max_bytes=10**6
    )
    assert checked.content_type == "image/png"


def test_demo_receipt_photographs_each_item_for_the_catalogue(world, stores):
    from django.test import Client
    from django.urls import reverse

    from gongwucang.core.testing import make_asset
    from gongwucang.warehouse.demo import Demo
    from gongwucang.warehouse.models import PoolItem
    from gongwucang.warehouse.testing import approve_all
    from gongwucang.workflow.models import OrderAttachment

    ctx = DemoContext(rng=random.Random(1), cards=0, units={"SCH": world.SCH}, users={"keeper": world.keeper})
    demo = Demo(ctx)
    cards = [make_asset(actor=world.clerk_sch, unit=world.SCH, status="idle") for _ in range(2)]
    order = services.intake_create(
        actor=world.clerk_sch,
        warehouse_id=stores.physical.pk,
        source="over_standard",
        asset_ids=[a.pk for a in cards],
        submit=True,
    )
    approve_all(order, world)
    demo.receive(order, stores.physical)
    photos = OrderAttachment.objects.filter(order=order, kind="photo")
    assert sorted(p.line.asset_id for p in photos) == sorted(a.pk for a in cards)
    client = Client()
    client.force_login(world.clerk_cln)
    html = client.get(reverse("warehouse:catalogue")).content.decode()
    for item in PoolItem.objects.filter(asset__in=cards):
        photo = photos.get(line__asset_id=item.asset_id)
        url = reverse("warehouse:item_photo", args=[item.pk, "order", photo.pk])
        assert url in html
        response = client.get(url)
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content)[:4] == b"\x89PNG"
