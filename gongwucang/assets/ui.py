"""The asset register's contributions to the shared screens (see core.contributions)."""

from django.utils.translation import gettext_lazy as _

from gongwucang.core.contributions import MenuItem

MENU = [
    MenuItem("assets", _("资产卡片"), "assets:list", order=10),
    MenuItem("assets", _("新增资产"), "assets:create", roles=frozenset({"asset_clerk", "keeper"}), order=20),
]
