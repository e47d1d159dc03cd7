"""What payments holds about a person (accounts.personal_data): the grant agreements of their
applications (with the signed documents), their signatures, bank details, tranches, payments and
progress reports (with the files they uploaded); and, for a Eurocluster's staff, the agreements
they countersigned.

Retention: all of it is held (FSTP records) until the retention after the Eurocluster's last
payment; payments also gives that clock (``last_payments``). A bank account refused by finance,
or one never used for a payment and no longer in use, goes at erasure.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

from accounts.personal_data import ExportFile, Hold, Section
from applications.models import Application
from payments.models import (
    BankAccount,
    GrantAgreement,
    Payment,
    PaymentBatch,
    ProgressReport,
    ReportAttachment,
    Signature,
    Tranche,
)


def last_payments(eurocluster_ids: Iterable[int]) -> Mapping[int, datetime]:
    """When each Eurocluster last paid a tranche (those that paid one)."""
    return dict(Payment.objects.filter(status=Payment.Status.PAID,
                                       batch__eurocluster_id__in=list(eurocluster_ids))
                .values("batch__eurocluster_id").annotate(last=Max("settled_at"))
                .values_list("batch__eurocluster_id", "last"))


def _agreements(user):
    own = Application.objects.filter(Q(organisation__user=user) | Q(created_by=user))
    return GrantAgreement.objects.filter(application__in=own)


def export(user) -> Section:
    data, files = {"grant_agreements": [], "countersigned": []}, []
    for agreement in _agreements(user).select_related("application").order_by("pk"):
        data["grant_agreements"].append({
            "application": agreement.application_id, "status": agreement.status,
            "amount": agreement.amount, "generated_at": agreement.generated_at,
            "verification_code": agreement.verification_code,
            "signatures": list(agreement.signatures.order_by("signed_at").values(
                "role", "typed_name", "signed_at", "ip_address", "user_agent")),
            "tranches": list(agreement.tranches.order_by("position").values(
                "position", "percentage", "amount", "status", "due_at")),
            "payments": list(Payment.objects.filter(tranche__agreement=agreement)
                             .order_by("pk").values("amount", "status", "end_to_end_id",
                                                    "created_at", "settled_at")),
            "reports": list(agreement.reports.order_by("kind").values(
                "kind", "status", "text", "deliverables", "new_products", "submitted_at",
                "review_comment")),
        })
        document = agreement.final_file or agreement.file
        if document:
            files.append(ExportFile(path=f"agreements/{agreement.pk}-grant-agreement.pdf",
                                    file=document))
    for attachment in ReportAttachment.objects.filter(
            report__agreement__in=_agreements(user)).order_by("pk"):
        files.append(ExportFile(path=f"reports/{attachment.report_id}/{attachment.pk}-"
                                     f"{attachment.original_name}", file=attachment.file))
    data["countersigned"] = list(Signature.objects.filter(
        signer=user, role=Signature.Role.COUNTERSIGNATORY).order_by("signed_at").values(
        "agreement_id", "typed_name", "signed_at", "ip_address", "user_agent"))
    data["bank_accounts"] = list(BankAccount.objects.filter(organisation__user=user)
                                 .order_by("pk").values("status", "holder", "iban", "bic",
                                                        "created_at", "decided_at"))
    return Section(data=data, files=files)


def holds(user) -> list[Hold]:
    reason = _("Grant agreements you countersigned for a Eurocluster")
    return [Hold(reason=reason, eurocluster_id=s.agreement.application.call.eurocluster_id,
                 since=s.signed_at)
            for s in Signature.objects.filter(signer=user, role=Signature.Role.COUNTERSIGNATORY)
            .select_related("agreement__application__call")]


def erase(user) -> None:
    paid_to = Payment.objects.values("bank_account_id")
    BankAccount.objects.filter(organisation__user=user).exclude(pk__in=paid_to).filter(
        status__in=(BankAccount.Status.REJECTED, BankAccount.Status.REPLACED)).delete()


def purge(user) -> None:
    """The agreements of the person's applications with everything under them (files too),
    their bank accounts; the person's name on agreements they countersigned is replaced.

    The SEPA files of the batches that paid them go too: each names every payee of its batch
    with the IBAN. The batches stay, with the checksum of their file; the purge comes after the
    retention of the Eurocluster's last payment, so the other payees' records are past theirs."""
    agreements = list(_agreements(user).values_list("pk", flat=True))
    batches = PaymentBatch.objects.filter(
        pk__in=Payment.objects.filter(tranche__agreement_id__in=agreements)
        .values("batch_id")).exclude(sepa_file="")
    for batch in batches:
        batch.sepa_file.delete(save=False)
    batches.update(sepa_file="")
    for attachment in ReportAttachment.objects.filter(report__agreement_id__in=agreements):
        attachment.file.delete(save=False)
    for agreement in GrantAgreement.objects.filter(pk__in=agreements):
        for document in (agreement.file, agreement.final_file):
            if document:
                document.delete(save=False)
    Payment.objects.filter(tranche__agreement_id__in=agreements).delete()
    Tranche.objects.filter(agreement_id__in=agreements).delete()
    ProgressReport.objects.filter(agreement_id__in=agreements).delete()
    Signature.objects.filter(agreement_id__in=agreements).delete()
    GrantAgreement.objects.filter(pk__in=agreements).delete()
    BankAccount.objects.filter(organisation__user=user).delete()
    Signature.objects.filter(signer=user, role=Signature.Role.COUNTERSIGNATORY).update(
        typed_name=f"erased-user-{user.pk}", ip_address=None, user_agent="")
