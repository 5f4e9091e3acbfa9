"""The spreadsheets app's contributions to the shared screens (see core.contributions)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwucang.core.contributions import CardAction, MenuItem
from gongwucang.org.scoping import scope_for

MENU = [
    MenuItem(
        "assets",
        gettext_lazy("Excel 导入"),
        "spreadsheets:import_list",
        roles=frozenset({"asset_clerk", "keeper"}),
        order=30,
    ),
    MenuItem("assets", gettext_lazy("资产变动记录导出"), "spreadsheets:ledger_export", order=40),
]


def list_links(request: Any) -> list[CardAction]:
    """ "导出 Excel" in the asset list's header: the list's current filters are appended to the URL."""
    links = [CardAction(_("导出 Excel"), reverse("spreadsheets:asset_export"), "outline-success")]
    if scope_for(request.user).write_unit_ids:
        links.append(CardAction(_("Excel 导入"), reverse("spreadsheets:import_list"), "outline-primary"))
    return links


def card_actions(request: Any, asset: Any) -> list[CardAction]:
    """ "导出变动记录" on a card's page: the card's ledger as Excel (the export keeps to the user's scope)."""
    url = f"{reverse('spreadsheets:ledger_export')}?asset={asset.pk}"
    return [CardAction(_("导出变动记录"), url, "outline-secondary")]
