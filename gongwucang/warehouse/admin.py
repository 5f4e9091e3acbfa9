"""Admin: warehouses, bins and provisioning standards are configuration an administrator edits;
pool items and the type-specific parts of orders are read-only (they change through services)."""

from django.contrib import admin

from .models import PoolItem, ProvisioningStandard, StorageBin, Warehouse


class StorageBinInline(admin.TabularInline):
    model = StorageBin
    extra = 1
    fields = ("code", "name", "is_active")

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # pool items point at bins; deactivate instead


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "operating_unit", "region", "is_active")
    list_filter = ("kind", "is_active", "region")
    search_fields = ("code", "name")
    inlines = [StorageBinInline]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ProvisioningStandard)
class ProvisioningStandardAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "category",
        "price_cap_fen",
        "min_service_years",
        "is_default_for_category",
        "is_active",
    )
    list_filter = ("is_active", "is_default_for_category")
    search_fields = ("name", "category__code", "category__name")
    autocomplete_fields = ("category",)


@admin.register(PoolItem)
class PoolItemAdmin(admin.ModelAdmin):
    list_display = ("asset", "warehouse", "bin", "status", "source", "source_unit", "listed_at")
    list_filter = ("status", "warehouse", "source")
    search_fields = ("asset__asset_no", "asset__name")
    list_select_related = ("asset", "warehouse", "bin", "source_unit")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
