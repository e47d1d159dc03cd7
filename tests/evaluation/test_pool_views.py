"""Pages of the evaluator pool and the assignment (manager), the invitation and the profile."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from calls.models import OpenCall
from evaluation.models import Assignment, AssignmentRun, CallEvaluator
from evaluation.services.pool import evaluator_invite
from tests.evaluation.factories import (
    AssignmentFactory,
    CallEvaluatorFactory,
    EvaluatorProfileFactory,
    closed_call,
    eligible_application,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, give_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(manager_a):
    return closed_call(eurocluster=manager_a.eurocluster, status=OpenCall.Status.CLOSED,
                       expertise_taxonomy=["Robotics", "AI", "Textiles"])


def pool_member(call, **profile):
    user = EvaluatorProfileFactory(**profile).user
    return CallEvaluatorFactory(call=call, user=user)


def fill(call, rows):
    """``rows`` proposals, each with 2 evaluators assigned, and a pool of 2 + rows members."""
    entries = [pool_member(call, expertise=["AI"]) for _ in range(rows + 2)]
    for n in range(rows):
        application = eligible_application(call, topics=["AI"], status="under_evaluation")
        for entry in entries[n:n + 2]:
            AssignmentFactory(application=application, evaluator=entry,
                              status=Assignment.Status.ASSIGNED)
    return entries


# --- who may see the manager pages -------------------------------------------------------------


def manager_urls(call):
    application = eligible_application(call)
    entry = pool_member(call)
    run = AssignmentRun.objects.create(call=call, status=AssignmentRun.Status.DONE)
    return [
        ("get", reverse("evaluation:manage_pool", args=[call.pk])),
        ("get", reverse("evaluation:manage_assignment", args=[call.pk])),
        ("get", reverse("evaluation:manage_run", args=[run.pk])),
        ("get", reverse("evaluation:manage_application_assignments", args=[application.pk])),
        ("post", reverse("evaluation:manage_pool_remove", args=[entry.pk])),
        ("post", reverse("evaluation:manage_pool_rapporteur", args=[entry.pk])),
        ("post", reverse("evaluation:manage_assignment", args=[call.pk])),
    ]


def test_manager_pages_open_for_the_manager(client, manager_a, call):
    client.force_login(manager_a.user)
    for method, url in manager_urls(call):
        if method == "get":
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["other_manager", "evaluator", "applicant"])
def test_manager_pages_are_refused_to_others(client, call, who):
    urls = manager_urls(call)
    if who == "other_manager":
        user = MembershipFactory().user
    elif who == "evaluator":
        user = CallEvaluator.objects.filter(call=call).first().user
    else:
        user = OrganisationFactory().user
    client.force_login(user)
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 404, url
    assert CallEvaluator.objects.get(call=call).status == "accepted"
    assert not AssignmentRun.objects.exclude(status="done").exists()


def test_manager_pages_send_the_anonymous_to_log_in(client, call):
    for method, url in manager_urls(call):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


# --- the pool page ---------------------------------------------------------------------------


def test_manage_pool_lists_members_and_invites_several(manager_client, call,
                                                       django_capture_on_commit_callbacks):
    entry = pool_member(call, organisation="Fraunhofer IPA", country="DE",
                        expertise=["Robotics"])
    response = manager_client.get(reverse("evaluation:manage_pool", args=[call.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-entry="{entry.pk}"' in html
    assert "Fraunhofer IPA" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("evaluation:manage_pool", args=[call.pk]), {
            "emails": "one@example.org, two@example.org\nnot-valid", "name": ""})
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("evaluation:manage_pool", args=[call.pk]), {
            "emails": "one@example.org; two@example.org", "name": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluation:manage_pool", args=[call.pk])
    assert "2 invitations sent." in response.content.decode()
    assert set(CallEvaluator.objects.filter(call=call, status="invited")
               .values_list("user__email", flat=True)) == {"one@example.org", "two@example.org"}


def test_manage_pool_remove_and_rapporteur(manager_client, call):
    entry = pool_member(call)
    manager_client.post(reverse("evaluation:manage_pool_rapporteur", args=[entry.pk]),
                        {"is_rapporteur": "on"})
    entry.refresh_from_db()
    assert entry.is_rapporteur is True
    response = manager_client.post(reverse("evaluation:manage_pool_remove", args=[entry.pk]),
                                   {"reason": "left"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "removed"


def test_manage_pool_query_count_is_fixed(manager_client, call, django_assert_num_queries):
    url = reverse("evaluation:manage_pool", args=[call.pk])
    fill(call, 1)
    manager_client.get(url)  # warm the session and the caches
    with django_assert_num_queries(4):
        manager_client.get(url)
    fill(call, 20)
    with django_assert_num_queries(4):
        response = manager_client.get(url)
    assert response.content.decode().count("data-entry=") == 25


# --- the assignment page ---------------------------------------------------------------------


def test_manage_assignment_query_count_is_fixed(manager_client, call, django_assert_num_queries):
    url = reverse("evaluation:manage_assignment", args=[call.pk])
    fill(call, 1)
    AssignmentRun.objects.create(call=call, status=AssignmentRun.Status.DONE, result={
        "pairs": 2, "kept": 0, "added": 2, "removed": 0, "total_affinity": 2, "min_load": 0,
        "max_load": 1, "seconds": 0.01})
    manager_client.get(url)
    with django_assert_num_queries(7):
        manager_client.get(url)
    fill(call, 20)
    with django_assert_num_queries(7):
        response = manager_client.get(url)
    assert response.content.decode().count("data-application=") == 21


def test_starting_a_run_shows_its_progress_page(manager_client, call,
                                                django_capture_on_commit_callbacks):
    application = eligible_application(call, topics=["AI"])
    first, second = pool_member(call, expertise=["AI"]), pool_member(call, expertise=["AI"])
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("evaluation:manage_assignment", args=[call.pk]))
    run = AssignmentRun.objects.get()
    assert response.url == reverse("evaluation:manage_run", args=[run.pk])
    assert run.status == "done"
    assert set(Assignment.objects.values_list("application_id", "evaluator_id")) == {
        (application.pk, first.pk), (application.pk, second.pk)}
    page = manager_client.get(response.url)
    assert page.status_code == 200
    assert "Refresh" not in page
    assert ("2 assignments in total after this run: 0 kept from before, 2 added, 0 removed; "
            "evaluator loads 1–1") in page.content.decode()


def test_a_queued_run_page_refreshes_itself(manager_client, call):
    run = AssignmentRun.objects.create(call=call, progress=40, stage="Solving",
                                       status=AssignmentRun.Status.RUNNING)
    response = manager_client.get(reverse("evaluation:manage_run", args=[run.pk]))
    assert response["Refresh"] == "2"
    html = response.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "Solving" in html


def test_a_refused_start_says_why(manager_client, call):
    response = manager_client.post(reverse("evaluation:manage_assignment", args=[call.pk]),
                                   follow=True)
    assert "No proposal of this call is eligible for evaluation." in response.content.decode()
    assert not AssignmentRun.objects.exists()


# --- one proposal's evaluators ---------------------------------------------------------------


def test_application_page_shows_excluded_evaluators_disabled_with_the_reason(manager_client,
                                                                            call):
    application = eligible_application(call, organisation=OrganisationFactory(
        legal_name="Acme Robotics SRL"))
    excluded = pool_member(call, organisation="Acme Robotics SRL")
    allowed = pool_member(call, organisation="Elsewhere")
    response = manager_client.get(reverse("evaluation:manage_application_assignments",
                                          args=[application.pk]))
    html = response.content.decode()
    assert (f'<input class="form-check-input" type="radio" name="evaluator" '
            f'value="{excluded.pk}" id="candidate-{excluded.pk}" disabled>') in html
    assert (f'<input class="form-check-input" type="radio" name="evaluator" '
            f'value="{allowed.pk}" id="candidate-{allowed.pk}">') in html
    assert f"{excluded.user.full_name} works for the applicant, Acme Robotics SRL." in html


def test_adding_a_conflicting_evaluator_is_refused_with_the_reason(manager_client, call):
    application = eligible_application(call, organisation=OrganisationFactory(
        legal_name="Acme Robotics SRL"))
    excluded = pool_member(call, organisation="Acme Robotics SRL")
    url = reverse("evaluation:manage_application_assignments", args=[application.pk])
    response = manager_client.post(url, {"action": "add", "evaluator": excluded.pk})
    assert response.status_code == 409
    name = excluded.user.full_name
    assert (f"{name} cannot evaluate this proposal: {name} works for the applicant, "
            f"Acme Robotics SRL.") in response.content.decode()
    assert not Assignment.objects.exists()


def test_add_swap_and_remove_by_hand(manager_client, call):
    application = eligible_application(call)
    first, second = pool_member(call), pool_member(call)
    url = reverse("evaluation:manage_application_assignments", args=[application.pk])
    assert manager_client.post(url, {"action": "add", "evaluator": first.pk}).status_code == 302
    assignment = Assignment.objects.get(application=application, evaluator=first)
    assert manager_client.post(url, {"action": "swap", "assignment": assignment.pk,
                                     "evaluator": second.pk, "reason": ""}).status_code == 302
    swapped = Assignment.objects.get(application=application, evaluator=second)
    assert swapped.status == "assigned"
    assert manager_client.post(url, {"action": "remove", "assignment": swapped.pk,
                                     "reason": "away"}).status_code == 302
    assert set(Assignment.objects.values_list("status", flat=True)) == {"removed"}


# --- the invitation ----------------------------------------------------------------------------


@pytest.fixture
def invited_new(call, manager_a):
    return evaluator_invite(call=call, email="newcomer@example.org", by=manager_a.user)


def test_invitation_with_a_bad_token_is_404(client):
    assert client.get(reverse("evaluation:invitation", args=["nope"])).status_code == 404


def test_accepting_creates_the_account_and_logs_in(client, invited_new):
    url = reverse("evaluation:invitation", args=[invited_new.token])
    page = client.get(url)
    assert page.status_code == 200
    assert "Accept and create my account" in page.content.decode()
    response = client.post(url, {"action": "accept", "full_name": "New Comer",
                                 "password1": "a-long-Passphrase-2026",
                                 "password2": "a-long-Passphrase-2026"})
    assert response.url == reverse("evaluation:profile")
    invited_new.refresh_from_db()
    assert invited_new.status == "accepted"
    user = get_user_model().objects.get(email="newcomer@example.org")
    assert user.full_name == "New Comer"
    # An evaluator reads unpublished proposals: she sets up her second factor first.
    assert client.get(reverse("evaluation:profile"))["Location"] == reverse("mfa_activate_totp")
    give_mfa(user)
    assert client.get(reverse("evaluation:profile")).status_code == 200


def test_accepting_with_a_weak_password_is_refused(client, invited_new):
    url = reverse("evaluation:invitation", args=[invited_new.token])
    response = client.post(url, {"action": "accept", "full_name": "New Comer",
                                 "password1": "123", "password2": "123"})
    assert response.status_code == 400
    assert "This password is too short." in response.content.decode()
    invited_new.refresh_from_db()
    assert invited_new.status == "invited"


def test_an_existing_account_logs_in_first(client, call, manager_a):
    user = UserFactory(email="known@example.org")
    entry = evaluator_invite(call=call, email=user.email, by=manager_a.user)
    url = reverse("evaluation:invitation", args=[entry.token])
    assert 'id="login-to-accept"' in client.get(url).content.decode()
    response = client.post(url, {"action": "accept"})
    assert response.url.startswith(reverse("account_login") + "?next=")
    client.force_login(user)
    assert client.post(url, {"action": "accept"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == "accepted"


def test_another_logged_in_account_cannot_accept(client, call, manager_a):
    entry = evaluator_invite(call=call, email=UserFactory().email, by=manager_a.user)
    client.force_login(UserFactory())
    url = reverse("evaluation:invitation", args=[entry.token])
    assert client.post(url, {"action": "accept"}).status_code == 403
    entry.refresh_from_db()
    assert entry.status == "invited"


def test_declining_needs_no_login(client, invited_new):
    url = reverse("evaluation:invitation", args=[invited_new.token])
    assert client.post(url, {"action": "decline", "reason": "busy"}).status_code == 302
    invited_new.refresh_from_db()
    assert invited_new.status == "declined"
    assert "You declined this invitation." in client.get(url).content.decode()


# --- the profile -------------------------------------------------------------------------------


def test_profile_offers_the_taxonomy_and_saves(client, call):
    entry = pool_member(call, expertise=["Robotics", "Quantum"])
    client.force_login(entry.user)
    url = reverse("evaluation:profile")
    html = client.get(url).content.decode()
    assert 'value="Textiles"' in html
    assert "Quantum" in html
    response = client.post(url, {"expertise": ["AI", "Textiles"], "other_expertise": "Lasers",
                                 "country": "FR", "organisation": "Independent",
                                 "organisation_number": "", "languages": "en, FR",
                                 "max_proposals_per_call": "8"})
    assert response.status_code == 302
    profile = entry.user.evaluator_profile
    profile.refresh_from_db()
    assert profile.expertise == ["AI", "Textiles", "Lasers"]
    assert (profile.country.code, profile.languages, profile.max_proposals_per_call) == (
        "FR", ["en", "fr"], 8)


def test_profile_is_refused_to_someone_never_invited(client):
    client.force_login(OrganisationFactory().user)
    assert client.get(reverse("evaluation:profile")).status_code == 404


def test_profile_sends_the_anonymous_to_log_in(client):
    response = client.get(reverse("evaluation:profile"))
    assert response.status_code == 302


def test_a_failed_run_page_shows_the_reasons(manager_client, call):
    run = AssignmentRun.objects.create(
        call=call, status=AssignmentRun.Status.FAILED, error="First reason. Second reason.",
        result={"reasons": ["First reason.", "Second reason."]})
    response = manager_client.get(reverse("evaluation:manage_run", args=[run.pk]))
    html = response.content.decode()
    assert "Refresh" not in response
    assert '<span class="small text-danger">First reason. Second reason.</span>' in html
    assert "<li>Second reason.</li>" in html


def test_application_evaluators_page_query_count_is_fixed(manager_client, call,
                                                          django_assert_num_queries):
    application = eligible_application(call, topics=["AI"], status="under_evaluation")
    entries = [pool_member(call, expertise=["AI"]) for _ in range(2)]
    for entry in entries:
        AssignmentFactory(application=application, evaluator=entry,
                          status=Assignment.Status.ASSIGNED)
    url = reverse("evaluation:manage_application_assignments", args=[application.pk])
    manager_client.get(url)
    with django_assert_num_queries(11):
        manager_client.get(url)
    for _ in range(8):
        pool_member(call, expertise=["AI"])
    with django_assert_num_queries(11):
        response = manager_client.get(url)
    assert response.status_code == 200
