"""Admin: categories are edited here; cards and the ledger are read-only (changes go through
the services so that each leaves its ledger event)."""

from django.contrib import admin

from .models import Asset, AssetEvent, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "parent",
        "default_life_months",
        "depreciable",
        "measure_unit",
        "is_active",
    )
    list_filter = ("depreciable", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # cards point at categories; deactivate instead


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ("asset_no", "name", "category", "owner_unit", "status")
    list_filter = ("status",)
    search_fields = ("asset_no", "name")
    list_select_related = ("category", "owner_unit")
    show_full_result_count = False


@admin.register(AssetEvent)
class AssetEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "asset", "event_type", "actor", "reference")
    list_filter = ("event_type",)
    search_fields = ("asset__asset_no", "reference")
    list_select_related = ("asset", "actor")
    show_full_result_count = False
    actions = None
