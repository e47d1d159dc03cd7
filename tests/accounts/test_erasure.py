"""Erasure of an account (GDPR art. 17): the decision shown before confirming, the password
re-entered, both branches (deleted; pseudonymised with the records the grant requires kept) with
the exact state afterwards, and the beat task that deletes the held records once their retention
has run out (a day before and a day after), run twice."""

import os
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.personal_data import add_months
from accounts.services.erasure import (
    ANONYMISED,
    DELETED,
    PSEUDONYMISED,
    ErasureDecision,
    account_erase,
    erasure_decision,
)
from applications.models import Application, Attachment, Organisation
from applications.services import application_start
from euroclusters.models import Membership
from evaluation.models import Assignment, CallEvaluator, EvaluatorProfile
from payments.models import BankAccount, GrantAgreement, Payment, PaymentBatch, Tranche
from portal.formats import brussels
from portal.models import AuditEntry
from tests.evaluation.factories import AssignmentFactory
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.payments.factories import results_call
from tests.payments.test_finance_services import finance_officer, funded
from tests.portal.test_beat_tasks import run

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-42"
DAY = timedelta(days=1)
APPLICATIONS_REASON = ("Applications submitted to calls: records of the cascade funding, which "
                       "the EU Financial Regulation requires to be kept")
EVALUATOR_REASON = ("Your declarations and reviews as an evaluator: they document the "
                    "evaluation of the applications")


def _draft_with_file(organisation) -> tuple[Application, Attachment]:
    draft = ApplicationFactory(organisation=organisation, call=OpenCallFactory())
    attachment = Attachment(application=draft, original_name="plan.pdf", size=len(MINIMAL_PDF),
                            sha256="x", uploaded_by=organisation.user)
    attachment.file.save("plan.pdf", ContentFile(MINIMAL_PDF), save=False)
    attachment.save()
    return draft, attachment


def _beneficiary(paid_days_ago: int = 10):
    """A beneficiary with a countersigned agreement whose first tranche was paid
    ``paid_days_ago`` days ago (the Eurocluster's last payment), submitted a year before."""
    call = results_call()
    application, (first, _second) = funded(call)
    long_ago = timezone.now() - timedelta(days=400 + paid_days_ago)
    type(call).objects.filter(pk=call.pk).update(opens_at=long_ago - 30 * DAY,
                                                 closes_at=long_ago)
    Application.objects.filter(pk=application.pk).update(submitted_at=long_ago - DAY)
    officer = finance_officer(call.eurocluster)
    batch = PaymentBatch.objects.create(eurocluster=call.eurocluster, reference="B-1",
                                        created_by=officer, status=PaymentBatch.Status.CLOSED)
    settled = timezone.now() - timedelta(days=paid_days_ago)
    Tranche.objects.filter(pk=first.pk).update(status=Tranche.Status.PAID)
    payment = Payment.objects.create(
        tranche=first, batch=batch, amount=first.amount, status=Payment.Status.PAID,
        end_to_end_id=f"T{first.pk}-1", settled_at=settled,
        bank_account=BankAccount.objects.get(organisation=application.organisation))
    return application, payment


# --- the decision shown before confirming --------------------------------------------------------


def test_the_page_asks_a_visitor_to_log_in_and_a_post_changes_nothing(client):
    response = client.get(reverse("accounts:erase"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    user = UserFactory()
    response = client.post(reverse("accounts:erase"), {"password": PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).is_active is True


def test_the_page_says_everything_goes_when_nothing_is_held(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("accounts:erase")).content.decode()
    assert "your account and everything the portal holds about you will be deleted" in page
    assert erasure_decision(user=user) == ErasureDecision(outcome=DELETED)


def test_the_page_says_what_is_kept_why_and_until_when(client):
    application, payment = _beneficiary()
    user = application.organisation.user
    client.force_login(user)
    page = client.get(reverse("accounts:erase")).content.decode()
    until = add_months(payment.settled_at, 60)
    assert f"<li>{APPLICATIONS_REASON}</li>" in page
    assert brussels(until, date_only=True) in page
    assert erasure_decision(user=user) == ErasureDecision(
        outcome=PSEUDONYMISED, reasons=[APPLICATIONS_REASON], until=until)


# --- erasure without a legal retention -----------------------------------------------------------


def test_an_account_with_nothing_held_is_deleted_with_its_drafts_and_files(
        client, mailoutbox, django_capture_on_commit_callbacks, _private_files):
    organisation = OrganisationFactory()
    user = organisation.user
    draft, attachment = _draft_with_file(organisation)
    stored = _private_files / attachment.file.name
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:erase"), {"password": PASSWORD})

    assert response.status_code == 200
    assert 'data-outcome="deleted"' in response.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not stored.exists()
    assert EmailAddress.objects.count() == Authenticator.objects.count() == 0
    assert list(AuditEntry.objects.filter(action="account_erased").values_list(
        "object_id", "actor", "to_state", "reason", "data")) == [
        (user.pk, None, DELETED, "", {"until": ""})]
    [message] = mailoutbox
    assert message.to == [user.email]
    assert "everything the portal held about you has been deleted" in message.body
    assert "http://testserver/privacy/" in message.body
    # Logged out: the account area asks to log in again.
    assert client.get(reverse("accounts:my_data")).status_code == 302


def test_an_account_the_audit_trail_names_is_kept_nameless(client, manager_a):
    """The applicant started a draft (audited with her as the actor): the audit trail is
    append-only, so her row stays, with nothing personal in it."""
    user = UserFactory(full_name="Ana Popescu")
    OrganisationFactory(user=user)
    call = OpenCallFactory(eurocluster=manager_a.eurocluster)
    draft = application_start(call=call, user=user)
    membership = MembershipFactory(user=user, role=Membership.Role.OBSERVER)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})

    decision = account_erase(user=user, password=PASSWORD)

    assert decision == ErasureDecision(outcome=ANONYMISED)
    user = User.objects.get(pk=user.pk)
    assert (user.email, user.full_name, user.is_active, user.is_staff, user.is_superuser,
            user.has_usable_password()) == (f"erased-user-{user.pk}@invalid", "", False, False,
                                             False, False)
    assert user.erased_at is not None and user.purged_at == user.erased_at
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not Organisation.objects.filter(user=user).exists()
    assert EmailAddress.objects.filter(user=user).count() == 0
    assert Authenticator.objects.filter(user=user).count() == 0
    assert AuditEntry.objects.filter(actor=user, action="created").count() == 1  # untouched
    # Nothing left for the purge.
    assert run("accounts.purge_erased_accounts") == 0


def test_a_wrong_password_is_refused_and_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:erase"), {"password": "not-the-password"})
    assert response.status_code == 200
    assert "The password is not right." in response.content.decode()
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.email, fresh.is_active, fresh.erased_at) == (user.email, True, None)
    assert AuditEntry.objects.filter(action="account_erased").count() == 0


def test_a_get_does_not_erase(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("accounts:erase"), {"password": PASSWORD})
    assert User.objects.get(pk=user.pk).is_active is True


# --- erasure with a legal retention --------------------------------------------------------------


def test_a_beneficiary_is_pseudonymised_and_the_grant_records_are_kept(
        client, mailoutbox, django_capture_on_commit_callbacks):
    application, payment = _beneficiary()
    organisation = application.organisation
    user = organisation.user
    address = user.email
    draft = ApplicationFactory(organisation=organisation, call=OpenCallFactory())
    client.force_login(user)
    other_browser = Client()
    other_browser.force_login(user)
    assert other_browser.get(reverse("accounts:my_data")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:erase"), {"password": PASSWORD})

    until = add_months(payment.settled_at, 60)
    page = response.content.decode()
    assert 'data-outcome="pseudonymised"' in page
    assert f"<li>{APPLICATIONS_REASON}</li>" in page
    user = User.objects.get(pk=user.pk)
    assert (user.email, user.full_name, user.is_active, user.has_usable_password(),
            user.purged_at) == (f"erased-user-{user.pk}@invalid", "", False, False, None)
    assert user.erased_at is not None
    assert EmailAddress.objects.filter(user=user).count() == 0
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert Application.objects.filter(pk=application.pk).exists()
    assert GrantAgreement.objects.filter(application=application).count() == 1
    assert BankAccount.objects.filter(organisation=organisation).count() == 1
    assert Payment.objects.filter(pk=payment.pk).exists()
    [entry] = AuditEntry.objects.filter(action="account_erased")
    assert (entry.object_id, entry.actor, entry.to_state, entry.reason, entry.data) == (
        user.pk, None, PSEUDONYMISED, APPLICATIONS_REASON, {"until": until.isoformat()})
    [message] = mailoutbox
    assert message.to == [address]
    assert APPLICATIONS_REASON in message.body
    assert brussels(until, date_only=True) in message.body
    # No way back in, and the session of another browser has ended too.
    assert not client.login(username=address, password=PASSWORD)
    assert other_browser.get(reverse("accounts:my_data")).status_code == 302


def test_an_evaluator_who_declared_is_pseudonymised_and_the_rest_goes():
    assignment = AssignmentFactory(declared_at=timezone.now())
    evaluator = assignment.evaluator.user
    undeclared_pool = CallEvaluator.objects.create(call=OpenCallFactory(), user=evaluator)
    decision = account_erase(user=evaluator, password=PASSWORD)
    assert (decision.outcome, decision.reasons) == (PSEUDONYMISED, [EVALUATOR_REASON])
    assert not EvaluatorProfile.objects.filter(user=evaluator).exists()
    assert not CallEvaluator.objects.filter(pk=undeclared_pool.pk).exists()
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_erasing_twice_is_refused():
    application, _payment = _beneficiary()
    user = application.organisation.user
    account_erase(user=user, password=PASSWORD)
    user = User.objects.get(pk=user.pk)
    with pytest.raises(Exception, match="already been erased"):
        account_erase(user=user, password=PASSWORD)


# --- the held records go after the retention -----------------------------------------------------


def _erased_beneficiary(paid_days_ago: int):
    application, payment = _beneficiary(paid_days_ago)
    account_erase(user=application.organisation.user, password=PASSWORD)
    return application, payment


def test_the_held_records_stay_a_day_before_the_retention_ends():
    # Paid five years ago less a day: the records stay one more day.
    days = (timezone.now() - add_months(timezone.now(), -60)).days - 1
    application, _payment = _erased_beneficiary(days)
    assert run("accounts.purge_erased_accounts") == 0
    assert Application.objects.filter(pk=application.pk).exists()
    assert User.objects.get(pk=application.organisation.user_id).purged_at is None


def test_the_purge_deletes_the_held_records_after_the_retention_and_runs_twice():
    days = (timezone.now() - add_months(timezone.now(), -60)).days + 1
    application, payment = _erased_beneficiary(days)
    user_id, organisation_id = application.organisation.user_id, application.organisation_id
    batch_id = payment.batch_id
    # The batch's SEPA file names her with her IBAN.
    payment.batch.sepa_file.save("B-1.xml", ContentFile(b"<Document/>"))
    sepa_path = payment.batch.sepa_file.path

    assert run("accounts.purge_erased_accounts") == 1
    assert not Application.objects.filter(pk=application.pk).exists()
    assert not GrantAgreement.objects.filter(application_id=application.pk).exists()
    assert not Payment.objects.filter(pk=payment.pk).exists()
    assert not Organisation.objects.filter(pk=organisation_id).exists()
    assert not BankAccount.objects.filter(organisation_id=organisation_id).exists()
    assert not User.objects.filter(pk=user_id).exists()
    assert PaymentBatch.objects.filter(pk=batch_id).exists()  # the Eurocluster's, not hers
    assert PaymentBatch.objects.get(pk=batch_id).sepa_file.name == ""
    assert not os.path.exists(sepa_path)
    assert list(AuditEntry.objects.filter(action="account_purged").values_list(
        "object_id", "to_state")) == [(user_id, DELETED)]

    assert run("accounts.purge_erased_accounts") == 0
    assert AuditEntry.objects.filter(action="account_purged").count() == 1


def test_a_later_payment_of_the_eurocluster_moves_the_date():
    days = (timezone.now() - add_months(timezone.now(), -60)).days + 1
    application, payment = _erased_beneficiary(days)
    eurocluster = application.call.eurocluster
    # Another beneficiary of the same Eurocluster paid yesterday: the clock starts again.
    other, (tranche, _) = funded(results_call(eurocluster=eurocluster), acronym="OTHER")
    Payment.objects.create(tranche=tranche, batch=payment.batch, amount=tranche.amount,
                           status=Payment.Status.PAID, end_to_end_id="T-other",
                           settled_at=timezone.now() - DAY,
                           bank_account=BankAccount.objects.get(organisation=other.organisation))
    assert run("accounts.purge_erased_accounts") == 0
    assert Application.objects.filter(pk=application.pk).exists()
    assert User.objects.get(pk=application.organisation.user_id).purged_at is None
