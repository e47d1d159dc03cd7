"""Signatures of grant agreements: the beneficiary signs, a manager of the call's Eurocluster
countersigns (the final document gets a signature page; the application is contracted and its
tranches are cut). Each signature records the signer, the name typed, the time, the IP address,
the browser and the SHA-256 of the document signed; every refusal is audited."""

import unicodedata
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import Application
from applications.transitions import application_transition
from calls.models import TrancheStep
from payments import pdf
from payments.models import GrantAgreement, Signature
from payments.selectors.agreements import signature_rows, verify_url
from payments.services.beneficiary.tranches import tranches_create, tranches_on_event
from payments.services.transitions import agreement_transition
from portal.audit import audit_record
from portal.errors import DomainError
from portal.formats import brussels, eur
from portal.models import AuditEntry
from portal.notifications import notify
from portal.site import absolute_url

USER_AGENT_MAX = 400
# Wrong passwords tolerated per signer and agreement in WRONG_PASSWORD_WINDOW.
WRONG_PASSWORD_LIMIT = 5
WRONG_PASSWORD_WINDOW = timedelta(minutes=15)


class SignatureRefused(DomainError):
    pass


class DocumentTampered(DomainError):
    pass


class _Tampered(Exception):
    """Raised under the row lock; the refusal is audited once the transaction is rolled back."""


def normalised_name(name: str) -> str:
    """A name as signatures compare it: Unicode compatibility forms (NFKD) without their
    combining marks (accents), case folded, spaces collapsed; "  INES  carvalhal" and
    "Inês Carvalhal" compare equal."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _refuse(agreement: GrantAgreement, by: Any, message: str, *, action: str, kind: str,
            role: str, error: type[DomainError] = SignatureRefused):
    """Record the refusal in the audit trail, in a transaction of its own so that it stays
    whatever the caller does, and raise it."""
    with transaction.atomic():
        audit_record(subject=agreement, action=action, actor=by, reason=str(message),
                     data={"kind": kind, "role": role})
    raise error(message)


def _recent_wrong_passwords(agreement: GrantAgreement, by: Any) -> int:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(GrantAgreement), object_id=agreement.pk,
        action="agreement_sign_refused", actor_id=by.pk, data__kind="password",
        created_at__gte=timezone.now() - WRONG_PASSWORD_WINDOW).count()


def _check_signer(*, agreement: GrantAgreement, by: Any, password: str, typed_name: str,
                  accepted: bool, role: str) -> str:
    """Refuse (audited as ``agreement_sign_refused``) a wrong password, a name that is not the
    account's, or terms not accepted; return the name to record.

    The name typed must equal the account's full name, ignoring case, accents and spaces
    (``normalised_name``). An account
    without a full name has nothing to compare with: then at least two words (a first name and a
    surname) are required, and what was typed is recorded."""

    def refuse(message, kind):
        _refuse(agreement, by, message, action="agreement_sign_refused", kind=kind, role=role)

    if _recent_wrong_passwords(agreement, by) >= WRONG_PASSWORD_LIMIT:
        refuse(_("Too many wrong passwords: try again in %(n)d minutes.")
               % {"n": WRONG_PASSWORD_WINDOW.seconds // 60}, "locked")
    if not password or not by.check_password(password):
        refuse(_("The password is not right. Enter the password you log in with."), "password")
    typed = " ".join((typed_name or "").split())
    if (by.full_name or "").strip():
        # The refusal does not show the account's name: a signature is the signer's own act.
        if normalised_name(typed) != normalised_name(by.full_name):
            refuse(_("Type your full name as registered on your account."), "name")
    elif len(typed.split()) < 2:
        refuse(_("Type your full name: first name and surname."), "name")
    if not accepted:
        refuse(_("Tick the box to accept the terms of the agreement."), "accept")
    return typed


def _check_document(agreement: GrantAgreement) -> None:
    """Re-hash the stored document; raise _Tampered when it is missing or not the one
    generated."""
    try:
        with agreement.file.open("rb") as handle:
            actual = pdf.sha256_hex(handle.read())
    except (OSError, ValueError):
        actual = ""
    if actual != agreement.sha256:
        raise _Tampered


def _tampered(agreement: GrantAgreement, by: Any, role: str):
    _refuse(agreement, by, _("The stored agreement is no longer the document that was generated "
                             "and signed, so it cannot be signed. The cluster manager has been "
                             "told to look into it."),
            action="agreement_tampered", kind="hash", role=role, error=DocumentTampered)


def _signature(agreement: GrantAgreement, *, role: str, by: Any, typed_name: str,
               ip_address: str | None, user_agent: str) -> Signature:
    return Signature.objects.create(
        agreement=agreement, role=role, signer=by, typed_name=typed_name[:200],
        signed_at=timezone.now(), ip_address=ip_address or None,
        user_agent=(user_agent or "")[:USER_AGENT_MAX], document_sha256=agreement.sha256)


def _check_signable(agreement: GrantAgreement) -> None:
    if agreement.status != GrantAgreement.Status.GENERATED:
        raise SignatureRefused(_("This agreement is “%(status)s”: it cannot be signed.")
                               % {"status": agreement.get_status_display()})
    if agreement.signing_deadline and timezone.now() > agreement.signing_deadline:
        raise SignatureRefused(_("The deadline to sign this agreement passed on %(when)s "
                                 "(Brussels time).")
                               % {"when": brussels(agreement.signing_deadline)})


def _check_document_seen(agreement: GrantAgreement, document_sha256: str | None) -> None:
    """Refuse a signature on another document than the one the signer was shown (the agreement
    was generated again since the page was opened). None: the caller shows no document."""
    if document_sha256 is not None and document_sha256 != agreement.sha256:
        raise SignatureRefused(_("The agreement was generated again since you opened this page: "
                                 "it is now revision %(n)d. Download it and read it, then sign.")
                               % {"n": agreement.revision})


def agreement_sign(*, agreement: GrantAgreement, by: Any, password: str, typed_name: str,
                   accepted: bool, ip_address: str | None, user_agent: str,
                   document_sha256: str | None = None) -> GrantAgreement:
    """The beneficiary signs: generated → signed_by_beneficiary, recording signer, typed name,
    time, IP address, browser (first 400 characters) and the SHA-256 of the document signed.

    Raises SignatureRefused, audited as ``agreement_sign_refused``, for a wrong password (five
    within 15 minutes lock signing for that time), a name that is not the account's or terms not
    accepted; SignatureRefused for someone who does not lead the application, an agreement not
    ready to sign, or a signing deadline that has passed; DocumentTampered (audited as
    ``agreement_tampered``) when the stored file no longer has the hash it was generated with.
    ``document_sha256``, when given, is the SHA-256 of the document the signer was shown: a
    SignatureRefused when the agreement was generated again since (the signer must read the new
    revision first). Signing again, once signed, changes nothing. The signature is written in a
    transaction of its own (durable): called inside another one, it raises RuntimeError.
    """
    role = Signature.Role.BENEFICIARY
    agreement = GrantAgreement.objects.select_related("application__organisation").get(
        pk=agreement.pk)
    if agreement.application.organisation.user_id != by.pk:
        raise SignatureRefused(_("Only the beneficiary who leads the application signs its "
                                 "agreement."))
    if (agreement.status == GrantAgreement.Status.SIGNED_BY_BENEFICIARY
            and agreement.signatures.filter(role=role, signer=by).exists()):
        return agreement  # a double click
    _check_signable(agreement)  # before the password: no point typing it for nothing
    _check_document_seen(agreement, document_sha256)
    typed = _check_signer(agreement=agreement, by=by, password=password, typed_name=typed_name,
                          accepted=accepted, role=role)
    try:
        with transaction.atomic(durable=True):
            agreement = GrantAgreement.objects.select_for_update().get(pk=agreement.pk)
            _check_signable(agreement)  # again under the lock: the decline sweep may have run
            _check_document_seen(agreement, document_sha256)  # or a manager generated it again
            _check_document(agreement)
            signature = _signature(agreement, role=role, by=by, typed_name=typed,
                                   ip_address=ip_address, user_agent=user_agent)
            agreement = agreement_transition(
                agreement=agreement, to=GrantAgreement.Status.SIGNED_BY_BENEFICIARY, by=by,
                reason=_("signed by the beneficiary"))
            audit_record(subject=agreement, action="agreement_signed", actor=by,
                         data={"role": role, "signature": signature.pk,
                               "document_sha256": signature.document_sha256,
                               "ip_address": signature.ip_address or ""})
    except _Tampered:
        _tampered(agreement, by, role)
    return agreement


def _final_document(agreement: GrantAgreement) -> bytes:
    """The signed document with the signature page added (an incremental update: the signed
    bytes come first, unchanged)."""
    application = agreement.application
    with agreement.file.open("rb") as handle:
        signed = handle.read()
    context = {
        "doc": {"number": f"{application.receipt_prefix}-GA", "revision": agreement.revision,
                "verification_code": agreement.verification_code,
                "verify_url": verify_url(agreement.verification_code)},
        "call": {"reference": application.call.reference},
        "signed_sha256": agreement.sha256,
        "signatures": signature_rows(agreement.signatures.select_related("signer")),
    }
    with translation.override(application.call.language):
        context["agreement_language"] = application.call.language
        return pdf.append_pages(signed, pdf.signature_page_pdf(context=context))


def agreement_countersign(*, agreement: GrantAgreement, by: Any, password: str, typed_name: str,
                          accepted: bool, ip_address: str | None,
                          user_agent: str) -> GrantAgreement:
    """A manager of the call's Eurocluster countersigns: signed_by_beneficiary → countersigned.

    Records the signature as ``agreement_sign`` does, builds the final document (the signed PDF
    followed by a signature page with both signatures' records, the verification code and
    address) and stores it with its SHA-256; moves the application to contracted; creates the
    tranches from the call's schedule and makes due those paid on countersignature; e-mails the
    beneficiary after commit. Raises SignatureRefused (audited) as ``agreement_sign`` does, and
    for someone who is not a manager of the call's Eurocluster; DocumentTampered when the stored
    file is not the one the beneficiary signed. Countersigning again changes nothing. The
    countersignature is written in a transaction of its own (durable): called inside another
    one, it raises RuntimeError.
    """
    role = Signature.Role.COUNTERSIGNATORY
    agreement = GrantAgreement.objects.select_related("application__call").get(pk=agreement.pk)
    if not by.has_perm("payments.manage_agreements", agreement):
        raise SignatureRefused(_("Only a manager of the call's Eurocluster countersigns its "
                                 "agreements."))
    if agreement.status == GrantAgreement.Status.COUNTERSIGNED and agreement.signatures.filter(
            role=role, signer=by).exists():
        return agreement  # a double click
    typed = _check_signer(agreement=agreement, by=by, password=password, typed_name=typed_name,
                          accepted=accepted, role=role)
    try:
        return _countersign(agreement=agreement, by=by, typed=typed, ip_address=ip_address,
                            user_agent=user_agent)
    except _Tampered:
        _tampered(agreement, by, role)


@transaction.atomic(durable=True)
def _countersign(*, agreement: GrantAgreement, by: Any, typed: str, ip_address: str | None,
                 user_agent: str) -> GrantAgreement:
    role = Signature.Role.COUNTERSIGNATORY
    # Application, then agreement: the order agreement_generate locks them in.
    list(Application.objects.select_for_update().filter(pk=agreement.application_id)
         .values_list("pk", flat=True))
    agreement = (GrantAgreement.objects.select_for_update(of=("self",))
                 .select_related("application__call", "application__organisation__user")
                 .get(pk=agreement.pk))
    if agreement.status != GrantAgreement.Status.SIGNED_BY_BENEFICIARY:
        raise SignatureRefused(_("This agreement is “%(status)s”: only an agreement signed by the "
                                 "beneficiary is countersigned.")
                               % {"status": agreement.get_status_display()})
    _check_document(agreement)
    beneficiary = agreement.signatures.get(role=Signature.Role.BENEFICIARY)
    if beneficiary.document_sha256 != agreement.sha256:
        raise _Tampered
    signature = _signature(agreement, role=role, by=by, typed_name=typed,
                           ip_address=ip_address, user_agent=user_agent)
    final = _final_document(agreement)
    agreement.final_file.save("final.pdf", ContentFile(final), save=False)
    final_sha256 = pdf.sha256_hex(final)
    application = agreement.application
    agreement = agreement_transition(
        agreement=agreement, to=GrantAgreement.Status.COUNTERSIGNED, by=by,
        reason=_("countersigned"),
        extra={"final_file": agreement.final_file.name, "final_sha256": final_sha256})
    audit_record(subject=agreement, action="agreement_countersigned", actor=by,
                 data={"role": role, "signature": signature.pk,
                       "document_sha256": signature.document_sha256,
                       "final_sha256": final_sha256, "ip_address": signature.ip_address or ""})
    application_transition(application=application, to=Application.Status.CONTRACTED, by=by,
                           reason=_("grant agreement countersigned"))
    tranches_create(agreement=agreement, by=by)
    tranches_on_event(agreement=agreement, event=TrancheStep.Event.AGREEMENT_COUNTERSIGNED, by=by)
    notify(
        recipient=application.organisation.user, kind="payments.agreement_countersigned",
        link=reverse("payments:agreement", kwargs={"pk": application.pk}),
        context={"application": application, "call": application.call, "agreement": agreement,
                 "amount": eur(agreement.amount),
                 "url": absolute_url(reverse(
                     "payments:agreement_download", kwargs={"pk": application.pk})),
                 "page_url": absolute_url(reverse(
                     "payments:agreement", kwargs={"pk": application.pk}))})
    return agreement

