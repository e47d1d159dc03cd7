"""Bank details: validated and normalised; active at once before any signed agreement, pending
finance approval after; every change audited with masked IBANs."""

import json

import pytest
from django.core import mail

from euroclusters.models import Membership
from payments.models import BankAccount
from payments.selectors.finance import active_bank_account, payments_blocked_reason
from payments.services.beneficiary import (
    BankDetailsInvalid,
    NotAllowed,
    bank_account_decide,
    bank_account_save,
)
from portal.errors import DomainError
from portal.models import AuditEntry
from tests.factories import EuroclusterFactory, MembershipFactory
from tests.payments.factories import (
    BIC_BE,
    BIC_DE,
    IBAN_BE,
    IBAN_DE,
    IBAN_FR,
    agreement_row,
    results_call,
    selected_application,
)

pytestmark = pytest.mark.django_db
S = BankAccount.Status
BIC_FR = "BNPAFRPPXXX"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def application():
    return selected_application(results_call())


@pytest.fixture
def organisation(application):
    return application.organisation


@pytest.fixture
def user(organisation):
    return organisation.user


@pytest.fixture
def finance(application):
    return MembershipFactory(role=Membership.Role.FINANCE,
                             eurocluster=application.call.eurocluster).user


def _save(organisation, user, holder="Acme Robotics SRL", iban=IBAN_BE, bic=BIC_BE):
    return bank_account_save(organisation=organisation, by=user, holder=holder, iban=iban,
                             bic=bic)


def _signed(application, status="signed_by_beneficiary"):
    return agreement_row(application, status=status)


def _errors(organisation, user, **kwargs):
    with pytest.raises(BankDetailsInvalid) as caught:
        _save(organisation, user, **kwargs)
    return caught.value.errors


# --- validation ---------------------------------------------------------------------------------


def test_an_iban_with_wrong_check_digits_is_refused(organisation, user):
    errors = _errors(organisation, user, iban="BE68539007547035")
    assert errors == {"iban": ["This is not a valid IBAN (Invalid checksum digits). Please copy "
                               "it from a bank statement."]}
    assert not BankAccount.objects.exists()


def test_an_iban_of_the_wrong_length_is_refused(organisation, user):
    assert _errors(organisation, user, iban="BE6853900754703")["iban"] == [
        "This is not a valid IBAN (Invalid IBAN length). Please copy it from a bank statement."]


def test_a_malformed_bic_is_refused(organisation, user):
    assert _errors(organisation, user, bic="GKCCBEB") == {"bic": [
        "This is not a valid BIC (Invalid length '7'): it has 8 or 11 letters and digits, "
        "e.g. GKCCBEBB."]}


def test_a_bic_of_another_country_than_the_iban_is_refused_with_both_countries(
        organisation, user):
    assert _errors(organisation, user, iban=IBAN_BE, bic=BIC_DE) == {"bic": [
        "The BIC is of a bank in Germany (DE), but the IBAN is of an account in Belgium (BE). "
        "Please check both: the BIC of your bank is on your bank statement."]}


@pytest.mark.parametrize(("holder", "message"), [
    ("A", "The account holder's name must be 2 to 70 characters long."),
    ("A" * 71, "The account holder's name must be 2 to 70 characters long."),
    ("Société Générale", "A SEPA transfer cannot carry “é” in a name: use letters A–Z without "
                         "accents, digits, spaces and / - ? : ( ) . , ' +."),
    ("Acme & Sons", "A SEPA transfer cannot carry “&” in a name: use letters A–Z without "
                    "accents, digits, spaces and / - ? : ( ) . , ' +."),
])
def test_a_holder_name_a_sepa_transfer_cannot_carry_is_refused(organisation, user, holder,
                                                                message):
    assert _errors(organisation, user, holder=holder) == {"holder": [message]}


@pytest.mark.parametrize("holder", ["AB", "A" * 70, "Acme Robotics (BE) S.A./N.V. - 2 + 1?"])
def test_holder_names_at_the_edges_are_accepted(organisation, user, holder):
    assert _save(organisation, user, holder=holder).holder == holder


def test_details_are_normalised(organisation, user):
    account = _save(organisation, user, holder="  Acme   Robotics  ",
                    iban="be68 5390 0754 7034", bic="gkcc bebb")
    assert (account.holder, account.iban, account.bic) == ("Acme Robotics", IBAN_BE, BIC_BE)


def test_other_countries_pass(organisation, user):
    assert _save(organisation, user, iban=IBAN_FR, bic=BIC_FR).iban == IBAN_FR
    assert _save(organisation, user, iban=IBAN_DE, bic=BIC_DE).iban == IBAN_DE


# --- before any signed agreement -----------------------------------------------------------------


def test_without_an_account_payments_are_blocked(organisation):
    assert active_bank_account(organisation) is None
    assert payments_blocked_reason(organisation) == (
        "The beneficiary has not given bank details yet.")


def test_before_signature_the_account_is_active_at_once(application, organisation, user):
    agreement_row(application, status="generated")  # not signed yet
    account = _save(organisation, user)
    assert account.status == S.ACTIVE
    assert active_bank_account(organisation) == account
    assert payments_blocked_reason(organisation) is None


def test_before_signature_a_new_account_replaces_the_old_one(organisation, user, committed):
    old = _save(organisation, user)
    with committed():
        new = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    old.refresh_from_db()
    assert (old.status, new.status) == (S.REPLACED, S.ACTIVE)
    assert mail.outbox == []  # nobody needs to approve
    entry = AuditEntry.objects.filter(action="bank_details_changed").order_by("pk").last()
    assert entry.data == {"account": new.pk, "old_iban": "****7034", "new_iban": "****3000",
                          "replaced_pending_iban": "", "needs_approval": False}


def test_saving_identical_details_changes_nothing(organisation, user):
    account = _save(organisation, user)
    entries = AuditEntry.objects.count()
    again = _save(organisation, user, iban="BE68 5390 0754 7034", bic="gkccbebb")
    assert again == account
    assert BankAccount.objects.count() == 1
    assert AuditEntry.objects.count() == entries


# --- after signature: finance approval --------------------------------------------------------


@pytest.fixture
def signed(application, organisation, user):
    """An enterprise with an active account that then signed its agreement."""
    account = _save(organisation, user)
    _signed(application)
    return account


def test_after_signature_a_change_is_pending_and_blocks_payments(
        signed, organisation, user, finance, committed):
    with committed():
        pending = _save(organisation, user, holder="Acme Robotics NV", iban=IBAN_DE, bic=BIC_DE)
    assert pending.status == S.PENDING
    assert active_bank_account(organisation) == signed  # the old one is still the active one
    assert payments_blocked_reason(organisation) == (
        "A change of bank details is waiting for a finance officer's approval.")
    assert [m.to for m in mail.outbox] == [[finance.email]]
    assert "ending ****3000" in mail.outbox[0].body
    assert IBAN_DE not in mail.outbox[0].body
    entry = AuditEntry.objects.filter(action="bank_details_changed").order_by("pk").last()
    assert entry.to_state == "pending"
    assert entry.data == {"account": pending.pk, "old_iban": "****7034", "new_iban": "****3000",
                          "replaced_pending_iban": "", "needs_approval": True}


def test_finance_approves_a_change(signed, organisation, user, finance, committed):
    pending = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    mail.outbox.clear()
    with committed():
        approved = bank_account_decide(account=pending, by=finance, approve=True, note="")
    signed.refresh_from_db()
    assert (approved.status, signed.status) == (S.ACTIVE, S.REPLACED)
    assert (approved.decided_by, approved.decision_note) == (finance, "")
    assert approved.decided_at is not None
    assert active_bank_account(organisation) == approved
    assert payments_blocked_reason(organisation) is None
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert mail.outbox[0].subject == "Your new bank details are approved"
    entry = AuditEntry.objects.get(action="bank_change_approved")
    assert (entry.actor, entry.data) == (finance, {"account": pending.pk, "old_iban": "****7034",
                                                   "new_iban": "****3000"})


def test_finance_rejects_a_change_with_a_note(signed, organisation, user, finance, committed):
    pending = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    mail.outbox.clear()
    with committed():
        rejected = bank_account_decide(account=pending, by=finance, approve=False,
                                       note="The holder differs from your company name.")
    signed.refresh_from_db()
    assert (rejected.status, rejected.decision_note) == (
        S.REJECTED, "The holder differs from your company name.")
    assert signed.status == S.ACTIVE
    assert payments_blocked_reason(organisation) is None
    assert mail.outbox[0].subject == "Your new bank details were refused"
    assert "The holder differs from your company name." in mail.outbox[0].body
    entry = AuditEntry.objects.get(action="bank_change_rejected")
    assert entry.reason == "The holder differs from your company name."


def test_a_rejection_needs_a_note(signed, organisation, user, finance):
    pending = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    with pytest.raises(DomainError, match="Please say why"):
        bank_account_decide(account=pending, by=finance, approve=False, note="  ")
    pending.refresh_from_db()
    assert pending.status == S.PENDING


def test_a_repeated_approval_changes_nothing_and_a_late_rejection_is_refused(
        signed, organisation, user, finance):
    pending = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    bank_account_decide(account=pending, by=finance, approve=True)
    entries = AuditEntry.objects.count()
    assert bank_account_decide(account=pending, by=finance, approve=True).status == S.ACTIVE
    assert AuditEntry.objects.count() == entries
    with pytest.raises(DomainError, match="already decided"):
        bank_account_decide(account=pending, by=finance, approve=False, note="Too late.")


def test_finance_of_another_eurocluster_may_not_decide(signed, organisation, user):
    other = MembershipFactory(role=Membership.Role.FINANCE, eurocluster=EuroclusterFactory())
    manager = MembershipFactory(role=Membership.Role.MANAGER,
                                eurocluster=signed.organisation.applications.get().call.eurocluster)
    pending = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    for person in (other.user, manager.user, user):
        with pytest.raises(NotAllowed):
            bank_account_decide(account=pending, by=person, approve=True)
    pending.refresh_from_db()
    assert pending.status == S.PENDING


def test_a_newer_change_withdraws_the_pending_one(signed, organisation, user):
    first = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    second = _save(organisation, user, iban=IBAN_FR, bic=BIC_FR)
    first.refresh_from_db()
    assert (first.status, second.status) == (S.REJECTED, S.PENDING)
    assert first.decision_note == "Withdrawn by the beneficiary: replaced by newer details."
    entry = AuditEntry.objects.filter(action="bank_details_changed").order_by("pk").last()
    assert entry.data["replaced_pending_iban"] == "****3000"


def test_giving_the_active_details_again_cancels_the_pending_change(signed, organisation, user):
    pending = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    assert _save(organisation, user) == signed
    pending.refresh_from_db()
    assert pending.status == S.REJECTED
    assert payments_blocked_reason(organisation) is None
    assert AuditEntry.objects.get(action="bank_change_withdrawn").data == {
        "account": pending.pk, "withdrawn_iban": "****3000", "active_iban": "****7034"}


def test_saving_the_pending_details_again_changes_nothing(signed, organisation, user):
    pending = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    assert _save(organisation, user, iban=IBAN_DE, bic=BIC_DE) == pending
    assert BankAccount.objects.count() == 2


@pytest.mark.parametrize("status", ["countersigned", "closed"])
def test_a_countersigned_or_closed_agreement_also_needs_approval(application, organisation,
                                                                 user, status):
    _signed(application, status=status)
    assert _save(organisation, user).status == S.PENDING


def test_a_declined_agreement_does_not(application, organisation, user):
    _signed(application, status="declined")
    assert _save(organisation, user).status == S.ACTIVE


def test_no_full_iban_is_ever_in_the_audit_trail(signed, organisation, user, finance):
    pending = _save(organisation, user, iban=IBAN_DE, bic=BIC_DE)
    bank_account_decide(account=pending, by=finance, approve=True)
    third = _save(organisation, user, iban=IBAN_FR, bic=BIC_FR)
    bank_account_decide(account=third, by=finance, approve=False, note="Not your account.")
    dumped = json.dumps([[e.data, e.reason] for e in AuditEntry.objects.all()])
    for iban in (IBAN_BE, IBAN_DE, IBAN_FR):
        assert iban not in dumped
        assert iban[-4:] in dumped
