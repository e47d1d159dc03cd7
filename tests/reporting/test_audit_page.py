"""``/manage/audit/``: a manager reads their Euroclusters' audit entries only, a superuser every
entry; the filters (person, object type, object id, action, dates) and the CSV export with the
same scope and filters; finance officers, evaluators, applicants and other Euroclusters' managers
are refused; the queries do not grow with the rows; the manager's menu links to it."""

import csv
import io
from datetime import UTC, datetime

import pgtrigger
import pytest
from django.urls import reverse

from euroclusters.models import Membership
from evaluation.models import EvaluatorProfile
from portal.audit import audit_record
from portal.audit_chain import audit_seal
from portal.models import AuditEntry
from tests.factories import (
    ApplicationFactory,
    EuroclusterFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("reporting:audit")
CSV = reverse("reporting:export", kwargs={"name": "audit", "file_format": "csv"})


def _at(entry: AuditEntry, moment: datetime) -> AuditEntry:
    """Backdate an entry (created_at is set on insert): a fixture's liberty, before sealing, with
    the PostgreSQL trigger set aside (it refuses any such change)."""
    with pgtrigger.ignore("portal.AuditEntry:audit_entry_sealed_once"):
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=moment)
    return entry


@pytest.fixture
def world():
    mine, theirs = EuroclusterFactory(acronym="DREAM"), EuroclusterFactory(acronym="RECENTRE")
    manager = MembershipFactory(eurocluster=mine, user__full_name="Mara Manager").user
    other_manager = MembershipFactory(eurocluster=theirs).user
    application = ApplicationFactory(call__eurocluster=mine)
    foreign = ApplicationFactory(call__eurocluster=theirs)
    organisation = OrganisationFactory()
    entries = {
        "submitted": _at(audit_record(subject=application, action="transition", actor=manager,
                                      from_state="draft", to_state="submitted"),
                         datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
        "eurocluster": _at(audit_record(subject=mine, action="updated", actor=manager),
                           datetime(2026, 3, 2, 23, 30, tzinfo=UTC)),  # 3 March in Brussels
        "foreign": _at(audit_record(subject=foreign, action="transition", actor=other_manager,
                                    to_state="submitted"),
                       datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
        "bank": _at(audit_record(subject=organisation, action="bank_details_changed",
                                 actor=organisation.user),
                    datetime(2026, 3, 4, 9, 0, tzinfo=UTC)),
    }
    audit_seal()
    return {"mine": mine, "theirs": theirs, "manager": manager, "other_manager": other_manager,
            "application": application, "entries": entries}


def shown(response) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [entry.pk for entry in response.context["page"].object_list]


def ids(world, *names) -> list[int]:
    return [world["entries"][name].pk for name in names]


def test_a_manager_sees_their_euroclusters_entries_only_newest_first(client, world):
    client.force_login(world["manager"])
    response = client.get(URL)
    assert shown(response) == ids(world, "eurocluster", "submitted")
    page = response.content.decode()
    assert "Mara Manager" in page and "DREAM" in page and "draft → submitted" in page
    assert "#1" in page  # the place in the chain


def test_a_superuser_sees_every_entry_those_of_no_eurocluster_too(client, world):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert shown(client.get(URL)) == ids(world, "bank", "foreign", "eurocluster", "submitted")
    assert shown(client.get(URL, {"eurocluster": world["theirs"].pk})) == ids(world, "foreign")


@pytest.mark.parametrize(("filters", "expected"), [
    ({"person": "mara"}, ["eurocluster", "submitted"]),
    ({"person": "nobody"}, []),
    ({"type": "applications.application"}, ["submitted"]),
    ({"type": "applications.application", "object": "{application}"}, ["submitted"]),
    ({"object": "999999"}, []),
    ({"action": "trans"}, ["submitted"]),
    ({"start": "2026-03-03"}, ["eurocluster"]),  # 23:30 UTC on 2 March is 3 March in Brussels
    ({"end": "2026-03-02"}, ["submitted"]),
    ({"start": "2026-03-01", "end": "2026-03-01"}, ["submitted"]),
])
def test_the_filters(client, world, filters, expected):
    client.force_login(world["manager"])
    query = {key: value.format(application=world["application"].pk)
             for key, value in filters.items()}
    assert shown(client.get(URL, query)) == ids(world, *expected)


@pytest.mark.parametrize("filters", [
    {"type": "auth.permission"}, {"object": "x"}, {"start": "yesterday"},
    {"start": "2026-03-05", "end": "2026-03-01"},
])
def test_a_bad_filter_gets_the_forms_message_not_a_500(client, world, filters):
    client.force_login(world["manager"])
    response = client.get(URL, filters)
    assert response.status_code == 400
    assert response.context["form"].errors


def test_refused_roles(client, world):
    client.force_login(world["manager"])
    assert client.get(URL, {"eurocluster": world["theirs"].pk}).status_code == 404
    assert client.get(URL, {"eurocluster": "x"}).status_code == 404
    client.force_login(world["other_manager"])
    assert shown(client.get(URL)) == ids(world, "foreign")
    assert client.get(URL, {"eurocluster": world["mine"].pk}).status_code == 404
    finance = MembershipFactory(eurocluster=world["mine"], role=Membership.Role.FINANCE).user
    observer = MembershipFactory(eurocluster=world["mine"], role=Membership.Role.OBSERVER).user
    evaluator = EvaluatorProfile.objects.create(user=UserFactory()).user
    applicant = world["application"].organisation.user
    for refused in (finance, observer, evaluator, applicant):
        client.force_login(refused)
        assert client.get(URL).status_code == 403
        assert client.get(CSV).status_code == 403
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_export_has_the_pages_scope_and_filters(client, world):
    client.force_login(world["manager"])
    rows = _csv(client.get(CSV))
    assert rows[0] == ["At (Brussels)", "Eurocluster", "Person", "Person id", "Object type",
                       "Object id", "Action", "From", "To", "Reason", "Data",
                       "Chain position", "Hash"]
    submitted = world["entries"]["submitted"]
    submitted.refresh_from_db()
    assert rows[1:] == [
        ["2026-03-03 00:30:00", "DREAM", "Mara Manager", str(world["manager"].pk), "Eurocluster",
         str(world["mine"].pk), "updated", "", "", "", "", "2",
         AuditEntry.objects.get(seq=2).hash],
        ["2026-03-01 11:00:00", "DREAM", "Mara Manager", str(world["manager"].pk), "application",
         str(world["application"].pk), "transition", "draft", "submitted", "", "", "1",
         submitted.hash],
    ]
    assert [row[6] for row in _csv(client.get(CSV, {"action": "trans"}))[1:]] == ["transition"]
    assert client.get(CSV, {"start": "yesterday"}).status_code == 400
    assert client.get(CSV, {"eurocluster": world["theirs"].pk}).status_code == 404


def test_the_page_links_to_the_export_with_its_filters(client, world):
    client.force_login(world["manager"])
    page = client.get(URL, {"action": "trans"}).content.decode()
    assert f'href="{CSV}?action=trans"' in page


def _more(world, count: int) -> None:
    for _n in range(count):
        audit_record(subject=world["application"], action="note", actor=world["manager"])


def test_the_page_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    client.force_login(world["manager"])
    client.get(URL)
    with django_assert_num_queries(5):
        assert len(shown(client.get(URL))) == 2
    _more(world, 60)
    with django_assert_num_queries(5):
        assert len(shown(client.get(URL))) == 50  # a full page


def test_the_manager_menu_links_to_the_audit_trail(client, world):
    link = f'href="{URL}"'
    client.force_login(world["manager"])
    assert link in client.get(reverse("reporting:dashboard")).content.decode()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert link in client.get(reverse("calls:home")).content.decode()
    client.force_login(MembershipFactory(eurocluster=world["mine"],
                                         role=Membership.Role.FINANCE).user)
    assert link not in client.get(reverse("reporting:dashboard")).content.decode()
