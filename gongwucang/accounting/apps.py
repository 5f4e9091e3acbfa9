from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_triggers(using: str = "default", **kwargs: Any) -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table (e.g. assets_asset):
    after every migrate, put the accounting triggers back if they are missing."""
    from .triggers import ensure_sqlite_triggers

    ensure_sqlite_triggers(connections[using])


class AccountingConfig(AppConfig):
    name = "gongwucang.accounting"
    label = "accounting"
    verbose_name = _("会计核算")

    def ready(self) -> None:
        post_migrate.connect(_ensure_triggers, sender=self, dispatch_uid="accounting_ensure_triggers")
