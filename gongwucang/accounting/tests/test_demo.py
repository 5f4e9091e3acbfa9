"""The demo region's books: the seeded cards carry depreciation up to last month, last month is a
closed opening period, and posting this month charges every card exactly once more — no double
charge, the improved server on its new basis, the car on its kilometres, the reallocated laptop
to the unit that held it at the start of the month."""

from __future__ import annotations

import random

import pytest

from gongwucang.accounting import demo as accounting_demo
from gongwucang.accounting.models import (
    DepreciationBasis,
    DepreciationEntry,
    HoldingChange,
    Period,
    WorkloadPlan,
)
from gongwucang.accounting.services import depreciation_post, period_close
from gongwucang.assets import demo as assets_demo
from gongwucang.assets.domain.depreciation import (
    add_months,
    month_of,
    months_between,
    straight_line_accumulated_fen,
)
from gongwucang.assets.models import Asset
from gongwucang.core.dates import local_today
from gongwucang.core.demo import DEMO_REGION_CODE, DemoContext
from gongwucang.org import demo as org_demo
from gongwucang.org.models import Region, User

pytestmark = pytest.mark.django_db


def test_demo_books_post_this_month_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # The parts of the demo that matter for the books (the pool's orders need thousands of cards).
    ctx = DemoContext(rng=random.Random(2026), cards=150, log=lambda *_a: None)
    for part in (org_demo, assets_demo, accounting_demo):
        part.seed(ctx)
    region = Region.objects.get(code=DEMO_REGION_CODE)
    this_month = month_of(local_today())
    last_month = add_months(this_month, -1)
    assert Period.objects.get(region=region, month=last_month).status == "closed"
    assert not Period.objects.filter(region=region, month=this_month).exclude(status="open").exists()

    finance = User.objects.get(username="finance")
    [result] = depreciation_post(actor=finance, region=region, month=this_month)
    assert result.cards > 0

    special = (
        set(DepreciationBasis.objects.values_list("asset_id", flat=True))
        | set(WorkloadPlan.objects.values_list("asset_id", flat=True))
        | set(HoldingChange.objects.values_list("asset_id", flat=True))
    )
    checked = 0
    for asset in Asset.objects.filter(region=region).select_related("book", "category"):
        if asset.pk in special or not asset.category.depreciable or not asset.useful_life_months:
            continue
        if asset.status == "disposed" or asset.book.months_depreciated > asset.useful_life_months:
            continue
        # Every fresh demo card now stands where a card charged every month since it was acquired stands.
        months = months_between(asset.acquired_on, this_month)
        expected = straight_line_accumulated_fen(
            asset.book.original_value_fen, asset.useful_life_months, months
        )
        assert asset.book.accumulated_depreciation_fen == expected, asset.asset_no
        checked += 1
    assert checked > 50

    laptop_move = HoldingChange.objects.select_related("from_unit").first()
    if laptop_move is not None:
        entry = DepreciationEntry.objects.get(asset_id=laptop_move.asset_id, period__month=this_month)
        assert entry.unit_id == laptop_move.from_unit_id
    car = WorkloadPlan.objects.first()
    if car is not None:
        entry = DepreciationEntry.objects.get(asset_id=car.asset_id, period__month=this_month)
        assert entry.workload == 1860 and entry.method == "units_of_production"

    period = Period.objects.get(region=region, month=this_month)
    period_close(actor=finance, period_id=period.pk)
    assert Period.objects.get(pk=period.pk).status == "closed"
