"""Grant agreements with their signatures, bank accounts, tranches, progress reports, payment
batches and payments.

Each stateful model has its ``Status`` choices and a literal ``TRANSITIONS`` table; the one
transition service per model lives in ``payments/services/transitions.py``. Money is stored in
euros with two decimals (``Decimal``), and every split is exact to the cent.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Organisation
from calls.models import MONEY, TrancheStep
from euroclusters.models import Eurocluster
from portal.models import ScannedUpload

# Verification codes are read aloud and typed: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


def agreement_path(instance, filename: str) -> str:
    return f"agreements/{instance.application_id}/{uuid.uuid4().hex}.pdf"


def report_path(instance, filename: str) -> str:
    return f"reports/{instance.report_id}/{uuid.uuid4().hex}.pdf"


def sepa_path(instance, filename: str) -> str:
    return f"sepa/{instance.eurocluster_id}/{uuid.uuid4().hex}.xml"


class ThirdParty(models.Model):
    """One enterprise across the whole portal, by its normalised VAT or registration number.

    Its row is locked (SELECT ... FOR UPDATE) whenever money is committed to the enterprise, so
    two managers acting at once can never take it over the per-third-party cap together.
    """

    identity_key = models.CharField(max_length=100, unique=True)

    class Meta:
        verbose_name = _("third party")
        verbose_name_plural = _("third parties")

    def __str__(self) -> str:
        return self.identity_key


class GrantAgreement(models.Model):
    class Status(models.TextChoices):
        GENERATED = "generated", _("Ready to sign")
        SIGNED_BY_BENEFICIARY = "signed_by_beneficiary", _("Signed by the beneficiary")
        COUNTERSIGNED = "countersigned", _("Countersigned (active)")
        CLOSED = "closed", _("Closed")
        DECLINED = "declined", _("Declined")

    TRANSITIONS = {
        Status.GENERATED: {Status.SIGNED_BY_BENEFICIARY, Status.DECLINED},
        Status.SIGNED_BY_BENEFICIARY: {Status.COUNTERSIGNED, Status.DECLINED},
        Status.COUNTERSIGNED: {Status.CLOSED},
        Status.CLOSED: set(),
        Status.DECLINED: set(),
    }
    SCOPE_PATH = "application__call__eurocluster"

    application = models.OneToOneField(Application, on_delete=models.PROTECT,
                                       related_name="agreement")
    third_party = models.ForeignKey(ThirdParty, on_delete=models.PROTECT,
                                    related_name="agreements")
    status = models.CharField(_("status"), max_length=24, choices=Status.choices,
                              default=Status.GENERATED, db_index=True)
    amount = models.DecimalField(_("grant (EUR)"), **MONEY)
    # The document to sign; re-generated (a new revision) while nobody has signed.
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    file = models.FileField(upload_to=agreement_path, max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256 of the document to sign"), max_length=64, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    signing_deadline = models.DateTimeField(_("sign by"), null=True, blank=True)
    # The final document: the signed one with the signature page appended.
    final_file = models.FileField(upload_to=agreement_path, max_length=300, blank=True)
    final_sha256 = models.CharField(_("SHA-256 of the final document"), max_length=64,
                                    blank=True)
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True,
                                         default=new_verification_code, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grant agreement")
        verbose_name_plural = _("grant agreements")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{_('Grant agreement')} · {self.application}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.application.call.eurocluster_id


class Signature(models.Model):
    class Role(models.TextChoices):
        BENEFICIARY = "beneficiary", _("Beneficiary")
        COUNTERSIGNATORY = "countersignatory", _("For the Eurocluster")

    agreement = models.ForeignKey(GrantAgreement, on_delete=models.PROTECT,
                                  related_name="signatures")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    typed_name = models.CharField(_("name typed by the signer"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)
    document_sha256 = models.CharField(_("SHA-256 of the document signed"), max_length=64)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["agreement", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "role"], name="one_signature_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.typed_name}"


class BankAccount(models.Model):
    """Where a beneficiary's tranches are paid. A change after the agreement is signed waits for
    a finance officer's approval before any payment goes there."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In use")
        PENDING = "pending", _("Waiting for finance approval")
        REJECTED = "rejected", _("Refused by finance")
        REPLACED = "replaced", _("Replaced")

    TRANSITIONS = {
        Status.PENDING: {Status.ACTIVE, Status.REJECTED},
        Status.ACTIVE: {Status.REPLACED},
        Status.REJECTED: set(),
        Status.REPLACED: set(),
    }

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="bank_accounts")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    holder = models.CharField(_("account holder"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("finance note"), blank=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["organisation", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation"], condition=models.Q(status="active"),
                                    name="one_active_bank_account"),
            models.UniqueConstraint(fields=["organisation"], condition=models.Q(status="pending"),
                                    name="one_pending_bank_account"),
        ]

    def __str__(self) -> str:
        return f"{self.holder} · …{self.iban[-4:]}"


class Tranche(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DUE = "due", _("Due")
        APPROVED = "approved", _("Approved for payment")
        IN_BATCH = "in_batch", _("In a payment batch")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Payment failed")

    TRANSITIONS = {
        Status.PLANNED: {Status.DUE},
        Status.DUE: {Status.APPROVED},
        Status.APPROVED: {Status.IN_BATCH},
        # Paid, failed, or taken out of a draft batch.
        Status.IN_BATCH: {Status.PAID, Status.FAILED, Status.APPROVED},
        Status.FAILED: {Status.APPROVED},
        Status.PAID: set(),
    }
    SCOPE_PATH = "agreement__application__call__eurocluster"

    agreement = models.ForeignKey(GrantAgreement, on_delete=models.PROTECT,
                                  related_name="tranches")
    position = models.PositiveSmallIntegerField(_("number"))
    percentage = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    event = models.CharField(_("paid when"), max_length=32, choices=TrancheStep.Event.choices)
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PLANNED, db_index=True)
    due_at = models.DateTimeField(_("due since"), null=True, blank=True)
    # For a tranche paid on a report's approval: the day the report is to be handed in (set by
    # the cluster manager; the beneficiary is reminded 14 and 3 days before).
    report_due_on = models.DateField(_("report due by"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(_("why the last payment failed"), blank=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["agreement", "position"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "position"], name="tranche_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.application} · {_('tranche')} {self.position}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.agreement.application.call.eurocluster_id


class ProgressReport(models.Model):
    class Kind(models.TextChoices):
        INTERIM = "interim", _("Interim report")
        FINAL = "final", _("Final report")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.APPROVED, Status.CHANGES_REQUESTED},
        Status.CHANGES_REQUESTED: {Status.SUBMITTED},
        Status.APPROVED: set(),
    }
    SCOPE_PATH = "agreement__application__call__eurocluster"

    agreement = models.ForeignKey(GrantAgreement, on_delete=models.PROTECT,
                                  related_name="reports")
    kind = models.CharField(_("report"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT)
    text = models.TextField(_("progress and results"), blank=True)
    deliverables = models.TextField(_("deliverables"), blank=True)
    # Declared in the final report; the KPI "new products or services" adds up approved ones.
    new_products = models.PositiveIntegerField(_("new products or services"), default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("comments of the cluster manager"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["agreement", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "kind"], name="one_report_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.agreement.application}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.agreement.application.call.eurocluster_id


class ReportAttachment(ScannedUpload):
    SCAN_SUBJECT = "report"

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE,
                               related_name="attachments")
    file = models.FileField(upload_to=report_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=160)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class PaymentBatch(models.Model):
    """Approved tranches of one Eurocluster paid together by one SEPA credit transfer file."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        EXPORTED = "exported", _("SEPA file exported")
        SENT = "sent", _("Sent to the bank")
        CLOSED = "closed", _("Reconciled")

    TRANSITIONS = {
        Status.DRAFT: {Status.EXPORTED},
        Status.EXPORTED: {Status.SENT, Status.DRAFT},
        Status.SENT: {Status.CLOSED},
        Status.CLOSED: set(),
    }
    SCOPE_PATH = "eurocluster"

    eurocluster = models.ForeignKey(Eurocluster, on_delete=models.PROTECT,
                                    related_name="payment_batches")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    reference = models.CharField(_("reference"), max_length=35, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    execution_date = models.DateField(_("execution date"), null=True, blank=True)
    sepa_file = models.FileField(upload_to=sepa_path, max_length=300, blank=True)
    sepa_sha256 = models.CharField(max_length=64, blank=True)
    control_sum = models.DecimalField(_("control sum (EUR)"), **MONEY, null=True, blank=True)
    # Set when the fill task has gone through every tranche; a worker killed mid-way leaves it
    # empty (a partly filled batch that cannot be exported) until the fill runs again.
    filled_at = models.DateTimeField(_("filled at"), null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("payments:batch", kwargs={"pk": self.pk})

    @property
    def scope_eurocluster_id(self) -> int:
        return self.eurocluster_id


class Payment(models.Model):
    """One transfer of one tranche. A tranche is paid at most once: the database refuses a
    second live payment of the same tranche, whatever the tasks or the people do."""

    class Status(models.TextChoices):
        PENDING = "pending", _("In the batch")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Taken out of the batch")

    TRANSITIONS = {
        Status.PENDING: {Status.PAID, Status.FAILED, Status.CANCELLED},
        Status.PAID: set(),
        Status.FAILED: set(),
        Status.CANCELLED: set(),
    }
    LIVE = (Status.PENDING, Status.PAID)
    SCOPE_PATH = "batch__eurocluster"

    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, related_name="payments")
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="payments")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    # The SEPA end-to-end id: the bank statement names it, so it reconciles the payment.
    end_to_end_id = models.CharField(max_length=35, unique=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    failure_reason = models.TextField(_("why it failed"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["tranche"],
                                    condition=models.Q(status__in=["pending", "paid"]),
                                    name="one_live_payment_per_tranche"),
        ]

    def __str__(self) -> str:
        return f"{self.end_to_end_id} · {self.amount}"

    @property
    def scope_eurocluster_id(self) -> int:
        return self.batch.eurocluster_id
