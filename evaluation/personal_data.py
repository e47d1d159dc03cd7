"""What evaluation holds about a person (accounts.personal_data): as an evaluator, the profile,
the invitations, the conflict-of-interest declarations and the reviews; as an applicant, the
redress requests filed.

Retention: an evaluator's signed declarations (the call's confidentiality declaration, a
conflict-of-interest declaration on a proposal) and reviews document the evaluation of FSTP
applications, so they are held until the retention after the Eurocluster's last payment. An
invitation never answered, a profile, an assignment not yet declared go at erasure.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.personal_data import Hold, Section
from applications.models import Application
from evaluation.models import Assignment, CallEvaluator, EvaluatorProfile, RedressRequest, Review


def _declared(user):
    return Assignment.objects.filter(evaluator__user=user, declared_at__isnull=False)


def export(user) -> Section:
    profile = EvaluatorProfile.objects.filter(user=user).values(
        "expertise", "country", "organisation", "organisation_number", "languages",
        "max_proposals_per_call", "updated_at").first()
    assignments = []
    for a in (Assignment.objects.filter(evaluator__user=user)
              .select_related("application__call", "review").order_by("pk")):
        review = getattr(a, "review", None)
        assignments.append({
            "call": a.application.call.reference, "application": a.application_id,
            "status": a.status, "declared_at": a.declared_at,
            "conflict_statement": a.conflict_statement,
            "review": None if review is None else {
                "status": review.status, "overall_comment": review.overall_comment,
                "total": review.total, "submitted_at": review.submitted_at,
                "scores": list(review.scores.order_by("criterion__position", "criterion_id")
                               .values("criterion__name", "score", "comment"))},
        })
    return Section(data={
        "evaluator_profile": profile,
        "invitations": list(CallEvaluator.objects.filter(user=user).order_by("pk").values(
            "call__reference", "status", "invited_at", "responded_at",
            "declaration_accepted_at")),
        "assignments": assignments,
        "redress_requests": list(RedressRequest.objects.filter(filed_by=user).order_by("pk")
                                 .values("application_id", "status", "filed_at", "reasons",
                                         "answer", "decided_at")),
    })


def holds(user) -> list[Hold]:
    reason = _("Your declarations and reviews as an evaluator: they document the evaluation of "
               "the applications")
    found = [Hold(reason=reason, eurocluster_id=a.application.call.eurocluster_id,
                  since=a.declared_at)
             for a in _declared(user).select_related("application__call")]
    found += [Hold(reason=reason, eurocluster_id=e.call.eurocluster_id,
                   since=e.declaration_accepted_at)
              for e in CallEvaluator.objects.filter(user=user,
                                                    declaration_accepted_at__isnull=False)
              .select_related("call")]
    return found


def erase(user) -> None:
    """The profile, the assignments never declared and the invitations with nothing declared
    go; the rest is held."""
    EvaluatorProfile.objects.filter(user=user).delete()
    Assignment.objects.filter(evaluator__user=user, declared_at__isnull=True).delete()
    CallEvaluator.objects.filter(user=user, declaration_accepted_at__isnull=True,
                                 assignments__isnull=True).delete()


def purge(user) -> None:
    """The evaluator's held assignments and reviews (scores go with them), the invitations, and
    the redress requests of the person's applications (they protect the applications, which
    applications deletes next)."""
    Review.objects.filter(assignment__evaluator__user=user).delete()
    Assignment.objects.filter(evaluator__user=user).delete()
    CallEvaluator.objects.filter(user=user).delete()
    own = Application.objects.filter(Q(organisation__user=user) | Q(created_by=user))
    RedressRequest.objects.filter(Q(application__in=own) | Q(filed_by=user)).delete()
