"""Views of the payments app: finance (tranche approval, batches, the SEPA file, reconciliation)
and the budget ledger.

Finance officers only (``payments.manage_payments``): ``finance``, ``tranche_approve``,
``batches``, ``batch``, ``batch_sepa``, ``payment_paid``, ``payment_failed``, ``payment_remove``
— 404 for what lies outside the user's Euroclusters (another Eurocluster's finance officer, a
manager: managers do not pay), 403 without the finance role anywhere. The ledger
(``payments.view_ledger``): ``call_ledger`` for managers and finance officers of the call's
Eurocluster, ``eurocluster_ledger`` for each Eurocluster where the user is one of them.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.reauth import reauthentication_asked
from payments.forms.finance import (
    BatchActionForm,
    BatchCreateForm,
    PaymentFailedForm,
    PaymentPaidForm,
)
from payments.models import Payment, PaymentBatch
from payments.selectors.finance import (
    batch_payments,
    batches_for,
    call_ledger,
    calls_for_ledger,
    eurocluster_ledgers,
    finance_eurocluster_ids,
    finance_euroclusters,
    finance_tranches,
    tranches_to_approve,
    tranches_waiting_for_batch,
)
from payments.services.finance import (
    batch_create,
    batch_export,
    batch_mark_sent,
    batch_refill,
    batch_remove_payment,
    batch_reopen,
    eurocluster_account_problem,
    payment_mark_failed,
    payment_mark_paid,
    tranche_approve,
)
from portal.errors import DomainError

PERMISSION = "payments.manage_payments"
LEDGER = "payments.view_ledger"


def _error(error: DomainError) -> str:
    return " ".join([error.message, *error.details])


class FinanceMixin(LoginRequiredMixin):
    """404 for what lies outside the user's Euroclusters, 403 without the finance role."""

    permission = PERMISSION

    def authorise(self, obj):
        if not self.request.user.has_perm(self.permission, obj):
            raise PermissionDenied
        return obj

    def get_batch(self) -> PaymentBatch:
        return self.authorise(get_object_or_404(batches_for(self.request.user),
                                                pk=self.kwargs["pk"]))

    def get_payment(self) -> Payment:
        ids = finance_eurocluster_ids(self.request.user)
        payments = Payment.objects.select_related("batch")
        if ids is not None:
            payments = payments.filter(batch__eurocluster_id__in=ids)
        return self.authorise(get_object_or_404(payments, pk=self.kwargs["pk"]))


class FinanceHomeView(FinanceMixin, View):
    """Due tranches to approve, approved ones waiting for a batch, a new batch per Eurocluster."""

    def get(self, request):
        self.authorise(None)
        euroclusters = list(finance_euroclusters(request.user))
        for eurocluster in euroclusters:
            eurocluster.account_problem = eurocluster_account_problem(eurocluster)
        waiting = tranches_waiting_for_batch(request.user)
        waiting_ids = {t.agreement.application.call.eurocluster_id for t in waiting}
        return render(request, "payments/finance/home.html", {
            "due": tranches_to_approve(request.user), "waiting": waiting,
            "euroclusters": euroclusters, "waiting_ids": waiting_ids,
        })


class TrancheApproveView(FinanceMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        tranche = self.authorise(get_object_or_404(
            finance_tranches(request.user).select_related("agreement__application__call"),
            pk=pk))
        try:
            tranche_approve(tranche=tranche, by=request.user)
        except DomainError as error:
            messages.error(request, _error(error))
        else:
            application = tranche.agreement.application
            messages.success(request, _("Tranche %(n)s of %(application)s is approved for "
                                        "payment.")
                             % {"n": tranche.position, "application": application})
        return redirect("payments:finance")


class BatchListView(FinanceMixin, View):
    def get(self, request):
        self.authorise(None)
        return render(request, "payments/finance/batches.html", {
            "batches": batches_for(request.user), "Status": PaymentBatch.Status})

    def post(self, request):
        self.authorise(None)
        form = BatchCreateForm(request.POST, euroclusters=finance_euroclusters(request.user))
        if not form.is_valid():
            raise Http404  # a Eurocluster outside the user's, or none
        eurocluster = self.authorise(form.cleaned_data["eurocluster"])
        try:
            batch = batch_create(eurocluster=eurocluster, by=request.user)
        except DomainError as error:
            messages.error(request, _error(error))
            return redirect("payments:finance")
        messages.success(request, _("Batch %(reference)s is created; the approved tranches are "
                                    "being put into it.") % {"reference": batch.reference})
        return redirect(batch)


class BatchView(FinanceMixin, View):
    template_name = "payments/finance/batch.html"
    DONE = {
        "export": gettext_lazy("The SEPA file is exported and validated. Download it, send it "
                               "to the bank, then mark the batch as sent."),
        "send": gettext_lazy("The batch is marked as sent. Mark each payment paid or failed "
                             "as the bank reports it."),
        "fill": gettext_lazy("The batch is being filled again."),
        "reopen": gettext_lazy("The batch is back to draft; its file is dropped."),
    }

    def get(self, request, pk):
        batch = self.get_batch()
        payments = batch_payments(batch)
        return render(request, self.template_name, {
            "batch": batch, "payments": payments, "Status": PaymentBatch.Status,
            "PaymentStatus": Payment.Status, "action_form": BatchActionForm(),
            "paid_form": PaymentPaidForm(), "failed_form": PaymentFailedForm(),
        })

    def post(self, request, pk):
        batch = self.get_batch()
        # Exporting the SEPA file asks for a recent re-authentication (accounts.reauth), once
        # the batch is known to be hers to act on.
        if request.POST.get("action") == "export" and (
                asked := reauthentication_asked(request)) is not None:
            return asked
        form = BatchActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown action or invalid date."))
            return redirect(batch)
        action, day = form.cleaned_data["action"], form.cleaned_data["execution_date"]
        try:
            if action == "export":
                batch_export(batch=batch, by=request.user, execution_date=day)
            elif action == "send":
                batch_mark_sent(batch=batch, by=request.user, execution_date=day)
            elif action == "fill":
                batch_refill(batch=batch, by=request.user)
            else:
                batch_reopen(batch=batch, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, _error(error))
        else:
            messages.success(request, self.DONE[action])
        return redirect(batch)


class BatchSepaView(FinanceMixin, View):
    """The batch's pain.001 file, from private storage."""

    def get(self, request, pk):
        batch = self.get_batch()
        # Downloading it asks for a recent re-authentication too (accounts.reauth; a GET:
        # raises for allauth to ask, then come back).
        reauthentication_asked(request)
        stored = batch.sepa_file
        if not stored or not stored.storage.exists(stored.name):
            raise Http404
        return FileResponse(stored.open("rb"), as_attachment=True,
                            content_type="application/xml",
                            filename=f"{batch.reference}.xml")


class PaymentPaidView(FinanceMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        payment = self.get_payment()
        form = PaymentPaidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the bank's reference of the transfer."))
            return redirect(payment.batch)
        try:
            payment_mark_paid(payment=payment, by=request.user,
                              bank_reference=form.cleaned_data["bank_reference"])
        except DomainError as error:
            messages.error(request, _error(error))
        else:
            messages.success(request, _("Payment %(id)s is marked paid; the beneficiary is told "
                                        "by e-mail.") % {"id": payment.end_to_end_id})
        return redirect(payment.batch)


class PaymentFailedView(FinanceMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        payment = self.get_payment()
        form = PaymentFailedForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why the payment failed."))
            return redirect(payment.batch)
        try:
            payment_mark_failed(payment=payment, by=request.user,
                                reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, _error(error))
        else:
            messages.success(request, _("Payment %(id)s is marked failed; its tranche is back to "
                                        "approved for a later batch.")
                             % {"id": payment.end_to_end_id})
        return redirect(payment.batch)


class PaymentRemoveView(FinanceMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        payment = self.get_payment()
        try:
            batch_remove_payment(payment=payment, by=request.user)
        except DomainError as error:
            messages.error(request, _error(error))
        else:
            messages.success(request, _("Payment %(id)s is taken out of the batch; its tranche "
                                        "is back to approved.") % {"id": payment.end_to_end_id})
        return redirect(payment.batch)


class CallLedgerView(FinanceMixin, View):
    permission = LEDGER

    def get(self, request, pk):
        call = self.authorise(get_object_or_404(calls_for_ledger(request.user), pk=pk))
        return render(request, "payments/finance/call_ledger.html", {
            "call": call, "ledger": call_ledger(call),
            "is_manager": request.user.has_perm("payments.manage_agreements", call)})


class EuroclusterLedgerView(FinanceMixin, View):
    permission = LEDGER

    def get(self, request):
        self.authorise(None)
        return render(request, "payments/finance/eurocluster_ledger.html", {
            "ledgers": eurocluster_ledgers(request.user)})


urlpatterns = [
    path("finance/", FinanceHomeView.as_view(), name="finance"),
    path("finance/tranches/<int:pk>/approve/", TrancheApproveView.as_view(),
         name="tranche_approve"),
    path("finance/batches/", BatchListView.as_view(), name="batches"),
    path("finance/batches/<int:pk>/", BatchView.as_view(), name="batch"),
    path("finance/batches/<int:pk>/sepa/", BatchSepaView.as_view(), name="batch_sepa"),
    path("finance/payments/<int:pk>/paid/", PaymentPaidView.as_view(), name="payment_paid"),
    path("finance/payments/<int:pk>/failed/", PaymentFailedView.as_view(),
         name="payment_failed"),
    path("finance/payments/<int:pk>/remove/", PaymentRemoveView.as_view(),
         name="payment_remove"),
    path("finance/ledger/", EuroclusterLedgerView.as_view(), name="eurocluster_ledger"),
    path("manage/calls/<int:pk>/ledger/", CallLedgerView.as_view(), name="call_ledger"),
]
