"""Grant agreements: generation (WeasyPrint), signature, countersignature, declines past the
signing deadline, and the commitment checks that keep a call within its budget and an
enterprise within the per-third-party cap.

Money is committed when an agreement is generated: the call's row and the enterprise's
ThirdParty row are locked (SELECT ... FOR UPDATE, in that order) while the sums are read and the
agreement written, so two managers, or two workers, generating at the same moment are serialised
and the second one sees the first one's agreement.
"""

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.identifiers import identity_key
from applications.models import Application
from applications.transitions import application_transition
from calls.models import OpenCall
from payments import pdf
from payments.models import GrantAgreement, Signature, ThirdParty
from payments.selectors.agreements import (
    agreement_amount,
    agreement_document,
    applications_missing_agreements,
    brussels,
    committed_to_call,
    committed_to_third_party,
    latest_content,
    signature_rows,
    verify_url,
)
from payments.services.transitions import agreement_transition
from portal.audit import audit_record
from portal.errors import DomainError
from portal.mail import mail_on_commit
from portal.models import AuditEntry
from portal.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

S = Application.Status
A = GrantAgreement.Status
USER_AGENT_MAX = 400
# Wrong passwords tolerated per signer and agreement in WRONG_PASSWORD_WINDOW.
WRONG_PASSWORD_LIMIT = 5
WRONG_PASSWORD_WINDOW = timedelta(minutes=15)


class CommitmentExceeded(DomainError):
    """The call's budget or the per-third-party cap would be exceeded."""


class SignatureRefused(DomainError):
    pass


class DocumentTampered(DomainError):
    pass


def _money(amount: Decimal) -> str:
    return pdf.euro(amount)


# --- generation ---------------------------------------------------------------------------------


def _check_commitments(*, call: OpenCall, third_party: ThirdParty, application: Application,
                       amount: Decimal) -> None:
    """Raise CommitmentExceeded, with the figures, when ``amount`` does not fit the call's budget
    or the enterprise's cap. Call with the call's and the third party's rows locked."""
    in_call = committed_to_call(call, excluding_application_id=application.pk)
    if in_call + amount > call.budget:
        raise CommitmentExceeded(
            _("This agreement would take the call over its budget: %(committed)s already "
              "committed + %(amount)s = %(total)s, more than the budget of %(budget)s.")
            % {"committed": _money(in_call), "amount": _money(amount),
               "total": _money(in_call + amount), "budget": _money(call.budget)})
    to_enterprise = committed_to_third_party(third_party.pk,
                                             excluding_application_id=application.pk)
    cap = call.max_support_per_third_party
    if to_enterprise + amount > cap:
        raise CommitmentExceeded(
            _("This agreement would take %(name)s over the maximum support per third party: "
              "%(committed)s already committed to it across the portal + %(amount)s = "
              "%(total)s, more than %(cap)s.")
            % {"name": application.organisation.legal_name, "committed": _money(to_enterprise),
               "amount": _money(amount), "total": _money(to_enterprise + amount),
               "cap": _money(cap)})


def _locked_third_party(application: Application) -> ThirdParty:
    organisation = application.organisation
    key = identity_key(organisation.registration_number, str(organisation.country))
    third_party, _created = ThirdParty.objects.get_or_create(identity_key=key)
    return ThirdParty.objects.select_for_update().get(pk=third_party.pk)


def _render(application: Application, agreement: GrantAgreement, content: dict | None) -> bytes:
    context = agreement_document(application=application, agreement=agreement, content=content)
    return pdf.agreement_pdf(context=context,
                             template_source=application.call.agreement_template or "")


def _store(field, data: bytes) -> str:
    """Write ``data`` to the file field (private storage, a random name); return its hash."""
    field.save("agreement.pdf", ContentFile(data), save=False)
    return pdf.sha256_hex(data)


def _delete_on_commit(storage, name: str) -> None:
    def delete() -> None:
        try:
            storage.delete(name)
        except OSError:  # already gone: nothing to clean
            logger.warning("could not delete the replaced agreement file %s", name)

    transaction.on_commit(delete)


def _mail_ready(agreement: GrantAgreement, *, regenerated: bool) -> None:
    application = agreement.application
    mail_on_commit(to=[application.organisation.user.email], template="payments_agreement_ready",
                   context={"application": application, "call": application.call,
                            "agreement": agreement, "regenerated": regenerated,
                            "deadline": brussels(agreement.signing_deadline),
                            "amount": _money(agreement.amount),
                            "url": settings.PORTAL_SITE_URL + reverse(
                                "payments:agreement", kwargs={"pk": application.pk})})


@transaction.atomic
def agreement_generate(*, application: Application, by: Any = None,
                       regenerate: bool = False) -> GrantAgreement:
    """Generate the grant agreement of a selected application, or return the existing one.

    Locks the application, the call and the enterprise's ThirdParty row (made if new), checks the
    money (CommitmentExceeded, with the figures, when the call's live agreements plus this one
    exceed its budget, or the enterprise's live agreements on every call of the portal plus this
    one exceed the call's per-third-party cap), renders the PDF (the call's template or the
    standard one) and stores it privately with its SHA-256; the deadline to sign is now plus the
    call's ``signing_days``. The amount is the one requested in the last submitted version.

    An existing agreement is returned unchanged, unless ``regenerate``: then, while nobody has
    signed, a new revision replaces the document (new file and hash, same deadline and code);
    DomainError once signed or declined. Audited (``agreement_generated`` or
    ``agreement_regenerated``); the beneficiary is e-mailed after commit. DomainError when the
    application is not selected.
    """
    application = (Application.objects.select_for_update(of=("self",))
                   .select_related("call__eurocluster", "organisation__user")
                   .get(pk=application.pk))
    existing = GrantAgreement.objects.select_for_update().filter(
        application_id=application.pk).first()
    if existing is not None and not regenerate:
        return existing
    if existing is None and application.status != S.SELECTED:
        raise DomainError(_("Only a selected application gets a grant agreement; %(app)s is "
                            "“%(status)s”.") % {"app": application,
                                                "status": application.get_status_display()})
    if existing is not None and (existing.status != A.GENERATED
                                 or existing.signatures.exists()):
        raise DomainError(_("The agreement can be generated again only while nobody has signed "
                            "it; it is “%(status)s”.") % {"status": existing.get_status_display()})
    call = OpenCall.objects.select_for_update().get(pk=application.call_id)
    application.call = call
    content = latest_content(application)
    amount = agreement_amount(application, content)
    if amount is None or amount <= 0:
        raise DomainError(_("%(app)s has no requested amount: there is nothing to grant.")
                          % {"app": application})
    third_party = _locked_third_party(application)
    _check_commitments(call=call, third_party=third_party, application=application,
                       amount=amount)

    now = timezone.now()
    if existing is None:
        agreement = GrantAgreement(application=application, third_party=third_party,
                                   amount=amount, generated_at=now,
                                   signing_deadline=now + timedelta(days=call.signing_days))
        old_file, old_hash = None, ""
    else:
        agreement = existing
        old_file, old_hash = existing.file.name, existing.sha256
        agreement.revision += 1
        agreement.amount, agreement.third_party, agreement.generated_at = amount, third_party, now
    agreement.application = application
    data = _render(application, agreement, content)
    agreement.sha256 = _store(agreement.file, data)
    agreement.save()
    if old_file:
        _delete_on_commit(agreement.file.storage, old_file)
    audit_record(subject=agreement, action="agreement_regenerated" if existing else
                 "agreement_generated", actor=by,
                 data={"revision": agreement.revision, "sha256": agreement.sha256,
                       "previous_sha256": old_hash, "amount": str(amount),
                       "third_party": third_party.identity_key, "bytes": len(data)})
    _mail_ready(agreement, regenerated=existing is not None)
    return agreement


def agreements_generate_missing(*, call: OpenCall | None = None) -> int:
    """Queue the generation of every missing agreement (selected applications of calls whose
    results are published), of ``call`` or of every call. Returns how many were queued."""
    ids = list(applications_missing_agreements(call).values_list("pk", flat=True))
    for application_id in ids:
        enqueue_on_commit("payments.generate_agreement", application_id=application_id)
    return len(ids)


# --- signatures ---------------------------------------------------------------------------------


class _Tampered(Exception):
    """Raised under the row lock; the refusal is audited once the transaction is rolled back."""


def _normalised(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def _refuse(agreement: GrantAgreement, by: Any, message: str, *, action: str, kind: str,
            role: str, error: type[DomainError] = SignatureRefused):
    """Record the refusal in the audit trail, in a transaction of its own so that it stays
    whatever the caller does, and raise it."""
    with transaction.atomic():
        audit_record(subject=agreement, action=action, actor=by, reason=str(message),
                     data={"kind": kind, "role": role})
    raise error(message)


def _recent_wrong_passwords(agreement: GrantAgreement, by: Any) -> int:
    from django.contrib.contenttypes.models import ContentType

    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(GrantAgreement), object_id=agreement.pk,
        action="agreement_sign_refused", actor_id=by.pk, data__kind="password",
        created_at__gte=timezone.now() - WRONG_PASSWORD_WINDOW).count()


def _check_signer(*, agreement: GrantAgreement, by: Any, password: str, typed_name: str,
                  accepted: bool, role: str) -> str:
    """Refuse (audited as ``agreement_sign_refused``) a wrong password, a name that is not the
    account's, or terms not accepted; return the name to record.

    The name typed must equal the account's full name, ignoring case and spaces. An account
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
        if _normalised(typed) != _normalised(by.full_name):
            refuse(_("Type your full name exactly as in your account: “%(name)s”.")
                   % {"name": by.full_name}, "name")
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
    if agreement.status != A.GENERATED:
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
    revision first). Signing again, once signed, changes nothing.
    """
    role = Signature.Role.BENEFICIARY
    agreement = GrantAgreement.objects.select_related("application__organisation").get(
        pk=agreement.pk)
    if agreement.application.organisation.user_id != by.pk:
        raise SignatureRefused(_("Only the beneficiary who leads the application signs its "
                                 "agreement."))
    if agreement.status == A.SIGNED_BY_BENEFICIARY and agreement.signatures.filter(
            role=role, signer=by).exists():
        return agreement  # a double click
    _check_signable(agreement)  # before the password: no point typing it for nothing
    _check_document_seen(agreement, document_sha256)
    typed = _check_signer(agreement=agreement, by=by, password=password, typed_name=typed_name,
                          accepted=accepted, role=role)
    try:
        with transaction.atomic():
            agreement = GrantAgreement.objects.select_for_update().get(pk=agreement.pk)
            _check_signable(agreement)  # again under the lock: the decline sweep may have run
            _check_document_seen(agreement, document_sha256)  # or a manager generated it again
            _check_document(agreement)
            signature = _signature(agreement, role=role, by=by, typed_name=typed,
                                   ip_address=ip_address, user_agent=user_agent)
            agreement = agreement_transition(agreement=agreement, to=A.SIGNED_BY_BENEFICIARY,
                                             by=by, reason=_("signed by the beneficiary"))
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
    file is not the one the beneficiary signed. Countersigning again changes nothing.
    """
    role = Signature.Role.COUNTERSIGNATORY
    agreement = GrantAgreement.objects.select_related("application__call").get(pk=agreement.pk)
    if not by.has_perm("payments.manage_agreements", agreement):
        raise SignatureRefused(_("Only a manager of the call's Eurocluster countersigns its "
                                 "agreements."))
    if agreement.status == A.COUNTERSIGNED and agreement.signatures.filter(
            role=role, signer=by).exists():
        return agreement  # a double click
    typed = _check_signer(agreement=agreement, by=by, password=password, typed_name=typed_name,
                          accepted=accepted, role=role)
    try:
        return _countersign(agreement=agreement, by=by, typed=typed, ip_address=ip_address,
                            user_agent=user_agent)
    except _Tampered:
        _tampered(agreement, by, role)


@transaction.atomic
def _countersign(*, agreement: GrantAgreement, by: Any, typed: str, ip_address: str | None,
                 user_agent: str) -> GrantAgreement:
    from payments.services.beneficiary import tranches_create, tranches_on_event

    role = Signature.Role.COUNTERSIGNATORY
    # Application, then agreement: the order agreement_generate locks them in.
    list(Application.objects.select_for_update().filter(pk=agreement.application_id)
         .values_list("pk", flat=True))
    agreement = (GrantAgreement.objects.select_for_update(of=("self",))
                 .select_related("application__call", "application__organisation__user")
                 .get(pk=agreement.pk))
    if agreement.status != A.SIGNED_BY_BENEFICIARY:
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
        agreement=agreement, to=A.COUNTERSIGNED, by=by, reason=_("countersigned"),
        extra={"final_file": agreement.final_file.name, "final_sha256": final_sha256})
    audit_record(subject=agreement, action="agreement_countersigned", actor=by,
                 data={"role": role, "signature": signature.pk,
                       "document_sha256": signature.document_sha256,
                       "final_sha256": final_sha256, "ip_address": signature.ip_address or ""})
    application_transition(application=application, to=S.CONTRACTED, by=by,
                           reason=_("grant agreement countersigned"))
    tranches_create(agreement=agreement, by=by)
    tranches_on_event(agreement=agreement, event="agreement_countersigned", by=by)
    mail_on_commit(
        to=[application.organisation.user.email], template="payments_agreement_countersigned",
        context={"application": application, "call": application.call, "agreement": agreement,
                 "amount": _money(agreement.amount),
                 "url": settings.PORTAL_SITE_URL + reverse(
                     "payments:agreement_download", kwargs={"pk": application.pk}),
                 "page_url": settings.PORTAL_SITE_URL + reverse(
                     "payments:agreement", kwargs={"pk": application.pk})})
    return agreement


# --- declines past the deadline -----------------------------------------------------------------


def agreement_decline_overdue(*, agreement_id: int, now=None) -> bool:
    """Decline one agreement still unsigned past its deadline, then withdraw its application
    and move the reserve list up (``evaluation.services.ranking.selection_decline``). Returns
    whether it was declined now; False when signed meanwhile, not yet due or already declined."""
    from evaluation.services.ranking import selection_decline

    now = now or timezone.now()
    application_id = (GrantAgreement.objects.filter(pk=agreement_id)
                      .values_list("application_id", flat=True).first())
    if application_id is None:
        return False
    with transaction.atomic():
        # Application, then agreement: the order agreement_generate locks them in.
        list(Application.objects.select_for_update().filter(pk=application_id)
             .values_list("pk", flat=True))
        agreement = (GrantAgreement.objects.select_for_update(of=("self",))
                     .select_related("application__organisation__user", "application__call")
                     .filter(pk=agreement_id).first())
        if (agreement is None or agreement.status != A.GENERATED
                or agreement.signing_deadline is None or agreement.signing_deadline >= now):
            return False
        reason = _("not signed by the deadline of %(when)s (Brussels time)") % {
            "when": brussels(agreement.signing_deadline)}
        agreement = agreement_transition(agreement=agreement, to=A.DECLINED, by=None,
                                         reason=reason)
        audit_record(subject=agreement, action="agreement_declined_overdue", actor=None,
                     reason=reason, data={"deadline": agreement.signing_deadline.isoformat()})
        application = agreement.application
        if application.status == S.SELECTED:
            selection_decline(application=application, by=None,
                              reason=_("grant agreement %(reason)s") % {"reason": reason})
        mail_on_commit(to=[application.organisation.user.email],
                       template="payments_agreement_declined",
                       context={"application": application, "call": application.call,
                                "deadline": brussels(agreement.signing_deadline)})
    return True


def agreements_decline_overdue(*, now=None) -> int:
    """Decline every agreement still unsigned past its signing deadline (each in its own
    transaction). Returns how many were declined; running it again declines nothing more."""
    now = now or timezone.now()
    ids = list(GrantAgreement.objects.filter(status=A.GENERATED, signing_deadline__lt=now)
               .order_by("signing_deadline", "pk").values_list("pk", flat=True))
    declined = 0
    for agreement_id in ids:
        if agreement_decline_overdue(agreement_id=agreement_id, now=now):
            declined += 1
    if declined:
        logger.info("agreements: %d declined past their signing deadline", declined)
    return declined
