from django.urls import path

from . import views

app_name = "warehouse"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("export.xlsx", views.catalogue_export, name="catalogue_export"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/request/", views.item_request, name="item_request"),
    path("items/<int:pk>/withdraw/", views.item_withdraw, name="item_withdraw"),
    path("items/<int:pk>/photos/<str:source>/<int:attachment_id>/", views.item_photo, name="item_photo"),
    path("basket/", views.basket, name="basket"),
    path("basket/add/", views.basket_add, name="basket_add"),
    path("basket/remove/", views.basket_remove, name="basket_remove"),
    path("intake/new/", views.intake_create, name="intake_create"),
    path("intake/<int:pk>/edit/", views.intake_edit, name="intake_edit"),
    path("intake/<int:pk>/receive/", views.intake_receive, name="intake_receive"),
    path("intake/<int:pk>/receipt/", views.intake_receipt, name="intake_receipt"),
    path("allocation/new/", views.allocation_create, name="allocation_create"),
    path("allocation/<int:pk>/edit/", views.allocation_edit, name="allocation_edit"),
    path("allocation/<int:pk>/dispatch/", views.allocation_dispatch, name="allocation_dispatch"),
    path("allocation/<int:pk>/acknowledge/", views.allocation_acknowledge, name="allocation_acknowledge"),
    path("allocation/<int:pk>/refuse/", views.allocation_refuse, name="allocation_refuse"),
    path("allocation/<int:pk>/handover/", views.allocation_handover, name="allocation_handover"),
    path("loans/", views.loans, name="loans"),
    path("loans/export.xlsx", views.loans_export, name="loans_export"),
    path("loans/<int:pk>/edit/", views.loan_edit, name="loan_edit"),
    path("loans/<int:pk>/lend/", views.loan_lend, name="loan_lend"),
    path("loans/<int:pk>/return/", views.loan_return, name="loan_return"),
    path("loans/<int:pk>/extend/", views.loan_extend, name="loan_extend"),
    path("stock/", views.stock, name="stock"),
    path("stock/export.xlsx", views.stock_export, name="stock_export"),
    path("listed/", views.listed, name="listed"),
    path("listed/export.xlsx", views.listed_export, name="listed_export"),
    path("warehouses/", views.warehouse_list, name="warehouses"),
]
