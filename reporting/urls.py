from django.urls import include, path

from reporting.exports.views import urlpatterns as _exports
from reporting.views import urlpatterns as _views

app_name = "reporting"
urlpatterns = [
    *_views,
    *_exports,
    path("", include("reporting.kpis.urls")),
    path("", include("reporting.dashboard.urls")),
    path("", include("reporting.pack.urls")),
    path("", include("reporting.audit.urls")),
]
__all__ = ["app_name", "urlpatterns"]
