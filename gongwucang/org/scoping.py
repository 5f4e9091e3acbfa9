"""Who may see and change which units' data — the one place where scope is decided.

Every selector that returns a user's data starts from `scope_for(user)`; a row outside the
scope does not exist for that user (a 404, never a 403 that would confirm it exists).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import IntegerField, Q
from django.db.models.lookups import In

from gongwucang.core.memo import forget, memo_on
from gongwucang.core.planner import unindexed

from .domain.roles import ROLE_RULES, Reach
from .models import Unit, User


@dataclass(frozen=True)
class Scope:
    """The units a user may read and write. Region-wide readers are held as region ids."""

    read_unit_ids: frozenset[int]
    read_region_ids: frozenset[int]
    write_unit_ids: frozenset[int]
    roles: frozenset[tuple[int, str]]  # (unit id, role) pairs the user holds

    @property
    def is_empty(self) -> bool:
        return not self.read_unit_ids and not self.read_region_ids

    def can_read(self, unit_id: int | None, region_id: int | None) -> bool:
        return unit_id in self.read_unit_ids or region_id in self.read_region_ids

    def can_write(self, unit_id: int | None) -> bool:
        return unit_id in self.write_unit_ids

    def has_role(self, role: str, unit_id: int | None = None) -> bool:
        return any(r == role and (unit_id is None or u == unit_id) for u, r in self.roles)

    def read_q(
        self,
        unit_field: str = "owner_unit",
        region_field: str | None = "region",
        *,
        region_index: bool = True,
    ) -> Q:
        """A filter on a queryset whose rows belong to a unit (and, if given, a region).

        Without `region_index` the region condition is the same but no index can serve it
        (core.planner.unindexed: for SQLite, when the list walks another index instead)."""
        q = Q(**{f"{unit_field}_id__in": sorted(self.read_unit_ids)}) if self.read_unit_ids else Q(pk__in=[])
        if self.read_region_ids:
            if region_field is None:
                q |= Q(**{f"{unit_field}__region_id__in": sorted(self.read_region_ids)})
            elif region_index:
                q |= Q(**{f"{region_field}_id__in": sorted(self.read_region_ids)})
            else:
                region = unindexed(f"{region_field}_id", IntegerField())
                q |= Q(In(region, sorted(self.read_region_ids)))
        return q

    def readable_units(self):  # -> QuerySet[Unit]
        return Unit.objects.filter(Q(id__in=self.read_unit_ids) | Q(region_id__in=self.read_region_ids))

    def writable_units(self):  # -> QuerySet[Unit]
        return Unit.objects.filter(id__in=self.write_unit_ids)


EMPTY_SCOPE = Scope(frozenset(), frozenset(), frozenset(), frozenset())


def scope_for(user: User | None) -> Scope:
    """Compute (and cache on the user object for this request) what `user` may see and change."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    return memo_on(user, "scope", lambda: _read_scope(user))


def _read_scope(user: User) -> Scope:
    read_units: set[int] = set()
    read_regions: set[int] = set()
    write_units: set[int] = set()
    roles: set[tuple[int, str]] = set()
    # The same rows the frame shows (org.selectors.memberships_of): one query per request for both.
    from .selectors import memberships_of

    for m in memberships_of(user):
        rule = ROLE_RULES[m.role]
        roles.add((m.unit_id, m.role))
        if rule.reach is Reach.REGION:
            read_regions.add(m.unit.region_id)
        elif rule.reach is Reach.SUBTREE:
            read_units.update(
                Unit.objects.filter(tree_path__startswith=m.unit.tree_path).values_list("id", flat=True)
            )
        else:
            read_units.add(m.unit_id)
        if rule.writes_cards:
            write_units.add(m.unit_id)
    return Scope(frozenset(read_units), frozenset(read_regions), frozenset(write_units), frozenset(roles))


def forget_scope(user: User) -> None:
    """Drop the cached scope (after memberships change within the same request or test)."""
    forget(user, "scope", "memberships")
