"""Issue 16, item 15: a draft belongs to the applicant until it is submitted; the admin and the
manager's pages show none (superusers included), a submitted one stays visible."""

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from tests.applications.test_admin import make_attachment
from tests.factories import ApplicationFactory, OpenCallFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:applications_application_changelist"


@pytest.fixture
def call(manager_a):
    return OpenCallFactory(eurocluster=manager_a.eurocluster)


@pytest.fixture
def draft(call):
    return ApplicationFactory(call=call, acronym="VINHARVEST", title="Secret harvest robot")


@pytest.fixture
def submitted(call):
    return ApplicationFactory(call=call, acronym="SWELD", status=Application.Status.SUBMITTED,
                              submitted_at=timezone.now())


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("who", ["manager_client", "superuser_client"])
def test_the_admin_lists_no_draft(request, who, draft, submitted):
    client = request.getfixturevalue(who)
    response = client.get(reverse(CHANGELIST))
    assert list(response.context["cl"].result_list) == [submitted]
    content = response.content.decode()
    assert "VINHARVEST" not in content
    assert "Secret harvest robot" not in content


@pytest.mark.parametrize("who", ["manager_client", "superuser_client"])
def test_a_drafts_admin_page_and_attachment_are_not_found(request, who, draft):
    client = request.getfixturevalue(who)
    response = client.get(reverse("admin:applications_application_change", args=[draft.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    attachment = make_attachment(draft)
    assert client.get(reverse("admin:applications_attachment_download",
                              args=[attachment.pk])).status_code == 404


def test_an_application_withdrawn_before_its_first_submission_stays_hidden(manager_client,
                                                                           call):
    ApplicationFactory(call=call, acronym="GONE", status=Application.Status.WITHDRAWN)
    assert list(manager_client.get(reverse(CHANGELIST)).context["cl"].result_list) == []


@pytest.mark.parametrize("who", ["manager_client", "superuser_client"])
def test_the_manager_area_does_not_open_a_draft(request, who, draft, submitted):
    client = request.getfixturevalue(who)
    assert client.get(reverse("applications:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("applications:detail", args=[submitted.pk])).status_code == 200


def test_the_applicant_still_opens_her_own_draft(client, draft):
    client.force_login(draft.organisation.user)
    assert client.get(reverse("applications:detail", args=[draft.pk])).status_code == 200
