"""Admin: approval flows and their steps are configuration (edited here, DOMAIN.md §4); orders,
their history and notifications are read-only — they change only through the services."""

from django.contrib import admin

from .models import ApprovalFlow, ApprovalStep, Order, OrderHistory


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 1
    fields = (
        "seq",
        "name",
        "role",
        "scope",
        "min_total_value_fen",
        "category_prefixes",
        "when_cross_department",
    )
    ordering = ("seq",)


@admin.register(ApprovalFlow)
class ApprovalFlowAdmin(admin.ModelAdmin):
    list_display = ("order_type", "name", "is_active", "updated_at")
    inlines = [ApprovalStepInline]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # deactivate instead: a type without a flow cannot be submitted


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Order)
class OrderAdmin(ReadOnly):
    list_display = ("order_no", "order_type", "status", "applicant_unit", "applicant", "created_at")
    list_filter = ("order_type", "status")
    search_fields = ("order_no", "title")
    list_select_related = ("applicant_unit", "applicant")
    show_full_result_count = False


@admin.register(OrderHistory)
class OrderHistoryAdmin(ReadOnly):
    list_display = ("occurred_at", "order", "action", "from_status", "to_status", "actor")
    list_filter = ("action",)
    search_fields = ("order__order_no",)
    list_select_related = ("order", "actor")
    show_full_result_count = False
