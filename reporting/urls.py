from django.urls import include, path

from reporting.views import urlpatterns as _views

app_name = "reporting"
urlpatterns = [
    *_views,
    path("", include("reporting.kpis.urls")),
]
__all__ = ["app_name", "urlpatterns"]
