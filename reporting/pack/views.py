"""The reporting pack's page (``/manage/reporting-pack/``): a period form for one Eurocluster
(``?eurocluster=<id or acronym>`` when the user manages several); a valid period downloads the
ZIP, a bad one shows the form with its messages.

403 without a manager role anywhere, 404 for another Eurocluster; anonymous visitors go to the
login page.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views import View

from euroclusters.models import Eurocluster, Membership
from euroclusters.rules import eurocluster_ids_with_role
from reporting.dashboard.selectors import pick_eurocluster
from reporting.pack.forms import PeriodForm
from reporting.pack.rules import PERMISSION
from reporting.pack.selectors import Period
from reporting.pack.services import reporting_pack


def pack_euroclusters(user) -> list[Eurocluster]:
    queryset = Eurocluster.objects.order_by("acronym")
    if user.is_superuser:
        return list(queryset)
    return list(queryset.filter(pk__in=eurocluster_ids_with_role(user, Membership.Role.MANAGER)))


class ReportingPackView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        euroclusters = pack_euroclusters(request.user)
        eurocluster = pick_eurocluster(euroclusters, request.GET.get("eurocluster"))
        if eurocluster is None or not request.user.has_perm(PERMISSION, eurocluster):
            raise Http404
        form = PeriodForm(request.GET if "start" in request.GET or "end" in request.GET
                          else None)
        if form.is_valid():
            name, data = reporting_pack(eurocluster=eurocluster, period=Period(
                form.cleaned_data["start"], form.cleaned_data["end"]))
            response = HttpResponse(data, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return render(request, "reporting/pack/page.html", {
            "euroclusters": euroclusters, "eurocluster": eurocluster, "form": form},
            status=400 if form.is_bound else 200)
