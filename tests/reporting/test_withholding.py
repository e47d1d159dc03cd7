import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from payments.models import GrantAgreement
from portal.audit import audit_trail
from reporting.models import PublicationWithholding
from reporting.services import PublicationRefused, beneficiary_publish, beneficiary_withhold
from tests.factories import give_mfa
from tests.payments.factories import results_call
from tests.reporting.conftest import beneficiary

pytestmark = pytest.mark.django_db

REASON = "Publication would expose the firm to reprisals."
MANAGE = reverse("reporting:manage_beneficiaries")
PUBLIC = reverse("reporting:beneficiaries_json")


def public_names(client) -> list[str]:
    return [row["enterprise"] for row in client.get(PUBLIC).json()["beneficiaries"]]


def test_withhold_then_publish_again_is_audited_on_the_agreement(client, published, manager_a):
    withholding = beneficiary_withhold(agreement=published, reason=f"  {REASON} ",
                                       by=manager_a.user)
    assert (withholding.reason, withholding.withheld_by) == (REASON, manager_a.user)
    assert public_names(client) == []
    beneficiary_publish(agreement=published, by=manager_a.user)
    assert not PublicationWithholding.objects.exists()
    assert public_names(client) == ["Brabant Vision BV"]
    trail = list(audit_trail(published).order_by("pk"))
    assert [(e.action, e.from_state, e.to_state, e.reason, e.actor) for e in trail] == [
        ("publication_withheld", "published", "withheld", REASON, manager_a.user),
        ("publication_restored", "withheld", "published", "", manager_a.user),
    ]
    assert trail[1].data == {"withheld_reason": REASON, "withheld_by": manager_a.user.pk}


def test_withholding_twice_or_publishing_a_published_one_changes_nothing(published, manager_a):
    first = beneficiary_withhold(agreement=published, reason=REASON, by=manager_a.user)
    again = beneficiary_withhold(agreement=published, reason="Another reason, long enough.",
                                 by=manager_a.user)
    assert again.pk == first.pk and again.reason == REASON
    beneficiary_publish(agreement=published, by=manager_a.user)
    beneficiary_publish(agreement=published, by=manager_a.user)
    assert [e.action for e in audit_trail(published).order_by("pk")] == [
        "publication_withheld", "publication_restored"]


@pytest.mark.parametrize(("reason", "refused"), [
    ("", True), ("Too short, 19 chars", True), ("   " + "x" * 19 + "   ", True),
    ("Exactly twenty chars", False),
])
def test_the_reason_has_at_least_20_characters(published, manager_a, reason, refused):
    if refused:
        with pytest.raises(PublicationRefused, match="at least 20 characters"):
            beneficiary_withhold(agreement=published, reason=reason, by=manager_a.user)
        assert not PublicationWithholding.objects.exists()
        assert not audit_trail(published).exists()
    else:
        beneficiary_withhold(agreement=published, reason=reason, by=manager_a.user)
        assert PublicationWithholding.objects.get().reason == reason


def test_a_declined_agreement_is_refused(call_a, manager_a):
    agreement = beneficiary(call_a, status=GrantAgreement.Status.DECLINED)
    with pytest.raises(PublicationRefused, match="never published"):
        beneficiary_withhold(agreement=agreement, reason=REASON, by=manager_a.user)


@pytest.mark.parametrize("who", ["other_manager", "finance_user", "applicant", "stranger"])
def test_the_services_refuse_anyone_but_the_eurocluster_manager(request, published, manager_a,
                                                                who):
    user = request.getfixturevalue(who)
    with pytest.raises(PublicationRefused, match="Only a manager"):
        beneficiary_withhold(agreement=published, reason=REASON, by=user)
    PublicationWithholding.objects.create(agreement=published, reason=REASON,
                                          withheld_by=manager_a.user)
    with pytest.raises(PublicationRefused, match="Only a manager"):
        beneficiary_publish(agreement=published, by=user)
    assert PublicationWithholding.objects.count() == 1
    assert not audit_trail(published).exists()


def test_a_superuser_may_withhold(published):
    admin = get_user_model().objects.create_superuser(email="root@example.org", password="x")
    beneficiary_withhold(agreement=published, reason=REASON, by=admin)
    assert PublicationWithholding.objects.count() == 1


# --- the manager's page ------------------------------------------------------------------------

def test_the_manager_sees_published_withheld_and_natural_persons(client, call_a, manager_a,
                                                                  eurocluster_b):
    beneficiary(call_a, legal_name="Open Robotics BV")
    hidden = beneficiary(call_a, legal_name="Secret Defence NV")
    beneficiary_withhold(agreement=hidden, reason=REASON, by=manager_a.user)
    beneficiary(call_a, legal_name="Jan Peeters", is_natural_person=True)
    beneficiary(results_call(eurocluster=eurocluster_b), legal_name="Other Cluster SME")
    beneficiary(call_a, legal_name="Not yet signed", status=GrantAgreement.Status.GENERATED)
    client.force_login(manager_a.user)
    html = client.get(MANAGE).content.decode()
    assert "Open Robotics BV" in html and "Published" in html
    assert "Secret Defence NV" in html and REASON in html and "Publish again" in html
    assert "Jan Peeters" in html and "Not published: natural person" in html
    assert "Other Cluster SME" not in html and "Not yet signed" not in html


def test_the_manager_withholds_and_publishes_by_post(client, published, manager_a):
    client.force_login(manager_a.user)
    url = reverse("reporting:withhold", args=[published.pk])
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == MANAGE
    assert PublicationWithholding.objects.get().reason == REASON
    assert public_names(client) == []
    response = client.post(reverse("reporting:publish", args=[published.pk]))
    assert response.status_code == 302
    assert public_names(client) == ["Brabant Vision BV"]


def test_a_short_reason_by_post_is_refused_with_its_message(client, published, manager_a):
    client.force_login(manager_a.user)
    response = client.post(reverse("reporting:withhold", args=[published.pk]),
                           {"reason": "too short"}, follow=True)
    assert "at least 20 characters" in response.content.decode()
    assert not PublicationWithholding.objects.exists()


@pytest.mark.parametrize(("who", "status"), [
    ("other_manager", 404), ("finance_user", 403), ("applicant", 403), ("stranger", 403),
])
def test_refused_people_change_nothing(request, client, published, manager_a, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(MANAGE).status_code == (200 if who == "other_manager" else status)
    assert client.post(reverse("reporting:withhold", args=[published.pk]),
                       {"reason": REASON}).status_code == status
    assert not PublicationWithholding.objects.exists()
    beneficiary_withhold(agreement=published, reason=REASON, by=manager_a.user)
    assert client.post(reverse("reporting:publish", args=[published.pk])).status_code == status
    assert PublicationWithholding.objects.count() == 1
    assert [e.action for e in audit_trail(published)] == ["publication_withheld"]


def test_another_eurocluster_manager_does_not_see_the_beneficiary(client, published,
                                                                  other_manager):
    client.force_login(other_manager)
    assert "Brabant Vision BV" not in client.get(MANAGE).content.decode()


def test_anonymous_visitors_go_to_the_login_page(client, published):
    for response in (client.get(MANAGE),
                     client.post(reverse("reporting:withhold", args=[published.pk]),
                                 {"reason": REASON})):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PublicationWithholding.objects.exists()


def test_the_manager_page_has_a_fixed_number_of_queries(client, call_a, manager_a,
                                                        django_assert_num_queries):
    beneficiary(call_a)
    client.force_login(manager_a.user)
    # Session, user with her roles (memberships) and the bell's unread count
    # (euroclusters.backends), the rows.
    with django_assert_num_queries(3):
        assert client.get(MANAGE).status_code == 200
    for number in range(8):
        agreement = beneficiary(call_a, legal_name=f"Enterprise {number}",
                                is_natural_person=number == 3)
        if number % 2:
            beneficiary_withhold(agreement=agreement, reason=REASON, by=manager_a.user)
    with django_assert_num_queries(3):
        assert client.get(MANAGE).status_code == 200


def test_the_admin_shows_withholdings_to_superusers_only_and_read_only(client, published,
                                                                       manager_a):
    withholding = beneficiary_withhold(agreement=published, reason=REASON, by=manager_a.user)
    changelist = reverse("admin:reporting_publicationwithholding_changelist")
    client.force_login(manager_a.user)
    assert client.get(changelist).status_code == 403
    root = get_user_model().objects.create_superuser(email="root@example.org", password="x")
    give_mfa(root)
    client.force_login(root)
    assert client.get(changelist).status_code == 200
    change = reverse("admin:reporting_publicationwithholding_change", args=[withholding.pk])
    client.post(change, {"reason": "Changed in the admin, long enough."})
    assert PublicationWithholding.objects.get().reason == REASON


def test_the_public_list_links_managers_to_their_page(client, published, manager_a,
                                                      finance_user):
    link = f'href="{MANAGE}"'
    assert link not in client.get(reverse("reporting:beneficiaries")).content.decode()
    client.force_login(finance_user)
    assert link not in client.get(reverse("reporting:beneficiaries")).content.decode()
    client.force_login(manager_a.user)
    assert link in client.get(reverse("reporting:beneficiaries")).content.decode()
