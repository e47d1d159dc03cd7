"""The results pages: the manager's ranking and redress pages, the applicant's ESR, redress
request and decline of the grant — each allowed and refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Application
from evaluation.models import Ranking, RedressRequest
from evaluation.services.ranking import ranking_approve, ranking_compute, ranking_publish
from evaluation.services.redress import redress_decide, redress_file
from tests.evaluation.factories import CallEvaluatorFactory, closed_call
from tests.evaluation.test_results_services import evaluated, reexamined
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
REASONS = "The evaluators ignored the pilot plant described in section 2 of the proposal."


@pytest.fixture
def call(eurocluster_a):
    return closed_call(eurocluster=eurocluster_a, budget=Decimal("30000"))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def publish(call, manager, committed):
    ranking_compute(call=call, by=manager)
    ranking_approve(call=call, by=manager)
    with committed():
        ranking_publish(call=call, by=manager)


def ranking_url(call) -> str:
    return reverse("evaluation:manage_ranking", args=[call.pk])


# --- manage_ranking -----------------------------------------------------------------------------


def test_manager_computes_approves_and_publishes_from_the_page(manager_client, call, committed):
    first = evaluated(call, [5, 5, 5], "30000")
    second = evaluated(call, [4, 4, 4], "30000")
    for action in ("compute", "approve"):
        response = manager_client.post(ranking_url(call), {"action": action})
        assert response.status_code == 302
    with committed():
        manager_client.post(ranking_url(call), {"action": "publish"})
    assert Ranking.objects.get(call=call).status == Ranking.Status.PUBLISHED
    page = manager_client.get(ranking_url(call))
    assert page.status_code == 200
    assert [(e.application_id, e.rank, e.outcome, e.reserve_position, e.criterion_scores)
            for e in page.context["page"].entries] == [
        (first.pk, 1, "selected", None, [Decimal("5")] * 3),
        (second.pk, 2, "reserve", 1, [Decimal("4")] * 3)]
    assert (page.context["page"].used, page.context["page"].remaining) == (Decimal("30000"),
                                                                           Decimal("0"))


def test_a_refusal_is_shown_with_the_applications_named(manager_client, call):
    waiting = evaluated(call, [4, 4, 4])
    waiting.consensus.__class__.objects.filter(pk=waiting.consensus.pk).update(status="draft")
    response = manager_client.post(ranking_url(call), {"action": "compute"}, follow=True)
    assert ("1 application(s) have no final consensus yet; the ranking needs one for every "
            "application under evaluation.<ul class=\"mb-0\">"
            "<li>SWELD: consensus still a draft</li></ul>") in response.content.decode()


@pytest.mark.parametrize("count", [1, 7])
def test_ranking_page_query_count_does_not_grow(manager_client, call, manager_a, count,
                                                django_assert_num_queries):
    for index in range(count):
        evaluated(call, [5 - (index % 4) * 0.5, 4, 4], "10000")
    ranking_compute(call=call, by=manager_a.user)
    # session; its user with her memberships and the bell's unread count (euroclusters.backends);
    # call, ranking, criteria, entries with their applications, consensus scores, open redress
    # requests
    with django_assert_num_queries(8):
        assert manager_client.get(ranking_url(call)).status_code == 200


def test_ranking_page_of_another_eurocluster_is_not_found(client, call, eurocluster_b):
    client.force_login(MembershipFactory(eurocluster=eurocluster_b).user)
    assert client.get(ranking_url(call)).status_code == 404
    assert client.post(ranking_url(call), {"action": "compute"}).status_code == 404
    assert not Ranking.objects.filter(call=call).exists()


def test_ranking_page_is_not_found_for_an_evaluator_of_the_call(client, call):
    evaluator = CallEvaluatorFactory(call=call, is_rapporteur=True)
    client.force_login(evaluator.user)
    assert client.get(ranking_url(call)).status_code == 404


# --- placing re-examined proposals --------------------------------------------------------------


@pytest.fixture
def waiting_placement(call, manager_a, committed):
    """Published (budget 30,000): ``first`` selected, ``refused`` rejected, then re-examined
    after an upheld redress and evaluated again (13.5, asking 1,000, no money left)."""
    first = evaluated(call, [5, 5, 5], "30000")
    refused = evaluated(call, [5, 2.5, 5], "1000")
    publish(call, manager_a.user, committed)
    reexamined(refused, [4.5, 4.5, 4.5], manager_a.user)
    return {"first": first, "refused": refused}


def place_url(call) -> str:
    return reverse("evaluation:manage_ranking_place_reexamined", args=[call.pk])


def test_manager_places_the_reexamined_proposals_from_the_ranking_page(
        manager_client, call, waiting_placement, committed):
    first, refused = waiting_placement.values()
    page = manager_client.get(ranking_url(call))
    assert page.context["page"].reexamined == 1
    assert "Place re-examined proposals (1)" in page.content.decode()
    assert place_url(call) in page.content.decode()
    with committed():
        response = manager_client.post(place_url(call), follow=True)
    assert response.redirect_chain == [(ranking_url(call), 302)]
    assert ("1 re-examined proposal is placed in the ranking; its applicant receives the new "
            "Evaluation Summary Report by e-mail.") in response.content.decode()
    assert Application.objects.get(pk=refused.pk).status == Application.Status.RESERVE
    assert Application.objects.get(pk=first.pk).status == Application.Status.SELECTED
    assert "Place re-examined proposals" not in response.content.decode()


def test_the_place_button_is_hidden_when_nothing_waits(manager_client, call, manager_a,
                                                      committed):
    evaluated(call, [5, 5, 5], "30000")
    publish(call, manager_a.user, committed)
    page = manager_client.get(ranking_url(call))
    assert page.context["page"].reexamined == 0
    assert place_url(call) not in page.content.decode()


def test_placing_for_another_eurocluster_is_not_found(client, call, waiting_placement,
                                                      eurocluster_b):
    client.force_login(MembershipFactory(eurocluster=eurocluster_b).user)
    assert client.post(place_url(call)).status_code == 404
    assert (Application.objects.get(pk=waiting_placement["refused"].pk).status
            == Application.Status.EVALUATED)


def test_placing_is_not_found_for_an_evaluator_and_get_is_not_allowed(
        client, manager_client, call, waiting_placement):
    evaluator = CallEvaluatorFactory(call=call, is_rapporteur=True)
    client.force_login(evaluator.user)
    assert client.post(place_url(call)).status_code == 404
    assert manager_client.get(place_url(call)).status_code == 405
    assert (Application.objects.get(pk=waiting_placement["refused"].pk).status
            == Application.Status.EVALUATED)


def test_the_esr_says_a_proposal_is_being_examined_again(client, call, manager_a, committed):
    evaluated(call, [5, 5, 5], "30000")
    refused = evaluated(call, [5, 2.5, 5], "1000")
    publish(call, manager_a.user, committed)
    redress = redress_file(application=refused, by=refused.organisation.user, reasons=REASONS)
    redress_decide(redress=redress, by=manager_a.user, uphold=True,
                   answer="The panel re-read section 2 and agrees it was overlooked.")
    client.force_login(refused.organisation.user)
    page = client.get(reverse("evaluation:esr", args=[refused.pk])).content.decode()
    assert "your proposal is being examined again" in page
    assert 'id="esr-outcome"' not in page


# --- manage_redress -----------------------------------------------------------------------------


@pytest.fixture
def redress(call, manager_a, committed):
    evaluated(call, [5, 5, 5], "30000")
    rejected = evaluated(call, [5, 2.5, 5], "1000")
    publish(call, manager_a.user, committed)
    return redress_file(application=rejected, by=rejected.organisation.user, reasons=REASONS)


def test_manager_decides_a_redress_request(manager_client, redress):
    url = reverse("evaluation:manage_redress", args=[redress.pk])
    page = manager_client.get(url)
    assert page.status_code == 200
    assert REASONS in page.content.decode()
    assert "The panel&#x27;s view on this criterion." in page.content.decode()
    response = manager_client.post(url, {"decision": "dismiss",
                                         "answer": "The scores follow the call's guide."})
    assert response.status_code == 302
    assert RedressRequest.objects.get(pk=redress.pk).status == RedressRequest.Status.DISMISSED


def test_the_open_requests_are_listed_on_the_ranking_page(manager_client, redress):
    page = manager_client.get(ranking_url(redress.application.call))
    assert [r.pk for r in page.context["page"].redress] == [redress.pk]


def test_redress_page_of_another_eurocluster_is_not_found(client, redress, eurocluster_b):
    client.force_login(MembershipFactory(eurocluster=eurocluster_b).user)
    url = reverse("evaluation:manage_redress", args=[redress.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "uphold", "answer": "x" * 30}).status_code == 404
    assert RedressRequest.objects.get(pk=redress.pk).status == RedressRequest.Status.FILED


def test_redress_page_is_not_found_for_an_evaluator(client, redress):
    evaluator = CallEvaluatorFactory(call=redress.application.call, is_rapporteur=True)
    client.force_login(evaluator.user)
    assert client.get(reverse("evaluation:manage_redress", args=[redress.pk])).status_code == 404


# --- the applicant's pages ----------------------------------------------------------------------


def test_applicant_reads_their_esr_with_the_redress_button(client, call, manager_a, committed):
    evaluated(call, [5, 5, 5], "30000")
    reserve = evaluated(call, [4, 4, 4], "30000")
    publish(call, manager_a.user, committed)
    client.force_login(reserve.organisation.user)
    response = client.get(reverse("evaluation:esr", args=[reserve.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "number 1 on the reserve list" in page
    assert reverse("evaluation:redress_file", args=[reserve.pk]) in page
    assert reverse("evaluation:selection_decline", args=[reserve.pk]) not in page


def test_another_applicants_esr_is_not_found(client, call, manager_a, committed):
    application = evaluated(call, [5, 5, 5], "30000")
    other = evaluated(call, [4, 4, 4], "30000")
    publish(call, manager_a.user, committed)
    client.force_login(other.organisation.user)
    assert client.get(reverse("evaluation:esr", args=[application.pk])).status_code == 404
    assert client.get(reverse("evaluation:redress_file", args=[application.pk])
                      ).status_code == 404


def test_the_esr_is_not_found_before_publication(client, call, manager_a):
    application = evaluated(call, [5, 5, 5], "30000")
    ranking_compute(call=call, by=manager_a.user)
    ranking_approve(call=call, by=manager_a.user)
    client.force_login(application.organisation.user)
    assert client.get(reverse("evaluation:esr", args=[application.pk])).status_code == 404


def test_the_esr_is_not_found_for_the_manager_through_the_applicant_url(manager_client, call,
                                                                         manager_a, committed):
    application = evaluated(call, [5, 5, 5], "30000")
    publish(call, manager_a.user, committed)
    assert manager_client.get(reverse("evaluation:esr", args=[application.pk])).status_code == 404


def test_applicant_files_a_redress_request_with_the_deadline_shown(client, call, manager_a,
                                                                   committed):
    evaluated(call, [5, 5, 5], "30000")
    rejected = evaluated(call, [2, 2, 2], "1000")
    publish(call, manager_a.user, committed)
    client.force_login(rejected.organisation.user)
    url = reverse("evaluation:redress_file", args=[rejected.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "(Brussels time)" in page.content.decode()
    short = client.post(url, {"reasons": "Too short."})
    assert short.status_code == 400
    response = client.post(url, {"reasons": REASONS})
    assert response.status_code == 302
    assert RedressRequest.objects.get(application=rejected).reasons == REASONS


def test_selected_applicant_declines_and_the_reserve_moves_up(client, call, manager_a,
                                                              committed):
    selected = evaluated(call, [5, 5, 5], "30000")
    reserve = evaluated(call, [4, 4, 4], "30000")
    publish(call, manager_a.user, committed)
    client.force_login(selected.organisation.user)
    url = reverse("evaluation:selection_decline", args=[selected.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "We found another way to finance the project."})
    assert response.status_code == 302
    assert Application.objects.get(pk=selected.pk).status == Application.Status.WITHDRAWN
    assert Application.objects.get(pk=reserve.pk).status == Application.Status.SELECTED


def test_decline_is_not_found_for_someone_else(client, call, manager_a, committed):
    selected = evaluated(call, [5, 5, 5], "30000")
    publish(call, manager_a.user, committed)
    client.force_login(UserFactory())
    url = reverse("evaluation:selection_decline", args=[selected.pk])
    assert client.post(url, {"reason": "No."}).status_code == 404
    assert Application.objects.get(pk=selected.pk).status == Application.Status.SELECTED
