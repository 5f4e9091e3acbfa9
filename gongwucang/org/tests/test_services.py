"""The unit tree keeps its materialised path; credit codes are validated on units."""

import pytest
from django.core.exceptions import ValidationError

from gongwucang.core.testing import valid_credit_code
from gongwucang.org.models import Region, Unit, UnitKind
from gongwucang.org.scoping import forget_scope, scope_for
from gongwucang.org.services import unit_create, unit_save

pytestmark = pytest.mark.django_db


def test_paths_follow_the_tree(world):
    assert world.SCH.tree_path == f"{world.SUP.tree_path}{world.SCH.pk}/"
    assert world.SCH.depth == 1 and world.SUP.depth == 0


def test_moving_a_unit_moves_its_subtree_and_the_supervisors_scope(world):
    supervisor_scope = scope_for(world.supervisor).read_unit_ids
    assert world.SCH.pk in supervisor_scope
    world.SUP.supervising_unit = world.OTH
    unit_save(unit=world.SUP)
    sch = Unit.objects.get(pk=world.SCH.pk)
    assert sch.tree_path == f"/{world.OTH.pk}/{world.SUP.pk}/{world.SCH.pk}/" and sch.depth == 2
    # A supervising approver at OTH now sees the moved subtree.
    world.SCH.supervising_unit = None
    forget_scope(world.supervisor)
    assert world.SCH.pk in scope_for(world.supervisor).read_unit_ids


def test_cycle_is_refused(world):
    sup = Unit.objects.get(pk=world.SUP.pk)
    sup.supervising_unit = Unit.objects.get(pk=world.SCH.pk)
    with pytest.raises(ValidationError) as exc:
        unit_save(unit=sup)
    assert exc.value.message_dict["supervising_unit"] == ["主管部门不能是本单位或其下级单位"]


def test_supervisor_in_another_region_is_refused(world):
    other_region = Region.objects.create(code="330100099", name="别的镇")
    with pytest.raises(ValidationError):
        unit_create(
            region=other_region,
            code="X1",
            name="外镇单位",
            kind=UnitKind.ADMINISTRATIVE,
            supervising_unit=world.SUP,
        )


def test_bad_credit_code_is_refused_with_reason(world):
    bad = valid_credit_code(77)[:-1] + ("0" if valid_credit_code(77)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        unit_create(
            region=world.region, code="NEW1", name="新单位", kind=UnitKind.ADMINISTRATIVE, credit_code=bad
        )
    assert "校验位错误" in exc.value.message_dict["credit_code"][0]
    assert not Unit.objects.filter(code="NEW1").exists()


def test_scope_of_a_user_in_two_regions_does_not_mix(world):
    from gongwucang.core.testing import make_world

    other = make_world(region_code="330100002")
    assert scope_for(world.finance).read_region_ids == {world.region.pk}
    assert scope_for(other.finance).read_region_ids == {other.region.pk}
