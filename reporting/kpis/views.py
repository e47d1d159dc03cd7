"""The KPI pages of the manager area.

``kpis`` (``/manage/kpis/``): each KPI of one Eurocluster (``?eurocluster=<slug>``, the first
the user reads by default; a switcher when several) with a chart of every KPI's progress, and
each KPI's target, actual, share, a bullet, the trend and whether it is on track. ``kpi``
(``/manage/kpis/<pk>/``): one KPI with its charts (pygal, as the dashboard's), its figures month
by month, the history of reported values and, for a manager of a reported KPI,
the form to record one. ``kpi_evidence``: the PDF of a reported value. ``kpis_csv`` and
``kpi_csv``: the figures of the list and of a KPI's trend as CSV ("download data").

Reading (``reporting.view_kpis``): the Eurocluster's managers and observers, superusers.
Reporting (``reporting.report_kpi``): its managers. 404 for another Eurocluster's KPI, 403 for a
person with neither role anywhere (and for an observer who posts); anonymous: the login page.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from portal.errors import DomainError
from portal.ratelimits import rate_limited
from portal.uploads import pdf_download
from reporting.csv_export import csv_lines
from reporting.kpis.charts import overview_chart
from reporting.kpis.forms import KpiValueForm
from reporting.kpis.selectors import (
    history,
    kpi_euroclusters,
    kpi_targets_readable_by,
    kpi_values_readable_by,
    kpis_of,
)
from reporting.kpis.services import kpi_value_record

VIEW = "reporting.view_kpis"
REPORT = "reporting.report_kpi"


class KpiMixin(LoginRequiredMixin):
    def authorise(self, obj, permission: str = VIEW):
        if not self.request.user.has_perm(permission, obj):
            raise PermissionDenied
        return obj


def _csv(name: str, header: list[str], rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _plain(value) -> str:
    """A figure for a spreadsheet: no grouping, a dot for decimals; empty for none."""
    return "" if value is None else str(value)


class KpiListView(KpiMixin, View):
    csv = False

    def get(self, request):
        self.authorise(None)
        euroclusters = list(kpi_euroclusters(request.user))
        if not euroclusters:
            raise Http404
        slug = request.GET.get("eurocluster")
        if slug:
            eurocluster = next((e for e in euroclusters if e.slug == slug), None)
            if eurocluster is None:
                raise Http404
        else:
            eurocluster = euroclusters[0]
        kpis = kpis_of(eurocluster)
        if self.csv:
            return _csv(f"kpis-{eurocluster.slug}.csv", [
                _("Indicator"), _("Objective"), _("Measured as"), _("Target"), _("Actual"),
                _("Share of the target (%)"), _("Expected by today"), _("Status")],
                ([k.target.name, k.target.get_objective_display(),
                  str(k.computation.label) if k.computation else _("Reported"),
                  k.target.target, _plain(k.actual), _plain(k.percent), _plain(k.expected),
                  str(k.status_badge[1])] for k in kpis))
        return render(request, "reporting/kpis/list.html", {
            "eurocluster": eurocluster, "euroclusters": euroclusters, "kpis": kpis,
            "overview": overview_chart(kpis) if kpis else None,
        })


class KpiDetailView(KpiMixin, View):
    template_name = "reporting/kpis/detail.html"

    def get_target(self):
        self.authorise(None)
        return self.authorise(get_object_or_404(kpi_targets_readable_by(self.request.user),
                                                pk=self.kwargs["pk"]))

    def _render(self, request, target, form=None, status=200):
        kpi = kpis_of(target.eurocluster, targets=[target])[0]
        can_report = kpi.reported and request.user.has_perm(REPORT, target)
        return render(request, self.template_name, {
            "eurocluster": target.eurocluster, "kpi": kpi,
            "history": history(target) if kpi.reported else [],
            "form": (form or KpiValueForm()) if can_report else None,
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_target())

    @method_decorator(rate_limited("upload"))
    def post(self, request, pk):
        target = self.authorise(self.get_target(), REPORT)
        form = KpiValueForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, target, form, status=400)
        data = form.cleaned_data
        try:
            kpi_value_record(target=target, by=request.user, value=data["value"],
                             measured_on=data["measured_on"], note=data["note"],
                             evidence=data["evidence"])
        except DomainError as error:
            form.add_error("evidence" if error.details else None, error.message)
            for detail in error.details:
                form.add_error("evidence", detail)
            return self._render(request, target, form, status=409)
        messages.success(request, _("The value is recorded."))
        return redirect(reverse("reporting:kpi", args=[target.pk]))


class KpiDataView(KpiDetailView):
    """The figures of a KPI's charts, month end by month end, as CSV."""

    def get(self, request, pk):
        target = self.get_target()
        kpi = kpis_of(target.eurocluster, targets=[target])[0]
        return _csv(f"kpi-{target.pk}.csv", [_("Day"), _("Value"), _("Target")],
                    ([day.isoformat(), _plain(value), target.target] for day, value in kpi.trend))

    def post(self, request, pk):
        raise Http404


class KpiEvidenceView(KpiMixin, View):
    def get(self, request, pk):
        self.authorise(None)
        entry = self.authorise(get_object_or_404(kpi_values_readable_by(request.user), pk=pk))
        if not entry.evidence:
            raise Http404
        return pdf_download(entry.evidence, filename=entry.evidence_name)


urlpatterns = [
    path("manage/kpis/", KpiListView.as_view(), name="kpis"),
    path("manage/kpis.csv", KpiListView.as_view(csv=True), name="kpis_csv"),
    path("manage/kpis/<int:pk>/", KpiDetailView.as_view(), name="kpi"),
    path("manage/kpis/<int:pk>/data.csv", KpiDataView.as_view(), name="kpi_csv"),
    path("manage/kpis/values/<int:pk>/evidence/", KpiEvidenceView.as_view(),
         name="kpi_evidence"),
]
