from django.urls import path

from reporting.audit import views

urlpatterns = [
    path("manage/audit/", views.AuditView.as_view(), name="audit"),
]
