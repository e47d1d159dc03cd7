"""The evaluator's declarations and reviews (the arithmetic on plain numbers is in
test_scoring.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from applications.models import Application
from evaluation.models import Assignment, AssignmentRun, CallEvaluator, Review
from evaluation.selectors.reviews import disagreements
from evaluation.services.reviews import (
    EvaluationRefused,
    assignment_declare,
    call_declaration_accept,
    review_reopen,
    review_save,
)
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
HALF = D("0.5")

# --- helpers -------------------------------------------------------------------------------------


def _assignment(status=Assignment.Status.ACTIVE, **call_kwargs) -> Assignment:
    call = closed_call(**call_kwargs)
    application = eligible_application(call, status=Application.Status.UNDER_EVALUATION)
    return AssignmentFactory(application=application, status=status)


def _data(assignment, scores, comment=COMMENT, overall="A sound proposal overall."):
    criteria = list(assignment.application.call.criteria.order_by("position", "pk"))
    return {"overall_comment": overall,
            "scores": {c.pk: {"score": None if s is None else D(str(s)), "comment": comment}
                       for c, s in zip(criteria, scores, strict=True)}}


def _user(assignment):
    return assignment.evaluator.user


# --- the call's declaration ----------------------------------------------------------------------


@pytest.mark.django_db
def test_accepting_the_call_declaration_sets_the_time_and_audits_once():
    entry = CallEvaluatorFactory(call=closed_call(), declaration_accepted_at=None)
    call_declaration_accept(call_evaluator=entry, by=entry.user)
    entry.refresh_from_db()
    first = entry.declaration_accepted_at
    assert first is not None
    call_declaration_accept(call_evaluator=entry, by=entry.user)
    entry.refresh_from_db()
    assert entry.declaration_accepted_at == first
    trail = audit_trail(entry).filter(action="evaluation_declaration_accepted")
    assert [(e.actor_id, e.data) for e in trail] == [(entry.user.pk,
                                                      {"call": entry.call.reference})]


@pytest.mark.django_db
def test_someone_else_cannot_accept_an_evaluators_declaration():
    entry = CallEvaluatorFactory(call=closed_call(), declaration_accepted_at=None)
    with pytest.raises(DomainError, match="Only the evaluator"):
        call_declaration_accept(call_evaluator=entry, by=UserFactory())


@pytest.mark.django_db
def test_an_invited_evaluator_cannot_accept_the_declaration_yet():
    entry = CallEvaluatorFactory(call=closed_call(), declaration_accepted_at=None,
                                 status=CallEvaluator.Status.INVITED)
    with pytest.raises(DomainError, match="not an evaluator of this call"):
        call_declaration_accept(call_evaluator=entry, by=entry.user)


# --- the conflict-of-interest declaration --------------------------------------------------------


@pytest.mark.django_db
def test_declaring_no_conflict_opens_the_proposal_and_is_audited():
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    updated = assignment_declare(assignment=assignment, by=_user(assignment), conflict=False)
    assert updated.status == Assignment.Status.ACTIVE
    assert updated.declared_at is not None
    entry = audit_trail(assignment).get(action="conflict_of_interest_declared")
    assert (entry.actor_id, entry.data) == (
        _user(assignment).pk, {"conflict": False, "application": assignment.application_id})
    # Repeating it changes nothing.
    again = assignment_declare(assignment=assignment, by=_user(assignment), conflict=False)
    assert (again.status, again.declared_at) == (Assignment.Status.ACTIVE, updated.declared_at)


@pytest.mark.django_db
def test_a_conflict_needs_a_statement():
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    with pytest.raises(EvaluationRefused) as refused:
        assignment_declare(assignment=assignment, by=_user(assignment), conflict=True,
                           statement="  ")
    assert refused.value.fields == {"statement": "Say what the conflict of interest is."}
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ASSIGNED


@pytest.mark.django_db
def test_the_declaration_needs_the_call_declaration_first():
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    CallEvaluator.objects.filter(pk=assignment.evaluator_id).update(declaration_accepted_at=None)
    with pytest.raises(DomainError, match="Accept the call's declaration first."):
        assignment_declare(assignment=assignment, by=_user(assignment), conflict=False)


@pytest.mark.django_db
def test_another_user_cannot_declare_for_the_assignee():
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    with pytest.raises(DomainError, match="Only the assigned evaluator"):
        assignment_declare(assignment=assignment, by=UserFactory(), conflict=False)


@pytest.mark.django_db
def test_declaring_a_conflict_releases_the_assignment_and_assigns_a_free_evaluator(
        django_capture_on_commit_callbacks, mailoutbox):
    call = closed_call()
    manager = MembershipFactory(eurocluster=call.eurocluster)
    application = eligible_application(call, status=Application.Status.UNDER_EVALUATION)
    declarer, other, free = (CallEvaluatorFactory(call=call) for _ in range(3))
    AssignmentRun.objects.create(call=call, status=AssignmentRun.Status.DONE)
    conflicted = AssignmentFactory(application=application, evaluator=declarer,
                                   status=Assignment.Status.ASSIGNED)
    AssignmentFactory(application=application, evaluator=other, status=Assignment.Status.ACTIVE)

    with django_capture_on_commit_callbacks(execute=True):
        assignment_declare(assignment=conflicted, by=declarer.user, conflict=True,
                           statement="I advise the applicant on its digital strategy.")

    conflicted.refresh_from_db()
    assert conflicted.status == Assignment.Status.CONFLICT
    assert conflicted.conflict_statement == "I advise the applicant on its digital strategy."
    live = set(Assignment.objects.filter(application=application, status__in=Assignment.LIVE)
               .values_list("evaluator_id", flat=True))
    assert live == {other.pk, free.pk}
    entry = audit_trail(conflicted).get(action="conflict_of_interest_declared")
    assert (entry.reason, entry.data["conflict"]) == (
        "I advise the applicant on its digital strategy.", True)
    conflict_mail = [m for m in mailoutbox if "conflict of interest" in m.subject]
    assert [m.to for m in conflict_mail] == [[manager.user.email]]


@pytest.mark.django_db
def test_a_second_declaration_after_a_conflict_is_refused():
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    assignment_declare(assignment=assignment, by=_user(assignment), conflict=True,
                       statement="My brother runs the applicant.")
    with pytest.raises(DomainError, match="no longer waiting"):
        assignment_declare(assignment=assignment, by=_user(assignment), conflict=False)


# --- reviews -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_keeps_partial_scores_and_short_comments():
    assignment = _assignment()
    review = review_save(assignment=assignment, by=_user(assignment),
                         data=_data(assignment, ["3.5", None, None], comment="Short."),
                         submit=False)
    assert review.status == Review.Status.DRAFT
    assert [(s.score, s.comment) for s in review.scores.order_by("criterion__position")] == [
        (D("3.5"), "Short."), (None, "Short."), (None, "Short.")]
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACTIVE


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["3.25", "5.5", "-0.5"])
def test_a_score_off_the_scale_is_refused_even_in_a_draft(bad):
    assignment = _assignment()
    criterion = assignment.application.call.criteria.order_by("position").first()
    with pytest.raises(EvaluationRefused) as refused:
        review_save(assignment=assignment, by=_user(assignment),
                    data=_data(assignment, [bad, None, None]), submit=False)
    assert list(refused.value.fields) == [f"score_{criterion.pk}"]
    assert not Review.objects.filter(assignment=assignment).exists()


@pytest.mark.django_db
def test_a_comment_one_character_short_is_refused_on_submit_but_fine_in_a_draft():
    assignment = _assignment(comment_min_chars=20)
    short = "x" * 19
    review_save(assignment=assignment, by=_user(assignment),
                data=_data(assignment, [3, 4, 5], comment=short), submit=False)
    with pytest.raises(EvaluationRefused) as refused:
        review_save(assignment=assignment, by=_user(assignment),
                    data=_data(assignment, [3, 4, 5], comment=short), submit=True)
    criteria = list(assignment.application.call.criteria.order_by("position", "pk"))
    assert refused.value.fields == {
        f"comment_{c.pk}": f"Write at least 20 characters on “{c.name}” (19 so far)."
        for c in criteria}
    review = review_save(assignment=assignment, by=_user(assignment),
                         data=_data(assignment, [3, 4, 5], comment="x" * 20), submit=True)
    assert review.status == Review.Status.SUBMITTED


@pytest.mark.django_db
def test_submit_needs_every_score_and_an_overall_comment():
    assignment = _assignment()
    criteria = list(assignment.application.call.criteria.order_by("position", "pk"))
    with pytest.raises(EvaluationRefused) as refused:
        review_save(assignment=assignment, by=_user(assignment),
                    data=_data(assignment, [3, None, 4], overall=""), submit=True)
    assert refused.value.fields == {f"score_{criteria[1].pk}": "Score “Impact”.",
                                    "overall_comment": "Write an overall comment."}


@pytest.mark.django_db
def test_submit_writes_the_weighted_total_moves_both_states_and_audits():
    assignment = _assignment()
    criteria = list(assignment.application.call.criteria.order_by("position", "pk"))
    criteria[1].weight = D("2")
    criteria[1].save()
    review = review_save(assignment=assignment, by=_user(assignment),
                         data=_data(assignment, ["3.5", 4, "4.5"]), submit=True)
    review.refresh_from_db()
    assignment.refresh_from_db()
    assert (review.status, review.total) == (Review.Status.SUBMITTED, D("16.00"))
    assert review.submitted_at is not None
    assert assignment.status == Assignment.Status.SUBMITTED
    entry = audit_trail(review).get(action="review_submitted")
    assert entry.data == {"application": assignment.application_id, "total": "16.00",
                          "scores": {str(criteria[0].pk): "3.5", str(criteria[1].pk): "4",
                                     str(criteria[2].pk): "4.5"}}


@pytest.mark.django_db
def test_a_submitted_review_cannot_be_changed():
    assignment = _assignment()
    review_save(assignment=assignment, by=_user(assignment), data=_data(assignment, [3, 3, 3]),
                submit=True)
    with pytest.raises(DomainError, match="already submitted"):
        review_save(assignment=assignment, by=_user(assignment),
                    data=_data(assignment, [5, 5, 5]), submit=False)


@pytest.mark.django_db
def test_submit_after_the_evaluation_deadline_is_refused():
    assignment = _assignment(evaluation_deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(DomainError, match="evaluation deadline has passed"):
        review_save(assignment=assignment, by=_user(assignment),
                    data=_data(assignment, [3, 3, 3]), submit=True)
    assert not Review.objects.filter(assignment=assignment).exists()


@pytest.mark.django_db
def test_submit_just_before_the_evaluation_deadline_is_accepted():
    assignment = _assignment(evaluation_deadline=timezone.now() + timedelta(minutes=1))
    review = review_save(assignment=assignment, by=_user(assignment),
                         data=_data(assignment, [3, 3, 3]), submit=True)
    assert review.status == Review.Status.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Assignment.Status.ASSIGNED, Assignment.Status.CONFLICT,
                                    Assignment.Status.REMOVED])
def test_a_review_needs_a_cleared_assignment(status):
    assignment = _assignment(status=status)
    with pytest.raises(DomainError, match="no conflict of interest first"):
        review_save(assignment=assignment, by=_user(assignment),
                    data=_data(assignment, [3, 3, 3]), submit=False)


@pytest.mark.django_db
def test_only_the_assignee_may_write_the_review():
    assignment = _assignment()
    with pytest.raises(DomainError, match="Only the assigned evaluator"):
        review_save(assignment=assignment, by=UserFactory(), data=_data(assignment, [3, 3, 3]),
                    submit=False)


@pytest.mark.django_db
def test_a_manager_reopens_a_submitted_review_with_a_reason(mailoutbox,
                                                            django_capture_on_commit_callbacks):
    assignment = _assignment()
    review = submitted_review(assignment, [3, 3, 3])
    manager = MembershipFactory(eurocluster=assignment.application.call.eurocluster).user
    with pytest.raises(DomainError, match="Say why"):
        review_reopen(review=review, by=manager, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        review_reopen(review=review, by=manager, reason="Please justify Impact further.")
    review.refresh_from_db()
    assignment.refresh_from_db()
    assert (review.status, assignment.status) == (Review.Status.DRAFT, Assignment.Status.ACTIVE)
    assert audit_trail(review).get(action="review_reopened").reason == (
        "Please justify Impact further.")
    assert [m.to for m in mailoutbox] == [[assignment.evaluator.user.email]]
    assert "Please justify Impact further." in mailoutbox[0].body


@pytest.mark.django_db
def test_reopening_after_the_evaluation_deadline_is_refused():
    assignment = _assignment()
    review = submitted_review(assignment, [3, 3, 3])
    call = assignment.application.call
    call.evaluation_deadline = timezone.now() - timedelta(seconds=1)
    call.save(update_fields=["evaluation_deadline"])
    manager = MembershipFactory(eurocluster=call.eurocluster).user
    with pytest.raises(DomainError, match="evaluation deadline has passed"):
        review_reopen(review=review, by=manager, reason="Please justify Impact further.")
    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED


# --- disagreements -------------------------------------------------------------------------------


def _reviewed(scores_per_evaluator, **call_kwargs):
    call = closed_call(**call_kwargs)
    application = eligible_application(call, status=Application.Status.UNDER_EVALUATION)
    for scores in scores_per_evaluator:
        submitted_review(AssignmentFactory(application=application), scores)
    return application


@pytest.mark.django_db
def test_scores_exactly_two_apart_are_not_flagged():
    application = _reviewed([[1, 3, 4], [3, 3, 4]])
    assert disagreements(application) == []


@pytest.mark.django_db
def test_scores_two_and_a_half_apart_flag_the_criterion():
    application = _reviewed([[1, 3, 4], ["3.5", 3, "4.5"], [2, 3, 4]])
    found = disagreements(application)
    assert [(d.criterion.name, d.lowest, d.highest, d.spread) for d in found] == [
        ("Excellence", D("1"), D("3.5"), D("2.5"))]


@pytest.mark.django_db
def test_the_calls_own_threshold_counts():
    application = _reviewed([[1, 3, 4], [2, 3, 4]], disagreement_threshold=D("0.5"))
    assert [d.criterion.name for d in disagreements(application)] == ["Excellence"]


@pytest.mark.django_db
def test_drafts_do_not_count_towards_disagreement():
    application = _reviewed([[1, 3, 4]])
    draft = AssignmentFactory(application=application)
    review_save(assignment=draft, by=draft.evaluator.user, data=_data(draft, [5, 3, 4]),
                submit=False)
    assert disagreements(application) == []


@pytest.mark.django_db
def test_an_evaluator_taken_out_of_the_pool_can_neither_declare_nor_review():
    assignment = _assignment(status=Assignment.Status.ASSIGNED)
    CallEvaluator.objects.filter(pk=assignment.evaluator_id).update(
        status=CallEvaluator.Status.REMOVED)
    with pytest.raises(DomainError, match="no longer an evaluator"):
        assignment_declare(assignment=assignment, by=_user(assignment), conflict=False)
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.ACTIVE)
    with pytest.raises(DomainError, match="no longer an evaluator"):
        review_save(assignment=assignment, by=_user(assignment),
                    data=_data(assignment, [3, 3, 3]), submit=False)
