"""Pages of clarification requests: the manager asks (and shares or closes), the applicant
answers; the files of answers are downloaded by those who may read the thread.

The thread itself is shown on the applicant's application page, on the manager's eligibility
page of the application and, for the questions the manager shared, on the evaluator's review page
(``evaluation.views.reviews``)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from applications.clarification_forms import ClarificationAnswerForm, ClarificationAskForm
from applications.clarification_selectors import (
    attachment_of_thread,
    clarification_thread,
    clarifications_managed_by,
)
from applications.clarifications import (
    clarification_answer,
    clarification_ask,
    clarification_close,
    clarification_default_due,
    clarification_share,
)
from applications.models import Application, EligibilityResult
from applications.views import ApplicationMixin
from euroclusters.rules import managed_eurocluster_ids
from portal.errors import DomainError
from portal.ratelimits import rate_limited
from portal.uploads import pdf_download, safe_filename

PERMISSION = "applications.manage_clarifications"


def eligibility_page(application: Application, *, version_id: int | None = None,
                     anchor: str = "clarifications") -> str:
    """The manager's eligibility page of the version (default: the current one), at ``anchor``."""
    results = EligibilityResult.objects.filter(version__application=application)
    if version_id is not None:
        results = results.filter(version_id=version_id)
    result = results.order_by("-version__number").first()
    if result is None:
        raise Http404
    return reverse("applications:manage_eligibility_result", args=[result.pk]) + f"#{anchor}"


# --- the applicant -----------------------------------------------------------------------------


class ClarificationAnswerView(ApplicationMixin, View):
    permission = "applications.answer_clarification"
    template_name = "applications/clarifications/answer.html"

    def get_request(self, application):
        return get_object_or_404(application.clarifications.select_related("criterion"),
                                 pk=self.kwargs["request_id"])

    def _render(self, request, application, clarification, form, status=200):
        return render(request, self.template_name, {
            "application": application, "call": application.call, "clarification": clarification,
            "form": form, "overdue": clarification.is_overdue(timezone.now()),
        }, status=status)

    def get(self, request, pk, request_id):
        application = self.get_application()
        clarification = self.get_request(application)
        return self._render(request, application, clarification, ClarificationAnswerForm())

    @method_decorator(rate_limited("upload"))
    def post(self, request, pk, request_id):
        application = self.get_application()
        clarification = self.get_request(application)
        form = ClarificationAnswerForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, application, clarification, form, status=400)
        try:
            clarification_answer(request=clarification, by=request.user,
                                 text=form.cleaned_data["text"], files=form.cleaned_data["files"])
        except DomainError as error:
            form.add_error(None, error.message)
            for detail in error.details[1:]:
                form.add_error(None, detail)
            return self._render(request, application, clarification, form, status=409)
        messages.success(request, _("Your answer is sent to the cluster manager."))
        return redirect(reverse("applications:detail", args=[application.pk])
                        + f"#clarification-{clarification.pk}")


class ClarificationFileView(ApplicationMixin, View):
    """A file of an answer: the applicant, the Eurocluster's managers (404 for anyone else)."""

    def get(self, request, pk, attachment_id):
        application = self.get_application()
        attachment = attachment_of_thread(application, attachment_id)
        if attachment is None:
            raise Http404
        return pdf_download(attachment.file, filename=safe_filename(attachment.original_name))


# --- the manager -------------------------------------------------------------------------------


class ClarificationManagerMixin(LoginRequiredMixin):
    """404 outside the Euroclusters the user manages, 403 without the permission."""

    def authorise(self, obj):
        if not self.request.user.has_perm(PERMISSION, obj):
            raise PermissionDenied
        return obj

    def get_application(self) -> Application:
        applications = Application.objects.select_related("call", "organisation").filter(
            submitted_at__isnull=False)
        managed = managed_eurocluster_ids(self.request.user)
        if managed is not None:
            applications = applications.filter(call__eurocluster_id__in=managed)
        return self.authorise(get_object_or_404(applications, pk=self.kwargs["pk"]))

    def get_request(self):
        return self.authorise(get_object_or_404(
            clarifications_managed_by(self.request.user), pk=self.kwargs["pk"]))


class ClarificationAskView(ClarificationManagerMixin, View):
    template_name = "applications/clarifications/ask.html"

    def _render(self, request, application, form, status=200):
        return render(request, self.template_name, {
            "application": application, "call": application.call, "form": form,
            "thread": clarification_thread(application),
            "back": eligibility_page(application),
        }, status=status)

    def get(self, request, pk):
        application = self.get_application()
        form = ClarificationAskForm(call=application.call,
                                    initial={"due_on": clarification_default_due()})
        return self._render(request, application, form)

    def post(self, request, pk):
        application = self.get_application()
        form = ClarificationAskForm(request.POST, call=application.call)
        if not form.is_valid():
            return self._render(request, application, form, status=400)
        try:
            clarification = clarification_ask(
                application=application, by=request.user,
                question=form.cleaned_data["question"], due_on=form.cleaned_data["due_on"],
                **form.concern())
            if form.cleaned_data["share"]:
                clarification_share(request=clarification, by=request.user, shared=True)
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, application, form, status=409)
        messages.success(request, _("Your question is sent to the applicant."))
        return redirect(eligibility_page(application, anchor=f"clarification-{clarification.pk}"))


class ClarificationShareView(ClarificationManagerMixin, View):
    def post(self, request, pk):
        clarification = self.get_request()
        if request.POST.get("shared") not in ("0", "1"):
            return HttpResponseBadRequest(_("Say whether to share (1) or hide (0)."))
        shared = request.POST["shared"] == "1"
        clarification_share(request=clarification, by=request.user, shared=shared)
        messages.success(request, _("The evaluators see this question and its answer.") if shared
                         else _("The evaluators no longer see this question and its answer."))
        return redirect(eligibility_page(clarification.application,
                                         version_id=clarification.version_id,
                                         anchor=f"clarification-{clarification.pk}"))


class ClarificationCloseView(ClarificationManagerMixin, View):
    def post(self, request, pk):
        clarification = self.get_request()
        try:
            clarification_close(request=clarification, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The question is closed."))
        return redirect(eligibility_page(clarification.application,
                                         version_id=clarification.version_id,
                                         anchor=f"clarification-{clarification.pk}"))
