from django.urls import path

from . import views

app_name = "spreadsheets"

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/template.xlsx", views.template_download, name="template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("imports/<int:pk>/recheck/", views.import_recheck, name="import_recheck"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors_download, name="import_errors"),
    path("export/assets.xlsx", views.asset_export, name="asset_export"),
    path("export/ledger.xlsx", views.ledger_export, name="ledger_export"),
]
