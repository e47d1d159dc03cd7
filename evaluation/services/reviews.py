"""Every write of the evaluator's work and the consensus: the call's declaration, the
conflict-of-interest declaration of each assignment, reviews with a score and comment per
criterion, and the consensus that gives an application its final score.

The arithmetic (score checks, completeness, weighted totals) is in the pure module
``evaluation.scoring``; the reads (submitted reviews, disagreements, the consensus prefill and
what it waits for) in ``evaluation.selectors.reviews``.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from applications.transitions import application_transition
from calls.models import Criterion
from evaluation import scoring
from evaluation.models import Assignment, CallEvaluator, Consensus, Review
from evaluation.selectors.results import call_managers
from evaluation.selectors.reviews import (
    consensus_blockers,
    criteria_of,
    evaluation_deadline_passed,
)
from evaluation.services.transitions import (
    assignment_transition,
    consensus_transition,
    review_transition,
)
from portal.audit import audit_record
from portal.errors import DomainError
from portal.notifications import notify, notify_each
from portal.queue import enqueue_on_commit
from portal.site import site_url

# --- errors ---------------------------------------------------------------------------------------


class EvaluationRefused(DomainError):
    """A refusal with, where it applies, the form fields it is about (``fields``: name → text).

    Field names: ``score_<criterion id>``, ``comment_<criterion id>``, ``overall_comment``.
    """

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        self.fields = dict(fields or {})
        super().__init__(message, details=list(self.fields.values()))


# --- the call's declaration ----------------------------------------------------------------------


@transaction.atomic
def call_declaration_accept(*, call_evaluator: CallEvaluator, by: Any) -> CallEvaluator:
    """The evaluator accepts the call's confidentiality and impartiality declaration.

    Sets ``declaration_accepted_at`` and audits ``evaluation_declaration_accepted``; accepting
    again changes nothing. Raises DomainError for someone else's pool entry or one that is not
    accepted.
    """
    entry = CallEvaluator.objects.select_for_update().select_related("call").get(
        pk=call_evaluator.pk)
    if entry.user_id != getattr(by, "pk", None):
        raise DomainError(_("Only the evaluator may accept their own declaration."))
    if entry.status != CallEvaluator.Status.ACCEPTED:
        raise DomainError(_("You are not an evaluator of this call (any more)."))
    if entry.declaration_accepted_at is not None:
        return entry
    entry.declaration_accepted_at = timezone.now()
    entry.save(update_fields=["declaration_accepted_at"])
    audit_record(subject=entry, action="evaluation_declaration_accepted", actor=by,
                 data={"call": entry.call.reference})
    return entry


# --- the conflict-of-interest declaration --------------------------------------------------------


@transaction.atomic
def assignment_declare(*, assignment: Assignment, by: Any, conflict: bool,
                       statement: str = "") -> Assignment:
    """The assignee declares, before seeing the proposal, whether they have a conflict.

    No conflict: assigned → active, the proposal opens. A conflict (statement required):
    assigned → conflict, the assignment is released and the pair is excluded from then on;
    queues ``evaluation.fill_assignments`` for the call so that a replacement is assigned, and
    tells the call's managers. Both are audited (``conflict_of_interest_declared``). Declaring
    "no conflict" twice changes nothing. Raises DomainError.
    """
    current = Assignment.objects.select_for_update().select_related(
        "evaluator", "application__call").get(pk=assignment.pk)
    if current.evaluator.user_id != getattr(by, "pk", None):
        raise DomainError(_("Only the assigned evaluator may make this declaration."))
    if current.evaluator.status != CallEvaluator.Status.ACCEPTED:
        raise DomainError(_("You are no longer an evaluator of this call."))
    if current.evaluator.declaration_accepted_at is None:
        raise DomainError(_("Accept the call's declaration first."))
    statement = (statement or "").strip()
    if not conflict and current.status in Assignment.CLEARED:
        return current
    if current.status != Assignment.Status.ASSIGNED:
        raise DomainError(_("This assignment is no longer waiting for your declaration."))
    if conflict and not statement:
        raise EvaluationRefused(
            _("Say what the conflict of interest is."),
            fields={"statement": _("Say what the conflict of interest is.")})
    now = timezone.now()
    to = Assignment.Status.CONFLICT if conflict else Assignment.Status.ACTIVE
    updated = assignment_transition(
        assignment=current, to=to, by=by, reason=statement,
        extra={"declared_at": now, "conflict_statement": statement},
    )
    audit_record(subject=updated, action="conflict_of_interest_declared", actor=by,
                 reason=statement, data={"conflict": conflict,
                                         "application": current.application_id})
    if conflict:
        enqueue_on_commit("evaluation.fill_assignments", call_id=current.application.call_id)
        _tell_managers_of_conflict(current)
    return updated


def _tell_managers_of_conflict(assignment: Assignment) -> None:
    call = assignment.application.call
    notify_each(recipients=call_managers(call), kind="evaluation.review_conflict",
                context={"call": call, "application": assignment.application,
                         "site_url": site_url()},
                link=reverse("evaluation:manage_reviews", kwargs={"pk": call.pk}))


# --- reviews -------------------------------------------------------------------------------------


def review_save(*, assignment: Assignment, by: Any, data: Mapping[str, Any],
                submit: bool) -> Review:
    """Save the evaluator's review of ``assignment`` as a draft, or submit it.

    ``data``: ``{"scores": {criterion_id: {"score": Decimal | None, "comment": str}},
    "overall_comment": str}``. Each given score must be from 0 to the criterion's maximum in the
    call's steps. Submitting also needs every criterion scored, every comment of at least the
    call's minimum length and an overall comment; it writes the weighted total, moves the review
    to submitted and the assignment to submitted, and audits ``review_submitted``.

    Raises EvaluationRefused (with the fields) for invalid data: a score off the scale saves
    nothing; a submission that is not complete yet still saves the draft (committed) before it
    is refused, so that no work is lost. Raises DomainError after the evaluation deadline, once
    submitted, or for someone else's or an undeclared assignment.
    """
    with transaction.atomic():
        current = Assignment.objects.select_for_update().select_related(
            "evaluator", "application__call").get(pk=assignment.pk)
        call = current.application.call
        if current.evaluator.user_id != getattr(by, "pk", None):
            raise DomainError(_("Only the assigned evaluator may write this review."))
        if current.evaluator.status != CallEvaluator.Status.ACCEPTED:
            raise DomainError(_("You are no longer an evaluator of this call."))
        if current.status == Assignment.Status.SUBMITTED:
            raise DomainError(_("Your review is already submitted; it can no longer be "
                                "changed."))
        if current.status != Assignment.Status.ACTIVE:
            raise DomainError(_("Declare that you have no conflict of interest first."))
        if evaluation_deadline_passed(call):
            raise DomainError(_("The evaluation deadline has passed; the review can no longer "
                                "be saved or submitted."))
        criteria = criteria_of(call)
        checks = {"criteria": criteria, "data": data, "step": call.score_step,
                  "min_chars": call.comment_min_chars}
        errors = scoring.score_errors(**checks, complete=False)
        if errors:
            raise EvaluationRefused(
                _("The review cannot be saved: see the marked fields."), fields=errors)
        review, values = _review_write(current, criteria, data)
        missing = scoring.score_errors(**checks, complete=True) if submit else {}
        if not submit:
            return review
        if not missing:
            return _review_submit(current, review, criteria, values, by)
    # Outside the block: the draft above is committed, only the submission is refused.
    raise EvaluationRefused(
        _("The review cannot be submitted yet: see the marked fields. Your draft is saved."),
        fields=missing)


def _review_write(assignment: Assignment, criteria: list[Criterion],
                  data: Mapping[str, Any]) -> tuple[Review, dict[int, Decimal | None]]:
    """Write the draft's overall comment and its score rows; criterion id → score."""
    review, _created = Review.objects.get_or_create(assignment=assignment)
    review.overall_comment = (data.get("overall_comment") or "").strip()
    review.save(update_fields=["overall_comment", "updated_at"])
    # Score.score may be empty: a draft keeps the row of a criterion not scored yet.
    return review, _scores_upsert(review.scores, criteria, data, keep_empty=True)


def _scores_upsert(rows, criteria: list[Criterion], data: Mapping[str, Any], *,
                   keep_empty: bool) -> dict[int, Decimal | None]:
    """Make the score rows of a review or a consensus (``rows``: its ``scores`` manager) say
    what ``data`` says, writing only what changed; criterion id → score. Without
    ``keep_empty``, an empty score removes the criterion's row (its comment is empty: a comment
    without a score is refused before)."""
    existing = {s.criterion_id: s for s in rows.all()}
    values = {}
    for criterion in criteria:
        value, comment = scoring.entry(data, criterion.pk)
        values[criterion.pk] = value
        score = existing.get(criterion.pk)
        if value is None and not keep_empty:
            if score is not None:
                score.delete()
        elif score is None:
            rows.create(criterion=criterion, score=value, comment=comment)
        elif (score.score, score.comment) != (value, comment):
            score.score, score.comment = value, comment
            score.save(update_fields=["score", "comment"])
    return values


def _review_submit(assignment: Assignment, review: Review, criteria: list[Criterion],
                   values: dict[int, Decimal | None], by: Any) -> Review:
    total = scoring.total((c.weight, values[c.pk]) for c in criteria)
    review = review_transition(review=review, to=Review.Status.SUBMITTED, by=by,
                               extra={"total": total, "submitted_at": timezone.now()})
    assignment_transition(assignment=assignment, to=Assignment.Status.SUBMITTED, by=by)
    audit_record(subject=review, action="review_submitted", actor=by, data={
        "application": assignment.application_id, "total": str(total),
        "scores": {str(c.pk): str(values[c.pk]) for c in criteria},
    })
    return review


@transaction.atomic
def review_reopen(*, review: Review, by: Any, reason: str) -> Review:
    """A manager sends a submitted review back to its evaluator (review → draft, assignment →
    active), e.g. to answer a disagreement. Refused once the consensus is final or without a
    reason, or after the evaluation deadline. Audits ``review_reopened`` and tells the evaluator by
    e-mail. Raises DomainError."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the review is reopened; the evaluator reads it."))
    current = Review.objects.select_for_update().select_related(
        "assignment__evaluator__user", "assignment__application__call").get(pk=review.pk)
    application = current.assignment.application
    if Consensus.objects.filter(application=application, status=Consensus.Status.FINAL).exists():
        raise DomainError(_("The consensus of this application is final; reopen it first."))
    if current.status != Review.Status.SUBMITTED:
        raise DomainError(_("Only a submitted review can be reopened."))
    if evaluation_deadline_passed(application.call):
        # The evaluator could not save it again: the review would be stuck as a draft.
        raise DomainError(_("The evaluation deadline has passed, so the evaluator could not "
                            "submit the review again. Move the call's evaluation deadline "
                            "first."))
    current = review_transition(review=current, to=Review.Status.DRAFT, by=by, reason=reason,
                                extra={"submitted_at": None})
    assignment_transition(assignment=current.assignment, to=Assignment.Status.ACTIVE, by=by,
                          reason=reason)
    audit_record(subject=current, action="review_reopened", actor=by, reason=reason,
                 data={"application": application.pk})
    notify(recipient=current.assignment.evaluator.user, kind="evaluation.review_reopened",
           context={"call": application.call, "application": application,
                    "assignment": current.assignment, "reason": reason,
                    "site_url": site_url()},
           link=reverse("evaluation:review", kwargs={"pk": current.assignment_id}))
    return current


# --- disagreements and consensus -----------------------------------------------------------------


def consensus_save(*, application: Application, by: Any, data: Mapping[str, Any],
                   finalise: bool) -> Consensus:
    """Record the consensus scores and comments of ``application`` (``data`` as in
    ``review_save``), as a draft or final.

    Refused (DomainError) unless every live assignment is submitted, there are at least two
    submitted reviews and the application is under evaluation, or once the consensus is final.
    Finalising needs every criterion scored with a comment of the call's minimum length and an
    overall comment; it writes the weighted total (the application's final score), moves the
    consensus to final and the application to evaluated, and audits ``consensus_recorded`` on
    the application. Raises EvaluationRefused (with the fields) for invalid data: a score off
    the scale, or a comment without a score (a draft score row needs its score), saves nothing;
    a finalisation that is not complete yet still saves the draft (committed) before it is
    refused.
    """
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related("call").get(
            pk=application.pk)
        call = locked.call
        blockers = consensus_blockers(locked)
        if blockers:
            raise DomainError(_("The consensus cannot be recorded yet."), details=blockers)
        consensus, _created = Consensus.objects.select_for_update().get_or_create(
            application=locked)
        if consensus.status == Consensus.Status.FINAL:
            raise DomainError(_("The consensus is final; it can no longer be changed."))
        criteria = criteria_of(call)
        checks = {"criteria": criteria, "data": data, "step": call.score_step,
                  "min_chars": call.comment_min_chars}
        errors = scoring.score_errors(**checks, complete=False)
        for criterion in criteria:
            value, comment = scoring.entry(data, criterion.pk)
            if value is None and comment and f"score_{criterion.pk}" not in errors:
                errors[f"score_{criterion.pk}"] = _(
                    "Score “%(name)s” to keep its comment.") % {"name": criterion.name}
        missing = scoring.score_errors(**checks, complete=True) if finalise else {}
        if errors:
            raise EvaluationRefused(
                _("The consensus cannot be finalised yet: see the marked fields.") if finalise
                else _("The consensus cannot be saved: see the marked fields."),
                fields={**missing, **errors})
        values = _consensus_write(consensus, criteria, data, by)
        if not finalise:
            return consensus
        if not missing:
            return _consensus_finalise(locked, consensus, criteria, values, by)
    # Outside the block: the draft above is committed, only the finalisation is refused.
    raise EvaluationRefused(
        _("The consensus cannot be finalised yet: see the marked fields. The draft is "
          "saved."), fields=missing)


def _consensus_write(consensus: Consensus, criteria: list[Criterion], data: Mapping[str, Any],
                     by: Any) -> dict[int, Decimal | None]:
    """Write the draft's overall comment and score rows; criterion id → score."""
    consensus.overall_comment = (data.get("overall_comment") or "").strip()
    consensus.recorded_by = by if getattr(by, "is_authenticated", False) else None
    consensus.save(update_fields=["overall_comment", "recorded_by", "updated_at"])
    # ConsensusScore.score is required: an empty draft score removes the row.
    return _scores_upsert(consensus.scores, criteria, data, keep_empty=False)


def _consensus_finalise(application: Application, consensus: Consensus,
                        criteria: list[Criterion], values: dict[int, Decimal | None],
                        by: Any) -> Consensus:
    total = scoring.total((c.weight, values[c.pk]) for c in criteria)
    consensus = consensus_transition(consensus=consensus, to=Consensus.Status.FINAL, by=by,
                                     extra={"total": total, "recorded_at": timezone.now()})
    application_transition(application=application, to=Application.Status.EVALUATED, by=by,
                           reason=_("Consensus recorded."))
    audit_record(subject=application, action="consensus_recorded", actor=by, data={
        "consensus": consensus.pk, "total": str(total),
        "scores": {str(c.pk): str(values[c.pk]) for c in criteria},
    })
    return consensus
