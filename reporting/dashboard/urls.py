from django.urls import path

from reporting.dashboard import views

urlpatterns = [
    path("manage/", views.DashboardView.as_view(), name="dashboard"),
    path("manage/calls/<int:pk>/overview/", views.CallOverviewView.as_view(),
         name="dashboard_call"),
    path("manage/charts/<slug:slug>.csv", views.ChartCsvView.as_view(),
         name="dashboard_chart_csv"),
]
