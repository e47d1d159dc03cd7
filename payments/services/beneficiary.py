"""Every write of the beneficiary's money side: the tranches of an agreement, the bank details
(with a finance officer's approval of a change once an agreement is signed), the progress
reports and their review.

Contract with the other parts of the payments app:

- ``tranches_create`` and ``tranches_on_event``: called by the agreements part at countersign;
- ``active_bank_account`` and ``payments_blocked_reason``: read by the finance part before it
  approves a tranche and before it builds a batch.
"""

import logging
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from applications.models import Application, Organisation
from applications.transitions import application_transition
from calls.models import TrancheStep
from euroclusters.models import Membership
from payments import money
from payments.models import (
    BankAccount,
    GrantAgreement,
    ProgressReport,
    ReportAttachment,
    Tranche,
)
from payments.selectors.finance import finance_eurocluster_ids
from payments.services.transitions import (
    agreement_transition,
    bank_account_transition,
    report_transition,
    tranche_transition,
)
from portal.audit import audit_record
from portal.errors import DomainError
from portal.mail import mail_on_commit
from portal.uploads import pdf_upload_errors, safe_filename, sha256_of

logger = logging.getLogger(__name__)

E = TrancheStep.Event

# A call without a tranche schedule pays the whole grant in one tranche once the agreement is
# countersigned: the only event every agreement is sure to reach.
DEFAULT_SCHEDULE = ((Decimal("100"), E.AGREEMENT_COUNTERSIGNED),)


class ScheduleInvalid(DomainError):
    pass


class BankDetailsInvalid(DomainError):
    """``errors`` maps a field (holder, iban, bic, or "" for the whole) to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        flat = [m for messages in errors.values() for m in messages]
        super().__init__(_("The bank details are not valid."), details=flat)
        self.errors = errors


class NotAllowed(DomainError):
    pass


class ReportRefused(DomainError):
    pass


# --- tranches ---------------------------------------------------------------------------------


def _schedule(agreement: GrantAgreement) -> list[tuple[Decimal, str]]:
    steps = [(s.percentage, s.event)
             for s in agreement.application.call.tranche_steps.order_by("position", "pk")]
    return steps or list(DEFAULT_SCHEDULE)


@transaction.atomic
def tranches_create(*, agreement: GrantAgreement, by: Any) -> list[Tranche]:
    """Create the tranches of ``agreement`` from its call's schedule; return them by position.

    Each tranche's amount is its share of the agreement's amount, exact to the cent (the last
    takes the remainder, see ``payments.money.split``), so the tranches add up to the grant. A
    call with no schedule gives one tranche of 100 % paid when the agreement is countersigned.
    Idempotent: an agreement that already has tranches gets them back unchanged (the agreement
    row is locked first, so two callers at once cannot both create them). Every tranche starts
    ``planned``; one audit line on the agreement records the split. Raises ScheduleInvalid when
    the call's percentages do not add up to 100.
    """
    GrantAgreement.objects.select_for_update().filter(pk=agreement.pk).first()
    existing = list(agreement.tranches.order_by("position"))
    if existing:
        return existing
    steps = _schedule(agreement)
    try:
        amounts = money.split(agreement.amount, [p for p, _e in steps])
    except money.SplitError as error:
        raise ScheduleInvalid(
            _("The call's tranche schedule cannot split the grant: %(error)s Please correct the "
              "schedule of the call.") % {"error": error}
        ) from error
    tranches = Tranche.objects.bulk_create([
        Tranche(agreement=agreement, position=number, percentage=percentage, event=event,
                amount=amount, status=Tranche.Status.PLANNED)
        for number, ((percentage, event), amount)
        in enumerate(zip(steps, amounts, strict=True), start=1)
    ])
    audit_record(subject=agreement, action="tranches_created", actor=by, data={
        "tranches": [{"position": t.position, "percentage": str(t.percentage),
                      "event": t.event, "amount": str(t.amount)} for t in tranches],
        "total": str(sum((t.amount for t in tranches), Decimal(0))),
    })
    return list(agreement.tranches.order_by("position"))


@transaction.atomic
def tranches_on_event(*, agreement: GrantAgreement, event: str, by: Any) -> list[Tranche]:
    """Make the planned tranches of ``agreement`` tied to ``event`` due (``due_at`` now).

    Returns the tranches that became due by this call (empty when there were none, or when the
    event had already happened: idempotent). Each move goes through ``tranche_transition``
    (locked and audited). Raises ValueError for an unknown event.
    """
    if event not in E.values:
        raise ValueError(f"Unknown tranche event: {event!r}")
    now = timezone.now()
    moved = []
    for tranche in agreement.tranches.filter(event=event, status=Tranche.Status.PLANNED):
        moved.append(tranche_transition(tranche=tranche, to=Tranche.Status.DUE, by=by,
                                        reason=str(E(event).label), extra={"due_at": now}))
    return moved


# --- bank details -----------------------------------------------------------------------------


def active_bank_account(organisation: Organisation) -> BankAccount | None:
    """The account the organisation's tranches are paid to now, or None."""
    return BankAccount.objects.filter(organisation=organisation,
                                      status=BankAccount.Status.ACTIVE).first()


def payments_blocked_reason(organisation: Organisation, *,
                            to_beneficiary: bool = False) -> str | None:
    """Why no tranche of ``organisation`` may be approved or paid now, or None when it may.

    Blocked when the organisation has no active bank account, or when a change of its bank
    details waits for a finance officer's approval (the money must not go to the old account
    while the beneficiary says it should go to a new one, nor to the new one before a finance
    officer has checked it). ``to_beneficiary`` words it for the beneficiary's own pages.
    """
    statuses = set(BankAccount.objects.filter(
        organisation=organisation,
        status__in=[BankAccount.Status.ACTIVE, BankAccount.Status.PENDING],
    ).values_list("status", flat=True))
    if BankAccount.Status.PENDING in statuses:
        return _("A change of bank details is waiting for a finance officer's approval.")
    if BankAccount.Status.ACTIVE not in statuses:
        if to_beneficiary:
            return _("Give your bank details: no tranche can be paid until you do.")
        return _("The beneficiary has not given bank details yet.")
    return None


# Agreements the beneficiary has signed: from then on a change of bank details needs approval.
SIGNED = (GrantAgreement.Status.SIGNED_BY_BENEFICIARY, GrantAgreement.Status.COUNTERSIGNED,
          GrantAgreement.Status.CLOSED)

# The characters a SEPA credit transfer carries in a name (the EPC's basic Latin set).
SEPA_NAME = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]+$")


def mask_iban(iban: str) -> str:
    """The IBAN reduced to its last four characters, for pages, mails and the audit trail."""
    return f"****{iban[-4:]}" if iban else ""


def _country(code: str) -> str:
    return f"{countries.name(code) or code} ({code})"


def bank_details_clean(*, holder: str, iban: str, bic: str
                       ) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Check and normalise bank details; return ``(clean, errors)``.

    ``clean`` holds the holder (spaces collapsed), the IBAN in its compact upper-case form and
    the BIC upper-case (8 or 11 characters). ``errors`` maps each faulty field to what is wrong:
    the IBAN's format and check digits and the BIC (schwifty), the BIC's country against the
    IBAN's (a transfer to a bank of another country than the account's is refused: the usual
    cause is a typing error, and the finance officer cannot check such a pair), the holder's
    length (2 to 70) and characters (those a SEPA transfer carries).
    """
    errors: dict[str, list[str]] = {}
    holder = " ".join((holder or "").split())
    clean = {"holder": holder, "iban": "", "bic": ""}
    if not 2 <= len(holder) <= 70:
        errors.setdefault("holder", []).append(
            _("The account holder's name must be 2 to 70 characters long."))
    elif not SEPA_NAME.match(holder):
        bad = sorted({c for c in holder if not SEPA_NAME.match(c)})
        errors.setdefault("holder", []).append(
            _("A SEPA transfer cannot carry “%(chars)s” in a name: use letters A–Z without "
              "accents, digits, spaces and / - ? : ( ) . , ' +.") % {"chars": "".join(bad)})
    iban_obj = bic_obj = None
    try:
        iban_obj = IBAN(iban or "")
        clean["iban"] = iban_obj.compact
    except SchwiftyException as error:
        errors.setdefault("iban", []).append(
            _("This is not a valid IBAN (%(reason)s). Please copy it from a bank statement.")
            % {"reason": error})
    try:
        bic_obj = BIC((bic or "").replace(" ", "").upper())
        clean["bic"] = str(bic_obj)
    except SchwiftyException as error:
        errors.setdefault("bic", []).append(
            _("This is not a valid BIC (%(reason)s): it has 8 or 11 letters and digits, e.g. "
              "GKCCBEBB.") % {"reason": error})
    if iban_obj is not None and bic_obj is not None \
            and iban_obj.country_code != bic_obj.country_code:
        errors.setdefault("bic", []).append(
            _("The BIC is of a bank in %(bic)s, but the IBAN is of an account in %(iban)s. "
              "Please check both: the BIC of your bank is on your bank statement.")
            % {"bic": _country(bic_obj.country_code), "iban": _country(iban_obj.country_code)})
    return clean, errors


def has_signed_agreement(organisation: Organisation) -> bool:
    return GrantAgreement.objects.filter(application__organisation=organisation,
                                         status__in=SIGNED).exists()


def _finance_emails(organisation: Organisation) -> list[str]:
    eurocluster_ids = GrantAgreement.objects.filter(
        application__organisation=organisation, status__in=SIGNED,
    ).values("application__call__eurocluster_id")
    return sorted(set(Membership.objects.filter(
        eurocluster_id__in=eurocluster_ids, role=Membership.Role.FINANCE,
    ).values_list("user__email", flat=True)))


def _withdraw_pending(pending: BankAccount, *, by: Any, now) -> None:
    # The table allows a pending account only to become active or rejected; a change replaced
    # by a newer one before any decision is "rejected", with a note that says why.
    bank_account_transition(
        account=pending, to=BankAccount.Status.REJECTED, by=by,
        reason="superseded by the beneficiary",
        extra={"decided_by": by, "decided_at": now,
               "decision_note": _("Withdrawn by the beneficiary: replaced by newer details.")})


@transaction.atomic
def bank_account_save(*, organisation: Organisation, by: Any, holder: str, iban: str,
                      bic: str) -> BankAccount | None:
    """Record the bank details of ``organisation``; return the account they now name.

    Details identical to the current ones (the pending change if there is one, else the active
    account) change nothing. Before the enterprise has signed any agreement the new account is
    active at once (the previous active one becomes replaced). Once an agreement is signed the
    new account is pending: payments are blocked until a finance officer approves it
    (``bank_account_decide``) and the finance officers are told by e-mail. A pending change
    replaced by a newer one is rejected with the note "withdrawn by the beneficiary"; giving the
    active account's details again withdraws the pending change the same way and returns the
    active account. The organisation row is locked, so two saves at once do not cross. Every
    change is audited on the organisation, the IBANs masked to their last four characters.
    Raises BankDetailsInvalid.
    """
    clean, errors = bank_details_clean(holder=holder, iban=iban, bic=bic)
    if errors:
        raise BankDetailsInvalid(errors)
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    accounts = {a.status: a for a in BankAccount.objects.filter(
        organisation=organisation,
        status__in=[BankAccount.Status.ACTIVE, BankAccount.Status.PENDING])}
    active = accounts.get(BankAccount.Status.ACTIVE)
    pending = accounts.get(BankAccount.Status.PENDING)

    def same(account):
        return account is not None and (account.holder, account.iban, account.bic) == (
            clean["holder"], clean["iban"], clean["bic"])

    now = timezone.now()
    if same(pending) or (pending is None and same(active)):
        return pending or active
    if same(active):
        _withdraw_pending(pending, by=by, now=now)
        audit_record(subject=organisation, action="bank_change_withdrawn", actor=by, data={
            "account": pending.pk, "withdrawn_iban": mask_iban(pending.iban),
            "active_iban": mask_iban(active.iban)})
        return active
    if pending is not None:
        _withdraw_pending(pending, by=by, now=now)
    signed = has_signed_agreement(organisation)
    if not signed and active is not None:
        bank_account_transition(account=active, to=BankAccount.Status.REPLACED, by=by,
                                reason="new bank details before any signed agreement")
    account = BankAccount.objects.create(
        organisation=organisation, created_by=by, **clean,
        status=BankAccount.Status.PENDING if signed else BankAccount.Status.ACTIVE)
    audit_record(subject=organisation, action="bank_details_changed", actor=by,
                 to_state=account.status, data={
                     "account": account.pk,
                     "old_iban": mask_iban(active.iban) if active else "",
                     "new_iban": mask_iban(account.iban),
                     "replaced_pending_iban": mask_iban(pending.iban) if pending else "",
                     "needs_approval": signed})
    if signed:
        recipients = _finance_emails(organisation)
        if recipients:
            mail_on_commit(to=recipients, template="payments_bank_pending", context={
                "organisation": organisation, "account": account,
                "new_iban": mask_iban(account.iban),
                "old_iban": mask_iban(active.iban) if active else "",
                "site_url": settings.PORTAL_SITE_URL,
                "url": reverse("payments:finance_bank_changes")})
    return account


def may_decide_bank_change(user, organisation: Organisation) -> bool:
    """A finance officer of a Eurocluster where the enterprise has a signed agreement."""
    ids = finance_eurocluster_ids(user)
    if ids is None:
        return True
    return GrantAgreement.objects.filter(
        application__organisation=organisation, status__in=SIGNED,
        application__call__eurocluster_id__in=ids).exists()


@transaction.atomic
def bank_account_decide(*, account: BankAccount, by: Any, approve: bool,
                        note: str = "") -> BankAccount:
    """A finance officer approves or rejects a pending change of bank details.

    Approve: the account becomes active and the previously active one replaced, so payments go
    to the new account from now on. Reject: the account becomes rejected with ``note`` (required)
    and payments go on to the active account. Audited on the account (the transition) and on the
    organisation (masked IBANs); the beneficiary is told by e-mail. Raises NotAllowed when ``by``
    is not a finance officer of a Eurocluster where the enterprise has a signed agreement,
    DomainError when a rejection has no note or the change was already decided the other way
    (a repeated identical decision changes nothing).
    """
    note = (note or "").strip()
    organisation = account.organisation
    if not may_decide_bank_change(by, organisation):
        raise NotAllowed(_("Only a finance officer of a Eurocluster where this enterprise has a "
                           "signed agreement may decide on its bank details."))
    if not approve and not note:
        raise DomainError(_("Please say why the bank details are refused: the beneficiary "
                            "reads your note."))
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    account = BankAccount.objects.get(pk=account.pk)
    target = BankAccount.Status.ACTIVE if approve else BankAccount.Status.REJECTED
    if account.status == target:
        return account  # a repeated click
    if account.status != BankAccount.Status.PENDING:
        raise DomainError(_("This change of bank details was already decided."))
    old = BankAccount.objects.filter(organisation=organisation,
                                     status=BankAccount.Status.ACTIVE).first()
    now = timezone.now()
    if approve and old is not None:
        bank_account_transition(account=old, to=BankAccount.Status.REPLACED, by=by,
                                reason="replaced by approved new bank details")
    account = bank_account_transition(
        account=account, to=target, by=by, reason=note,
        extra={"decided_by": by, "decided_at": now, "decision_note": note})
    audit_record(subject=organisation, action="bank_change_approved" if approve
                 else "bank_change_rejected", actor=by, reason=note, data={
                     "account": account.pk, "old_iban": mask_iban(old.iban) if old else "",
                     "new_iban": mask_iban(account.iban)})
    mail_on_commit(to=[organisation.user.email], template="payments_bank_decided", context={
        "organisation": organisation, "account": account, "approved": approve, "note": note,
        "iban": mask_iban(account.iban), "site_url": settings.PORTAL_SITE_URL,
        "url": reverse("payments:bank")})
    return account


# --- progress reports -------------------------------------------------------------------------

R = ProgressReport.Status
K = ProgressReport.Kind
EDITABLE = (R.DRAFT, R.CHANGES_REQUESTED)
MIN_REPORT_CHARS = 200
MIN_COMMENT_CHARS = 20


def has_interim_tranche(agreement: GrantAgreement) -> bool:
    return agreement.tranches.filter(event=E.INTERIM_REPORT_APPROVED).exists()


def report_kinds(agreement: GrantAgreement) -> list[str]:
    """The reports an agreement asks for: the interim report only when a tranche waits for it,
    the final report always."""
    return [K.INTERIM, K.FINAL] if has_interim_tranche(agreement) else [K.FINAL]


def report_blocker(agreement: GrantAgreement, kind: str) -> str | None:
    """Why the beneficiary cannot write the ``kind`` report of ``agreement`` now, or None."""
    if agreement.status != GrantAgreement.Status.COUNTERSIGNED:
        if agreement.status == GrantAgreement.Status.CLOSED:
            return _("This agreement is closed: its reports are final.")
        return _("Reports open once the agreement is signed by both parties.")
    if kind not in report_kinds(agreement):
        return _("This agreement has no interim report: its schedule pays no tranche on one.")
    if kind == K.FINAL and K.INTERIM in report_kinds(agreement):
        interim = agreement.reports.filter(kind=K.INTERIM).first()
        if interim is None or interim.status != R.APPROVED:
            return _("The final report opens once the interim report is approved.")
    return None


def _editable(report: ProgressReport) -> None:
    blocker = report_blocker(report.agreement, report.kind)
    if blocker:
        raise ReportRefused(blocker)
    if report.status not in EDITABLE:
        raise ReportRefused(_("This report is %(status)s: it can no longer be changed.")
                            % {"status": report.get_status_display().lower()})


def _locked_report(report: ProgressReport) -> ProgressReport:
    return ProgressReport.objects.select_for_update(of=("self",)).select_related(
        "agreement__application__call__eurocluster",
        "agreement__application__organisation__user").get(pk=report.pk)


@transaction.atomic
def report_save(*, agreement: GrantAgreement, kind: str, by: Any, text: str,
                deliverables: str) -> ProgressReport:
    """Create or update the beneficiary's ``kind`` report of ``agreement`` (a draft, or one the
    manager sent back). Audited when created. Raises ReportRefused when the agreement is not
    countersigned, when it asks for no such report, when the final report is asked for before
    the interim one is approved, or when the report was submitted or approved."""
    blocker = report_blocker(agreement, kind)
    if blocker:
        raise ReportRefused(blocker)
    GrantAgreement.objects.select_for_update().filter(pk=agreement.pk).first()
    report, created = ProgressReport.objects.get_or_create(agreement=agreement, kind=kind)
    report = _locked_report(report)
    _editable(report)
    report.text, report.deliverables = text.strip(), deliverables.strip()
    report.save(update_fields=["text", "deliverables", "updated_at"])
    if created:
        audit_record(subject=report, action="report_started", actor=by)
    return report


@transaction.atomic
def report_attach(*, report: ProgressReport, by: Any, uploaded) -> ReportAttachment:
    """Attach a PDF to an editable report: checked by content and size (the call's largest
    upload, 10 MB by default), stored privately with its SHA-256. Audited. Raises
    ReportRefused (with the file's problems as details)."""
    report = _locked_report(report)
    _editable(report)
    call = report.agreement.application.call
    max_mb = call.max_upload_mb or 10
    errors = pdf_upload_errors(uploaded, max_bytes=max_mb * 1024 * 1024)
    if errors:
        raise ReportRefused(_("The file was not attached."), details=errors)
    name = safe_filename(getattr(uploaded, "name", "") or "report.pdf")
    attachment = ReportAttachment(report=report, original_name=name, size=uploaded.size,
                                  sha256=sha256_of(uploaded), uploaded_by=by)
    attachment.file.save(name, uploaded, save=False)
    attachment.save()
    audit_record(subject=report, action="report_attached", actor=by,
                 data={"attachment": attachment.pk, "name": name, "sha256": attachment.sha256})
    return attachment


@transaction.atomic
def report_attachment_remove(*, attachment: ReportAttachment, by: Any) -> None:
    """Remove an attachment of an editable report (the file goes when the transaction commits).
    Audited. Raises ReportRefused."""
    report = _locked_report(attachment.report)
    _editable(report)
    attachment = ReportAttachment.objects.get(pk=attachment.pk)
    audit_record(subject=report, action="report_attachment_removed", actor=by,
                 data={"attachment": attachment.pk, "name": attachment.original_name,
                       "sha256": attachment.sha256})
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _managers_emails(report: ProgressReport) -> list[str]:
    return sorted(set(Membership.objects.filter(
        eurocluster_id=report.agreement.application.call.eurocluster_id,
        role=Membership.Role.MANAGER).values_list("user__email", flat=True)))


def _report_context(report: ProgressReport) -> dict[str, Any]:
    application = report.agreement.application
    return {"report": report, "application": application, "call": application.call,
            "site_url": settings.PORTAL_SITE_URL}


@transaction.atomic
def report_submit(*, report: ProgressReport, by: Any) -> ProgressReport:
    """Submit an editable report to the cluster managers (draft or changes requested →
    submitted), who are told by e-mail. Raises ReportRefused listing what is missing: a text of
    at least 200 characters and the deliverables."""
    report = _locked_report(report)
    _editable(report)
    missing = []
    if len(report.text.strip()) < MIN_REPORT_CHARS:
        missing.append(_("Describe the progress and results in at least %(n)d characters "
                         "(now %(len)d).") % {"n": MIN_REPORT_CHARS,
                                                "len": len(report.text.strip())})
    if not report.deliverables.strip():
        missing.append(_("List the deliverables produced so far."))
    if missing:
        raise ReportRefused(_("The report is not complete yet."), details=missing)
    report = report_transition(report=report, to=R.SUBMITTED, by=by,
                               extra={"submitted_at": timezone.now()})
    recipients = _managers_emails(report)
    if recipients:
        context = _report_context(report)
        context["url"] = reverse("payments:manage_report", args=[report.pk])
        mail_on_commit(to=recipients, template="payments_report_submitted", context=context)
    return report


@transaction.atomic
def report_review(*, report: ProgressReport, by: Any, approve: bool,
                  comment: str = "") -> ProgressReport:
    """A cluster manager approves a submitted report or asks for changes (``comment`` of at
    least 20 characters required then).

    Approving the interim report makes the tranches of "interim report approved" due; approving
    the final report makes those of "final report approved" due, closes the agreement and
    completes the application (through "in progress" when no payment has moved it there yet).
    Audited; the beneficiary is told by e-mail. Raises ReportRefused, InvalidTransition.
    """
    comment = (comment or "").strip()
    report = _locked_report(report)
    target = R.APPROVED if approve else R.CHANGES_REQUESTED
    if report.status == target:
        return report  # a repeated click
    if report.status != R.SUBMITTED:
        raise ReportRefused(_("Only a submitted report can be reviewed; this one is "
                              "%(status)s.") % {"status": report.get_status_display().lower()})
    if not approve and len(comment) < MIN_COMMENT_CHARS:
        raise ReportRefused(_("Please tell the beneficiary what to change, in at least %(n)d "
                              "characters.") % {"n": MIN_COMMENT_CHARS})
    report = report_transition(report=report, to=target, by=by, reason=comment, extra={
        "reviewed_by": by, "reviewed_at": timezone.now(), "review_comment": comment})
    agreement = report.agreement
    if approve and report.kind == K.INTERIM:
        tranches_on_event(agreement=agreement, event=E.INTERIM_REPORT_APPROVED, by=by)
    elif approve and report.kind == K.FINAL:
        tranches_on_event(agreement=agreement, event=E.FINAL_REPORT_APPROVED, by=by)
        agreement_transition(agreement=agreement, to=GrantAgreement.Status.CLOSED, by=by,
                             reason="final report approved")
        application = agreement.application
        if application.status == Application.Status.CONTRACTED:
            application = application_transition(application=application,
                                                 to=Application.Status.IN_PROGRESS, by=by,
                                                 reason="final report approved")
        application_transition(application=application, to=Application.Status.COMPLETED, by=by,
                               reason="final report approved")
    context = _report_context(report)
    context.update({"approved": approve, "comment": comment,
                    "url": reverse("payments:report", args=[agreement.application_id,
                                                              report.kind])})
    mail_on_commit(to=[agreement.application.organisation.user.email],
                   template="payments_report_reviewed", context=context)
    return report
