from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "gongwucang.warehouse"
    label = "warehouse"
    verbose_name = _("公物仓")

    def ready(self) -> None:
        # The warehouse's order types plug into the approval engine (workflow.registry).
        from .handlers import register_all

        register_all()
