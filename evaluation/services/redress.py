"""Redress: the applicant contests a rejection, a reserve place or an ineligibility within the
call's window; the manager upholds it (the case is examined again) or dismisses it, in writing.
"""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.eligibility_services import eligibility_decide
from applications.models import Application, EligibilityResult
from applications.transitions import application_transition
from evaluation.models import Consensus, Ranking, RankingEntry, RedressRequest
from evaluation.selectors.results import call_managers, redress_refusal
from evaluation.services.ranking import reserve_list_close_up
from evaluation.services.transitions import consensus_transition, redress_transition
from portal.audit import audit_record
from portal.errors import DomainError, InvalidTransition
from portal.notifications import notify, notify_each
from portal.queue import enqueue_on_commit
from portal.site import site_url

MIN_REASONS = 50
MIN_ANSWER = 20


@transaction.atomic
def redress_file(*, application: Application, by: Any, reasons: str,
                 now: datetime | None = None) -> RedressRequest:
    """File a redress request with the applicant's reasons (at least 50 characters).

    Only the applicant (the lead enterprise's user), for a rejected or reserve application
    within the call's window after the results, or an ineligible one within the window after
    the eligibility results (its last day counts whole, Brussels time; ``now`` defaults to the
    clock); one open request per application. Raises DomainError. Audited as
    ``redress_filed``; queues an e-mail to the managers of the call's Eurocluster.
    """
    application = (Application.objects.select_for_update(of=("self",))
                   .select_related("call", "organisation").get(pk=application.pk))
    refusal = redress_refusal(application=application, user=by, now=now)
    if refusal:
        raise DomainError(refusal)
    reasons = (reasons or "").strip()
    if len(reasons) < MIN_REASONS:
        raise DomainError(_("Explain your reasons in at least %(n)d characters (you wrote "
                            "%(m)d).") % {"n": MIN_REASONS, "m": len(reasons)})
    try:
        with transaction.atomic():
            redress = RedressRequest.objects.create(application=application, filed_by=by,
                                                    reasons=reasons)
    except IntegrityError:
        # A double click: the other request made it.
        raise DomainError(_("Your redress request on this application is still open; you will "
                            "receive the answer by e-mail.")) from None
    audit_record(subject=application, action="redress_filed", actor=by, reason=reasons,
                 data={"redress": redress.pk, "status": application.status})
    notify_each(recipients=call_managers(application.call), kind="evaluation.redress_filed",
                context={"redress": redress, "application": application,
                         "call": application.call, "site_url": site_url()},
                link=reverse("evaluation:manage_redress", kwargs={"pk": redress.pk}))
    return redress


def _reexamine_evaluation(application: Application, by: Any, answer: str) -> str:
    """Back to evaluation, the consensus to draft. A reserve leaves the reserve list while it
    is examined again (the others close up: 1, 2, …); it gets its place back, possibly a better
    one, when ``ranking_place_reexamined`` places it."""
    reason = _("redress upheld: re-examination")
    was_reserve = application.status == Application.Status.RESERVE
    ranking = None
    if was_reserve:
        # The same lock as the reserve list moving up and the placing of re-examined ones.
        ranking = (Ranking.objects.select_for_update()
                   .filter(call_id=application.call_id).first())
    try:
        application_transition(application=application,
                               to=Application.Status.UNDER_EVALUATION, by=by,
                               reason=reason)
    except InvalidTransition:
        raise DomainError(_("An application at the stage “%(status)s” cannot go back to "
                            "evaluation.") % {"status": application.get_status_display()}
                          ) from None
    consensus = Consensus.objects.filter(application=application).first()
    if consensus is not None and consensus.status == Consensus.Status.FINAL:
        consensus_transition(consensus=consensus, to=Consensus.Status.DRAFT, by=by,
                             reason=reason)
    entry = RankingEntry.objects.filter(application=application).first()
    if entry is not None:
        entry.note = " ".join(filter(None, [entry.note, _(
            "Redress upheld on %(date)s: under re-examination.")
            % {"date": timezone.localdate().strftime("%Y-%m-%d")}]))
        entry.reserve_position = None
        entry.save(update_fields=["note", "reserve_position"])
    if ranking is not None:
        reserve_list_close_up(ranking.entries.filter(application__status=Application.Status.RESERVE)
                              .order_by("reserve_position", "rank", "pk"))
    return "re_evaluation"


def _reexamine_eligibility(application: Application, by: Any, answer: str) -> str:
    result = (EligibilityResult.objects.filter(version__application=application)
              .order_by("-version__number").first())
    if result is None:
        raise DomainError(_("This application has no eligibility result to re-examine."))
    # The manager's answer is the justification of the new decision (in the audit trail).
    eligibility_decide(result=result, outcome=EligibilityResult.Outcome.ELIGIBLE,
                       justification=answer, by=by)
    # The call's evaluators take the application on (the pool helper's fill).
    enqueue_on_commit("evaluation.fill_assignments", call_id=application.call_id)
    return "eligible"


@transaction.atomic
def redress_decide(*, redress: RedressRequest, by: Any, uphold: bool,
                   answer: str) -> RedressRequest:
    """The manager's written decision on a filed redress request (answer ≥ 20 characters).

    Upheld on a rejected (or reserve) application: the application goes back to evaluation and
    its consensus back to draft, for re-examination (a reserve leaves the reserve list, the
    others close up); ``ranking_place_reexamined`` places it once its new consensus is final.
    Upheld on an ineligible one: the
    eligibility is decided again as eligible (``eligibility_decide``, the answer as
    justification) and evaluators are sought. Dismissed: nothing changes. Raises DomainError.
    Audited as ``redress_upheld`` or ``redress_dismissed``; queues the answer to the applicant.
    """
    redress = (RedressRequest.objects.select_for_update(of=("self",))
               .select_related("application__call", "application__organisation__user")
               .get(pk=redress.pk))
    if redress.status != RedressRequest.Status.FILED:
        raise DomainError(_("This redress request was already decided."))
    answer = (answer or "").strip()
    if len(answer) < MIN_ANSWER:
        raise DomainError(_("Write an answer of at least %(n)d characters: the applicant "
                            "receives it.") % {"n": MIN_ANSWER})
    application = redress.application
    effect = ""
    if uphold:
        if application.status in (Application.Status.REJECTED, Application.Status.RESERVE):
            effect = _reexamine_evaluation(application, by, answer)
        elif application.status == Application.Status.INELIGIBLE:
            effect = _reexamine_eligibility(application, by, answer)
        else:
            raise DomainError(_("The application is now at the stage “%(status)s”; it can no "
                                "longer be re-examined.")
                              % {"status": application.get_status_display()})
    to = RedressRequest.Status.UPHELD if uphold else RedressRequest.Status.DISMISSED
    redress = redress_transition(redress=redress, to=to, by=by, reason=answer,
                                 extra={"answer": answer, "decided_by": by,
                                        "decided_at": timezone.now()})
    audit_record(subject=application, action="redress_upheld" if uphold else "redress_dismissed",
                 actor=by, reason=answer, data={"redress": redress.pk, "effect": effect})
    notify(recipient=application.organisation.user, kind="evaluation.redress_decided",
           context={"redress": redress, "application": application,
                    "call": application.call, "upheld": uphold, "effect": effect,
                    "site_url": site_url()},
           link=reverse("applications:detail", kwargs={"pk": application.pk}))
    return redress
