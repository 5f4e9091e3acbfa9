from django.urls import path

from . import views

app_name = "accounting"

urlpatterns = [
    path("", views.period_list, name="periods"),
    path("post/", views.post_request, name="post"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("periods/<int:pk>/", views.period_detail, name="period"),
    path("periods/<int:pk>/export/", views.period_export, name="period_export"),
    path("periods/<int:pk>/close/", views.period_close, name="period_close"),
    path("periods/<int:pk>/reopen/", views.period_reopen, name="period_reopen"),
    path("summary/", views.summary, name="summary"),
    path("summary/export/", views.summary_export, name="summary_export"),
    path("calculator/", views.calculator, name="calculator"),
    path("assets/<int:pk>/schedule/", views.card_schedule, name="card_schedule"),
    path("assets/<int:pk>/schedule/export/", views.card_schedule_export, name="card_schedule_export"),
    path("assets/<int:pk>/workload/", views.card_workload, name="card_workload"),
]
