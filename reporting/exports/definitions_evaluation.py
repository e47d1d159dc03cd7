"""The exports of a call's evaluation pages, for its Eurocluster's managers (``?call=<pk>``):

- ``evaluators``: the pool (its page): each person invited, the answer, the call's declaration
  signed or not, the conflict-of-interest declarations made and the live load;
- ``assignments``: who evaluates which proposal (the assignment page: live assignments and
  declared conflicts, or ``?status=``), with the review's deadline and submission;
- ``redress``: the redress requests on the call (the ranking page lists the open ones), with the
  days left to answer an open one and the days taken to answer a decided one.
"""

import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation.models import Assignment, CallEvaluator, RedressRequest
from evaluation.selectors.pool import ASSIGNMENT_STATUSES
from portal.formats import BRUSSELS
from reporting.exports.definitions import _user, reference
from reporting.exports.registry import Scope, choice, manager_export
from reporting.exports.writers import DATETIME, NUMBER, Column, yes_no


def _days(start: datetime.datetime, end: datetime.datetime) -> int:
    """Calendar days from ``start`` to ``end`` in Brussels (what a person counts)."""
    return (end.astimezone(BRUSSELS).date() - start.astimezone(BRUSSELS).date()).days


# --- the pool -----------------------------------------------------------------------------------

def evaluator_rows(scope: Scope):
    rows = (CallEvaluator.objects
            .select_related("call", "user__evaluator_profile", "invited_by")
            .annotate(load=Count("assignments", filter=Q(assignments__status__in=Assignment.LIVE)),
                      declared=Count("assignments", filter=Q(
                          assignments__declared_at__isnull=False)))
            .order_by("user__full_name", "user__email", "pk"))
    if "status" in scope.filters:
        rows = rows.filter(status=scope.filters["status"])
    return scope.scoped(rows, "call__eurocluster_id", "call_id")


def _profile(entry: CallEvaluator):
    return getattr(entry.user, "evaluator_profile", None)


manager_export("evaluators", _("Evaluators"), rows=evaluator_rows,
               filters={"status": choice(CallEvaluator.Status)}, columns=[
    Column(_("Call"), lambda e: e.call.reference, width=22),
    Column(_("Evaluator"), lambda e: _user(e.user), width=24),
    Column(_("E-mail"), lambda e: e.user.email, width=30),
    Column(_("Organisation"), lambda e: _profile(e).organisation if _profile(e) else "",
           width=30),
    Column(_("Country"), lambda e: str(_profile(e).country) if _profile(e) else "", width=8),
    Column(_("Invitation"), lambda e: e.get_status_display()),
    Column(_("Invited at (Brussels)"), lambda e: e.invited_at, DATETIME),
    Column(_("Answered at (Brussels)"), lambda e: e.responded_at, DATETIME),
    Column(_("Call's declaration signed"), lambda e: yes_no(e.declaration_accepted_at
                                                            is not None)),
    Column(_("Declaration signed at (Brussels)"), lambda e: e.declaration_accepted_at, DATETIME),
    Column(_("Conflict-of-interest declarations"), lambda e: e.declared, NUMBER),
    Column(_("Proposals assigned"), lambda e: e.load, NUMBER),
    Column(_("Rapporteur"), lambda e: yes_no(e.is_rapporteur)),
])


# --- the assignments ----------------------------------------------------------------------------

SHOWN = (*Assignment.LIVE, Assignment.Status.CONFLICT)  # as the assignment page


def assignment_rows(scope: Scope):
    rows = (Assignment.objects
            .filter(application__status__in=ASSIGNMENT_STATUSES)
            .select_related("application__call", "application__organisation",
                            "evaluator__user", "review")
            .order_by("application_id", "pk"))
    status = scope.filters.get("status")
    rows = rows.filter(status=status) if status else rows.filter(status__in=SHOWN)
    return scope.scoped(rows, "application__call__eurocluster_id", "application__call_id")


def _review(assignment: Assignment):
    return getattr(assignment, "review", None)


manager_export("assignments", _("Assignments"), rows=assignment_rows,
               filters={"status": choice(Assignment.Status)}, columns=[
    Column(_("Reference"), lambda a: reference(a.application.call.reference, a.application_id),
           width=22),
    Column(_("Acronym"), lambda a: a.application.acronym),
    Column(_("Enterprise"), lambda a: a.application.organisation.legal_name, width=30),
    Column(_("Evaluator"), lambda a: _user(a.evaluator.user), width=24),
    Column(_("Status"), lambda a: a.get_status_display(), width=30),
    Column(_("Assigned by"), lambda a: a.get_source_display()),
    Column(_("Declared at (Brussels)"), lambda a: a.declared_at, DATETIME),
    Column(_("Due (Brussels)"), lambda a: a.application.call.evaluation_deadline, DATETIME),
    Column(_("Review submitted at (Brussels)"),
           lambda a: _review(a).submitted_at if _review(a) else None, DATETIME),
])


# --- redress ------------------------------------------------------------------------------------

def redress_rows(scope: Scope):
    rows = (RedressRequest.objects
            .select_related("application__call", "application__organisation", "decided_by")
            .order_by("filed_at", "pk"))
    if "status" in scope.filters:
        rows = rows.filter(status=scope.filters["status"])
    return scope.scoped(rows, "application__call__eurocluster_id", "application__call_id")


def days_left(redress: RedressRequest, now: datetime.datetime | None = None) -> int | None:
    """Days left to answer an open request, as the dashboard counts them (negative: late)."""
    if redress.status != RedressRequest.Status.FILED:
        return None
    deadline = redress.filed_at + datetime.timedelta(days=redress.application.call.redress_days)
    return _days(now or timezone.now(), deadline)


def days_taken(redress: RedressRequest) -> int | None:
    return None if redress.decided_at is None else _days(redress.filed_at, redress.decided_at)


manager_export("redress", _("Redress requests"), rows=redress_rows,
               filters={"status": choice(RedressRequest.Status)}, columns=[
    Column(_("Reference"), lambda r: reference(r.application.call.reference, r.application_id),
           width=22),
    Column(_("Acronym"), lambda r: r.application.acronym),
    Column(_("Enterprise"), lambda r: r.application.organisation.legal_name, width=30),
    Column(_("Filed at (Brussels)"), lambda r: r.filed_at, DATETIME),
    Column(_("Status"), lambda r: r.get_status_display(), width=22),
    Column(_("Decision"), lambda r: r.answer, width=40),
    Column(_("Decided by"), lambda r: _user(r.decided_by), width=24),
    Column(_("Decided at (Brussels)"), lambda r: r.decided_at, DATETIME),
    Column(_("Days left to answer"), days_left, NUMBER),
    Column(_("Answered in (days)"), days_taken, NUMBER),
])
