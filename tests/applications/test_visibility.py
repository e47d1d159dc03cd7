"""Who may open which application (applications.selectors.application_visible_to): the
applicant's compiled-once read and the ORM's read for everyone else give the same answers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application
from applications.selectors import application_visible_to, applications_visible_to
from euroclusters.models import Membership
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _visible(user, application) -> Application | None:
    # A fresh person each time, as each request loads her: no memberships cached from before.
    return application_visible_to(type(user).objects.get(pk=user.pk), application.pk)


def test_an_applicant_opens_her_own_application_with_what_its_pages_show():
    application = ApplicationFactory()
    owner = application.organisation.user
    got = _visible(owner, application)
    assert got.pk == application.pk
    with CaptureQueriesContext(connection) as queries:
        assert (got.call.pk, got.call.eurocluster.pk, got.organisation.pk) == (
            application.call_id, application.call.eurocluster_id, application.organisation_id)
    assert len(queries) == 0


def test_an_applicant_never_opens_another_s_application_draft_or_submitted():
    mine, theirs = ApplicationFactory(), ApplicationFactory()
    owner = mine.organisation.user
    assert _visible(owner, theirs) is None
    Application.objects.filter(pk=theirs.pk).update(submitted_at=timezone.now(),
                                                    status=Application.Status.SUBMITTED)
    assert _visible(owner, theirs) is None
    assert _visible(owner, mine).pk == mine.pk  # her own, read after the refusals


def test_a_manager_opens_the_submitted_applications_of_her_eurocluster_only():
    application = ApplicationFactory()
    manager = MembershipFactory(eurocluster=application.call.eurocluster).user
    assert _visible(manager, application) is None  # a draft is the applicant's alone
    Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now(),
                                                         status=Application.Status.SUBMITTED)
    assert _visible(manager, application).pk == application.pk
    assert _visible(MembershipFactory().user, application) is None


@pytest.mark.parametrize("role", [Membership.Role.FINANCE, Membership.Role.OBSERVER])
def test_other_roles_of_the_eurocluster_do_not_open_applications_here(role):
    application = ApplicationFactory()
    Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now())
    member = MembershipFactory(eurocluster=application.call.eurocluster, role=role).user
    assert _visible(member, application) is None


def test_a_superuser_opens_submitted_applications_not_drafts():
    application = ApplicationFactory()
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert _visible(superuser, application) is None
    Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now())
    assert _visible(superuser, application).pk == application.pk


@pytest.mark.parametrize("related", [("organisation",), ("call", "voucher_type")])
def test_the_related_rows_asked_for_are_loaded_and_the_answer_is_the_selector_s(related):
    application = ApplicationFactory()
    owner = application.organisation.user
    got = application_visible_to(owner, application.pk, related=related)
    assert got == applications_visible_to(owner).get(pk=application.pk)
    direct = ("call", "voucher_type", "organisation")
    assert [Application._meta.get_field(name).is_cached(got) for name in direct] == [
        name in related for name in direct]
