from django.urls import path

from calls import views

app_name = "calls"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("calls/<slug:slug>/", views.CallDetailView.as_view(), name="detail"),
    path("calls/<slug:slug>/documents/<int:pk>/", views.call_document_download, name="document"),
]
