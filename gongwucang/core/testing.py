"""Shared test helpers: a small region with every role, and cards made through the services.

Tests of every app build on `make_world()` (also the `world` pytest fixture in conftest.py), so
permission tests across apps talk about the same people:

    finance office  FIN   (finance, auditor, admin)
    warehouse unit  WH    (keeper, clerk)
    supervising     SUP   (supervisor, clerk, head)
      ├─ school     SCH   (clerk, head)
      └─ clinic     CLN   (clerk, head)
    unrelated       OTH   (clerk, head)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gongwucang.assets.categories import categories_load
from gongwucang.assets.models import Asset, Category
from gongwucang.assets.services import asset_register
from gongwucang.org.domain.credit_code import check_character
from gongwucang.org.domain.roles import Role
from gongwucang.org.models import Region, Unit, UnitKind, User
from gongwucang.org.services import department_create, membership_grant, unit_create

PASSWORD = "Test-pass-2026"  # noqa: S105 — tests only


def valid_credit_code(seed: int) -> str:
    body = f"12330100{seed:09d}"
    return body + check_character(body)


@dataclass
class World:
    region: Region
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # world.clerk_sch, world.SCH
        users = self.__dict__.get("users", {})
        units = self.__dict__.get("units", {})
        if name in users:
            return users[name]
        if name in units:
            return units[name]
        raise AttributeError(name)


def make_user(username: str, unit: Unit | None, role: str | None = None, **extra: Any) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, unit=unit, full_name=extra.pop("full_name", username), **extra
    )
    if role and unit is not None:
        membership_grant(user=user, unit=unit, role=role)
    return user


def make_world(region_code: str = "330100001") -> World:
    region = Region.objects.create(code=region_code, name="测试镇")
    world = World(region=region)
    spec = [
        ("FIN", "财政所", UnitKind.ADMINISTRATIVE, None, True),
        ("WH", "机关事务中心", UnitKind.PUBLIC_INSTITUTION, None, False),
        ("SUP", "社会事务办", UnitKind.ADMINISTRATIVE, None, False),
        ("SCH", "中心小学", UnitKind.PUBLIC_INSTITUTION, "SUP", False),
        ("CLN", "卫生院", UnitKind.PUBLIC_INSTITUTION, "SUP", False),
        ("OTH", "农服中心", UnitKind.PUBLIC_INSTITUTION, None, False),
    ]
    for i, (code, name, kind, parent, is_finance) in enumerate(spec, start=1):
        unit = unit_create(
            region=region,
            code=f"{code}{region_code[-2:]}",
            name=name,
            kind=kind,
            supervising_unit=world.units.get(parent) if parent else None,
            credit_code=valid_credit_code(int(region_code[-3:]) * 100 + i),
            is_finance_office=is_finance,
        )
        world.units[code] = unit
        department_create(unit=unit, name="办公室")
        department_create(unit=unit, name="业务科")
    u = world.units
    suffix = "" if region_code == "330100001" else f"_{region_code[-2:]}"
    roles = [
        ("finance", "FIN", Role.FINANCE),
        ("auditor", "FIN", Role.AUDITOR),
        ("admin", "FIN", Role.ADMIN),
        ("keeper", "WH", Role.KEEPER),
        ("clerk_wh", "WH", Role.ASSET_CLERK),
        ("head_wh", "WH", Role.UNIT_HEAD),
        ("supervisor", "SUP", Role.SUPERVISOR),
        ("clerk_sup", "SUP", Role.ASSET_CLERK),
        ("head_sup", "SUP", Role.UNIT_HEAD),
        ("clerk_sch", "SCH", Role.ASSET_CLERK),
        ("head_sch", "SCH", Role.UNIT_HEAD),
        ("clerk_cln", "CLN", Role.ASSET_CLERK),
        ("head_cln", "CLN", Role.UNIT_HEAD),
        ("clerk_oth", "OTH", Role.ASSET_CLERK),
        ("head_oth", "OTH", Role.UNIT_HEAD),
    ]
    for username, unit_code, role in roles:
        world.users[username] = make_user(username + suffix, u[unit_code], role)
    world.users["nobody"] = make_user("nobody" + suffix, u["OTH"], None)  # logs in, holds no role
    return world


def ensure_categories() -> dict[str, Category]:
    if not Category.objects.exists():
        categories_load()
    return {c.code: c for c in Category.objects.all()}


def make_asset(
    *,
    actor: User,
    unit: Unit,
    name: str = "笔记本电脑",
    category_code: str = "A02010108",
    original_value: Decimal | str = "5999.00",
    accumulated: Decimal | str = "0.00",
    acquired_on: dt.date = dt.date(2025, 3, 15),
    **values: Any,
) -> Asset:
    """A card registered through the service (so it has its ledger event), with sane defaults."""
    category = ensure_categories()[category_code]
    data: dict[str, Any] = {
        "name": name,
        "category": category,
        "acquired_on": acquired_on,
        "booked_on": values.pop("booked_on", acquired_on),
    }
    data.update(values)
    return asset_register(
        actor=actor,
        owner_unit=unit,
        values=data,
        original_value=Decimal(original_value),
        accumulated_depreciation=Decimal(accumulated),
    )
