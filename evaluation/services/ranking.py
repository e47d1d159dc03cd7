"""Every write of the ranking: compute, approve, reopen, publish with the Evaluation Summary
Reports, the reserve list moving up, and an applicant declining the grant. Placing the
applications re-examined after an upheld redress is in ``evaluation.services.reexamination``.

The rules of the ranking itself (thresholds, tie-breaks, the budget) are in the pure module
``evaluation.ranking``; this module feeds it the call's data and stores what it decides.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application
from applications.services import application_withdraw
from applications.transitions import application_transition, application_transition_bulk
from calls.models import OpenCall
from calls.transitions import call_transition
from evaluation import ranking as pure
from evaluation.models import Consensus, Ranking, RankingEntry
from evaluation.selectors.results import (
    LOAD,
    call_rules,
    consensus_problem,
    criteria_of,
    esr,
    note_words,
    ranking_applications,
    ranking_candidate,
)
from evaluation.services.transitions import ranking_transition
from portal.audit import audit_record
from portal.errors import DomainError
from portal.notifications import notify, notify_many
from portal.site import site_url

logger = logging.getLogger(__name__)


class ConsensusMissing(DomainError):
    pass


PROBLEMS = {
    "none": gettext_lazy("no consensus recorded"),
    "draft": gettext_lazy("consensus still a draft"),
    "incomplete": gettext_lazy("consensus without a score for every criterion"),
}


def _plan(call: OpenCall) -> tuple[list[pure.Entry], dict[int, Application]]:
    """What the ranking of ``call`` is now, from the final consensus of every application under
    evaluation or evaluated. Raises ConsensusMissing naming each application not ready."""
    criteria = criteria_of(call)
    applications = ranking_applications(call)
    missing = []
    for application in applications:
        problem = consensus_problem(application, criteria)
        if problem is not None:
            missing.append(_("%(application)s: %(problem)s")
                           % {"application": application, "problem": PROBLEMS[problem]})
    if missing:
        raise ConsensusMissing(
            _("%(n)d application(s) have no final consensus yet; the ranking needs one for every "
              "application under evaluation.") % {"n": len(missing)}, details=missing)
    candidates = [ranking_candidate(a) for a in applications]
    return pure.rank(call_rules(call, criteria), candidates), {a.pk: a for a in applications}


def _row(entry) -> tuple:
    return (entry.application_id, entry.rank, entry.total, entry.amount, entry.outcome,
            entry.reserve_position)


def _is_stale(ranking: Ranking, call: OpenCall) -> bool:
    """Whether the stored entries differ from what the ranking would be now (a consensus
    changed, an application was withdrawn or finished evaluation, the budget moved)."""
    try:
        fresh, _applications = _plan(call)
    except ConsensusMissing:
        return True
    stored = sorted(_row(e) for e in ranking.entries.all())
    return stored != sorted(_row(e) for e in fresh)


def locked_ranking(call: OpenCall) -> Ranking | None:
    """The call's ranking row, locked: every change of the ranking, of the reserve list and of
    the placing after a redress takes this lock first."""
    return Ranking.objects.select_for_update().filter(call_id=call.pk).first()


@transaction.atomic
def ranking_compute(*, call: OpenCall, by: Any) -> Ranking:
    """Build (or rebuild) the draft ranking of ``call`` and its entries.

    Raises ConsensusMissing (each application without a final consensus is named) or
    DomainError when the ranking is approved (reopen it first) or published. Audited.
    """
    call = OpenCall.objects.select_for_update().get(pk=call.pk)
    ranking = locked_ranking(call)
    if ranking is not None and ranking.status == Ranking.Status.APPROVED:
        raise DomainError(_("The ranking is approved; reopen it before computing it again."))
    if ranking is not None and ranking.status == Ranking.Status.PUBLISHED:
        raise DomainError(_("The results of this call are published; the ranking can no longer "
                            "be computed again."))
    entries, _applications = _plan(call)
    if not entries:
        raise DomainError(_("No application of this call is under evaluation: there is nothing "
                            "to rank."))
    if ranking is None:
        ranking = Ranking.objects.create(call=call)
    ranking.entries.all().delete()
    RankingEntry.objects.bulk_create(
        RankingEntry(ranking=ranking, application_id=e.application_id, rank=e.rank,
                     total=e.total, amount=e.amount, outcome=e.outcome,
                     reserve_position=e.reserve_position, note=note_words(e))
        for e in entries)
    ranking.computed_at = timezone.now()
    ranking.save(update_fields=["computed_at"])
    counts = {outcome: sum(1 for e in entries if e.outcome == outcome)
              for outcome in RankingEntry.Outcome.values}
    audit_record(subject=ranking, action="ranking_computed", actor=by,
                 data={**counts, "budget": str(call.budget)})
    return ranking


@transaction.atomic
def ranking_approve(*, call: OpenCall, by: Any) -> Ranking:
    """The manager approves the draft ranking (draft → approved). Approving again changes
    nothing. Raises DomainError when it was not computed, is out of date, or is published.
    Audited as ``ranking_approved``."""
    ranking = locked_ranking(call)
    if ranking is None or ranking.computed_at is None:
        raise DomainError(_("Compute the ranking before approving it."))
    if ranking.status == Ranking.Status.APPROVED:
        return ranking
    if ranking.status == Ranking.Status.PUBLISHED:
        raise DomainError(_("The results of this call are already published."))
    if _is_stale(ranking, call):
        raise DomainError(_("The ranking is out of date: a consensus, an application or the "
                            "budget changed since it was computed. Compute it again, check it, "
                            "then approve it."))
    ranking = ranking_transition(ranking=ranking, to=Ranking.Status.APPROVED, by=by,
                                 extra={"approved_by": by, "approved_at": timezone.now()})
    audit_record(subject=ranking, action="ranking_approved", actor=by,
                 data={"entries": ranking.entries.count()})
    return ranking


@transaction.atomic
def ranking_reopen(*, call: OpenCall, by: Any, reason: str = "") -> Ranking:
    """Take an approved ranking back to draft (to compute it again). Raises DomainError when
    published or absent. Audited."""
    ranking = locked_ranking(call)
    if ranking is None:
        raise DomainError(_("This call has no ranking yet."))
    if ranking.status == Ranking.Status.DRAFT:
        return ranking
    if ranking.status == Ranking.Status.PUBLISHED:
        raise DomainError(_("The results of this call are published; the ranking can no longer "
                            "be reopened."))
    ranking = ranking_transition(ranking=ranking, to=Ranking.Status.DRAFT, by=by, reason=reason,
                                 extra={"approved_by": None, "approved_at": None})
    audit_record(subject=ranking, action="ranking_reopened", actor=by, reason=reason)
    return ranking


def _entries_for_mail(ranking: Ranking) -> list[RankingEntry]:
    return list(ranking.entries.select_related("application__organisation__user",
                                               "application__call", "ranking")
                .order_by("rank", "application_id"))


def _result_message(entry: RankingEntry, *, criteria=None, consensus=LOAD) -> tuple:
    """The applicant, the context and the link of the result notification of ``entry``."""
    application = entry.application
    report = esr(application, entry, criteria=criteria, consensus=consensus)
    return (application.organisation.user, {**report, "site_url": site_url()},
            reverse("evaluation:esr", kwargs={"pk": application.pk}))



@transaction.atomic
def ranking_publish(*, call: OpenCall, by: Any) -> Ranking:
    """Publish the approved ranking: each application moves to selected, reserve or rejected,
    the call to "results", and each applicant is e-mailed the Evaluation Summary Report (queued
    after commit). Publishing again changes nothing and sends nothing. Raises DomainError when
    not approved or out of date."""
    ranking = locked_ranking(call)
    if ranking is None or ranking.status == Ranking.Status.DRAFT:
        raise DomainError(_("Approve the ranking before publishing the results."))
    if ranking.status == Ranking.Status.PUBLISHED:
        return ranking
    if _is_stale(ranking, call):
        raise DomainError(_("The ranking is out of date: a consensus or an application changed "
                            "since it was approved. Reopen it, compute it again and approve it."))
    now = timezone.now()
    reason = _("results of the call published")
    # In bulk, whatever the size of the call: each application locked, checked and audited as
    # one by one, in a few queries per outcome rather than a few per application.
    outcomes = list(ranking.entries.values_list("application_id", "outcome",
                                                "application__status"))
    application_transition_bulk(
        application_ids=[pk for pk, _outcome, status in outcomes
                         if status == Application.Status.UNDER_EVALUATION],
        to=Application.Status.EVALUATED, by=by, reason=reason)
    for outcome in RankingEntry.Outcome.values:
        application_transition_bulk(
            application_ids=[pk for pk, entry_outcome, _status in outcomes
                             if entry_outcome == outcome],
            to=outcome, by=by, reason=reason)
    call_transition(call=call, to=OpenCall.Status.RESULTS, by=by, reason=reason)
    ranking = ranking_transition(ranking=ranking, to=Ranking.Status.PUBLISHED, by=by,
                                 extra={"published_at": now})
    audit_record(subject=ranking, action="ranking_published", actor=by,
                 data={"entries": len(outcomes)})
    # The reports, read after the moves (the applications in their new status), with the
    # call's criteria and every consensus loaded once.
    entries = _entries_for_mail(ranking)
    criteria = criteria_of(call)
    consensuses = {c.application_id: c for c in Consensus.objects.filter(
        application_id__in=[e.application_id for e in entries]).prefetch_related("scores")}
    messages = []
    for entry in entries:
        entry.ranking = ranking
        messages.append(_result_message(entry, criteria=criteria,
                                        consensus=consensuses.get(entry.application_id)))
    notify_many(kind="evaluation.result", messages=messages)
    return ranking


# --- the reserve list ---------------------------------------------------------------------------


@transaction.atomic
def reserve_promote(*, call: OpenCall, by: Any = None) -> list[Application]:
    """Move up the best reserves that fit the budget freed by selected applicants who withdrew
    or declined (see ``evaluation.ranking.promote``); e-mail each one. Returns the applications
    moved up.

    Nothing moves until a selected application has left: the money a strict ranking left over
    at publication is not "freed". Safe to run any number of times, and concurrently: the
    ranking row is locked, and a second run finds nothing more that fits.
    """
    ranking = locked_ranking(call)
    if ranking is None or ranking.status != Ranking.Status.PUBLISHED:
        return []
    entries = list(ranking.entries.select_related("application__organisation__user",
                                                  "application__call"))
    freed = [e for e in entries
             if e.outcome == RankingEntry.Outcome.SELECTED
             and e.application.status == Application.Status.WITHDRAWN]
    if not freed:
        return []
    call = OpenCall.objects.get(pk=call.pk)
    live = [e for e in entries if e.application.status in Application.FUNDED]
    reserves = sorted((e for e in entries if e.application.status == Application.Status.RESERVE),
                      key=lambda e: (e.reserve_position or 0, e.rank or 0))
    limits = dict(call.voucher_types.values_list("pk", "number_of_vouchers"))
    moved_ids = pure.promote(
        budget=call.budget, voucher_limits=limits,
        selected=[pure.Held(e.application_id, e.application.voucher_type_id, e.amount)
                  for e in live],
        reserve=[pure.Held(e.application_id, e.application.voucher_type_id, e.amount)
                 for e in reserves])
    if not moved_ids:
        return []
    by_id = {e.application_id: e for e in reserves}
    moved: list[Application] = []
    now = timezone.now()
    for application_id in moved_ids:
        entry = by_id[application_id]
        position = entry.reserve_position
        application = entry.application
        application.status = application_transition(
            application=application, to=Application.Status.SELECTED, by=by,
            reason=_("moved up from reserve position %(n)s") % {"n": position}).status
        entry.outcome = RankingEntry.Outcome.SELECTED
        entry.reserve_position = None
        entry.note = " ".join(filter(None, [entry.note, _(
            "Moved up from reserve position %(n)s on %(date)s.")
            % {"n": position, "date": timezone.localtime(now).strftime("%Y-%m-%d")}]))
        entry.save(update_fields=["outcome", "reserve_position", "note"])
        moved.append(application)
    reserve_list_close_up([e for e in reserves if e.application_id not in set(moved_ids)])
    audit_record(subject=ranking, action="reserve_promoted", actor=by,
                 data={"applications": moved_ids,
                       "freed_by": [e.application_id for e in freed]})
    for application_id in moved_ids:
        entry = by_id[application_id]
        entry.ranking = ranking
        notify(recipient=entry.application.organisation.user,
               kind="evaluation.reserve_promoted",
               context={**esr(entry.application, entry), "site_url": site_url()},
               link=reverse("evaluation:esr", kwargs={"pk": entry.application_id}))
    return moved


def reserve_list_close_up(waiting: Iterable[RankingEntry]) -> None:
    """Number the reserves still ``waiting`` 1, 2, … in the order given (after some left the
    list), saving only the entries whose place changed. Inside the caller's transaction, under
    the ranking's lock."""
    for position, entry in enumerate(waiting, start=1):
        if entry.reserve_position != position:
            entry.reserve_position = position
            entry.save(update_fields=["reserve_position"])


def reserves_promote_all() -> int:
    """Run ``reserve_promote`` on every call whose published ranking has a selected application
    that left (withdrawn on the applications' own page, say). Returns how many moved up."""
    left = RankingEntry.objects.filter(ranking=OuterRef("pk"),
                                       outcome=RankingEntry.Outcome.SELECTED,
                                       application__status=Application.Status.WITHDRAWN)
    calls = list(OpenCall.objects.filter(
        pk__in=Ranking.objects.filter(status=Ranking.Status.PUBLISHED).filter(Exists(left))
        .values("call_id")))
    moved = 0
    for call in calls:
        moved += len(reserve_promote(call=call))
    if moved:
        logger.info("reserve list: %d application(s) moved up", moved)
    return moved


@transaction.atomic
def selection_decline(*, application: Application, by: Any, reason: str) -> Application:
    """The selected applicant declines the grant: the application is withdrawn (see
    ``applications.services.application_withdraw``) and the best reserves that fit move up.
    Raises DomainError unless the application is selected (not yet contracted)."""
    application = Application.objects.select_for_update(of=("self",)).select_related(
        "call").get(pk=application.pk)
    if application.status != Application.Status.SELECTED:
        raise DomainError(_("Only a selected application that has no grant agreement yet can "
                            "decline the grant."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Tell us briefly why you decline the grant."))
    application = application_withdraw(application=application, by=by,
                                       reason=_("grant declined: %(reason)s") % {"reason": reason})
    audit_record(subject=application, action="selection_declined", actor=by, reason=reason)
    reserve_promote(call=application.call, by=by)
    return application
