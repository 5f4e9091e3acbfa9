"""Top-level URL map: one include per app, the language switch, the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("gongwucang.org.urls")),
    path("assets/", include("gongwucang.assets.urls")),
    path("workflow/", include("gongwucang.workflow.urls")),
    path("warehouse/", include("gongwucang.warehouse.urls")),
    path("accounting/", include("gongwucang.accounting.urls")),
    path("spreadsheets/", include("gongwucang.spreadsheets.urls")),
    path("", include("gongwucang.core.urls")),
]
