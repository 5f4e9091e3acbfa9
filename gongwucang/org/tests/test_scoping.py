"""org.scoping.Scope.read_q: the same rows whether or not the region condition may use an index."""

from __future__ import annotations

import pytest

from gongwucang.assets.models import Asset
from gongwucang.core.testing import make_asset
from gongwucang.org.scoping import scope_for


@pytest.mark.parametrize("who", ["finance", "clerk_sch", "clerk_oth"])
def test_unindexed_region_reads_the_same_rows(world, who):
    make_asset(actor=world.clerk_sch, unit=world.SCH, name="笔记本电脑")
    make_asset(actor=world.clerk_oth, unit=world.OTH, name="打印机")
    scope = scope_for(getattr(world, who))
    assert bool(scope.read_region_ids) is (who == "finance")  # finance reads the whole region
    indexed = Asset.objects.filter(scope.read_q("owner_unit", "region"))
    unindexed = Asset.objects.filter(scope.read_q("owner_unit", "region", region_index=False))
    assert set(unindexed.values_list("pk", flat=True)) == set(indexed.values_list("pk", flat=True))
    assert indexed.exists()
    sql = str(unindexed.query)
    # Only a region-wide reader has a region condition to write unindexed (core.planner).
    assert ('+"assets_asset"."region_id" IN' in sql) is bool(scope.read_region_ids)
