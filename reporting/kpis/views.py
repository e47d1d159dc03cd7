"""The KPI pages of the manager area.

``kpis`` (``/manage/kpis/``): each KPI of one Eurocluster (``?eurocluster=<slug>``, the first
the user reads by default; a switcher when several) with target, actual, share, a bullet chart,
the trend and whether it is on track. ``kpi`` (``/manage/kpis/<pk>/``): one KPI with its chart,
its figures month by month, the history of reported values and, for a manager of a reported KPI,
the form to record one. ``kpi_evidence``: the PDF of a reported value.

Reading (``reporting.view_kpis``): the Eurocluster's managers and observers, superusers.
Reporting (``reporting.report_kpi``): its managers. 404 for another Eurocluster's KPI, 403 for a
person with neither role anywhere (and for an observer who posts); anonymous: the login page.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from portal.errors import DomainError
from portal.uploads import pdf_download
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


class KpiListView(KpiMixin, View):
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
        return render(request, "reporting/kpis/list.html", {
            "eurocluster": eurocluster, "euroclusters": euroclusters,
            "kpis": kpis_of(eurocluster),
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


class KpiEvidenceView(KpiMixin, View):
    def get(self, request, pk):
        self.authorise(None)
        entry = self.authorise(get_object_or_404(kpi_values_readable_by(request.user), pk=pk))
        if not entry.evidence:
            raise Http404
        return pdf_download(entry.evidence, filename=entry.evidence_name)


urlpatterns = [
    path("manage/kpis/", KpiListView.as_view(), name="kpis"),
    path("manage/kpis/<int:pk>/", KpiDetailView.as_view(), name="kpi"),
    path("manage/kpis/values/<int:pk>/evidence/", KpiEvidenceView.as_view(),
         name="kpi_evidence"),
]
