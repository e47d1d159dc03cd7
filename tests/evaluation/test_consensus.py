"""The consensus: prefilled from the reviews' means, recorded as a draft, then final."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Application
from euroclusters.models import Membership
from evaluation.models import Assignment, Consensus
from evaluation.selectors.reviews import consensus_blockers, consensus_prefill
from evaluation.services.reviews import EvaluationRefused, consensus_save
from portal.audit import audit_trail
from portal.errors import DomainError
from tests.evaluation.factories import (
    COMMENT,
    AssignmentFactory,
    CallEvaluatorFactory,
    closed_call,
    eligible_application,
    submitted_review,
)
from tests.factories import MembershipFactory, UserFactory

D = Decimal


def _reviewed(scores_per_evaluator, *, pending=0, **call_kwargs):
    call = closed_call(**call_kwargs)
    application = eligible_application(call, status=Application.Status.UNDER_EVALUATION)
    for scores in scores_per_evaluator:
        submitted_review(AssignmentFactory(application=application), scores)
    for _ in range(pending):
        AssignmentFactory(application=application, status=Assignment.Status.ACTIVE)
    return application


def _data(application, scores, comment=COMMENT, overall="The panel agreed on the scores."):
    criteria = list(application.call.criteria.order_by("position", "pk"))
    return {"overall_comment": overall,
            "scores": {c.pk: {"score": None if s is None else D(str(s)), "comment": comment}
                       for c, s in zip(criteria, scores, strict=True)}}


def _draft(application, scores, **kwargs):
    """Like ``_data``, with no comment where there is no score (a draft row needs its score)."""
    data = _data(application, scores, **kwargs)
    for entry in data["scores"].values():
        if entry["score"] is None:
            entry["comment"] = ""
    return data


def _manager(application):
    return MembershipFactory(eurocluster=application.call.eurocluster).user


def _values(prefill, application):
    return [prefill[c.pk] for c in application.call.criteria.order_by("position", "pk")]


# --- services ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_prefill_is_the_mean_rounded_to_the_calls_step():
    application = _reviewed([[3, 4, 5], ["3.5", "4.5", 2], [3, 4, 5]])
    # Means 3.1667, 4.1667, 4: to the half point 3.0, 4.0, 4.0.
    assert _values(consensus_prefill(application), application) == [D("3.0"), D("4.0"),
                                                                     D("4.0")]


@pytest.mark.django_db
def test_prefill_rounds_a_quarter_up_and_follows_a_whole_point_step():
    application = _reviewed([[3, 4, 1], ["3.5", 5, 2]], score_step=D("1"))
    # Means 3.25, 4.5, 1.5 to the whole point: 3, 5, 2.
    assert _values(consensus_prefill(application), application) == [D("3"), D("5"), D("2")]


@pytest.mark.django_db
def test_prefill_ignores_drafts_and_conflicts():
    application = _reviewed([[2, 2, 2], [4, 4, 4]])
    AssignmentFactory(application=application, status=Assignment.Status.CONFLICT)
    assert _values(consensus_prefill(application), application) == [D("3.0")] * 3


@pytest.mark.django_db
def test_consensus_is_blocked_while_a_review_is_pending():
    application = _reviewed([[3, 3, 3], [4, 4, 4]], pending=1)
    assert consensus_blockers(application) == [
        "2 of 3 evaluators have submitted their review; the consensus waits for all of them."]
    with pytest.raises(DomainError) as refused:
        consensus_save(application=application, by=_manager(application),
                       data=_data(application, [3, 3, 3]), finalise=False)
    assert refused.value.details == consensus_blockers(application)
    assert not Consensus.objects.filter(application=application).exists()


@pytest.mark.django_db
def test_consensus_needs_at_least_two_submitted_reviews():
    application = _reviewed([[3, 3, 3]])
    assert consensus_blockers(application) == [
        "A consensus needs at least 2 submitted reviews; there are 1."]


@pytest.mark.django_db
def test_a_draft_consensus_keeps_the_application_under_evaluation():
    application = _reviewed([[3, 3, 3], [4, 4, 4]])
    consensus = consensus_save(application=application, by=_manager(application),
                               data=_draft(application, ["3.5", None, 4], comment="short"),
                               finalise=False)
    assert consensus.status == Consensus.Status.DRAFT
    assert [(s.score, s.comment) for s in consensus.scores.order_by("criterion__position")] == [
        (D("3.5"), "short"), (D("4"), "short")]
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_EVALUATION
    assert not audit_trail(application).filter(action="consensus_recorded").exists()


@pytest.mark.django_db
def test_finalising_sets_the_final_score_moves_the_application_and_audits():
    application = _reviewed([[3, 3, 3], [4, 4, 4]])
    manager = _manager(application)
    consensus_save(application=application, by=manager,
                   data=_draft(application, ["3.5", None, 4]), finalise=False)
    consensus = consensus_save(application=application, by=manager,
                               data=_data(application, ["3.5", "3.5", 4]), finalise=True)
    consensus.refresh_from_db()
    application.refresh_from_db()
    assert (consensus.status, consensus.total, consensus.recorded_by) == (
        Consensus.Status.FINAL, D("11.00"), manager)
    assert application.status == Application.Status.EVALUATED
    entry = audit_trail(application).get(action="consensus_recorded")
    criteria = list(application.call.criteria.order_by("position", "pk"))
    assert (entry.actor, entry.data) == (manager, {
        "consensus": consensus.pk, "total": "11.00",
        "scores": {str(criteria[0].pk): "3.5", str(criteria[1].pk): "3.5",
                   str(criteria[2].pk): "4"}})
    moved = audit_trail(application).get(action="transition", to_state="evaluated")
    assert moved.from_state == "under_evaluation"


@pytest.mark.django_db
def test_finalising_needs_every_score_and_comment():
    application = _reviewed([[3, 3, 3], [4, 4, 4]])
    criteria = list(application.call.criteria.order_by("position", "pk"))
    with pytest.raises(EvaluationRefused) as refused:
        consensus_save(application=application, by=_manager(application),
                       data=_data(application, [3, None, 3], overall=""), finalise=True)
    assert set(refused.value.fields) == {f"score_{criteria[1].pk}", "overall_comment"}
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_EVALUATION


@pytest.mark.django_db
def test_a_final_consensus_cannot_be_changed():
    application = _reviewed([[3, 3, 3], [4, 4, 4]])
    manager = _manager(application)
    consensus_save(application=application, by=manager, data=_data(application, [3, 3, 3]),
                   finalise=True)
    with pytest.raises(DomainError):
        consensus_save(application=application, by=manager, data=_data(application, [5, 5, 5]),
                       finalise=True)
    assert Consensus.objects.get(application=application).total == D("9.00")


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_manager_sees_the_reviews_side_by_side_with_names_and_the_prefill(client):
    application = _reviewed([[3, 4, 5], [4, 4, 5]])
    client.force_login(_manager(application))
    response = client.get(reverse("evaluation:consensus", args=[application.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    criteria = list(application.call.criteria.order_by("position", "pk"))
    assert [form[f"score_{c.pk}"].value() for c in criteria] == ["3.5", "4", "5"]
    names = [label for label, _review in response.context["reviews"]]
    users = [a.evaluator.user for a in application.assignments.order_by("pk")]
    assert names == [u.full_name for u in users]


@pytest.mark.django_db
def test_manager_finalises_through_the_page(client):
    application = _reviewed([[3, 4, 5], [4, 4, 5]])
    client.force_login(_manager(application))
    criteria = list(application.call.criteria.order_by("position", "pk"))
    post = {"action": "finalise", "overall_comment": "Agreed by the panel."}
    for c, s in zip(criteria, ["3.5", "4", "5"], strict=True):
        post[f"score_{c.pk}"] = s
        post[f"comment_{c.pk}"] = COMMENT
    response = client.post(reverse("evaluation:consensus", args=[application.pk]), post)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.EVALUATED
    assert application.consensus.total == D("12.50")


@pytest.mark.django_db
def test_a_rapporteur_who_reviewed_the_proposal_records_the_consensus(client):
    application = _reviewed([[3, 4, 5]])
    rapporteur = CallEvaluatorFactory(call=application.call, is_rapporteur=True)
    submitted_review(AssignmentFactory(application=application, evaluator=rapporteur), [4, 4, 5])
    client.force_login(rapporteur.user)
    response = client.get(reverse("evaluation:consensus", args=[application.pk]))
    assert response.status_code == 200
    assert [label for label, _r in response.context["reviews"]] == ["Evaluator 1", "You"]


@pytest.mark.django_db
def test_a_rapporteur_who_has_not_reviewed_the_proposal_is_refused(client):
    application = _reviewed([[3, 4, 5], [4, 4, 5]])
    rapporteur = CallEvaluatorFactory(call=application.call, is_rapporteur=True)
    client.force_login(rapporteur.user)
    response = client.get(reverse("evaluation:consensus", args=[application.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_an_evaluator_who_is_not_a_rapporteur_is_refused(client):
    application = _reviewed([[3, 4, 5], [4, 4, 5]])
    evaluator = application.assignments.first().evaluator.user
    client.force_login(evaluator)
    response = client.get(reverse("evaluation:consensus", args=[application.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_another_euroclusters_manager_cannot_open_the_consensus(client, eurocluster_b):
    application = _reviewed([[3, 4, 5], [4, 4, 5]])
    client.force_login(MembershipFactory(eurocluster=eurocluster_b).user)
    url = reverse("evaluation:consensus", args=[application.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "finalise"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_EVALUATION


@pytest.mark.django_db
def test_the_applicant_cannot_open_the_consensus(client):
    application = _reviewed([[3, 4, 5], [4, 4, 5]])
    client.force_login(application.organisation.user)
    assert client.get(reverse("evaluation:consensus", args=[application.pk])).status_code == 404


@pytest.mark.django_db
def test_an_observer_of_the_eurocluster_is_refused(client):
    application = _reviewed([[3, 4, 5], [4, 4, 5]])
    observer = MembershipFactory(eurocluster=application.call.eurocluster,
                                 role=Membership.Role.OBSERVER).user
    client.force_login(observer)
    assert client.get(reverse("evaluation:consensus", args=[application.pk])).status_code == 404


@pytest.mark.django_db
def test_the_page_says_why_a_consensus_cannot_be_recorded_yet(client):
    application = _reviewed([[3, 4, 5]], pending=1)
    client.force_login(_manager(application))
    response = client.get(reverse("evaluation:consensus", args=[application.pk]))
    assert response.status_code == 200
    assert response.context["blockers"] == [
        "1 of 2 evaluators have submitted their review; the consensus waits for all of them.",
        "A consensus needs at least 2 submitted reviews; there are 1."]
    assert b'value="finalise"' not in response.content


@pytest.mark.django_db
def test_a_user_without_any_role_is_refused(client):
    application = _reviewed([[3, 4, 5], [4, 4, 5]])
    client.force_login(UserFactory())
    assert client.get(reverse("evaluation:consensus", args=[application.pk])).status_code == 404


@pytest.mark.django_db
def test_consensus_page_query_count_is_fixed(client, django_assert_num_queries):
    few = _reviewed([[4, 4, 4], [3, 3, 3]])
    many = _reviewed([[4, 4, 4]] * 6)
    manager = _manager(few)
    MembershipFactory(user=manager, eurocluster=many.call.eurocluster)
    client.force_login(manager)
    client.get(reverse("evaluation:consensus", args=[few.pk]))
    with django_assert_num_queries(7):
        assert client.get(reverse("evaluation:consensus", args=[few.pk])).status_code == 200
    with django_assert_num_queries(7):
        assert client.get(reverse("evaluation:consensus", args=[many.pk])).status_code == 200
