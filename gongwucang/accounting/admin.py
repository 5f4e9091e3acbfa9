"""Admin: read-only views of the books. Periods, postings and entries change only through the
services (post, close, reopen), which check the order of months and keep the period's history."""

from django.contrib import admin

from .models import DepreciationBasis, DepreciationRun, Period, PeriodEvent, PostingRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ("region", "month", "status", "is_opening", "posted_at", "closed_at", "closed_by")
    list_filter = ("status", "is_opening", "region")


@admin.register(PeriodEvent)
class PeriodEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "period", "kind", "actor", "reason")
    list_filter = ("kind",)
    list_select_related = ("period__region", "actor")


@admin.register(DepreciationRun)
class DepreciationRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "period", "actor", "cards", "total_fen", "is_supplementary")
    list_select_related = ("period__region", "actor")


@admin.register(PostingRequest)
class PostingRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "requested_at",
        "region",
        "month",
        "catch_up",
        "status",
        "months_done",
        "months_total",
        "cards",
    )
    list_filter = ("status",)


@admin.register(DepreciationBasis)
class DepreciationBasisAdmin(ReadOnlyAdmin):
    list_display = ("asset", "base_fen", "base_months", "reason", "set_at")
    list_select_related = ("asset",)
