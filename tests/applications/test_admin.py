import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    ConsortiumMember,
    EligibilityResult,
)
from euroclusters.models import Membership
from tests.factories import (
    MINIMAL_PDF,
    BudgetLineFactory,
    EuroclusterFactory,
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.factories import ApplicationFactory as DraftFactory

pytestmark = pytest.mark.django_db

APPLICATIONS = "admin:applications_application_changelist"
VERSIONS = "admin:applications_applicationversion_changelist"



def ApplicationFactory(**kwargs):  # noqa: N802 (stands for the factory in the tests below)
    """A submitted application: the admin shows no draft (see test_drafts_* below)."""
    return DraftFactory(**{"status": Application.Status.SUBMITTED,
                           "submitted_at": timezone.now(), **kwargs})


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def make_version(application, number=1):
    return ApplicationVersion.objects.create(
        application=application, number=number, submitted_at=timezone.now(),
        submitted_by=application.created_by, content={"title": application.title},
        sha256="a" * 64, receipt_code=f"{application.call.reference}-{application.pk:06d}-{number}",
    )


def make_attachment(application):
    return Attachment.objects.create(
        application=application, file=ContentFile(MINIMAL_PDF, name="upload.pdf"),
        original_name="SME declaration.pdf", size=len(MINIMAL_PDF),
        sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(), uploaded_by=application.created_by,
    )


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def call_a(manager_a):
    return OpenCallFactory(eurocluster=manager_a.eurocluster, title="DREAM innovation vouchers")


@pytest.fixture
def call_b():
    return OpenCallFactory(eurocluster=EuroclusterFactory(), title="Silicon green vouchers")


# --- applications: scope -----------------------------------------------------------------------


def test_manager_sees_only_the_applications_to_their_calls(manager_client, call_a, call_b):
    own = ApplicationFactory(call=call_a, acronym="SWELD")
    ApplicationFactory(call=call_b, acronym="GREENPCB")
    response = manager_client.get(reverse(APPLICATIONS))
    assert list(response.context["cl"].result_list) == [own]
    assert "GREENPCB" not in response.content.decode()


def test_change_page_of_another_euroclusters_application_redirects_to_the_index(
    manager_client, call_b
):
    other = ApplicationFactory(call=call_b)
    response = manager_client.get(
        reverse("admin:applications_application_change", args=[other.pk]), follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert messages_of(response) == [
        f"application with ID “{other.pk}” doesn’t exist. Perhaps it was deleted?"
    ]


def test_call_filter_offers_only_the_managers_calls(manager_client, manager_a, call_a, call_b):
    second = OpenCallFactory(eurocluster=manager_a.eurocluster, title="DREAM consultancy")
    for call in (call_a, second, call_b):
        ApplicationFactory(call=call)
    response = manager_client.get(reverse(APPLICATIONS))
    spec = next(f for f in response.context["cl"].filter_specs
                if getattr(f, "field_path", "") == "call")
    assert sorted(pk for pk, _label in spec.lookup_choices) == sorted([call_a.pk, second.pk])
    assert call_b.title not in response.content.decode()


@pytest.mark.parametrize("query", ["Welding", "SWELD", "Tallinn Tooling"])
def test_search_by_title_acronym_and_organisation(manager_client, call_a, query):
    found = ApplicationFactory(call=call_a, title="Smart welding cell", acronym="SWELD",
                               organisation=OrganisationFactory(legal_name="Tallinn Tooling OÜ"))
    ApplicationFactory(call=call_a, title="Cobot packaging", acronym="COPACK")
    response = manager_client.get(reverse(APPLICATIONS), {"q": query})
    assert list(response.context["cl"].result_list) == [found]


# --- applications: read-only -------------------------------------------------------------------


def test_change_page_shows_the_application_and_its_parts_read_only(manager_client, call_a):
    application = ApplicationFactory(
        call=call_a, acronym="SWELD", title="Smart welding cell",
        sections={"approach": "We integrate a camera.", "impact": "Less scrap."},
    )
    BudgetLineFactory(application=application, amount=Decimal("20000"),
                      description="Integration of a vision system")
    ConsortiumMember.objects.create(
        application=application, legal_name="Cluj Robotics SRL", registration_number="RO123",
        country="RO", contact_email="ana@example.ro", staff_headcount=8,
        annual_turnover=400000, balance_sheet_total=300000,
    )
    attachment = make_attachment(application)
    make_version(application)
    response = manager_client.get(
        reverse("admin:applications_application_change", args=[application.pk]))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    page = response.content.decode()
    for text in ("Integration of a vision system", "Cluj Robotics SRL", "SME declaration.pdf",
                 "We integrate a camera.", "Approach",
                 reverse("admin:applications_attachment_download", args=[attachment.pk])):
        assert text in page
    assert 'name="_save"' not in page
    for inline in response.context["inline_admin_formsets"]:
        assert (inline.has_add_permission, inline.has_change_permission,
                inline.has_delete_permission) == (False, False, False)


@pytest.mark.parametrize("superuser", [False, True])
def test_nobody_adds_changes_or_deletes_an_application(client, manager_a, call_a, superuser):
    user = UserFactory(is_staff=True, is_superuser=True) if superuser else manager_a.user
    client.force_login(user)
    application = ApplicationFactory(call=call_a, title="Before")
    change = reverse("admin:applications_application_change", args=[application.pk])
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    assert client.post(change, {"title": "After"}).status_code == 403
    delete = reverse("admin:applications_application_delete", args=[application.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    application.refresh_from_db()
    assert application.title == "Before"
    assert client.get(reverse(APPLICATIONS)).context["action_form"] is None


@pytest.mark.parametrize("role", [Membership.Role.FINANCE, Membership.Role.OBSERVER, None])
def test_who_is_not_a_manager_is_refused(client, call_a, role):
    user = (MembershipFactory(eurocluster=call_a.eurocluster, role=role).user if role
            else UserFactory(is_staff=True))
    application = ApplicationFactory(call=call_a)
    client.force_login(user)
    assert client.get(reverse(APPLICATIONS)).status_code == 403
    assert client.get(
        reverse("admin:applications_application_change", args=[application.pk])
    ).status_code == 403
    assert client.get(reverse(VERSIONS)).status_code == 403


def test_attachment_download_is_for_the_calls_eurocluster_only(client, manager_client, call_a,
                                                               call_b):
    attachment = make_attachment(ApplicationFactory(call=call_a))
    url = reverse("admin:applications_attachment_download", args=[attachment.pk])
    response = manager_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="SME declaration.pdf"'
    assert b"".join(response.streaming_content) == MINIMAL_PDF

    client.logout()
    client.force_login(MembershipFactory(eurocluster=call_b.eurocluster).user)
    assert client.get(url).status_code == 404


def test_applications_changelist_makes_the_same_number_of_queries_at_1_and_20_rows(
    manager_client, call_a
):
    url = reverse(APPLICATIONS)
    manager_client.get(url)
    ApplicationFactory(call=call_a)
    at_one = _count_queries(manager_client, url)
    for _ in range(19):
        ApplicationFactory(call=call_a)
    at_twenty = _count_queries(manager_client, url)
    assert Application.objects.count() == 20
    assert at_one == at_twenty


def test_application_change_page_queries_do_not_grow_with_its_parts(manager_client, call_a):
    application = ApplicationFactory(call=call_a)
    url = reverse("admin:applications_application_change", args=[application.pk])
    manager_client.get(url)
    BudgetLineFactory(application=application)
    make_attachment(application)
    make_version(application, 1)
    at_one = _count_queries(manager_client, url)
    for number in range(2, 11):
        BudgetLineFactory(application=application)
        make_attachment(application)
        make_version(application, number)
    at_ten = _count_queries(manager_client, url)
    assert at_one == at_ten


# --- submitted versions ------------------------------------------------------------------------


def test_manager_sees_only_the_versions_of_their_calls(manager_client, call_a, call_b):
    own = make_version(ApplicationFactory(call=call_a))
    other = make_version(ApplicationFactory(call=call_b))
    response = manager_client.get(reverse(VERSIONS))
    assert list(response.context["cl"].result_list) == [own]
    assert other.receipt_code not in response.content.decode()


def test_version_of_another_eurocluster_redirects_to_the_index(manager_client, call_b):
    other = make_version(ApplicationFactory(call=call_b))
    response = manager_client.get(
        reverse("admin:applications_applicationversion_change", args=[other.pk]), follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert messages_of(response) == [
        f"submitted version with ID “{other.pk}” doesn’t exist. Perhaps it was deleted?"
    ]


def test_version_page_is_read_only_and_shows_content_and_eligibility(manager_client, call_a):
    version = make_version(ApplicationFactory(call=call_a, title="Smart welding cell"))
    url = reverse("admin:applications_applicationversion_change", args=[version.pk])
    response = manager_client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    page = response.content.decode()
    assert "Smart welding cell" in page
    assert "not checked yet" in page
    EligibilityResult.objects.create(version=version, outcome=EligibilityResult.Outcome.ELIGIBLE)
    assert "Eligible" in manager_client.get(url).content.decode()
    assert manager_client.get(
        reverse("admin:applications_applicationversion_add")).status_code == 403
    assert manager_client.post(
        reverse("admin:applications_applicationversion_delete", args=[version.pk]),
        {"post": "yes"},
    ).status_code == 403


def test_versions_changelist_makes_the_same_number_of_queries_at_1_and_20_rows(
    manager_client, call_a
):
    url = reverse(VERSIONS)
    manager_client.get(url)
    make_version(ApplicationFactory(call=call_a))
    at_one = _count_queries(manager_client, url)
    for _ in range(19):
        version = make_version(ApplicationFactory(call=call_a))
        EligibilityResult.objects.create(version=version)
    at_twenty = _count_queries(manager_client, url)
    assert at_one == at_twenty
