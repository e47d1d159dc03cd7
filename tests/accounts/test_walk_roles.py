"""Issue 16, item 13: each role lands on its own home after login, and the menu shows the items
of the person's roles only, from the session and the per-request role cache."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from euroclusters.models import Membership
from tests.applications.test_views import ORG_POST
from tests.evaluation.factories import CallEvaluatorFactory
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.logins import log_in as log_in_with_form

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"
MENU = {"My applications": "applications:dashboard", "My enterprise": "applications:organisation",
        "Evaluations": "evaluation:queue", "Expert profile": "evaluation:profile",
        "Manage calls": "applications:manage_calls", "Finance": "payments:finance"}


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def applicant():
    return with_password(OrganisationFactory().user)


def evaluator():
    return with_password(CallEvaluatorFactory().user)


def manager():
    return with_password(MembershipFactory().user)


def finance():
    return with_password(MembershipFactory(role=Membership.Role.FINANCE).user)


def log_in(client, user, next=""):
    """The login form, and the authenticator-app code for the staff the factories give one."""
    return log_in_with_form(client, user.email, PASSWORD, next_url=next)


def menu(client) -> list[str]:
    page = client.get(reverse("calls:home")).content.decode()
    nav = page[page.index("<nav"):page.index("</nav>")]
    return [label for label, name in MENU.items() if f'href="{reverse(name)}"' in nav]


@pytest.mark.parametrize(("make", "home"), [
    (applicant, "applications:dashboard"),
    (UserFactory, "applications:dashboard"),  # a new SME, no enterprise yet
    (evaluator, "evaluation:queue"),
    (manager, "reporting:dashboard"),
    (finance, "payments:finance"),
])
def test_each_role_lands_on_its_own_home(client, make, home):
    user = make() if make is not UserFactory else with_password(UserFactory())
    response = log_in(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse(home)


def test_several_roles_land_on_the_first_by_priority(client):
    """manager, then finance officer, then evaluator, then applicant."""
    user = evaluator()
    OrganisationFactory(user=user)
    assert log_in(client, user)["Location"] == reverse("evaluation:queue")
    client.logout()
    MembershipFactory(user=user, role=Membership.Role.FINANCE)
    assert log_in(client, user)["Location"] == reverse("payments:finance")
    client.logout()
    MembershipFactory(user=user, role=Membership.Role.MANAGER)
    assert log_in(client, user)["Location"] == reverse("reporting:dashboard")


def test_an_explicit_next_wins(client):
    assert log_in(client, evaluator(), next=reverse("calls:home"))["Location"] == reverse(
        "calls:home")


@pytest.mark.parametrize(("make", "items"), [
    (applicant, ["My applications", "My enterprise"]),
    (evaluator, ["Evaluations", "Expert profile"]),
    (manager, ["Manage calls"]),
    (finance, ["Finance"]),
])
def test_the_menu_shows_the_items_of_the_persons_roles_only(client, make, items):
    log_in(client, make())
    assert menu(client) == items


def test_a_new_sme_without_an_enterprise_sees_the_applicant_items(client):
    log_in(client, with_password(UserFactory()))
    assert menu(client) == ["My applications", "My enterprise"]


def test_an_evaluator_who_is_also_an_applicant_sees_both(client):
    user = evaluator()
    OrganisationFactory(user=user)
    log_in(client, user)
    assert menu(client) == ["My applications", "My enterprise", "Evaluations", "Expert profile"]


def test_a_manager_who_is_also_a_finance_officer_sees_both(client):
    user = manager()
    MembershipFactory(user=user, role=Membership.Role.FINANCE)  # of another Eurocluster
    log_in(client, user)
    assert menu(client) == ["Manage calls", "Finance"]


def test_describing_the_enterprise_adds_the_applicant_items_without_a_new_login(client):
    user = evaluator()
    log_in(client, user)
    assert "My applications" not in menu(client)
    client.post(reverse("applications:organisation"), ORG_POST)
    assert menu(client)[:2] == ["My applications", "My enterprise"]


@pytest.mark.parametrize(("make", "queries"), [
    # the session, and its user with her memberships and the bell's unread count
    # (euroclusters.backends): the menu's role checks ask the rules alone, which read the
    # memberships the user's load brought
    (applicant, 2), (evaluator, 2), (finance, 2), (manager, 2)])
def test_the_menu_costs_no_query_of_its_own(client, make, queries):
    log_in(client, make())
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("payments:verify"))
    assert len(captured) == queries, [q["sql"] for q in captured]
