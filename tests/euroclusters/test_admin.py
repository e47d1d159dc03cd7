import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from euroclusters.models import Eurocluster, Membership, Partner
from euroclusters.services import NoAccount, NotAllowed, membership_grant, membership_revoke
from portal.audit import audit_trail
from portal.errors import DomainError
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


NO_ACCOUNT = "No account uses this e-mail address; ask the person to sign up first."


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def eurocluster_form_data(eurocluster, **overrides):
    data = {
        "name": eurocluster.name, "acronym": eurocluster.acronym, "slug": eurocluster.slug,
        "strand": eurocluster.strand, "description": eurocluster.description,
        "cascade_budget": str(eurocluster.cascade_budget), "website": eurocluster.website,
    }
    for prefix in ("partners", "kpi_targets"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update(overrides)
    return data


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- Eurocluster -------------------------------------------------------------------------------


def test_manager_sees_only_their_own_eurocluster(manager_client, eurocluster_a, eurocluster_b):
    response = manager_client.get(reverse("admin:euroclusters_eurocluster_changelist"))
    assert list(response.context["cl"].result_list) == [eurocluster_a]


def test_change_page_of_another_eurocluster_redirects_to_the_index(manager_client,
                                                                   eurocluster_b):
    response = manager_client.get(
        reverse("admin:euroclusters_eurocluster_change", args=[eurocluster_b.pk]), follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert messages_of(response) == [
        f"Eurocluster with ID “{eurocluster_b.pk}” doesn’t exist. Perhaps it was deleted?"
    ]


def test_manager_changes_their_eurocluster_and_its_partners(manager_client, eurocluster_a):
    url = reverse("admin:euroclusters_eurocluster_change", args=[eurocluster_a.pk])
    data = eurocluster_form_data(eurocluster_a, strand="smart manufacturing", **{
        "partners-TOTAL_FORMS": "1", "partners-0-name": "Pôle SCS", "partners-0-country": "FR",
        "partners-0-registration_number": "", "partners-0-is_coordinator": "on",
        "kpi_targets-TOTAL_FORMS": "1", "kpi_targets-0-name": "Funded projects",
        "kpi_targets-0-objective": "green_digital", "kpi_targets-0-target": "35",
    })
    response = manager_client.post(url, data)
    assert response.status_code == 302
    eurocluster_a.refresh_from_db()
    assert eurocluster_a.strand == "smart manufacturing"
    assert [p.name for p in eurocluster_a.partners.all()] == ["Pôle SCS"]
    assert [(k.name, k.target) for k in eurocluster_a.kpi_targets.all()] == [
        ("Funded projects", 35)]


def test_manager_cannot_add_or_delete_a_eurocluster(manager_client, eurocluster_a):
    assert manager_client.get(reverse("admin:euroclusters_eurocluster_add")).status_code == 403
    delete = reverse("admin:euroclusters_eurocluster_delete", args=[eurocluster_a.pk])
    assert manager_client.post(delete, {"post": "yes"}).status_code == 403
    assert Eurocluster.objects.filter(pk=eurocluster_a.pk).exists()


def test_observer_sees_the_eurocluster_but_cannot_change_it(client, eurocluster_a):
    observer = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER)
    PartnerFactory(eurocluster=eurocluster_a, name="MESAP")
    client.force_login(observer.user)
    url = reverse("admin:euroclusters_eurocluster_change", args=[eurocluster_a.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "MESAP" in response.content.decode()
    assert client.post(url, eurocluster_form_data(eurocluster_a, name="Renamed")).status_code \
        == 403
    eurocluster_a.refresh_from_db()
    assert eurocluster_a.name != "Renamed"


def test_superuser_adds_a_eurocluster(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = eurocluster_form_data(Eurocluster(
        name="Digital Resilient Europe for Advanced Manufacturing", acronym="DREAM",
        slug="dream", strand="digital", cascade_budget="1050000"))
    response = client.post(reverse("admin:euroclusters_eurocluster_add"), data)
    assert response.status_code == 302
    assert Eurocluster.objects.get().acronym == "DREAM"


@pytest.mark.parametrize("name", ["eurocluster", "membership"])
def test_staff_user_without_membership_is_refused(client, name):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse(f"admin:euroclusters_{name}_changelist")).status_code == 403
    assert client.get(reverse(f"admin:euroclusters_{name}_add")).status_code == 403


def test_eurocluster_changelist_makes_the_same_number_of_queries_at_1_and_20_rows(
    manager_client, manager_a
):
    url = reverse("admin:euroclusters_eurocluster_changelist")
    manager_client.get(url)
    at_one = _count_queries(manager_client, url)
    for _ in range(19):
        MembershipFactory(user=manager_a.user)
    at_twenty = _count_queries(manager_client, url)
    assert Membership.objects.filter(user=manager_a.user).count() == 20
    assert at_one == at_twenty


# --- Membership: changelist --------------------------------------------------------------------


def test_manager_sees_only_the_memberships_of_their_eurocluster(manager_client, manager_a,
                                                                eurocluster_a, eurocluster_b):
    colleague = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.FINANCE)
    MembershipFactory(eurocluster=eurocluster_b)
    response = manager_client.get(reverse("admin:euroclusters_membership_changelist"))
    assert set(response.context["cl"].result_list) == {manager_a, colleague}


def test_membership_of_another_eurocluster_redirects_to_the_index(manager_client,
                                                                  eurocluster_b):
    other = MembershipFactory(eurocluster=eurocluster_b)
    response = manager_client.get(
        reverse("admin:euroclusters_membership_change", args=[other.pk]), follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert messages_of(response) == [
        f"membership with ID “{other.pk}” doesn’t exist. Perhaps it was deleted?"
    ]


def test_membership_changelist_makes_the_same_number_of_queries_at_1_and_20_rows(
    manager_client, eurocluster_a
):
    url = reverse("admin:euroclusters_membership_changelist")
    manager_client.get(url)
    at_one = _count_queries(manager_client, url)
    MembershipFactory.create_batch(19, eurocluster=eurocluster_a, role=Membership.Role.OBSERVER)
    at_twenty = _count_queries(manager_client, url)
    assert at_one == at_twenty


# --- Membership: adding people by e-mail -------------------------------------------------------

ADD = "admin:euroclusters_membership_add"


def test_add_form_asks_for_an_email_address_and_lists_no_accounts(manager_client):
    UserFactory(email="somebody.else@example.org")
    response = manager_client.get(reverse(ADD))
    form = response.context["adminform"].form
    assert list(form.fields) == ["email", "eurocluster", "role"]
    page = response.content.decode()
    assert 'name="user"' not in page
    assert "somebody.else@example.org" not in page


def test_manager_adds_a_finance_officer_by_email(manager_client, manager_a, eurocluster_a):
    person = UserFactory(email="ana.popescu@example.ro", is_staff=False)
    response = manager_client.post(reverse(ADD), {
        "email": "Ana.Popescu@example.ro", "eurocluster": eurocluster_a.pk, "role": "finance",
    })
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    assert (membership.eurocluster, membership.role) == (eurocluster_a, "finance")
    person.refresh_from_db()
    assert person.is_staff is True
    entry = audit_trail(membership).get()
    assert (entry.action, entry.to_state, entry.actor) == ("membership_granted", "finance",
                                                           manager_a.user)


def test_unknown_email_is_refused_with_the_reason(manager_client, eurocluster_a):
    response = manager_client.post(reverse(ADD), {
        "email": "nobody@example.org", "eurocluster": eurocluster_a.pk, "role": "observer",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"email": [NO_ACCOUNT]}
    assert Membership.objects.count() == 1


def test_manager_cannot_add_people_to_another_eurocluster(manager_client, eurocluster_b):
    person = UserFactory()
    response = manager_client.post(reverse(ADD), {
        "email": person.email, "eurocluster": eurocluster_b.pk, "role": "manager",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"eurocluster": [
        "Select a valid choice. That choice is not one of the available choices."
    ]}
    assert not Membership.objects.filter(user=person).exists()


def test_adding_a_person_twice_points_to_the_existing_membership(manager_client,
                                                                 eurocluster_a):
    existing = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER)
    response = manager_client.post(reverse(ADD), {
        "email": existing.user.email, "eurocluster": eurocluster_a.pk, "role": "manager",
    })
    assert response.context["adminform"].form.errors == {"email": [
        f"This person is already in {eurocluster_a.acronym} as Observer; open that membership "
        "to change the role."
    ]}
    existing.refresh_from_db()
    assert existing.role == "observer"


def test_manager_changes_a_role_and_only_the_role(manager_client, eurocluster_a, eurocluster_b):
    membership = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER)
    url = reverse("admin:euroclusters_membership_change", args=[membership.pk])
    response = manager_client.post(url, {"role": "finance", "eurocluster": eurocluster_b.pk,
                                         "user": UserFactory().pk})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.eurocluster) == ("finance", eurocluster_a)
    assert audit_trail(membership).get().from_state == "observer"


def test_deleting_a_membership_audits_it_and_ends_staff_access(manager_client, eurocluster_a):
    membership = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER)
    person = membership.user
    response = manager_client.post(
        reverse("admin:euroclusters_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    person.refresh_from_db()
    assert person.is_staff is False
    assert audit_trail(membership).get().action == "membership_revoked"


# --- Membership: the services ------------------------------------------------------------------


def test_membership_grant_creates_the_membership_and_opens_the_admin(manager_a, eurocluster_a):
    person = UserFactory(email="jan@example.be", is_staff=False)
    membership = membership_grant(eurocluster=eurocluster_a, email=" JAN@example.be ",
                                  role="observer", by=manager_a.user)
    assert (membership.user, membership.role) == (person, "observer")
    person.refresh_from_db()
    assert person.is_staff is True


def test_membership_grant_twice_changes_nothing_the_second_time(manager_a, eurocluster_a):
    person = UserFactory()
    first = membership_grant(eurocluster=eurocluster_a, email=person.email, role="finance",
                             by=manager_a.user)
    second = membership_grant(eurocluster=eurocluster_a, email=person.email, role="finance",
                              by=manager_a.user)
    assert first.pk == second.pk
    assert audit_trail(first).count() == 1


def test_membership_grant_refuses_an_unknown_email(manager_a, eurocluster_a):
    with pytest.raises(NoAccount) as refused:
        membership_grant(eurocluster=eurocluster_a, email="nobody@example.org", role="finance",
                         by=manager_a.user)
    assert refused.value.message == NO_ACCOUNT


@pytest.mark.parametrize("role", [Membership.Role.FINANCE, Membership.Role.OBSERVER, None])
def test_membership_grant_refuses_who_does_not_manage_the_eurocluster(eurocluster_a, role):
    granter = (MembershipFactory(eurocluster=eurocluster_a, role=role).user if role
               else UserFactory(is_staff=True))
    person = UserFactory()
    with pytest.raises(NotAllowed) as refused:
        membership_grant(eurocluster=eurocluster_a, email=person.email, role="manager",
                         by=granter)
    assert refused.value.message == "You can only add people to a Eurocluster you manage."
    assert not Membership.objects.filter(user=person).exists()


def test_manager_of_a_cannot_grant_in_b(manager_a, eurocluster_b):
    person = UserFactory(is_staff=False)
    with pytest.raises(NotAllowed):
        membership_grant(eurocluster=eurocluster_b, email=person.email, role="finance",
                         by=manager_a.user)
    person.refresh_from_db()
    assert person.is_staff is False
    assert not Membership.objects.filter(user=person).exists()


def test_membership_grant_refuses_an_unknown_role(manager_a, eurocluster_a):
    with pytest.raises(DomainError):
        membership_grant(eurocluster=eurocluster_a, email=UserFactory().email, role="owner",
                         by=manager_a.user)


def test_superuser_and_system_may_grant_anywhere(eurocluster_b):
    admin = UserFactory(is_staff=True, is_superuser=True)
    first, second = UserFactory(), UserFactory()
    membership_grant(eurocluster=eurocluster_b, email=first.email, role="manager", by=admin)
    membership_grant(eurocluster=eurocluster_b, email=second.email, role="manager", by=None)
    assert Membership.objects.filter(eurocluster=eurocluster_b).count() == 2


def test_revoking_keeps_staff_access_while_another_membership_remains(manager_a):
    person = UserFactory(is_staff=True)
    kept = MembershipFactory(user=person, role=Membership.Role.OBSERVER)
    removed = MembershipFactory(user=person, eurocluster=manager_a.eurocluster,
                                role=Membership.Role.OBSERVER)
    membership_revoke(membership=removed, by=manager_a.user)
    person.refresh_from_db()
    assert person.is_staff is True
    assert list(Membership.objects.filter(user=person)) == [kept]


def test_revoking_in_another_eurocluster_is_refused(manager_a, eurocluster_b):
    other = MembershipFactory(eurocluster=eurocluster_b)
    with pytest.raises(NotAllowed):
        membership_revoke(membership=other, by=manager_a.user)
    assert Membership.objects.filter(pk=other.pk).exists()
    assert User.objects.get(pk=other.user_id).is_staff is True


def test_partner_rows_of_another_eurocluster_stay_out_of_reach(manager_client, eurocluster_b):
    PartnerFactory(eurocluster=eurocluster_b, name="Cluj IT Cluster")
    response = manager_client.get(reverse("admin:euroclusters_eurocluster_changelist"))
    assert "Cluj IT Cluster" not in response.content.decode()
    assert Partner.objects.count() == 1


def test_add_forms_preselect_the_only_eurocluster_a_manager_runs(manager_client, eurocluster_a):
    for name in ("admin:euroclusters_membership_add", "admin:calls_opencall_add"):
        form = manager_client.get(reverse(name)).context["adminform"].form
        assert form.initial["eurocluster"] == eurocluster_a.pk


def test_membership_change_page_names_the_person_without_a_link_to_accounts(
    manager_client, eurocluster_a
):
    membership = MembershipFactory(eurocluster=eurocluster_a, user__full_name="Ana Popescu",
                                   user__email="ana@example.ro")
    response = manager_client.get(
        reverse("admin:euroclusters_membership_change", args=[membership.pk]))
    page = response.content.decode()
    assert "Ana Popescu &lt;ana@example.ro&gt;" in page
    assert reverse("admin:accounts_user_change", args=[membership.user_id]) not in page


# --- the admin index and the audit trail -------------------------------------------------------


def _index_models(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return sorted(model["object_name"] for app in response.context["app_list"]
                  for model in app["models"])


def test_manager_index_lists_the_eurocluster_admins_and_nothing_more(manager_client):
    assert _index_models(manager_client) == [
        "Application", "ApplicationVersion", "Assignment", "AssignmentRun", "CallEvaluator",
        "Consensus", "Eurocluster", "GrantAgreement", "Membership", "OpenCall", "PaymentBatch",
        "Ranking", "RedressRequest", "Review"]


def test_observer_index_has_no_applications(client, eurocluster_a):
    client.force_login(MembershipFactory(eurocluster=eurocluster_a,
                                         role=Membership.Role.OBSERVER).user)
    assert _index_models(client) == ["Eurocluster", "Membership", "OpenCall"]


def test_staff_user_without_membership_sees_an_empty_index(client):
    client.force_login(UserFactory(is_staff=True))
    assert _index_models(client) == []


def test_audit_trail_is_for_superusers_and_read_only(client, manager_client, manager_a,
                                                     eurocluster_a):
    membership_grant(eurocluster=eurocluster_a, email=UserFactory().email, role="observer",
                     by=manager_a.user)
    changelist = reverse("admin:portal_auditentry_changelist")
    assert manager_client.get(changelist).status_code == 403

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(changelist)
    assert response.status_code == 200
    [entry] = response.context["cl"].result_list
    assert entry.action == "membership_granted"
    change = reverse("admin:portal_auditentry_change", args=[entry.pk])
    assert client.get(change).context["has_change_permission"] is False
    assert client.post(change, {"action": "edited"}).status_code == 403
    assert client.get(reverse("admin:portal_auditentry_add")).status_code == 403
    delete = reverse("admin:portal_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
