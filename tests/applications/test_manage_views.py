"""The manager's eligibility pages and what the applicant sees of the result."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.eligibility_services import eligibility_check
from applications.models import Application, Declaration, EligibilityResult
from applications.services import application_submit
from calls.models import OpenCall
from euroclusters.models import Membership
from portal.audit import audit_trail
from tests.factories import (
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    UserFactory,
    complete_application,
)

pytestmark = pytest.mark.django_db


def checked(call: OpenCall, **organisation) -> EligibilityResult:
    """A submitted application of ``call`` whose automatic checks have run."""
    application = complete_application(call=call,
                                       organisation=OrganisationFactory(**organisation))
    version = application_submit(application=application, by=application.created_by,
                                 declarations=Declaration.values)
    return eligibility_check(version_id=version.pk)


def needs_review(call: OpenCall) -> EligibilityResult:
    # EUR 9 M turnover with 3 staff is EUR 3 M per work unit: a typo more likely than a fact.
    return checked(call, staff_headcount=Decimal("3"), annual_turnover=Decimal("9000000"),
                   balance_sheet_total=Decimal("500000"))


def ineligible(call: OpenCall) -> EligibilityResult:
    return checked(call, country="CH", registration_number="CHE-116.281.710")


def close(call: OpenCall) -> None:
    OpenCall.objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1), status=OpenCall.Status.CLOSED)
    call.refresh_from_db()


@pytest.fixture
def call(eurocluster_a):
    return OpenCallFactory(eurocluster=eurocluster_a)


def eligibility_url(call) -> str:
    return reverse("applications:manage_call_eligibility", args=[call.pk])


def result_url(result) -> str:
    return reverse("applications:manage_eligibility_result", args=[result.pk])


# --- the list of calls ----------------------------------------------------------------------------


def test_manager_sees_the_calls_of_their_eurocluster_only(manager_client, call, eurocluster_b):
    other = OpenCallFactory(eurocluster=eurocluster_b)
    checked(call)
    response = manager_client.get(reverse("applications:manage_calls"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["calls"]] == [call.pk]
    assert [c.in_call for c in response.context["calls"]] == [1]
    assert other.reference not in response.content.decode()


def test_calls_list_is_refused_to_an_applicant(client):
    client.force_login(UserFactory())
    assert client.get(reverse("applications:manage_calls")).status_code == 403


def test_calls_list_is_refused_to_a_finance_officer(client, eurocluster_a):
    finance = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.FINANCE)
    client.force_login(finance.user)
    assert client.get(reverse("applications:manage_calls")).status_code == 403


def test_calls_list_sends_a_visitor_to_the_login(client):
    response = client.get(reverse("applications:manage_calls"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("count", [1, 6])
def test_calls_list_query_count_does_not_grow(manager_client, eurocluster_a, count,
                                              django_assert_num_queries):
    for _ in range(count):
        OpenCallFactory(eurocluster=eurocluster_a)
    # session; its user with her memberships (perms in the menu and in the view share the cached
    # roles) and the bell's unread count (euroclusters.backends); calls
    with django_assert_num_queries(3):
        assert manager_client.get(reverse("applications:manage_calls")).status_code == 200


# --- a call's eligibility page ------------------------------------------------------------------


def test_call_page_counts_by_outcome_and_by_rule(manager_client, call):
    checked(call)
    review = needs_review(call)
    ineligible(call)
    response = manager_client.get(eligibility_url(call))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["total"] == 3
    assert [(code, n) for code, _label, n in summary["by_outcome"]] == [
        ("pending", 0), ("eligible", 1), ("ineligible", 1), ("needs_review", 1)]
    assert [(code, failed, review) for code, _label, failed, review in summary["by_rule"]] == [
        ("country", 1, 0), ("sme", 0, 1)]
    assert [r.pk for r in response.context["needs_review"]] == [review.pk]


def test_call_page_filters_by_outcome_and_by_rule(manager_client, call):
    eligible = checked(call)
    review = needs_review(call)
    refused = ineligible(call)
    by_outcome = manager_client.get(eligibility_url(call), {"outcome": "eligible"})
    assert [r.pk for r in by_outcome.context["results"]] == [eligible.pk]
    by_rule = manager_client.get(eligibility_url(call), {"rule": "country"})
    assert [r.pk for r in by_rule.context["results"]] == [refused.pk]
    reviewed = manager_client.get(eligibility_url(call), {"rule": "sme"})
    assert [r.pk for r in reviewed.context["results"]] == [review.pk]


def test_call_page_lists_a_page_at_a_time_with_the_counts_of_all(manager_client, call,
                                                                  monkeypatch):
    from applications.views_manage import CallEligibilityView  # noqa: PLC0415 -- test only
    monkeypatch.setattr(CallEligibilityView, "page_size", 2)
    first = [checked(call) for _ in range(2)]
    review = needs_review(call)
    more = [checked(call) for _ in range(3)] + [needs_review(call)]
    page_one = manager_client.get(eligibility_url(call))
    assert [r.pk for r in page_one.context["results"]] == [r.pk for r in first]
    assert page_one.context["summary"]["total"] == 7
    assert len(page_one.context["needs_review"]) == 2  # every case to decide, whatever the page
    last = manager_client.get(eligibility_url(call), {"page": 4})
    assert [r.pk for r in last.context["results"]] == [more[-1].pk]
    assert "Page 4 of 4" in last.content.decode()
    assert [r.pk for r in manager_client.get(eligibility_url(call), {"rule": "sme"})
            .context["results"]] == [review.pk, more[-1].pk]


def test_call_page_of_another_eurocluster_is_not_found(client, call, eurocluster_b):
    other_manager = MembershipFactory(eurocluster=eurocluster_b)
    client.force_login(other_manager.user)
    assert client.get(eligibility_url(call)).status_code == 404


def test_call_page_is_not_found_for_a_finance_officer_of_the_eurocluster(client, call):
    finance = MembershipFactory(eurocluster=call.eurocluster, role=Membership.Role.FINANCE)
    client.force_login(finance.user)
    assert client.get(eligibility_url(call)).status_code == 404


def test_call_page_is_not_found_for_the_applicant(client, call):
    result = checked(call)
    client.force_login(result.version.application.organisation.user)
    assert client.get(eligibility_url(call)).status_code == 404
    assert client.get(result_url(result)).status_code == 404


@pytest.mark.parametrize("status", [
    Application.Status.UNDER_EVALUATION, Application.Status.EVALUATED,
    Application.Status.SELECTED, Application.Status.RESERVE, Application.Status.REJECTED,
    Application.Status.CONTRACTED, Application.Status.IN_PROGRESS, Application.Status.COMPLETED])
def test_call_page_counts_stay_true_once_the_call_has_moved_on(manager_client, call, status):
    """The outcome is the latest version's result, whatever stage the application reached."""
    moved_on = [checked(call), checked(call)]
    refused = ineligible(call)
    withdrawn = checked(call)
    Application.objects.filter(pk__in=[r.version.application_id for r in moved_on]).update(
        status=status)
    Application.objects.filter(pk=withdrawn.version.application_id).update(
        status=Application.Status.WITHDRAWN)
    response = manager_client.get(eligibility_url(call))
    summary = response.context["summary"]
    assert summary["total"] == 3
    assert [(code, n) for code, _label, n in summary["by_outcome"]] == [
        ("pending", 0), ("eligible", 2), ("ineligible", 1), ("needs_review", 0)]
    assert [r.pk for r in response.context["results"]] == [*[r.pk for r in moved_on],
                                                          refused.pk]
    assert "3 applications in the call" in response.content.decode()


@pytest.mark.parametrize("count", [1, 8])
def test_call_page_query_count_does_not_grow(manager_client, call, count,
                                             django_assert_num_queries):
    for index in range(count):
        (needs_review if index % 2 else checked)(call)
    # session; its user with her memberships and the bell's unread count (euroclusters.backends);
    # call, one light row per result (the counts), the cases to decide, the page's results with
    # their applications, the clarification requests waiting (and overdue) per application
    with django_assert_num_queries(7):
        assert manager_client.get(eligibility_url(call)).status_code == 200


# --- one application's result and the decision ------------------------------------------------


def test_result_page_shows_each_check_in_words(manager_client, call):
    result = needs_review(call)
    response = manager_client.get(result_url(result))
    assert response.status_code == 200
    page = response.content.decode()
    name = result.version.application.organisation.legal_name
    assert (f"The figures of {name} look inconsistent: turnover EUR 9,000,000.00 with 3.0 staff "
            f"is EUR 3,000,000.00 per annual work unit.") in page
    assert response.context["can_decide"] is True


def test_manager_decides_a_case_needing_review(manager_client, manager_a, call):
    result = needs_review(call)
    response = manager_client.post(result_url(result), {
        "outcome": "eligible",
        "justification": "The 2025 accounts show EUR 900,000 turnover; the form had a typo.",
    })
    assert response.status_code == 302
    assert response.url == eligibility_url(call)
    result.refresh_from_db()
    application = Application.objects.get(pk=result.version.application_id)
    assert (result.outcome, result.automatic_outcome) == ("eligible", "needs_review")
    assert result.decided_by == manager_a.user
    assert application.status == Application.Status.ELIGIBLE
    entry = audit_trail(application).get(action="eligibility_decided")
    assert (entry.actor, entry.from_state, entry.to_state) == (
        manager_a.user, "needs_review", "eligible")
    assert entry.reason.startswith("The 2025 accounts")


def test_decision_without_a_real_justification_is_refused(manager_client, call):
    result = needs_review(call)
    response = manager_client.post(result_url(result), {"outcome": "eligible",
                                                        "justification": "ok"})
    assert response.status_code == 400
    assert "at least 20 characters" in response.content.decode()
    result.refresh_from_db()
    assert result.outcome == "needs_review"


def test_decision_on_another_euroclusters_result_is_not_found(client, call, eurocluster_b):
    result = needs_review(call)
    client.force_login(MembershipFactory(eurocluster=eurocluster_b).user)
    response = client.post(result_url(result), {
        "outcome": "eligible", "justification": "I am not allowed to decide on this one."})
    assert response.status_code == 404
    result.refresh_from_db()
    assert result.outcome == "needs_review"


def test_an_observer_of_the_eurocluster_may_not_decide(client, call):
    result = needs_review(call)
    observer = MembershipFactory(eurocluster=call.eurocluster, role=Membership.Role.OBSERVER)
    client.force_login(observer.user)
    response = client.post(result_url(result), {
        "outcome": "eligible", "justification": "Observers only look at the call."})
    assert response.status_code == 404
    result.refresh_from_db()
    assert result.outcome == "needs_review"


def test_manager_overrides_an_automatic_result(manager_client, call):
    result = checked(call)
    response = manager_client.post(result_url(result), {
        "outcome": "ineligible",
        "justification": "The enterprise is in liquidation since 3 November (public register).",
    })
    assert response.status_code == 302
    application = Application.objects.get(pk=result.version.application_id)
    assert application.status == Application.Status.INELIGIBLE
    assert audit_trail(application).filter(action="eligibility_overridden").count() == 1


# --- release and what the applicant sees ------------------------------------------------------


def test_release_before_the_deadline_is_refused(manager_client, call):
    checked(call)
    response = manager_client.post(
        reverse("applications:manage_eligibility_release", args=[call.pk]), follow=True)
    assert "Results can be released after the deadline" in response.content.decode()
    call.refresh_from_db()
    assert call.eligibility_released_at is None


def test_applicant_sees_the_result_only_once_released(manager_client, call, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    result = ineligible(call)
    application = result.version.application
    client = Client()  # the manager keeps the other one
    client.force_login(application.organisation.user)
    before = client.get(application.get_absolute_url())
    assert before.context["eligibility"] is None
    assert 'id="status">Submitted<' in before.content.decode()
    close(call)
    with django_capture_on_commit_callbacks(execute=True):
        with_release = manager_client.post(
            reverse("applications:manage_eligibility_release", args=[call.pk]))
    assert with_release.status_code == 302
    after = client.get(application.get_absolute_url())
    page = after.content.decode()
    assert 'id="status">Not eligible<' in page
    name = application.organisation.legal_name
    assert (f"{name} is established in Switzerland, which is not among the countries eligible "
            f"for this call.") in page
    assert [m.to for m in mailoutbox if "not eligible" in m.subject] == [
        [application.organisation.user.email]]


def test_another_applicant_cannot_see_the_result(client, call):
    result = ineligible(call)
    close(call)
    OpenCall.objects.filter(pk=call.pk).update(eligibility_released_at=timezone.now())
    client.force_login(UserFactory())
    application = result.version.application
    assert client.get(application.get_absolute_url()).status_code == 404
    receipt = reverse("applications:receipt", args=[application.pk, 1])
    assert client.get(receipt).status_code == 404
