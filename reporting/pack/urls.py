from django.urls import path

from reporting.pack import views

urlpatterns = [
    path("manage/reporting-pack/", views.ReportingPackView.as_view(), name="reporting_pack"),
]
