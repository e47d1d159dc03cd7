"""Every write of the eligibility engine: run the checks, decide, override, release, sweep.

The result of a version lives in ``EligibilityResult``; the application's status follows the
result of its current version through ``application_transition``, the one door of that state
machine. Applicants learn an outcome only once it is released (by a manager, for the whole call,
or at once when the call says so), by e-mail and on their application page.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.eligibility import Outcome, overall, run
from applications.eligibility_facts import eligibility_facts, other_proposals
from applications.models import Application, ApplicationVersion, EligibilityResult
from applications.selectors import current_results, current_version_pk, is_current_version
from applications.transitions import application_transition
from calls.models import OpenCall
from portal.audit import audit_record
from portal.errors import DomainError
from portal.notifications import notify
from portal.prepared import PreparedRead
from portal.queue import enqueue_on_commit
from portal.site import site_url

logger = logging.getLogger(__name__)

# The application status that goes with the outcome of its current version.
STATUS_FOR = {
    EligibilityResult.Outcome.PENDING: Application.Status.SUBMITTED,
    EligibilityResult.Outcome.NEEDS_REVIEW: Application.Status.SUBMITTED,
    EligibilityResult.Outcome.ELIGIBLE: Application.Status.ELIGIBLE,
    EligibilityResult.Outcome.INELIGIBLE: Application.Status.INELIGIBLE,
}

MIN_JUSTIFICATION = 20
CHECK_TASK = "applications.check_eligibility"


def _follow(result: EligibilityResult, *, by: Any, reason: str) -> None:
    """Bring the application's status in line with ``result`` when it is about the current
    version, and tell the applicant when the outcome is final and released.

    ``result.version.application`` comes with its call loaded. The caller's transaction fails as
    a whole on any error, so the transition needs no savepoint of its own.
    """
    version = result.version
    application = version.application
    if not is_current_version(version):
        return  # A newer version was submitted: its own check decides.
    if application.status not in Application.IN_ELIGIBILITY:
        return
    # The transition locks and reads the row again; the row it returns has no call loaded, and
    # the mail needs this one's.
    application.status = application_transition(
        application=application, to=STATUS_FOR[result.outcome], by=by, reason=reason,
        savepoint=False).status
    _notify(result, application)


def _notify(result: EligibilityResult, application: Application) -> None:
    """E-mail the applicant a released final outcome they have not been told yet."""
    call = application.call
    if (result.outcome not in EligibilityResult.FINAL or not call.eligibility_released
            or result.notified_outcome == result.outcome):
        return
    result.notified_outcome = result.outcome
    result.save(update_fields=["notified_outcome", "updated_at"])
    notify(recipient=application.organisation.user, kind="applications.eligibility_result",
           context={"application": application, "call": call, "result": result,
                    "failures": result.failures(), "site_url": site_url()},
           link=reverse("applications:detail", kwargs={"pk": application.pk}))


# What a check reads besides the whole result row: the version's declarations, and what the
# rules, the transition, the audit line and the mail need of the application and the call. The
# rest (the proposal's text, the call's pages and evaluation settings) stays unread, and so does
# the enterprise's user, whom only a mail needs.
CHECKED_FIELDS = (
    "version__application", "version__number", "version__submitted_at", "version__content",
    "version__application__call", "version__application__organisation",
    "version__application__status", "version__application__title",
    "version__application__call__eurocluster", "version__application__call__reference",
    "version__application__call__title", "version__application__call__eligibility_rules",
    "version__application__call__eligible_countries",
    "version__application__call__de_minimis_ceiling",
    "version__application__call__max_support_per_third_party",
    "version__application__call__allow_partner_in_several_proposals",
    "version__application__call__eligibility_results_immediate",
    "version__application__call__eligibility_released_at",
)


# The result of a version, locked (its row only), with what the check reads loaded: the version
# and its application with the call. Its SQL is compiled once per process (portal.prepared):
# the worker checks every submission of the deadline rush.
_LOCKED_RESULT = PreparedRead(
    lambda version_id: EligibilityResult.objects.select_for_update(of=("self",))
    .select_related("version__application__call")
    .only(*(field.name for field in EligibilityResult._meta.concrete_fields), *CHECKED_FIELDS)
    .filter(version_id=version_id), "version_id")


def _locked_result(version_id: int) -> EligibilityResult | None:
    return _LOCKED_RESULT.first(version_id=version_id)


@transaction.atomic
def eligibility_check(*, version_id: int, recheck: bool = False) -> EligibilityResult | None:
    """Run the call's rules on a submitted version and record one result for it. Idempotent.

    Locks the version's result: when the checks already ran and ``recheck`` is false, the stored
    result is returned unchanged, so a task delivered twice gives one result. A manager's
    decision stands over a re-check. Moves the application to eligible, ineligible or (to wait
    for a manager) submitted when the version is the current one; queues the outcome e-mail when
    released, and a re-check of older proposals of the call that share an enterprise with this
    one (the later proposal counts). Returns None when the version does not exist.
    """
    result = _locked_result(version_id)
    if result is None:
        if not ApplicationVersion.objects.filter(pk=version_id).exists():
            logger.info("eligibility check: version %s does not exist", version_id)
            return None
        # Submission creates the result row; create it only if it is somehow missing.
        EligibilityResult.objects.get_or_create(version_id=version_id)
        result = _locked_result(version_id)
    version = result.version
    if result.checked_at is not None and not recheck:
        return result
    facts = eligibility_facts(version)
    checks = run(facts)
    automatic = overall(checks).value
    result.checks = [check.as_dict() for check in checks]
    result.failed_rules = sorted({c.rule for c in checks if c.outcome is Outcome.FAIL})
    result.automatic_outcome = automatic
    result.checked_at = timezone.now()
    if not result.is_decided:
        result.outcome = automatic
    result.save(update_fields=["checks", "failed_rules", "automatic_outcome", "checked_at",
                               "outcome", "updated_at"])
    audit_record(subject=version.application, action="eligibility_checked",
                 data={"version": version.number, "outcome": automatic,
                       "failed_rules": result.failed_rules})
    _follow(result, by=None, reason=_("eligibility check of version %(n)d")
            % {"n": version.number})
    # A first check re-checks every older proposal it shares an enterprise with; a re-check
    # queues none: what an older proposal's rules read of its others (their enterprises and
    # when they were submitted) did not change, and a chain of re-checks re-checking grows as
    # 2^n with n proposals of one enterprise (thousands of tasks in a call of 5,000).
    if not recheck:
        for other in facts.other_proposals:
            if other.submitted_at < version.submitted_at:
                enqueue_on_commit(CHECK_TASK, version_id=other.version_id, recheck=True)
    return result


@transaction.atomic
def eligibility_decide(*, result: EligibilityResult, outcome: str, justification: str,
                       by: Any) -> EligibilityResult:
    """A manager's decision on a result: settles a case needing review, or overrides the rules.

    Needs a written justification. Only the current version of an application that has not
    entered evaluation can be decided. Audited; moves the application's status; queues the
    e-mail when results are released. Raises DomainError.
    """
    result = (EligibilityResult.objects.select_for_update(of=("self",))
              .select_related("version__application__call",
                              "version__application__organisation__user").get(pk=result.pk))
    if outcome not in EligibilityResult.FINAL:
        raise DomainError(_("Choose “eligible” or “not eligible”."))
    justification = (justification or "").strip()
    if len(justification) < MIN_JUSTIFICATION:
        raise DomainError(_("Write a justification of at least %(n)d characters: it is kept in "
                            "the audit trail and may be read in a redress procedure.")
                          % {"n": MIN_JUSTIFICATION})
    application = result.version.application
    if not is_current_version(result.version):
        raise DomainError(_("A newer version of this application was submitted; decide on "
                            "that one."))
    if application.status not in Application.IN_ELIGIBILITY:
        raise DomainError(_("This application is at the stage “%(status)s”: its eligibility "
                            "can no longer be changed here.")
                          % {"status": application.get_status_display()})
    if result.checked_at is None:
        raise DomainError(_("The automatic checks have not run yet; try again in a minute."))
    previous = result.outcome
    kind = ("eligibility_decided"
            if result.automatic_outcome == EligibilityResult.Outcome.NEEDS_REVIEW
            and not result.is_decided else "eligibility_overridden")
    result.outcome = outcome
    result.decided_by = by
    result.decided_at = timezone.now()
    result.justification = justification
    result.save()
    audit_record(subject=application, action=kind, actor=by, from_state=previous,
                 to_state=outcome, reason=justification,
                 data={"version": result.version.number,
                       "automatic_outcome": result.automatic_outcome})
    _follow(result, by=by, reason=justification)
    return result


def eligibility_recheck_related(*, application: Application) -> int:
    """Queue a re-check of the other proposals of the call that share an enterprise with
    ``application``, after it left the call: "the later proposal counts" may now pick another.
    Returns how many were queued."""
    identifiers = {application.organisation.registration_number,
                   *application.members.values_list("registration_number", flat=True)}
    others = other_proposals(application, identifiers)
    for other in others:
        enqueue_on_commit(CHECK_TASK, version_id=other.version_id, recheck=True)
    return len(others)


@transaction.atomic
def eligibility_release(*, call: OpenCall, by: Any) -> int:
    """Release the call's eligibility results to the applicants; returns the e-mails queued.

    Allowed after the deadline, once every submitted application has a final outcome. A second
    release changes nothing but tells anyone not yet told. Audited. Raises DomainError.
    """
    call = OpenCall.objects.select_for_update().get(pk=call.pk)
    if timezone.now() < call.closes_at:
        raise DomainError(_("Results can be released after the deadline: applicants may still "
                            "submit new versions until then."))
    results = list(current_results(call))
    open_cases = [r for r in results if r.outcome not in EligibilityResult.FINAL]
    if open_cases:
        raise DomainError(_("%(n)d application(s) still wait for the checks or for a decision; "
                            "decide them before releasing the results.") % {"n": len(open_cases)})
    if call.eligibility_released_at is None:
        call.eligibility_released_at = timezone.now()
        call.save(update_fields=["eligibility_released_at", "updated_at"])
        audit_record(subject=call, action="eligibility_released", actor=by,
                     data={"applications": len(results)})
    told = 0
    for result in results:
        application = result.version.application
        application.call = call
        if result.notified_outcome != result.outcome:
            _notify(result, application)
            told += 1
    return told


def eligibility_sweep(*, older_than: timedelta | None = None, limit: int = 500) -> int:
    """Queue again the check of every current version still without a result after a while.

    A broker outage or a killed worker loses the queued task, never the submission: the pending
    result in the database is found here (run by celery beat). Returns how many were queued.
    """
    if older_than is None:
        older_than = timedelta(seconds=settings.ELIGIBILITY_SWEEP_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    stale = list(
        ApplicationVersion.objects
        .filter(eligibility__checked_at__isnull=True, submitted_at__lt=cutoff,
                application__status__in=Application.IN_ELIGIBILITY, pk=current_version_pk())
        .order_by("submitted_at").values_list("pk", flat=True)[:limit]
    )
    for version_id in stale:
        enqueue_on_commit(CHECK_TASK, version_id=version_id)
    if stale:
        logger.info("eligibility sweep queued %d check(s)", len(stale))
    return len(stale)
