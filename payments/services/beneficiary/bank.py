"""The beneficiary's bank details: checked (IBAN, BIC, holder), active at once before any signed
agreement, and after one pending a finance officer's approval (payments wait meanwhile)."""

import re
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from applications.models import Organisation
from euroclusters.models import Membership
from payments.models import BankAccount, GrantAgreement
from payments.selectors.beneficiary import SIGNED, has_signed_agreement, may_decide_bank_change
from payments.services.transitions import bank_account_transition
from portal.audit import audit_record
from portal.errors import DomainError
from portal.notifications import notify, notify_each
from portal.site import site_url


class BankDetailsInvalid(DomainError):
    """``errors`` maps a field (holder, iban, bic, or "" for the whole) to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        flat = [m for messages in errors.values() for m in messages]
        super().__init__(_("The bank details are not valid."), details=flat)
        self.errors = errors


class NotAllowed(DomainError):
    pass


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


def _finance_officers(organisation: Organisation) -> list[Any]:
    """The finance officers of every Eurocluster the enterprise signed an agreement with, once
    each, by e-mail address."""
    eurocluster_ids = GrantAgreement.objects.filter(
        application__organisation=organisation, status__in=SIGNED,
    ).values("application__call__eurocluster_id")
    officers = {m.user_id: m.user for m in Membership.objects.filter(
        eurocluster_id__in=eurocluster_ids, role=Membership.Role.FINANCE,
    ).select_related("user")}
    return sorted(officers.values(), key=lambda user: user.email)


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
        notify_each(recipients=_finance_officers(organisation), kind="payments.bank_pending",
                    context={"organisation": organisation, "account": account,
                             "new_iban": mask_iban(account.iban),
                             "old_iban": mask_iban(active.iban) if active else "",
                             "site_url": site_url(),
                             "url": reverse("payments:finance_bank_changes")},
                    link=reverse("payments:finance_bank_changes"))
    return account


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
    notify(recipient=organisation.user, kind="payments.bank_decided", context={
        "organisation": organisation, "account": account, "approved": approve, "note": note,
        "iban": mask_iban(account.iban), "site_url": site_url(),
        "url": reverse("payments:bank")}, link=reverse("payments:bank"))
    return account


