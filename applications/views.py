from datetime import date
from urllib.parse import urlsplit

import rules
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.mfa import mfa_invited
from applications.clarification_selectors import clarification_thread
from applications.forms import (
    ApplicationDraftForm,
    AttachmentForm,
    BudgetLineFormSet,
    ConsortiumMemberFormSet,
    DeMinimisAidFormSet,
    OrganisationForm,
    RelatedEnterpriseFormSet,
    SubmitForm,
    WithdrawForm,
    formset_rows,
    rows_formset,
)
from applications.models import BudgetLine, Declaration
from applications.roles import SESSION_FLAG as APPLICANT_FLAG
from applications.rules import APPLICANT_ONLY
from applications.selectors import (
    PAGE_RELATED,
    application_for_editing,
    application_for_page,
    application_for_submitting,
    application_visible_to,
    dashboard_applications,
    organisation_of,
    released_eligibility,
    version_of,
)
from applications.services import (
    SubmissionIncomplete,
    application_save_draft,
    application_start,
    application_submit,
    application_withdraw,
    attachment_remove,
    attachment_upload,
    organisation_save,
)
from applications.submission import missing_items
from calls.models import OpenCall
from calls.selectors import calls_open_and_forthcoming, calls_public
from portal.errors import DomainError
from portal.ratelimits import rate_limited
from portal.uploads import pdf_download


class ApplicationMixin(LoginRequiredMixin):
    """Loads the application from the URL: 404 unless the user may see it, 403 for the action."""

    permission = "applications.view_application"

    def get_application(self, *, related: tuple[str, ...] = PAGE_RELATED):
        """``related``: the relations to load with it, for a view that needs fewer than the
        pages do (the call, its Eurocluster, the voucher type and the enterprise)."""
        application = application_visible_to(self.request.user, self.kwargs["pk"],
                                             related=related)
        if application is None:
            raise Http404
        if self.permission in APPLICANT_ONLY:
            allowed = rules.test_rule(self.permission, self.request.user, application)
        else:
            allowed = self.request.user.has_perm(self.permission, application)
        if not allowed:
            raise PermissionDenied
        return application


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "applications/dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            organisation=organisation_of(user),
            applications=dashboard_applications(user),
            open_calls=[c for c in calls_open_and_forthcoming()
                        if c.phase == OpenCall.Phase.OPEN],
            mfa_invitation=mfa_invited(self.request),
            **kwargs,
        )


class OrganisationView(LoginRequiredMixin, View):
    template_name = "applications/organisation.html"

    def _forms(self, data=None):
        organisation = organisation_of(self.request.user)
        related = organisation.related_enterprises.all() if organisation else []
        aid = organisation.de_minimis_aid.all() if organisation else []
        return {
            "form": OrganisationForm(data, instance=organisation),
            "related_formset": rows_formset(RelatedEnterpriseFormSet, data, prefix="related",
                                            rows=related),
            "aid_formset": rows_formset(DeMinimisAidFormSet, data, prefix="aid", rows=aid),
            "organisation": organisation,
        }

    def get(self, request):
        return render(request, self.template_name, self._forms())

    def post(self, request):
        context = self._forms(request.POST)
        forms = [context["form"], context["related_formset"], context["aid_formset"]]
        if all(f.is_valid() for f in forms):
            try:
                organisation_save(user=request.user, data=context["form"].cleaned_data,
                                  related=formset_rows(context["related_formset"]),
                                  aid=formset_rows(context["aid_formset"]))
            except DomainError as error:
                context["form"].add_error("registration_number", error.message)
            else:
                # The menu's applicant items (accounts.roles) follow without a new login.
                request.session[APPLICANT_FLAG] = True
                messages.success(request, _("Your enterprise details are saved."))
                target = _safe_next(request)
                if target and _is_apply_url(target):
                    # Saved on the way from a call's Apply button: go on applying. The start is a
                    # POST, so 307 has the browser repeat this POST there (its CSRF token goes
                    # along; the start view reads nothing else of it).
                    return HttpResponseRedirect(target, status=307)
                return redirect(target or "applications:organisation")
        messages.error(request, _("Please correct the fields marked below; nothing was saved."))
        return render(request, self.template_name, context, status=400)


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  request.is_secure()):
        return target
    return None


def _is_apply_url(target: str) -> bool:
    try:
        match = resolve(urlsplit(target).path)
    except Resolver404:
        return False
    return match.view_name == "applications:start"


class ApplicationStartView(LoginRequiredMixin, View):
    def post(self, request, slug):
        call = get_object_or_404(calls_public(), slug=slug)
        if organisation_of(request.user) is None:
            messages.info(request, _("First describe your enterprise; then you can apply."))
            target = reverse("applications:organisation")
            return redirect(f"{target}?next={reverse('applications:start', args=[call.slug])}")
        try:
            application = application_start(call=call, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(call)
        return redirect("applications:edit", pk=application.pk)


class DraftForms:
    """The edit page's form and formsets, bound or not, and saving what is valid of them."""

    def __init__(self, application, data=None):
        self.application = application
        call = application.call
        self.form = ApplicationDraftForm(data, instance=application, call=call)
        self.budget = rows_formset(BudgetLineFormSet, data, prefix="budget",
                                   rows=application.budget_lines.all())
        self.members = rows_formset(ConsortiumMemberFormSet, data, prefix="members",
                                    rows=application.members.all())

    def save_valid_parts(self, by) -> dict[str, list[str]]:
        """Save every part that is valid and return the errors of the rest, by field name."""
        self.form.is_valid()
        budget_ok, members_ok = self.budget.is_valid(), self.members.is_valid()
        application_save_draft(
            application=self.application, by=by, fields=self.form.draft_fields(),
            budget_lines=formset_rows(self.budget) if budget_ok else None,
            members=formset_rows(self.members) if members_ok else None,
        )
        errors = {name: [str(e) for e in errs] for name, errs in self.form.errors.items()}
        for formset in (self.budget, self.members):
            if not formset.is_valid():
                for form in formset.forms:
                    for name, errs in form.errors.items():
                        errors[f"{form.prefix}-{name}"] = [str(e) for e in errs]
                if formset.non_form_errors():
                    errors[formset.prefix] = [str(e) for e in formset.non_form_errors()]
        return errors

    def context(self) -> dict:
        return {"form": self.form, "budget_formset": self.budget,
                "members_formset": self.members}


class ApplicationEditView(ApplicationMixin, View):
    permission = "applications.edit_application"
    template_name = "applications/edit.html"

    def _render(self, request, application, drafts, status=200):
        application = application_for_editing(application)
        uploaded = {a.required_document_id: a for a in application.attachments.all()}
        context = {
            "application": application, "call": application.call,
            "attachment_form": AttachmentForm(call=application.call),
            "required_documents": [(document, uploaded.get(document.pk))
                                   for document in application.call.required_documents.all()],
            "budget_total": sum((line.amount for line in application.budget_lines.all()), 0),
            # Voucher types that fund several SMEs: only they show "Partner SMEs".
            "partner_voucher_ids": [v.pk for v in application.call.voucher_types.all()
                                    if v.accepts_partners],
            **drafts.context(),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        application = application_for_editing(self.get_application())
        return self._render(request, application, DraftForms(application))

    def post(self, request, pk):
        application = self.get_application()
        drafts = DraftForms(application, request.POST)
        try:
            errors = drafts.save_valid_parts(request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return self._render(request, application, drafts, status=409)
        if errors:
            messages.warning(request, _("Saved, except the fields marked below: please correct "
                                        "them."))
            return self._render(request, application, drafts, status=400)
        messages.success(request, _("Draft saved."))
        if "review" in request.POST:
            return redirect("applications:submit", pk=application.pk)
        return redirect("applications:edit", pk=application.pk)


class ApplicationAutosaveView(ApplicationMixin, View):
    """Called by the edit page while the person types; answers in JSON."""

    permission = "applications.edit_application"

    # Past the limit the script gets a JSON 429 with the message to show, and tries again then.
    @method_decorator(rate_limited("autosave", json=True))
    def post(self, request, pk):
        application = self.get_application()
        drafts = DraftForms(application, request.POST)
        try:
            errors = drafts.save_valid_parts(request.user)
        except DomainError as error:
            return JsonResponse({"status": "refused", "message": error.message}, status=409)
        return JsonResponse({
            "status": "partial" if errors else "saved",
            "saved_at": timezone.localtime().strftime("%H:%M:%S"),
            "errors": errors,
        })


def _documents_url(pk: int) -> str:
    return reverse("applications:edit", kwargs={"pk": pk}) + "#documents"


class AttachmentUploadView(ApplicationMixin, View):
    permission = "applications.edit_application"

    @method_decorator(rate_limited("upload"))
    def post(self, request, pk):
        application = self.get_application()
        form = AttachmentForm(request.POST, request.FILES, call=application.call)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(_documents_url(pk))
        try:
            attachment = attachment_upload(
                application=application, by=request.user, uploaded=form.cleaned_data["file"],
                required_document=form.cleaned_data["required_document"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if attachment.is_scan_pending:
                messages.warning(request, _(
                    "“%(name)s” is uploaded but waiting for its virus scan: it is kept aside and "
                    "counts as attached once scanned (usually within minutes).")
                    % {"name": attachment.original_name})
            else:
                messages.success(request, _("“%(name)s” is uploaded.")
                                 % {"name": attachment.original_name})
        return redirect(_documents_url(pk))


class AttachmentRemoveView(ApplicationMixin, View):
    permission = "applications.edit_application"

    def post(self, request, pk, attachment_id):
        application = self.get_application()
        attachment = get_object_or_404(application.attachments, pk=attachment_id,
                                       removed_at__isnull=True)
        try:
            attachment_remove(attachment=attachment, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("“%(name)s” is removed from the application.")
                             % {"name": attachment.original_name})
        return redirect(_documents_url(pk))


class AttachmentDownloadView(ApplicationMixin, View):
    def get(self, request, pk, attachment_id):
        application = self.get_application()
        attachment = get_object_or_404(application.attachments, pk=attachment_id)
        return pdf_download(attachment.file, filename=attachment.original_name)


class ApplicationSubmitView(ApplicationMixin, View):
    permission = "applications.edit_application"
    template_name = "applications/submit.html"

    def _render(self, request, application, form, missing, status=200, blocking=None):
        # What keeps the button disabled: the declarations are ticked on this very page, so a
        # refusal for unticked ones lists them but leaves the button to press again.
        if blocking is None:
            blocking = missing_items(application, Declaration.values)
        return render(request, self.template_name, {
            "application": application, "call": application.call, "form": form,
            "missing": missing, "blocking": blocking,
        }, status=status)

    def get(self, request, pk):
        application = application_for_submitting(self.get_application())
        # Declarations are ticked on this page, so only the rest counts as missing here.
        missing = missing_items(application, Declaration.values)
        return self._render(request, application, SubmitForm(), missing, blocking=missing)

    def post(self, request, pk):
        # The permission reads the enterprise and the status; the submission loads (and locks)
        # the rest itself, so the call's wide row is not read twice in the deadline rush.
        application = self.get_application(related=("organisation",))
        form = SubmitForm(request.POST)
        form.is_valid()
        try:
            version = application_submit(application=application, by=request.user,
                                         declarations=form.cleaned_data.get("declarations", []))
        except SubmissionIncomplete as error:
            messages.error(request, error.message)
            # The page shows the call and the voucher type: load them with the row, at once.
            application = application_for_submitting(self.get_application())
            return self._render(request, application, form, error.details, status=400)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("applications:detail", pk=pk)
        messages.success(request, _("Submitted. Your receipt is %(code)s; it was also sent to you "
                                    "by e-mail.") % {"code": version.receipt_code})
        return redirect(version)


class ApplicationDetailView(ApplicationMixin, View):
    def get(self, request, pk):
        application = application_for_page(self.get_application())
        return render(request, "applications/detail.html", {
            "application": application, "call": application.call,
            "versions": application.versions.all(),
            "eligibility": released_eligibility(application),
            "clarifications": clarification_thread(application), "now": timezone.now(),
        })


class ReceiptView(ApplicationMixin, View):
    def get(self, request, pk, number):
        application = self.get_application()
        version = version_of(application, number)
        if version is None:
            raise Http404
        content = version.content
        categories = dict(BudgetLine.Category.choices)
        return render(request, "applications/receipt.html", {
            "application": application, "version": version, "call": application.call,
            "content": content,
            "planned_start": date.fromisoformat(content["planned_start"]),
            "budget_lines": [{**line, "label": categories.get(line["category"], line["category"])}
                             for line in content["budget_lines"]],
        })


class WithdrawView(ApplicationMixin, View):
    permission = "applications.withdraw_application"
    template_name = "applications/withdraw.html"

    def get(self, request, pk):
        application = self.get_application()
        return render(request, self.template_name, {"application": application,
                                                    "form": WithdrawForm()})

    def post(self, request, pk):
        application = self.get_application()
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"application": application,
                                                        "form": form}, status=400)
        try:
            application_withdraw(application=application, by=request.user,
                                 reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your application is withdrawn."))
        return redirect("applications:detail", pk=pk)
