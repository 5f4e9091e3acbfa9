"""Reads of the organisation: a user's roles, and the units, departments and people they may pick."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from gongwucang.core.memo import memo_on

from .models import Department, Membership, Unit, User
from .scoping import scope_for


def memberships_of(user: User) -> list[Membership]:
    """The roles `user` holds, read once per request (kept on the user object)."""
    return memo_on(
        user,
        "memberships",
        lambda: list(
            Membership.objects.filter(user=user, unit__is_active=True)
            .select_related("unit")
            .order_by("unit__tree_path", "role")
        ),
    )


def active_membership(request: HttpRequest, memberships: list[Membership]) -> Membership | None:
    """The role the user chose to act in (the first one by default)."""
    wanted = request.session.get("active_membership_id") if hasattr(request, "session") else None
    for membership in memberships:
        if membership.pk == wanted:
            return membership
    return memberships[0] if memberships else None


def readable_units(*, actor: User) -> QuerySet[Unit]:
    return scope_for(actor).readable_units().filter(is_active=True).order_by("tree_path")


def writable_units(*, actor: User) -> QuerySet[Unit]:
    return scope_for(actor).writable_units().filter(is_active=True).order_by("tree_path")


def departments_of_units(*, unit_ids: list[int] | set[int] | frozenset[int]) -> QuerySet[Department]:
    return (
        Department.objects.filter(unit_id__in=unit_ids, is_active=True)
        .select_related("unit")
        .order_by("unit_id", "name")
    )


def readable_departments(*, actor: User) -> QuerySet[Department]:
    return Department.objects.filter(unit__in=readable_units(actor=actor), is_active=True).order_by(
        "unit_id", "name"
    )


def people_of_units(*, unit_ids: list[int] | set[int] | frozenset[int]) -> QuerySet[User]:
    return User.objects.filter(unit_id__in=unit_ids).order_by("unit_id", "full_name", "username")
