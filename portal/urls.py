from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal import csp_reports, health, metrics

admin.site.site_header = _("Eurocluster portal administration")
admin.site.site_title = _("Eurocluster portal")
admin.site.index_title = _("Calls, applications and Euroclusters")

urlpatterns = [
    # Probes and the Prometheus scraper (portal.health, portal.metrics): no login, no language.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    # What the content security policy blocked, as browsers report it (portal.csp_reports).
    path("csp-report", csp_reports.csp_report, name="csp_report"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("portal.notification_urls")),
    path("", include("accounts.urls")),
    path("", include("applications.urls")),
    path("", include("activities.urls")),
    path("", include("evaluation.urls")),
    path("", include("payments.urls")),
    path("", include("reporting.urls")),
    path("", include("calls.urls")),
]

# A database error outside a view (the session middleware) gets the "try again" page too.
handler500 = "portal.unavailable.server_error"
