"""Roles (DOMAIN.md §2) and what each may see and change, as plain data.

A role is always held *in a unit* (Membership). Its reach is one of:
- UNIT: that unit only;
- SUBTREE: that unit and every unit it supervises, directly or not;
- REGION: every unit of that unit's region.
Whether the role may change asset cards is a separate flag; auditors change nothing anywhere.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ASSET_CLERK = "asset_clerk", _("资产管理员")
    UNIT_HEAD = "unit_head", _("单位负责人")
    SUPERVISOR = "supervisor", _("主管部门审批人")
    FINANCE = "finance", _("财政")
    KEEPER = "keeper", _("仓管员")
    AUDITOR = "auditor", _("审计")
    ADMIN = "admin", _("系统管理员")


class Reach(enum.Enum):
    UNIT = "unit"
    SUBTREE = "subtree"
    REGION = "region"


@dataclass(frozen=True)
class RoleRule:
    reach: Reach
    writes_cards: bool


ROLE_RULES: dict[str, RoleRule] = {
    Role.ASSET_CLERK: RoleRule(Reach.UNIT, writes_cards=True),
    Role.UNIT_HEAD: RoleRule(Reach.UNIT, writes_cards=False),
    Role.SUPERVISOR: RoleRule(Reach.SUBTREE, writes_cards=False),
    Role.FINANCE: RoleRule(Reach.REGION, writes_cards=False),
    # The keeper keeps the cards of the warehouse's operating unit (the pool's stock).
    Role.KEEPER: RoleRule(Reach.UNIT, writes_cards=True),
    Role.AUDITOR: RoleRule(Reach.REGION, writes_cards=False),
    # The administrator configures the platform; reading is region-wide, cards are the clerks'.
    Role.ADMIN: RoleRule(Reach.REGION, writes_cards=False),
}
