from gongwucang.org.scoping import scope_for


def test_world_scopes(world):
    assert scope_for(world.clerk_sch).read_unit_ids == {world.SCH.pk}
    assert scope_for(world.supervisor).read_unit_ids == {world.SUP.pk, world.SCH.pk, world.CLN.pk}
    assert scope_for(world.finance).read_region_ids == {world.region.pk}
    assert scope_for(world.auditor).write_unit_ids == frozenset()
    assert scope_for(world.nobody).is_empty
