"""Editing, submitting and withdrawing an application are the applicant's own acts: a superuser
may read a submitted application, never act in the applicant's name (Django says yes to every
``has_perm`` of a superuser, so these views ask the rules themselves)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from tests.factories import UserFactory, complete_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted():
    application = complete_application()
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.SUBMITTED, submitted_at=timezone.now())
    application.refresh_from_db()
    return application


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("name", ["edit", "submit", "withdraw"])
def test_a_superuser_reads_but_does_not_act_for_the_applicant(superuser_client, submitted, name):
    assert superuser_client.get(reverse("applications:detail", args=[submitted.pk])
                                ).status_code == 200
    assert superuser_client.get(reverse(f"applications:{name}", args=[submitted.pk])
                                ).status_code == 403
    response = superuser_client.post(reverse(f"applications:{name}", args=[submitted.pk]),
                                     {"reason": "Asked by phone.", "confirm": "on"})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


@pytest.mark.parametrize("name", ["edit", "submit", "withdraw"])
def test_the_applicant_still_acts_on_their_own_application(client, submitted, name):
    client.force_login(submitted.organisation.user)
    assert client.get(reverse(f"applications:{name}", args=[submitted.pk])).status_code == 200


def test_the_applicant_withdraws_their_own_application(client, submitted):
    client.force_login(submitted.organisation.user)
    response = client.post(reverse("applications:withdraw", args=[submitted.pk]),
                           {"reason": "We found another partner.", "confirm": "on"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.WITHDRAWN
