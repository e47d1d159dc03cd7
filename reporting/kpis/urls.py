from reporting.kpis.views import urlpatterns

__all__ = ["urlpatterns"]
