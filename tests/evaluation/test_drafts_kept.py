"""No work is lost on a refusal: a review (or consensus) submitted before it is complete keeps
its draft; a consensus comment is never dropped without a word."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Application
from evaluation.models import Assignment, Consensus, ConsensusScore, Review
from evaluation.services.reviews import EvaluationRefused, consensus_save, review_save
from tests.evaluation.factories import (
    COMMENT,
    AssignmentFactory,
    closed_call,
    eligible_application,
    submitted_review,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _assignment() -> Assignment:
    application = eligible_application(closed_call(),
                                       status=Application.Status.UNDER_EVALUATION)
    return AssignmentFactory(application=application, status=Assignment.Status.ACTIVE)


def _criteria(application):
    return list(application.call.criteria.order_by("position", "pk"))


def _post(application, scores, comments, action, overall="Solid overall."):
    data = {"action": action, "overall_comment": overall}
    for criterion, score, comment in zip(_criteria(application), scores, comments, strict=True):
        data[f"score_{criterion.pk}"] = score
        data[f"comment_{criterion.pk}"] = comment
    return data


def _data(application, scores, comments, overall="The panel agreed."):
    return {"overall_comment": overall,
            "scores": {c.pk: {"score": None if s is None else D(str(s)), "comment": text}
                       for c, s, text in zip(_criteria(application), scores, comments,
                                             strict=True)}}


# --- the evaluator's review ----------------------------------------------------------------------


def test_a_submission_refused_as_incomplete_keeps_the_draft_on_the_page(client):
    assignment = _assignment()
    client.force_login(assignment.evaluator.user)
    response = client.post(reverse("evaluation:review", args=[assignment.pk]), _post(
        assignment.application, ["4", "3.5", ""], [COMMENT, "Too short.", COMMENT], "submit"))
    assert response.status_code == 400
    assert ("The review cannot be submitted yet: see the marked fields. Your draft is saved."
            in response.content.decode())
    review = Review.objects.get(assignment=assignment)
    assert (review.status, review.overall_comment) == (Review.Status.DRAFT, "Solid overall.")
    assert [(s.score, s.comment) for s in review.scores.order_by("criterion__position")] == [
        (D("4"), COMMENT), (D("3.5"), "Too short."), (None, COMMENT)]
    assert response.context["review"] == review
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACTIVE


def test_the_service_saves_the_draft_then_refuses_the_incomplete_submission():
    assignment = _assignment()
    application = assignment.application
    criteria = _criteria(application)
    with pytest.raises(EvaluationRefused) as refused:
        review_save(assignment=assignment, by=assignment.evaluator.user, submit=True,
                    data=_data(application, [4, None, 3], [COMMENT, COMMENT, "Short."]))
    assert refused.value.fields == {
        f"score_{criteria[1].pk}": "Score “Impact”.",
        f"comment_{criteria[2].pk}": "Write at least 50 characters on “Implementation” (6 so "
                                     "far).",
    }
    review = Review.objects.get(assignment=assignment)
    assert review.status == Review.Status.DRAFT
    assert [s.score for s in review.scores.order_by("criterion__position")] == [
        D("4"), None, D("3")]


def test_a_score_off_the_scale_still_saves_nothing():
    assignment = _assignment()
    with pytest.raises(EvaluationRefused):
        review_save(assignment=assignment, by=assignment.evaluator.user, submit=True,
                    data=_data(assignment.application, ["5.5", 3, 3], [COMMENT] * 3))
    assert not Review.objects.filter(assignment=assignment).exists()


# --- the consensus -------------------------------------------------------------------------------


def _reviewed():
    application = eligible_application(closed_call(), status=Application.Status.UNDER_EVALUATION)
    for scores in ([3, 3, 3], [4, 4, 4]):
        submitted_review(AssignmentFactory(application=application), scores)
    return application


def test_a_consensus_comment_without_a_score_is_refused_not_dropped():
    application = _reviewed()
    impact = _criteria(application)[1]
    with pytest.raises(EvaluationRefused) as refused:
        consensus_save(application=application,
                       by=MembershipFactory(eurocluster=application.call.eurocluster).user,
                       data=_data(application, [3.5, None, 3.5],
                                  [COMMENT, "The panel still discusses the market.", COMMENT]),
                       finalise=False)
    assert refused.value.fields == {f"score_{impact.pk}": "Score “Impact” to keep its comment."}
    assert not ConsensusScore.objects.filter(consensus__application=application).exists()


def test_a_finalisation_refused_as_incomplete_keeps_the_consensus_draft(client):
    application = _reviewed()
    client.force_login(MembershipFactory(eurocluster=application.call.eurocluster).user)
    response = client.post(reverse("evaluation:consensus", args=[application.pk]), _post(
        application, ["3.5", "3.5", "3.5"], [COMMENT, COMMENT, "Short."], "finalise"))
    assert response.status_code == 400
    assert ("The consensus cannot be finalised yet: see the marked fields. The draft is saved."
            in response.content.decode())
    consensus = Consensus.objects.get(application=application)
    assert consensus.status == Consensus.Status.DRAFT
    assert [(s.score, s.comment) for s in consensus.scores.order_by("criterion__position")] == [
        (D("3.5"), COMMENT), (D("3.5"), COMMENT), (D("3.5"), "Short.")]
    assert response.context["consensus"] == consensus
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_EVALUATION
