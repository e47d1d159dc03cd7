"""A read-only window on agreements and payments for the managers and finance officers of each
Eurocluster. Everything changes through the services and the portal's pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.admin import ReadOnlyInline
from evaluation.admin import ReadOnlyAdmin
from payments.models import GrantAgreement, Payment, PaymentBatch, Signature, Tranche
from portal.formats import eur


class SignatureInline(ReadOnlyInline):
    model = Signature
    fields = ["role", "typed_name", "signer", "signed_at", "ip_address", "document_sha256"]


class TrancheInline(ReadOnlyInline):
    model = Tranche
    fields = ["position", "percentage", "event", "tranche_amount", "status", "due_at",
              "report_due_on"]

    @admin.display(description=_("amount"))
    def tranche_amount(self, obj: Tranche) -> str:
        return eur(obj.amount)


@admin.register(GrantAgreement)
class GrantAgreementAdmin(ReadOnlyAdmin):
    scope_path = "application__call__eurocluster"
    list_display = ["application", "status", "grant", "signing_deadline", "generated_at"]
    list_select_related = ["application"]
    list_filter = ["status"]
    exclude = ["file", "final_file"]
    inlines = [SignatureInline, TrancheInline]

    def get_readonly_fields(self, request, obj=None):
        return [n for n in super().get_readonly_fields(request, obj)
                if n not in ("file", "final_file")]

    @admin.display(description=_("grant"), ordering="amount")
    def grant(self, obj: GrantAgreement) -> str:
        return eur(obj.amount)


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["tranche", "payment_amount", "status", "end_to_end_id", "bank_reference",
              "failure_reason"]

    @admin.display(description=_("amount"))
    def payment_amount(self, obj: Payment) -> str:
        return eur(obj.amount)


@admin.register(PaymentBatch)
class PaymentBatchAdmin(ReadOnlyAdmin):
    scope_path = "eurocluster"
    list_display = ["reference", "eurocluster", "status", "total", "created_at"]
    list_select_related = ["eurocluster"]
    exclude = ["sepa_file"]
    inlines = [PaymentInline]

    def get_readonly_fields(self, request, obj=None):
        return [n for n in super().get_readonly_fields(request, obj) if n != "sepa_file"]

    @admin.display(description=_("control sum"), ordering="control_sum")
    def total(self, obj: PaymentBatch) -> str:
        return eur(obj.control_sum)
