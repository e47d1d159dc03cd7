"""Manual changes to the assignment (``assignment_add``, ``assignment_remove``,
``assignment_swap``), and what the solver runs (``evaluation.services.assignment_runs``) share
with them: the refusals, when a call can be assigned, and the e-mail to evaluators with new
proposals.

Manual changes enforce the exclusions of ``evaluation.conflicts`` and the evaluator's maximum load
(``evaluation.selectors.assignment.load_bounds``). Every creation and removal is in the audit
trail.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications.models import Application
from applications.transitions import application_transition
from calls.models import OpenCall
from calls.transitions import call_transition
from evaluation.conflicts import affinity, exclusion_reasons
from evaluation.models import Assignment, CallEvaluator
from evaluation.selectors.assignment import (
    OPEN_FOR_ASSIGNMENT,
    evaluator_name,
    evaluator_profile,
    load_bounds,
)
from evaluation.services.transitions import assignment_transition
from portal.audit import audit_record
from portal.errors import DomainError
from portal.notifications import notify
from portal.site import site_url


class AssignmentRefused(DomainError):
    pass


class RunBusy(AssignmentRefused):
    pass


def check_call_can_be_assigned(call: OpenCall, now=None) -> None:
    """Raise AssignmentRefused unless the call's deadline has passed and the call is closed or
    in evaluation."""
    now = now or timezone.now()
    if call.closes_at > now:
        raise AssignmentRefused(_("The call's deadline has not passed yet: evaluators are "
                                  "assigned once it is closed."))
    if call.status not in (OpenCall.Status.CLOSED, OpenCall.Status.EVALUATION):
        raise AssignmentRefused(
            _("Evaluators can only be assigned while the call is closed or in evaluation "
              "(it is “%(status)s”).") % {"status": call.get_status_display()})


def mail_new_assignments(call: OpenCall, evaluator_ids: list[int],
                         evaluators: dict[int, CallEvaluator]) -> None:
    """One e-mail per evaluator who got new proposals, saying how many (after commit)."""
    try:
        queue_url = reverse("evaluation:queue")
    except NoReverseMatch:  # the evaluator's pages are not mounted (e.g. a trimmed test setup)
        queue_url = "/"
    for evaluator_id, count in sorted(Counter(evaluator_ids).items()):
        evaluator = evaluators.get(evaluator_id)
        if evaluator is None:
            evaluator = CallEvaluator.objects.select_related("user").get(pk=evaluator_id)
        notify(recipient=evaluator.user, kind="evaluation.pool_assigned", context={
            "call": call, "user": evaluator.user, "count": count,
            "site_url": site_url(), "queue_url": queue_url,
        }, link=queue_url)


# --- manual changes --------------------------------------------------------------------------


def _check_add(application: Application, call_evaluator: CallEvaluator) -> None:
    if call_evaluator.call_id != application.call_id:
        raise AssignmentRefused(_("This evaluator is not in the pool of the proposal's call."))
    if call_evaluator.status != CallEvaluator.Status.ACCEPTED:
        raise AssignmentRefused(_("%(name)s has not accepted the invitation to this call.")
                                % {"name": evaluator_name(call_evaluator)})
    if application.status not in OPEN_FOR_ASSIGNMENT:
        raise AssignmentRefused(
            _("Evaluators can be changed only while the proposal is eligible or under "
              "evaluation (it is “%(status)s”).") % {"status": application.get_status_display()})
    check_call_can_be_assigned(application.call)
    reasons = exclusion_reasons(application=application, call_evaluator=call_evaluator)
    if reasons:
        raise AssignmentRefused(
            _("%(name)s cannot evaluate this proposal: %(reasons)s")
            % {"name": evaluator_name(call_evaluator), "reasons": " ".join(reasons)},
            details=reasons)
    _minimum, maximum = load_bounds(application.call, call_evaluator)
    load = Assignment.objects.filter(evaluator=call_evaluator,
                                     status__in=Assignment.LIVE).count()
    if load >= maximum:
        raise AssignmentRefused(
            ngettext("%(name)s already has %(load)d proposal, the most allowed in this call.",
                     "%(name)s already has %(load)d proposals, the most allowed in this call.",
                     load) % {"name": evaluator_name(call_evaluator), "load": load})


@transaction.atomic
def assignment_add(*, application: Application, call_evaluator: CallEvaluator, by: Any,
                   reason: str = "") -> Assignment:
    """Assign an evaluator by hand. Raises AssignmentRefused when an exclusion applies, the
    evaluator is at their maximum load, is already assigned, or the proposal or call is not in
    evaluation. Moves an eligible proposal to under evaluation and a closed call to evaluation.
    Audited; queues an e-mail to the evaluator on commit."""
    application = Application.objects.select_for_update().select_related("call").get(
        pk=application.pk)
    # of=self: the profile is an outer join, which PostgreSQL cannot lock (nor need we).
    call_evaluator = (CallEvaluator.objects.select_for_update(of=("self",))
                      .select_related("user__evaluator_profile").get(pk=call_evaluator.pk))
    existing = Assignment.objects.filter(application=application,
                                         evaluator=call_evaluator).first()
    if existing is not None and existing.status in Assignment.LIVE:
        raise AssignmentRefused(_("%(name)s is already assigned to this proposal.")
                                % {"name": evaluator_name(call_evaluator)})
    _check_add(application, call_evaluator)
    if existing is not None:  # removed before: put back
        assignment = assignment_transition(
            assignment=existing, to=Assignment.Status.ASSIGNED, by=by,
            reason=reason or _("added back by a manager"),
            extra={"source": Assignment.Source.MANUAL, "run": None, "declared_at": None})
    else:
        profile = evaluator_profile(call_evaluator)
        assignment = Assignment.objects.create(
            application=application, evaluator=call_evaluator, source=Assignment.Source.MANUAL,
            status=Assignment.Status.ASSIGNED, created_by=by,
            affinity=affinity(application.topics, profile.expertise if profile else []))
        audit_record(subject=assignment, action="assignment.create", actor=by, reason=reason,
                     data={"source": "manual", "affinity": assignment.affinity})
    if application.status == Application.Status.ELIGIBLE:
        application_transition(application=application, to=Application.Status.UNDER_EVALUATION,
                               by=by, reason=_("evaluator assigned"))
    if application.call.status == OpenCall.Status.CLOSED:
        call_transition(call=application.call, to=OpenCall.Status.EVALUATION, by=by,
                        reason=_("evaluator assigned"))
    mail_new_assignments(application.call, [call_evaluator.pk],
                          {call_evaluator.pk: call_evaluator})
    return assignment


@transaction.atomic
def assignment_remove(*, assignment: Assignment, by: Any, reason: str) -> Assignment:
    """Take an evaluator off a proposal (status removed, audited). Refuses a submitted review's
    assignment and a declared conflict (AssignmentRefused); repeating is a no-op. Does not fill
    the gap: the manager adds someone or runs a fill."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status == Assignment.Status.REMOVED:
        return assignment
    if assignment.status == Assignment.Status.SUBMITTED:
        raise AssignmentRefused(_("This evaluator has submitted the review: it cannot be "
                                  "removed. Reopen the review first if it must be redone."))
    if assignment.status == Assignment.Status.CONFLICT:
        raise AssignmentRefused(_("This evaluator declared a conflict of interest: the "
                                  "assignment stays on record and counts for nothing."))
    return assignment_transition(assignment=assignment, to=Assignment.Status.REMOVED, by=by,
                                 reason=reason or _("removed by a manager"))


@transaction.atomic
def assignment_swap(*, assignment: Assignment, call_evaluator: CallEvaluator, by: Any,
                    reason: str) -> Assignment:
    """Replace the assignment's evaluator by ``call_evaluator``: the old one is removed, the new
    one added, with every check of ``assignment_remove`` and ``assignment_add``; all or nothing.
    Returns the new assignment."""
    if assignment.evaluator_id == call_evaluator.pk:
        raise AssignmentRefused(_("Choose another evaluator than the one already assigned."))
    removed = assignment_remove(assignment=assignment, by=by, reason=reason or _("swapped"))
    return assignment_add(application=removed.application, call_evaluator=call_evaluator, by=by,
                          reason=reason or _("swapped"))


