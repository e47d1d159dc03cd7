"""Views of the evaluation app: results (the ranking, the Evaluation Summary Report, redress).

Managers: ``manage_ranking`` (compute, approve, reopen, publish),
``manage_ranking_place_reexamined`` (POST: place the applications re-examined after a redress
into the published ranking) and ``manage_redress`` (decide a request) — 404 outside their
Euroclusters, 403 without the manager role. Applicants: ``esr``, ``redress_file`` and
``selection_decline`` on their own applications only — 404 for anyone else, and for the ESR
before the results are published.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from applications.models import Application
from evaluation.forms.results import (
    DeclineForm,
    RankingActionForm,
    RedressDecisionForm,
    RedressFileForm,
)
from evaluation.models import Ranking, RedressRequest
from evaluation.selectors.results import (
    applications_of,
    calls_for_results,
    esr,
    open_redress,
    ranking_page,
    redress_deadline,
    redress_managed_by,
    redress_refusal,
)
from evaluation.services.ranking import (
    ranking_approve,
    ranking_compute,
    ranking_publish,
    ranking_reopen,
    selection_decline,
)
from evaluation.services.redress import redress_decide, redress_file
from evaluation.services.reexamination import ranking_place_reexamined
from portal.errors import DomainError

PERMISSION = "evaluation.manage_evaluation"


class ManagerMixin(LoginRequiredMixin):
    """404 for what lies outside the user's Euroclusters, 403 without the manager role."""

    def authorise(self, obj):
        if not self.request.user.has_perm(PERMISSION, obj):
            raise PermissionDenied
        return obj


def _refusal(error: DomainError) -> str:
    """A refusal for the messages: its sentence, then its details (such as each application
    still without a final consensus) as a list."""
    if not error.details:
        return error.message
    return format_html('{}<ul class="mb-0">{}</ul>', error.message,
                       format_html_join("", "<li>{}</li>", ((d,) for d in error.details)))


class ManageRankingView(ManagerMixin, View):
    template_name = "evaluation/results/manage_ranking.html"
    SERVICES = {"compute": ranking_compute, "approve": ranking_approve,
                "reopen": ranking_reopen, "publish": ranking_publish}
    DONE = {
        "compute": gettext_lazy("The ranking is computed. Check it, then approve it."),
        "approve": gettext_lazy("The ranking is approved. Publishing the results tells every "
                                "applicant."),
        "reopen": gettext_lazy("The ranking is back to draft."),
        "publish": gettext_lazy("The results are published; every applicant receives their "
                                "Evaluation Summary Report by e-mail."),
    }

    def get_call(self):
        return self.authorise(get_object_or_404(calls_for_results(self.request.user),
                                                pk=self.kwargs["pk"]))

    def get(self, request, pk):
        call = self.get_call()
        return render(request, self.template_name, {"call": call, "page": ranking_page(call),
                                                    "Status": Ranking.Status})

    def post(self, request, pk):
        call = self.get_call()
        form = RankingActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown action."))
            return redirect("evaluation:manage_ranking", pk=call.pk)
        action = form.cleaned_data["action"]
        try:
            self.SERVICES[action](call=call, by=request.user)
        except DomainError as error:
            messages.error(request, _refusal(error))
        else:
            messages.success(request, self.DONE[action])
        return redirect("evaluation:manage_ranking", pk=call.pk)


class PlaceReexaminedView(ManagerMixin, View):
    """POST only: place the re-examined applications, then back to the ranking page."""

    http_method_names = ["post"]

    def post(self, request, pk):
        call = self.authorise(get_object_or_404(calls_for_results(request.user), pk=pk))
        try:
            placed = ranking_place_reexamined(call=call, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if placed:
                messages.success(request, ngettext(
                    "%(n)d re-examined proposal is placed in the ranking; its applicant "
                    "receives the new Evaluation Summary Report by e-mail.",
                    "%(n)d re-examined proposals are placed in the ranking; their applicants "
                    "receive the new Evaluation Summary Report by e-mail.",
                    len(placed)) % {"n": len(placed)})
            else:
                messages.info(request, _("No re-examined proposal is waiting to be placed."))
        return redirect("evaluation:manage_ranking", pk=call.pk)


class ManageRedressView(ManagerMixin, View):
    template_name = "evaluation/results/manage_redress.html"

    def get_redress(self):
        return self.authorise(get_object_or_404(redress_managed_by(self.request.user),
                                                pk=self.kwargs["pk"]))

    def _render(self, request, redress, form, status=200):
        application = redress.application
        return render(request, self.template_name, {
            "redress": redress, "application": application, "call": application.call,
            "report": esr(application), "form": form,
            "ApplicationStatus": Application.Status, "RedressStatus": RedressRequest.Status,
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_redress(), RedressDecisionForm())

    def post(self, request, pk):
        redress = self.get_redress()
        form = RedressDecisionForm(request.POST)
        if not form.is_valid():
            return self._render(request, redress, form, status=400)
        try:
            redress_decide(redress=redress, by=request.user,
                           uphold=form.cleaned_data["decision"] == "uphold",
                           answer=form.cleaned_data["answer"])
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, redress, form, status=409)
        messages.success(request, _("Your decision is recorded and sent to the applicant."))
        return redirect("evaluation:manage_ranking", pk=redress.application.call_id)


class ApplicantMixin(LoginRequiredMixin):
    def get_application(self) -> Application:
        return get_object_or_404(applications_of(self.request.user), pk=self.kwargs["pk"])


class EsrView(ApplicantMixin, View):
    def get(self, request, pk):
        application = self.get_application()
        report = esr(application)
        if report is None:
            raise Http404
        return render(request, "evaluation/results/esr.html", {
            **report, "report": report,
            "can_decline": application.status == Application.Status.SELECTED,
            "can_redress": redress_refusal(application=application, user=request.user) is None,
            "open_redress": open_redress(application),
        })


class RedressFileView(ApplicantMixin, View):
    template_name = "evaluation/results/redress_file.html"

    def _render(self, request, application, form, status=200):
        return render(request, self.template_name, {
            "application": application, "call": application.call, "form": form,
            "refusal": redress_refusal(application=application, user=request.user),
            "deadline": redress_deadline(application),
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_application(), RedressFileForm())

    def post(self, request, pk):
        application = self.get_application()
        form = RedressFileForm(request.POST)
        if not form.is_valid():
            return self._render(request, application, form, status=400)
        try:
            redress_file(application=application, by=request.user,
                         reasons=form.cleaned_data["reasons"])
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, application, form, status=409)
        messages.success(request, _("Your redress request is filed. The cluster manager answers "
                                    "in writing, by e-mail."))
        return redirect("applications:detail", pk=application.pk)


class DeclineView(ApplicantMixin, View):
    template_name = "evaluation/results/decline.html"

    def get_selected(self) -> Application:
        application = self.get_application()
        if application.status != Application.Status.SELECTED:
            raise Http404
        return application

    def get(self, request, pk):
        application = self.get_selected()
        return render(request, self.template_name, {"application": application,
                                                    "call": application.call,
                                                    "form": DeclineForm()})

    def post(self, request, pk):
        application = self.get_selected()
        form = DeclineForm(request.POST)
        if form.is_valid():
            try:
                selection_decline(application=application, by=request.user,
                                  reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("You declined the grant; your application is "
                                            "withdrawn."))
                return redirect("applications:detail", pk=application.pk)
        return render(request, self.template_name, {"application": application,
                                                    "call": application.call, "form": form},
                      status=400)


urlpatterns = [
    path("manage/calls/<int:pk>/ranking/", ManageRankingView.as_view(), name="manage_ranking"),
    path("manage/calls/<int:pk>/ranking/reexamined/", PlaceReexaminedView.as_view(),
         name="manage_ranking_place_reexamined"),
    path("manage/redress/<int:pk>/", ManageRedressView.as_view(), name="manage_redress"),
    path("applications/<int:pk>/evaluation/", EsrView.as_view(), name="esr"),
    path("applications/<int:pk>/evaluation/decline/", DeclineView.as_view(),
         name="selection_decline"),
    path("applications/<int:pk>/redress/", RedressFileView.as_view(), name="redress_file"),
]
