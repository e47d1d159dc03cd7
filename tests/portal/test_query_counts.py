"""The pages everyone opens first cost a fixed number of queries, at one row as at many."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from calls.models import OpenCall
from tests.factories import (
    ApplicationFactory,
    OpenCallFactory,
    OrganisationFactory,
    UserFactory,
    VoucherTypeFactory,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def calls(n: int) -> None:
    """``n`` calls in each phase the home page shows (open, forthcoming, recently closed), each
    with two voucher types."""
    now = timezone.now()
    for _ in range(n):
        for status, opens, closes in ((OpenCall.Status.OPEN, -DAY, 20 * DAY),
                                      (OpenCall.Status.PUBLISHED, 5 * DAY, 30 * DAY),
                                      (OpenCall.Status.CLOSED, -30 * DAY, -DAY)):
            call = OpenCallFactory(status=status, opens_at=now + opens, closes_at=now + closes)
            VoucherTypeFactory.create_batch(2, call=call)


# The home page: the visible calls with their Euroclusters, then their voucher types (open and
# forthcoming in one list), then the recently closed ones with theirs.
HOME_QUERIES = 4


@pytest.mark.parametrize("n", [1, 6])
def test_home_page_query_count_is_fixed(client, django_assert_num_queries, n):
    calls(n)
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("calls:home"))
    assert response.status_code == 200
    assert len(response.context["open_calls"]) == n
    assert len(response.context["forthcoming_calls"]) == n
    assert len(response.context["closed_calls"]) == n


def applications_of(user, n: int) -> None:
    """``n`` applications of ``user``'s enterprise, each in its own call."""
    organisation = OrganisationFactory(user=user)
    for index in range(n):
        ApplicationFactory(organisation=organisation, acronym=f"P{index}",
                           status=Application.Status.DRAFT if index % 2 else
                           Application.Status.SUBMITTED)


# The dashboard: the session; its user with her memberships (the menu's role checks) and the
# bell's unread count (euroclusters.backends); the enterprise; the open calls with their
# Euroclusters, then their voucher types; the applications with their calls, Euroclusters, voucher
# types and version counts; whether she signed a grant agreement (the invitation to set up a
# second factor, not asked once she has one).
DASHBOARD_QUERIES = 7


@pytest.mark.parametrize("n", [1, 6])
def test_applicant_dashboard_query_count_is_fixed(client, django_assert_num_queries, n):
    user = UserFactory()
    applications_of(user, n)
    client.force_login(user)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("applications:dashboard"))
    assert response.status_code == 200
    assert len(response.context["applications"]) == n
    assert len(response.context["open_calls"]) == n
