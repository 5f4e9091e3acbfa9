"""Writes to the organisation: the unit tree keeps its materialised path through these only."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from .models import Department, Membership, Region, Unit, User


def _path_for(unit: Unit) -> tuple[str, int]:
    parent = unit.supervising_unit
    if parent is None:
        return f"/{unit.pk}/", 0
    return f"{parent.tree_path}{unit.pk}/", parent.depth + 1


@transaction.atomic
def unit_save(*, unit: Unit) -> Unit:
    """Create or update a unit and keep `tree_path`/`depth` right for it and every unit below it.

    Refuses a supervising unit that would make a cycle or cross regions.
    """
    parent = unit.supervising_unit
    if parent is not None:
        if parent.region_id != unit.region_id:
            raise ValidationError({"supervising_unit": gettext("主管部门必须属于同一区域")})
        in_own_subtree = bool(unit.tree_path) and parent.tree_path.startswith(unit.tree_path)
        if unit.pk and (parent.pk == unit.pk or in_own_subtree):
            raise ValidationError({"supervising_unit": gettext("主管部门不能是本单位或其下级单位")})
    unit.full_clean(exclude=["tree_path", "depth"])
    old_path = unit.tree_path
    if unit.pk is None:
        unit.save()
    path, depth = _path_for(unit)
    unit.tree_path, unit.depth = path, depth
    unit.save()
    if old_path and old_path != path:
        for sub in (
            Unit.objects.select_for_update().filter(tree_path__startswith=old_path).exclude(pk=unit.pk)
        ):
            sub.tree_path = path + sub.tree_path[len(old_path) :]
            sub.depth = sub.tree_path.count("/") - 2
            sub.save(update_fields=["tree_path", "depth"])
    return unit


def unit_create(
    *,
    region: Region,
    code: str,
    name: str,
    kind: str,
    supervising_unit: Unit | None = None,
    credit_code: str | None = None,
    short_name: str = "",
    is_finance_office: bool = False,
) -> Unit:
    unit = Unit(
        region=region,
        code=code,
        name=name,
        kind=kind,
        supervising_unit=supervising_unit,
        credit_code=credit_code or None,
        short_name=short_name,
        is_finance_office=is_finance_office,
    )
    return unit_save(unit=unit)


@transaction.atomic
def department_create(*, unit: Unit, name: str) -> Department:
    dept = Department(unit=unit, name=name)
    dept.full_clean()
    dept.save()
    return dept


@transaction.atomic
def membership_grant(*, user: User, unit: Unit, role: str) -> Membership:
    """Give `user` a role in `unit` (idempotent)."""
    membership, _ = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    return membership


@transaction.atomic
def membership_revoke(*, user: User, unit: Unit, role: str) -> int:
    deleted, _ = Membership.objects.filter(user=user, unit=unit, role=role).delete()
    return deleted
