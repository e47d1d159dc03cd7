"""Views of the payments app: grant agreements.

Beneficiary: ``agreement`` (status, deadline, download, the sign form) and
``agreement_download`` on their own application only — 404 for anyone else. Managers:
``manage_agreements`` (a call's agreements: generate, generate again, countersign list),
``countersign``, ``manage_agreement_document`` and ``manage_report_dates`` (the due dates of
the reports that pay tranches) — 404 outside the Euroclusters they manage,
403 without the permission. Public: ``verify`` (no login, no personal data).
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from accounts.mfa import has_mfa
from accounts.reauth import reauthentication_asked
from applications.models import Application
from evaluation.selectors.results import applications_of
from payments.forms.agreements import (
    AgreementActionForm,
    ReportDatesForm,
    SignForm,
    VerifyForm,
)
from payments.models import GrantAgreement, Signature
from payments.selectors.agreements import (
    agreement_calls,
    agreement_of_beneficiary,
    agreements_managed_by,
    agreements_page,
    brussels,
    verification,
)
from payments.selectors.finance import active_bank_account
from payments.services.agreements import (
    agreement_countersign,
    agreement_generate,
    agreement_sign,
    agreements_generate_missing,
)
from payments.services.beneficiary import REPORT_EVENTS, tranche_report_dates_set
from payments.views.mixins import BeneficiaryMixin
from portal.errors import DomainError
from portal.ratelimits import rate_limited
from portal.uploads import pdf_download

MANAGE = "payments.manage_agreements"


def _client(request) -> tuple[str | None, str]:
    """The IP address and browser of the request, as the signature records them. The address is
    the peer's: a proxy in front of the portal must pass the client's as REMOTE_ADDR."""
    return request.META.get("REMOTE_ADDR") or None, request.META.get("HTTP_USER_AGENT", "")


def _filename(agreement: GrantAgreement, final: bool) -> str:
    suffix = "signed" if final else f"r{agreement.revision}"
    return f"{agreement.application.receipt_prefix}-grant-agreement-{suffix}.pdf"


def _sign_form(agreement: GrantAgreement) -> SignForm:
    return SignForm(initial={"document_sha256": agreement.sha256})


# --- beneficiary --------------------------------------------------------------------------------


class AgreementView(BeneficiaryMixin, View):
    template_name = "payments/agreements/agreement.html"

    def _render(self, request, agreement, form, status=200):
        signatures = sorted(agreement.signatures.all(), key=lambda s: s.signed_at)
        can_sign = (agreement.status == GrantAgreement.Status.GENERATED
                    and agreement.signing_deadline is not None
                    and timezone.now() <= agreement.signing_deadline)
        return render(request, self.template_name, {
            "agreement": agreement, "application": agreement.application,
            "call": agreement.application.call,
            "signatures": [(s, brussels(s.signed_at)) for s in signatures],
            "deadline": brussels(agreement.signing_deadline), "can_sign": can_sign,
            # Details given after the signature wait for a finance officer: say so before.
            "bank_missing": can_sign and active_bank_account(
                agreement.application.organisation) is None,
            "form": form, "Status": GrantAgreement.Status,
            # Signed: invited (not forced) to turn a second factor on; from the session.
            "mfa_invitation": any(s.role == Signature.Role.BENEFICIARY for s in signatures)
            and not has_mfa(request),
        }, status=status)

    def get(self, request, pk):
        agreement = agreement_of_beneficiary(request.user, pk)
        if agreement is None:
            # A selected applicant may arrive before the agreement is generated: say so.
            application = get_object_or_404(
                applications_of(request.user).filter(status=Application.Status.SELECTED), pk=pk)
            return render(request, self.template_name, {
                "agreement": None, "application": application, "call": application.call})
        agreement = self.get_agreement()
        return self._render(request, agreement, _sign_form(agreement))

    def post(self, request, pk):
        agreement = self.get_agreement()
        if not request.user.has_perm("payments.sign_agreement", agreement):
            raise PermissionDenied
        # Signing asks for a recent re-authentication (accounts.reauth) besides the typed
        # password.
        if (asked := reauthentication_asked(request)) is not None:
            return asked
        form = SignForm(request.POST)
        if not form.is_valid():
            return self._render(request, agreement, form, status=400)
        ip_address, user_agent = _client(request)
        try:
            agreement_sign(agreement=agreement, by=request.user,
                           password=form.cleaned_data["password"],
                           typed_name=form.cleaned_data["full_name"],
                           accepted=form.cleaned_data["accept"], ip_address=ip_address,
                           user_agent=user_agent,
                           document_sha256=form.cleaned_data["document_sha256"])
        except DomainError as error:
            agreement = self.get_agreement()
            if form.cleaned_data["document_sha256"] != agreement.sha256:
                # A new revision: the form now names it, for a signature once it is read.
                form = SignForm({**request.POST.dict(), "document_sha256": agreement.sha256})
                form.is_valid()
            form.add_error(None, error.message)
            return self._render(request, agreement, form, status=409)
        messages.success(request, _("You signed the grant agreement. The Eurocluster countersigns "
                                    "it next; you will receive the final document by e-mail."))
        return redirect("payments:agreement", pk=pk)


class AgreementDownloadView(BeneficiaryMixin, View):
    def get(self, request, pk):
        agreement = self.get_agreement()
        final = bool(agreement.final_file)
        return pdf_download(agreement.final_file if final else agreement.file,
                            filename=_filename(agreement, final))


# --- managers -----------------------------------------------------------------------------------


class ManagerMixin(LoginRequiredMixin):
    """404 for what lies outside the user's Euroclusters, 403 without the permission."""

    def authorise(self, obj):
        if not self.request.user.has_perm(MANAGE, obj):
            raise PermissionDenied
        return obj

    def get_managed_agreement(self) -> GrantAgreement:
        return self.authorise(get_object_or_404(agreements_managed_by(self.request.user),
                                                pk=self.kwargs["pk"]))


class ManageAgreementsView(ManagerMixin, View):
    template_name = "payments/agreements/manage_agreements.html"

    def get_call(self):
        return self.authorise(get_object_or_404(agreement_calls(self.request.user),
                                                pk=self.kwargs["pk"]))

    def get(self, request, pk):
        call = self.get_call()
        return render(request, self.template_name, {
            "call": call, "page": agreements_page(call), "Status": GrantAgreement.Status,
            "AppStatus": Application.Status,
        })

    def post(self, request, pk):
        call = self.get_call()
        form = AgreementActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown action."))
            return redirect("payments:manage_agreements", pk=call.pk)
        action = form.cleaned_data["action"]
        if action == "generate_missing":
            queued = agreements_generate_missing(call=call)
            if queued:
                messages.success(request, ngettext(
                    "%(n)d agreement is being generated; its beneficiary is told by e-mail.",
                    "%(n)d agreements are being generated; each beneficiary is told by e-mail.",
                    queued) % {"n": queued})
            else:
                messages.info(request, _("Every selected application of this call has its "
                                         "agreement."))
            return redirect("payments:manage_agreements", pk=call.pk)
        application = get_object_or_404(Application, pk=form.cleaned_data["application"],
                                        call=call)
        try:
            agreement = agreement_generate(application=application, by=request.user,
                                           regenerate=action == "regenerate")
        except DomainError as error:
            messages.error(request, " ".join([error.message, *error.details]))
        else:
            messages.success(request, _("The agreement of %(app)s is ready (revision %(n)d); "
                                        "its beneficiary is told by e-mail.")
                             % {"app": application, "n": agreement.revision})
        return redirect("payments:manage_agreements", pk=call.pk)


class CountersignView(ManagerMixin, View):
    """The form opens, and is taken, only after a recent re-authentication (accounts.reauth),
    asked once the agreement is known to be the manager's to countersign."""

    template_name = "payments/agreements/countersign.html"

    def _render(self, request, agreement, form, status=200):
        signatures = sorted(agreement.signatures.all(), key=lambda s: s.signed_at)
        return render(request, self.template_name, {
            "agreement": agreement, "application": agreement.application,
            "call": agreement.application.call, "form": form, "Status": GrantAgreement.Status,
            "signatures": [(s, brussels(s.signed_at)) for s in signatures],
        }, status=status)

    def get(self, request, pk):
        agreement = self.get_managed_agreement()
        reauthentication_asked(request)  # a GET: raises for allauth to ask, then come back
        return self._render(request, agreement, SignForm())

    def post(self, request, pk):
        agreement = self.get_managed_agreement()
        if (asked := reauthentication_asked(request)) is not None:
            return asked
        form = SignForm(request.POST)
        if not form.is_valid():
            return self._render(request, agreement, form, status=400)
        ip_address, user_agent = _client(request)
        try:
            agreement_countersign(agreement=agreement, by=request.user,
                                  password=form.cleaned_data["password"],
                                  typed_name=form.cleaned_data["full_name"],
                                  accepted=form.cleaned_data["accept"], ip_address=ip_address,
                                  user_agent=user_agent)
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, self.get_managed_agreement(), form, status=409)
        messages.success(request, _("You countersigned the agreement: it is in force, the "
                                    "application is contracted and the beneficiary receives the "
                                    "final document."))
        return redirect("payments:manage_agreements", pk=agreement.application.call_id)


class ManageAgreementDocumentView(ManagerMixin, View):
    """The document for the manager to read before countersigning (the final one once
    countersigned)."""

    def get(self, request, pk):
        agreement = self.get_managed_agreement()
        final = bool(agreement.final_file)
        return pdf_download(agreement.final_file if final else agreement.file,
                            filename=_filename(agreement, final))


class ManageReportDatesView(ManagerMixin, View):
    """The day each report that pays a tranche is due, which the beneficiary sees on her
    reports and payments pages and is reminded of."""

    template_name = "payments/agreements/report_dates.html"

    def _render(self, request, agreement, form, status=200):
        return render(request, self.template_name, {
            "agreement": agreement, "application": agreement.application,
            "call": agreement.application.call, "form": form}, status=status)

    def _form(self, agreement, data=None):
        return ReportDatesForm(data, tranches=agreement.tranches.filter(
            event__in=REPORT_EVENTS).order_by("position"))

    def get(self, request, pk):
        agreement = self.get_managed_agreement()
        return self._render(request, agreement, self._form(agreement))

    def post(self, request, pk):
        agreement = self.get_managed_agreement()
        form = self._form(agreement, request.POST)
        if not form.tranches or not form.is_valid():
            return self._render(request, agreement, form, status=400)
        try:
            changed = tranche_report_dates_set(agreement=agreement, dates=form.dates(),
                                               by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
            return self._render(request, agreement, form, status=409)
        if changed:
            messages.success(request, _("The report due dates are saved; the beneficiary sees "
                                        "them and is reminded before each."))
        return redirect("payments:manage_agreements", pk=agreement.application.call_id)


# --- public -------------------------------------------------------------------------------------


class VerifyView(View):
    template_name = "payments/agreements/verify.html"

    # Codes are not guessable, and this keeps anyone from trying many.
    @method_decorator(rate_limited("verify"))
    def get(self, request):
        form = VerifyForm(request.GET or None)
        checked, result = False, None
        if form.is_bound and form.is_valid():
            checked, result = True, verification(form.cleaned_data["code"])
        return render(request, self.template_name,
                      {"form": form, "checked": checked, "result": result,
                       "Status": GrantAgreement.Status})


urlpatterns = [
    path("applications/<int:pk>/agreement/", AgreementView.as_view(), name="agreement"),
    path("applications/<int:pk>/agreement/document/", AgreementDownloadView.as_view(),
         name="agreement_download"),
    path("manage/calls/<int:pk>/agreements/", ManageAgreementsView.as_view(),
         name="manage_agreements"),
    path("manage/agreements/<int:pk>/countersign/", CountersignView.as_view(),
         name="countersign"),
    path("manage/agreements/<int:pk>/document/", ManageAgreementDocumentView.as_view(),
         name="manage_agreement_document"),
    path("manage/agreements/<int:pk>/report-dates/", ManageReportDatesView.as_view(),
         name="manage_report_dates"),
    path("verify/", VerifyView.as_view(), name="verify"),
]
