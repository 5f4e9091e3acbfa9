"""Admin screens for regions, units, departments, people and their roles.

Units are saved through org.services so the unit tree stays consistent.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Department, Membership, Region, Unit, User
from .services import unit_save


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "transfer_month_charged_by")
    search_fields = ("code", "name")


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "supervising_unit",
        "credit_code",
        "is_finance_office",
        "is_active",
    )
    list_filter = ("region", "kind", "is_finance_office", "is_active")
    search_fields = ("code", "name", "short_name", "credit_code")
    autocomplete_fields = ("supervising_unit",)
    readonly_fields = ("tree_path", "depth")
    inlines = [DepartmentInline]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        unit_save(unit=obj)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "unit__name")
    autocomplete_fields = ("unit",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("unit",)
    verbose_name = _("角色")
    verbose_name_plural = _("角色（在哪个单位担任什么）")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "unit", "department", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "memberships__role")
    search_fields = ("username", "full_name", "phone", "unit__name")
    autocomplete_fields = ("unit", "department")
    inlines = [MembershipInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("单位与联系方式"), {"fields": ("full_name", "phone", "unit", "department")}),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "unit__name")
    autocomplete_fields = ("user", "unit")
