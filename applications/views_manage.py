"""The cluster manager's eligibility pages: a call's results, one application's checks and the
decision on it, and the release of the results to the applicants."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from applications.clarification_selectors import clarification_counts, clarification_thread
from applications.clarifications import ASKABLE
from applications.eligibility import Outcome
from applications.eligibility_services import eligibility_decide, eligibility_release
from applications.forms import EligibilityDecisionForm
from applications.models import Application, EligibilityResult
from applications.selectors import (
    call_eligibility_results,
    calls_managed_by,
    eligibility_summary,
    is_current_version,
    results_managed_by,
)
from calls.models import EligibilityRule
from portal.errors import DomainError
from portal.pagination import filters_query

PERMISSION = "applications.manage_eligibility"


class ManagerMixin(LoginRequiredMixin):
    """404 for what lies outside the user's Euroclusters, 403 without the manager role."""

    def authorise(self, obj):
        if not self.request.user.has_perm(PERMISSION, obj):
            raise PermissionDenied
        return obj

    def get_call(self):
        return self.authorise(get_object_or_404(calls_managed_by(self.request.user),
                                                pk=self.kwargs["pk"]))


class ManagedCallsView(ManagerMixin, View):
    def get(self, request):
        self.authorise(None)
        return render(request, "applications/manage/calls.html",
                      {"calls": calls_managed_by(request.user)})


class CallEligibilityView(ManagerMixin, View):
    """The call's eligibility: the summary, the cases to decide, and the results a page at a time.

    A call of thousands: the counts come from one light row per result (no object built), and
    only the page shown is loaded with its applicant, voucher type and clarifications."""

    page_size = 50

    def get(self, request, pk):
        call = self.get_call()
        results = call_eligibility_results(call).order_by("version__application__pk")
        rows = list(results.values_list("pk", "version__application_id", "outcome",
                                        "failed_rules"))
        needs_review = list(results.filter(outcome=EligibilityResult.Outcome.NEEDS_REVIEW)
                            .select_related("version__application__voucher_type"))
        review_checks = {r.pk: r.checks for r in needs_review}
        summary = eligibility_summary((outcome, failed, review_checks.get(pk, []))
                                      for pk, _app, outcome, failed in rows)
        outcome, rule = request.GET.get("outcome", ""), request.GET.get("rule", "")
        shown = [pk for pk, _app, result_outcome, failed in rows
                 if not outcome or result_outcome == outcome]
        if rule:
            flagged = {pk for pk, checks in results.filter(pk__in=shown)
                       .values_list("pk", "checks")
                       if any(c["rule"] == rule and c["outcome"] != Outcome.PASS
                              for c in checks)}
            failing = {pk for pk, _app, _outcome, failed in rows if rule in failed}
            shown = [pk for pk in shown if pk in failing or pk in flagged]
        page = Paginator(shown, self.page_size).get_page(request.GET.get("page"))
        listed = list(results.filter(pk__in=list(page))
                      .select_related("version__application__voucher_type"))
        counts = clarification_counts(application for _pk, application, _o, _f in rows)
        for result in listed:
            result.clarifications = counts.get(result.version.application_id)
        return render(request, "applications/manage/call_eligibility.html", {
            "call": call,
            "overdue_clarifications": sum(c["overdue"] for c in counts.values()),
            "summary": summary, "needs_review": needs_review,
            "results": listed, "page": page, "outcome": outcome, "rule": rule,
            "pagination_query": filters_query(outcome=outcome, rule=rule),
            "rule_label": dict(EligibilityRule.choices).get(rule, ""),
            "outcome_label": dict(EligibilityResult.Outcome.choices).get(outcome, ""),
        })


class EligibilityReleaseView(ManagerMixin, View):
    def post(self, request, pk):
        call = self.get_call()
        try:
            told = eligibility_release(call=call, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The eligibility results are released; %(n)d "
                                        "applicant(s) are told by e-mail.") % {"n": told})
        return redirect("applications:manage_call_eligibility", pk=call.pk)


class EligibilityResultView(ManagerMixin, View):
    template_name = "applications/manage/eligibility_result.html"

    def get_result(self):
        return self.authorise(get_object_or_404(results_managed_by(self.request.user),
                                                pk=self.kwargs["pk"]))

    def _render(self, request, result, form, status=200):
        application = result.version.application
        is_current = is_current_version(result.version)
        return render(request, self.template_name, {
            "result": result, "version": result.version, "application": application,
            "call": application.call, "form": form, "is_current": is_current,
            "can_decide": is_current and application.status in Application.IN_ELIGIBILITY,
            "clarifications": clarification_thread(application), "now": timezone.now(),
            "can_ask": application.status in ASKABLE,
        }, status=status)

    def get(self, request, pk):
        result = self.get_result()
        initial = {"outcome": result.outcome} if result.outcome in EligibilityResult.FINAL else {}
        return self._render(request, result, EligibilityDecisionForm(initial=initial))

    def post(self, request, pk):
        result = self.get_result()
        form = EligibilityDecisionForm(request.POST)
        if not form.is_valid():
            return self._render(request, result, form, status=400)
        try:
            eligibility_decide(result=result, outcome=form.cleaned_data["outcome"],
                               justification=form.cleaned_data["justification"],
                               by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, result, form, status=409)
        messages.success(request, _("Your decision on %(application)s is recorded.")
                         % {"application": result.version.application})
        return redirect("applications:manage_call_eligibility",
                        pk=result.version.application.call_id)
