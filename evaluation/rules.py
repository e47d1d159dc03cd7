"""Who may do what in evaluation (django-rules). Objects carry ``scope_eurocluster_id``.

Managers act on calls and applications of their own Eurocluster. An evaluator sees a call only
as an accepted member of its pool, anything of it only after the call's declaration, and an
application only through an assignment whose conflict-of-interest declaration says "no conflict".
"""

import rules

from calls.models import OpenCall
from euroclusters.rules import is_admin, is_manager
from evaluation.models import Assignment, CallEvaluator


def _call_id(obj) -> int | None:
    """The call of a call, application, assignment or pool member (None for anything else)."""
    if isinstance(obj, OpenCall):
        return obj.pk
    if isinstance(obj, Assignment):
        return obj.application.call_id
    return getattr(obj, "call_id", None)


def pool_entry(user, call_id: int) -> CallEvaluator | None:
    """The user's accepted pool entry for the call, cached on the user for the request."""
    if not user.is_authenticated or call_id is None:
        return None
    cache = getattr(user, "_pool_entries", None)
    if cache is None:
        cache = {}
        user._pool_entries = cache
    if call_id not in cache:
        cache[call_id] = CallEvaluator.objects.filter(
            user=user, call_id=call_id, status=CallEvaluator.Status.ACCEPTED
        ).first()
    return cache[call_id]


@rules.predicate
def is_pool_evaluator(user, obj) -> bool:
    """An accepted evaluator of the call (of the object's call)."""
    return pool_entry(user, _call_id(obj)) is not None


@rules.predicate
def has_call_declaration(user, obj) -> bool:
    """The evaluator accepted the call's confidentiality and impartiality declaration."""
    entry = pool_entry(user, _call_id(obj))
    return entry is not None and entry.declaration_accepted_at is not None


@rules.predicate
def is_assignee(user, assignment) -> bool:
    """The assignment is the user's own, and still live (not removed, no conflict)."""
    return (
        isinstance(assignment, Assignment)
        and user.is_authenticated
        and assignment.evaluator.user_id == user.pk
        and assignment.status in Assignment.LIVE
    )


@rules.predicate
def is_cleared(user, assignment) -> bool:
    """The assignee declared no conflict of interest: the proposal may be opened."""
    return isinstance(assignment, Assignment) and assignment.is_cleared


@rules.predicate
def is_rapporteur(user, obj) -> bool:
    entry = pool_entry(user, _call_id(obj))
    return entry is not None and entry.is_rapporteur


manages = is_manager | is_admin

# Managers: the pool, assignment runs and manual changes, reviews overview, consensus,
# ranking approval and publication, redress decisions, for their own Eurocluster's calls.
rules.add_perm("evaluation.manage_evaluation", manages)
# An evaluator: answer an invitation is by token; the rest needs the pool and the declaration.
rules.add_perm("evaluation.evaluate_call", is_pool_evaluator)
rules.add_perm("evaluation.view_call_work", is_pool_evaluator & has_call_declaration)
# The conflict-of-interest declaration of one assignment (before anything of the proposal).
rules.add_perm("evaluation.declare_conflict", is_assignee & has_call_declaration)
# Open the proposal, its attachments, and write the review: only after declaring no conflict.
rules.add_perm("evaluation.review_assignment", is_assignee & has_call_declaration & is_cleared)
# Consensus: the manager, or a rapporteur evaluator of the call with the declaration signed.
rules.add_perm("evaluation.record_consensus",
               manages | (is_rapporteur & has_call_declaration))
# Evaluators' names beside their reviews: only the managers. Evaluators (a rapporteur too) see
# "Evaluator n": they are independent, and a name invites deference.
rules.add_perm("evaluation.see_evaluator_names", manages)

# The admin is read-only: services change, the admin shows.
for _model in ("evaluatorprofile", "callevaluator", "assignmentrun", "assignment", "review",
               "score", "consensus", "consensusscore", "ranking", "rankingentry",
               "redressrequest"):
    rules.add_perm(f"evaluation.view_{_model}", manages)
    for _verb in ("add", "change", "delete"):
        rules.add_perm(f"evaluation.{_verb}_{_model}", rules.always_deny)
