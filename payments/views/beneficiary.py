"""Views of the payments app: the beneficiary's money side.

The beneficiary's bank details (for the logged-in user's enterprise), progress reports and
payments timeline; the cluster manager's review of the reports of a call; the finance officer's
decisions on changes of bank details.

Refusals: an application that is not the user's, a call or report outside the Euroclusters the
user manages, a bank change of an enterprise without a signed agreement in the finance officer's
Euroclusters: 404. A manager's page without the manager role, the finance page without a finance
role anywhere: 403.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from accounts.reauth import reauthentication_asked
from applications.selectors import organisation_of
from payments.forms.beneficiary import (
    AttachmentForm,
    BankAccountForm,
    BankDecisionForm,
    ReportForm,
    ReportReviewForm,
)
from payments.models import BankAccount, ProgressReport, Tranche
from payments.selectors.beneficiary import (
    EDITABLE,
    agreement_of,
    bank_state,
    call_reports,
    calls_for_reports,
    has_signed_agreement,
    pending_bank_changes_for,
    report_blocker,
    report_due_dates,
    report_for_manager,
    report_kinds,
    report_with_attachments,
    reports_of,
    signed_calls_of,
    timeline,
)
from payments.selectors.finance import payments_blocked_reason
from payments.services.beneficiary import (
    BankDetailsInvalid,
    ReportNotSubmitted,
    bank_account_decide,
    bank_account_save,
    mask_iban,
    report_attachment_remove,
    report_document_add,
    report_review,
    report_save,
)
from payments.views.mixins import BeneficiaryMixin
from portal.errors import DomainError
from portal.ratelimits import rate_limited
from portal.uploads import pdf_download, safe_filename

MANAGE = "payments.manage_agreements"
FINANCE = "payments.manage_payments"
KINDS = dict(ProgressReport.Kind.choices)


# --- the beneficiary ---------------------------------------------------------------------------


class BankView(LoginRequiredMixin, View):
    template_name = "payments/beneficiary/bank.html"

    def _render(self, request, organisation, form, status=200):
        state = bank_state(organisation) if organisation else {}
        return render(request, self.template_name, {
            "organisation": organisation, "form": form, **state,
            "active_iban": mask_iban(state["active"].iban) if state.get("active") else "",
            "pending_iban": mask_iban(state["pending"].iban) if state.get("pending") else "",
            "rejected_iban": mask_iban(state["rejected"].iban) if state.get("rejected") else "",
            "needs_approval": bool(organisation) and has_signed_agreement(organisation),
            "blocked": payments_blocked_reason(organisation, to_beneficiary=True)
            if organisation else None,
        }, status=status)

    def get(self, request):
        organisation = organisation_of(request.user)
        return self._render(request, organisation, BankAccountForm() if organisation else None)

    def post(self, request):
        organisation = organisation_of(request.user)
        if organisation is None:
            raise Http404
        form = BankAccountForm(request.POST)
        if not form.is_valid():
            return self._render(request, organisation, form, status=400)
        data = form.cleaned_data
        try:
            account = bank_account_save(organisation=organisation, by=request.user,
                                        holder=data["holder"], iban=data["iban"], bic=data["bic"])
        except BankDetailsInvalid as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field or None, message)
            return self._render(request, organisation, form, status=400)
        if account.status == BankAccount.Status.PENDING:
            messages.success(request, _("Your new bank details are recorded. A finance officer "
                                        "checks them before any payment goes there; until then "
                                        "payments wait."))
        else:
            messages.success(request, _("Your bank details are saved."))
        return redirect("payments:bank")


class ReportsView(BeneficiaryMixin, View):
    def get(self, request, pk):
        application = self.get_application()
        agreement = agreement_of(application)
        rows = []
        if agreement is not None:
            reports, due = reports_of(agreement), report_due_dates(agreement)
            for kind in report_kinds(agreement):
                rows.append({"kind": kind, "label": KINDS[kind], "report": reports.get(kind),
                             "blocker": report_blocker(agreement, kind), "due_on": due.get(kind)})
        return render(request, "payments/beneficiary/reports.html", {
            "application": application, "call": application.call, "agreement": agreement,
            "rows": rows,
        })


class ReportMixin(BeneficiaryMixin):
    template_name = "payments/beneficiary/report.html"

    def _load(self):
        if self.kwargs["kind"] not in KINDS:
            raise Http404
        application = self.get_application()
        agreement = self.get_agreement(application)
        if self.kwargs["kind"] not in report_kinds(agreement):
            raise Http404
        return application, agreement, report_with_attachments(agreement, self.kwargs["kind"])

    def _render(self, request, application, agreement, report, form, status=200,
                attachment_form=None, refusal=None):
        kind = self.kwargs["kind"]
        blocker = report_blocker(agreement, kind)
        editable = blocker is None and (report is None or report.status in EDITABLE)
        return render(request, self.template_name, {
            "application": application, "call": application.call, "agreement": agreement,
            "kind": kind, "label": KINDS[kind], "report": report, "form": form,
            "attachment_form": attachment_form or AttachmentForm(), "editable": editable,
            "blocker": blocker, "refusal": refusal,
            "attachments": list(report.attachments.all()) if report else [],
            "Status": ProgressReport.Status,
        }, status=status)


class ReportView(ReportMixin, View):
    def get(self, request, pk, kind):
        application, agreement, report = self._load()
        initial = {"text": report.text, "deliverables": report.deliverables,
                   "new_products": report.new_products} if report else {}
        return self._render(request, application, agreement, report,
                            ReportForm(initial=initial, kind=kind))

    def post(self, request, pk, kind):
        application, agreement, report = self._load()
        form = ReportForm(request.POST, kind=kind)
        if not form.is_valid():
            return self._render(request, application, agreement, report, form, status=400)
        submit = request.POST.get("action") == "submit"
        try:
            report_save(agreement=agreement, kind=kind, by=request.user,
                        text=form.cleaned_data["text"],
                        deliverables=form.cleaned_data["deliverables"], submit=submit,
                        new_products=form.cleaned_data.get("new_products"))
        except ReportNotSubmitted as error:
            # The draft is saved; say what the submission still needs.
            return self._render(request, application, agreement,
                                report_with_attachments(agreement, kind), form, status=400,
                                refusal=error)
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, application, agreement, report, form, status=409)
        if submit:
            messages.success(request, _("Your report is submitted; the cluster manager is told "
                                        "and reviews it."))
        else:
            messages.success(request, _("Draft saved."))
        return redirect("payments:report", pk=application.pk, kind=kind)


class ReportAttachView(ReportMixin, View):
    @method_decorator(rate_limited("upload"))
    def post(self, request, pk, kind):
        application, agreement, report = self._load()
        form = AttachmentForm(request.POST, request.FILES)
        initial = {"text": report.text, "deliverables": report.deliverables,
                   "new_products": report.new_products} if report else {}
        report_form = ReportForm(initial=initial, kind=kind)
        if not form.is_valid():
            return self._render(request, application, agreement, report, report_form,
                                status=400, attachment_form=form)
        try:
            attachment = report_document_add(agreement=agreement, kind=kind, by=request.user,
                                             uploaded=form.cleaned_data["file"])
        except DomainError as error:
            form.add_error("file", error.message)
            for detail in error.details:
                form.add_error("file", detail)
            return self._render(request, application, agreement,
                                report_with_attachments(agreement, kind), report_form,
                                status=400, attachment_form=form)
        if attachment.is_scan_pending:
            messages.warning(request, _("The document is kept aside until its virus scan: it is "
                                        "attached once scanned (usually within minutes)."))
        else:
            messages.success(request, _("The document is attached."))
        return redirect("payments:report", pk=application.pk, kind=kind)


class ReportAttachmentView(ReportMixin, View):
    def get(self, request, pk, kind, attachment_id):
        _application, _agreement, report = self._load()
        attachment = report and report.attachments.filter(pk=attachment_id).first()
        if not attachment:
            raise Http404
        return pdf_download(attachment.file, filename=safe_filename(attachment.original_name))


class ReportAttachmentRemoveView(ReportMixin, View):
    def post(self, request, pk, kind, attachment_id):
        application, _agreement, report = self._load()
        attachment = report and report.attachments.filter(pk=attachment_id).first()
        if not attachment:
            raise Http404
        try:
            report_attachment_remove(attachment=attachment, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The document is removed."))
        return redirect("payments:report", pk=application.pk, kind=kind)


class PaymentsTimelineView(BeneficiaryMixin, View):
    def get(self, request, pk):
        application = self.get_application()
        agreement = agreement_of(application)
        tranches = timeline(agreement) if agreement else []
        rows = [{"tranche": t, "payments": [
            {"payment": p, "iban": mask_iban(p.bank_account.iban)} for p in t.payments.all()]}
            for t in tranches]
        return render(request, "payments/beneficiary/payments_timeline.html", {
            "application": application, "call": application.call, "agreement": agreement,
            "rows": rows, "total": sum((t.amount for t in tranches), 0),
            "paid": sum((t.amount for t in tranches if t.status == Tranche.Status.PAID), 0),
            "blocked": payments_blocked_reason(application.organisation, to_beneficiary=True)
            if agreement else None,
        })


# --- the cluster manager -----------------------------------------------------------------------


class ManageReportsView(LoginRequiredMixin, View):
    def get(self, request, pk):
        call = get_object_or_404(calls_for_reports(request.user), pk=pk)
        if not request.user.has_perm(MANAGE, call):
            raise PermissionDenied
        reports = call_reports(call)
        return render(request, "payments/beneficiary/manage_reports.html", {
            "call": call, "reports": reports,
            "waiting": sum(1 for r in reports if r.status == ProgressReport.Status.SUBMITTED),
            "Status": ProgressReport.Status,
        })


class ManageReportMixin(LoginRequiredMixin):
    def get_report(self):
        report = report_for_manager(self.request.user, self.kwargs["pk"])
        if report is None:
            raise Http404
        if not self.request.user.has_perm(MANAGE, report):
            raise PermissionDenied
        return report


class ManageReportView(ManageReportMixin, View):
    template_name = "payments/beneficiary/manage_report.html"

    def _render(self, request, report, form, status=200):
        application = report.agreement.application
        return render(request, self.template_name, {
            "report": report, "application": application, "call": application.call,
            "form": form, "attachments": list(report.attachments.all()),
            "can_review": report.status == ProgressReport.Status.SUBMITTED,
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_report(), ReportReviewForm())

    def post(self, request, pk):
        report = self.get_report()
        form = ReportReviewForm(request.POST)
        if not form.is_valid():
            return self._render(request, report, form, status=400)
        try:
            report_review(report=report, by=request.user, approve=form.approve,
                          comment=form.cleaned_data["comment"])
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, report, form, status=409)
        if form.approve:
            messages.success(request, _("The report is approved; the beneficiary is told."))
        else:
            messages.success(request, _("The beneficiary is asked for changes."))
        return redirect("payments:manage_reports", pk=report.agreement.application.call_id)


class ManageReportAttachmentView(ManageReportMixin, View):
    def get(self, request, pk, attachment_id):
        report = self.get_report()
        attachment = next((a for a in report.attachments.all() if a.pk == attachment_id), None)
        if attachment is None:
            raise Http404
        return pdf_download(attachment.file, filename=safe_filename(attachment.original_name))


# --- the finance officer -----------------------------------------------------------------------


class FinanceBankChangesView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm(FINANCE):
            raise PermissionDenied
        accounts = list(pending_bank_changes_for(request.user))
        calls = signed_calls_of(accounts)
        rows = [{"account": a, "current": a.organisation.current[0] if a.organisation.current
                 else None, "calls": calls.get(a.organisation_id, []),
                 "form": BankDecisionForm(prefix=f"a{a.pk}")} for a in accounts]
        for row in rows:
            row["current_iban"] = mask_iban(row["current"].iban) if row["current"] else ""
        return render(request, "payments/beneficiary/finance_bank_changes.html",
                      {"rows": rows})


class FinanceBankDecideView(LoginRequiredMixin, View):
    # Approving or refusing bank details asks for a recent re-authentication (accounts.reauth);
    # without it the person confirms and comes back to the list of changes.
    def post(self, request, pk):
        if not request.user.has_perm(FINANCE):
            raise PermissionDenied
        account = get_object_or_404(pending_bank_changes_for(request.user), pk=pk)
        asked = reauthentication_asked(request, back=reverse("payments:finance_bank_changes"))
        if asked is not None:
            return asked
        form = BankDecisionForm(request.POST, prefix=f"a{account.pk}")
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect("payments:finance_bank_changes")
        try:
            bank_account_decide(account=account, by=request.user, approve=form.approve,
                                note=form.cleaned_data["note"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            name = account.organisation.legal_name
            messages.success(request, _("The new bank details of %(name)s are approved.")
                             % {"name": name} if form.approve else
                             _("The new bank details of %(name)s are refused.") % {"name": name})
        return redirect("payments:finance_bank_changes")


urlpatterns = [
    path("enterprise/bank/", BankView.as_view(), name="bank"),
    path("applications/<int:pk>/reports/", ReportsView.as_view(), name="reports"),
    path("applications/<int:pk>/reports/<slug:kind>/", ReportView.as_view(), name="report"),
    path("applications/<int:pk>/reports/<slug:kind>/documents/", ReportAttachView.as_view(),
         name="report_attach"),
    path("applications/<int:pk>/reports/<slug:kind>/documents/<int:attachment_id>/",
         ReportAttachmentView.as_view(), name="report_attachment"),
    path("applications/<int:pk>/reports/<slug:kind>/documents/<int:attachment_id>/remove/",
         ReportAttachmentRemoveView.as_view(), name="report_attachment_remove"),
    path("applications/<int:pk>/payments/", PaymentsTimelineView.as_view(),
         name="payments_timeline"),
    path("manage/calls/<int:pk>/reports/", ManageReportsView.as_view(), name="manage_reports"),
    path("manage/reports/<int:pk>/", ManageReportView.as_view(), name="manage_report"),
    path("manage/reports/<int:pk>/documents/<int:attachment_id>/",
         ManageReportAttachmentView.as_view(), name="manage_report_attachment"),
    path("finance/bank-changes/", FinanceBankChangesView.as_view(), name="finance_bank_changes"),
    path("finance/bank-changes/<int:pk>/", FinanceBankDecideView.as_view(),
         name="finance_bank_decide"),
]
