"""The evaluator pool: invitations, answers, removal, rapporteurs and the profile."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from evaluation.models import Assignment, AssignmentRun, CallEvaluator, EvaluatorProfile
from evaluation.services.pool import (
    PoolRefused,
    evaluator_accept,
    evaluator_decline,
    evaluator_invite,
    evaluator_remove,
    evaluator_set_rapporteur,
    evaluators_invite,
    profile_save,
)
from portal.audit import audit_trail
from tests.evaluation.factories import (
    AssignmentFactory,
    CallEvaluatorFactory,
    closed_call,
    eligible_application,
    submitted_review,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(manager_a):
    return closed_call(eurocluster=manager_a.eurocluster)


def test_invite_creates_an_account_without_password_and_mails_the_link(
        call, manager_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = evaluator_invite(call=call, email=" Expert@Example.org ", by=manager_a.user,
                                 name="Ada Expert")
    user = User.objects.get(email="expert@example.org")
    assert (entry.user_id, entry.status, entry.invited_by_id) == (user.pk, "invited",
                                                                  manager_a.user.pk)
    assert (user.full_name, user.has_usable_password()) == ("Ada Expert", False)
    assert EvaluatorProfile.objects.filter(user=user).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == (["expert@example.org"],
                                             f"{call.reference}: invitation to evaluate proposals")
    assert f"/invitations/{entry.token}/" in message.body
    assert "accepting creates one" in message.body
    assert [e.action for e in audit_trail(entry)] == ["invite"]


def test_invite_links_an_existing_account(call, manager_a):
    user = UserFactory(email="known@example.org")
    entry = evaluator_invite(call=call, email="KNOWN@example.org", by=manager_a.user)
    assert entry.user_id == user.pk
    assert User.objects.filter(email__iexact="known@example.org").count() == 1


def test_invite_twice_resends_and_an_accepted_member_is_refused(call, manager_a,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = evaluator_invite(call=call, email="a@example.org", by=manager_a.user)
        again = evaluator_invite(call=call, email="a@example.org", by=manager_a.user)
    assert (again.pk, again.token) == (first.pk, first.token)
    assert len(mail.outbox) == 2
    CallEvaluator.objects.filter(pk=first.pk).update(status="accepted")
    with pytest.raises(PoolRefused) as refused:
        evaluator_invite(call=call, email="a@example.org", by=manager_a.user)
    assert refused.value.message == "a@example.org is already in the pool of this call."


def test_a_declined_person_is_invited_again_with_a_new_link(call, manager_a):
    entry = evaluator_invite(call=call, email="a@example.org", by=manager_a.user)
    evaluator_decline(call_evaluator=entry)
    again = evaluator_invite(call=call, email="a@example.org", by=manager_a.user)
    assert (again.pk, again.status) == (entry.pk, "invited")
    assert again.token != entry.token


def test_inviting_a_manager_or_an_applicant_of_the_call_is_refused(call, manager_a):
    with pytest.raises(PoolRefused) as refused:
        evaluator_invite(call=call, email=manager_a.user.email, by=manager_a.user)
    assert refused.value.message == (f"{manager_a.user.email} is a manager of this Eurocluster "
                                     f"and cannot evaluate its proposals.")
    applicant = eligible_application(call).organisation.user
    with pytest.raises(PoolRefused) as refused:
        evaluator_invite(call=call, email=applicant.email, by=manager_a.user)
    assert refused.value.message == (f"{applicant.email} applied to this call and cannot "
                                     f"evaluate it.")
    # A manager of another Eurocluster may evaluate here.
    other = MembershipFactory().user
    assert evaluator_invite(call=call, email=other.email, by=manager_a.user).status == "invited"


def test_inviting_several_keeps_each_invitation_whatever_the_others(
        call, manager_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invited, refused = evaluators_invite(
            call=call, emails=["one@example.org", "not-an-address", manager_a.user.email,
                               "two@example.org"], by=manager_a.user, name="Ignored Name")
    assert [(e.user.email, e.user.full_name, e.status) for e in invited] == [
        ("one@example.org", "", "invited"), ("two@example.org", "", "invited")]
    assert refused == ["“not-an-address” is not a valid e-mail address.",
                       f"{manager_a.user.email} is a manager of this Eurocluster and cannot "
                       f"evaluate its proposals."]
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.org", "two@example.org"]
    invited, refused = evaluators_invite(call=call, emails=["three@example.org"],
                                         by=manager_a.user, name="Three Person")
    assert (invited[0].user.full_name, refused) == ("Three Person", [])


def test_invalid_address_is_refused(call, manager_a):
    with pytest.raises(PoolRefused) as refused:
        evaluator_invite(call=call, email="not-an-address", by=manager_a.user)
    assert refused.value.message == "“not-an-address” is not a valid e-mail address."


def test_accept_sets_the_password_and_verifies_the_address(call, manager_a):
    entry = evaluator_invite(call=call, email="new@example.org", by=manager_a.user)
    with pytest.raises(PoolRefused) as refused:
        evaluator_accept(call_evaluator=entry, user=entry.user, password="short")
    assert refused.value.message.startswith("This password is too short.")
    accepted = evaluator_accept(call_evaluator=entry, user=entry.user, full_name="Ada Lovelace",
                                password="a-long-Passphrase-2026")
    user = User.objects.get(pk=entry.user_id)
    assert accepted.status == "accepted"
    assert accepted.responded_at is not None
    assert user.check_password("a-long-Passphrase-2026")
    assert user.full_name == "Ada Lovelace"
    assert EmailAddress.objects.get(user=user).verified is True
    # Twice: nothing changes.
    assert evaluator_accept(call_evaluator=entry, user=user).status == "accepted"


def test_accept_by_another_account_is_refused(call, manager_a):
    entry = evaluator_invite(call=call, email="new@example.org", by=manager_a.user)
    with pytest.raises(PoolRefused) as refused:
        evaluator_accept(call_evaluator=entry, user=UserFactory())
    assert refused.value.message == ("This invitation was sent to another account. Log out and "
                                     "open the link again.")


def test_an_accepted_invitation_cannot_be_declined(call, manager_a):
    entry = CallEvaluatorFactory(call=call)
    with pytest.raises(PoolRefused):
        evaluator_decline(call_evaluator=entry)


def test_remove_takes_the_open_assignments_back_and_keeps_submitted_reviews(
        call, manager_a, django_capture_on_commit_callbacks):
    entry = CallEvaluatorFactory(call=call, is_rapporteur=True)
    open_one = AssignmentFactory(application=eligible_application(call), evaluator=entry,
                                 status=Assignment.Status.ASSIGNED)
    done = AssignmentFactory(application=eligible_application(call), evaluator=entry)
    submitted_review(done, [4, 4, 4])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        removed = evaluator_remove(call_evaluator=entry, by=manager_a.user, reason="unwell")
    assert (removed.status, removed.is_rapporteur) == ("removed", False)
    open_one.refresh_from_db()
    done.refresh_from_db()
    assert (open_one.status, done.status) == ("removed", "submitted")
    # The fill task was queued (it does nothing before the first run).
    assert len(callbacks) == 1
    assert not AssignmentRun.objects.exists()


def test_rapporteur_toggle(call, manager_a):
    entry = CallEvaluatorFactory(call=call)
    assert evaluator_set_rapporteur(call_evaluator=entry, value=True,
                                    by=manager_a.user).is_rapporteur is True
    assert [e.action for e in audit_trail(entry)] == ["rapporteur"]
    invited = CallEvaluatorFactory(call=call, status="invited")
    with pytest.raises(PoolRefused):
        evaluator_set_rapporteur(call_evaluator=invited, value=True, by=manager_a.user)


def test_profile_save_cleans_lists():
    user = UserFactory()
    profile = profile_save(user=user, data={
        "expertise": ["Robotics", " robotics ", "AI  vision"], "languages": ["EN", "fr", "en"],
        "country": "FR", "organisation": " Pôle  SCS ", "organisation_number": "",
        "max_proposals_per_call": 5})
    assert profile.expertise == ["Robotics", "AI vision"]
    assert profile.languages == ["en", "fr"]
    assert (profile.country.code, profile.organisation, profile.max_proposals_per_call) == (
        "FR", "Pôle SCS", 5)
    assert [e.action for e in audit_trail(profile)] == ["profile.save"]
