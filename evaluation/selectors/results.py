"""Reads of the results part: the ranking of a call, the Evaluation Summary Report (ESR) of an
application, redress requests, the redress window and whether a person may file one now."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, EligibilityResult
from calls.models import Criterion, OpenCall
from euroclusters.models import Membership
from evaluation import ranking as pure
from evaluation.models import Consensus, ConsensusScore, Ranking, RankingEntry, RedressRequest
from evaluation.selectors.pool import scoped
from evaluation.selectors.reviews import calls_for_reviews, criteria_of
from portal.formats import BRUSSELS, brussels

# Applications a ranking places: evaluation done (or waiting for its consensus).
TO_RANK = (Application.Status.UNDER_EVALUATION, Application.Status.EVALUATED)
# Outcomes an applicant may contest.
CONTESTABLE = (Application.Status.REJECTED, Application.Status.RESERVE,
               Application.Status.INELIGIBLE)


# The same calls as the reviews' manager pages.
calls_for_results = calls_for_reviews


def redress_managed_by(user) -> QuerySet[RedressRequest]:
    return scoped(RedressRequest.objects.select_related(
        "application__call__eurocluster", "application__organisation__user",
        "application__voucher_type", "filed_by", "decided_by"),
        user, "application__call__eurocluster_id")


def applications_of(user) -> QuerySet[Application]:
    """The applications ``user`` leads (their enterprise's), with what the ESR pages show."""
    if not user.is_authenticated:
        return Application.objects.none()
    return (Application.objects.filter(organisation__user=user)
            .select_related("call__eurocluster", "organisation__user", "voucher_type",
                            "call__ranking"))


def note_moment(moment: pure.Moment) -> str:
    """A moment of a ranking note as every page writes it, "1 March 2026, 13:00:00", with the
    decimals of a second that decided a tie (".250"); the note says "Brussels time" once."""
    return brussels(moment.at, seconds=True) + pure.fraction(moment)


def note_words(entry: pure.Entry) -> str:
    """The notes of a ranked entry in the active language, as stored on its ranking row."""
    return pure.words(entry, _, moment=note_moment)


def call_rules(call: OpenCall, criteria: list[Criterion] | None = None) -> pure.Rules:
    criteria = criteria_of(call) if criteria is None else criteria
    return pure.Rules(
        budget=call.budget, overall_threshold=call.overall_threshold,
        criteria=tuple(pure.CriterionRule(id=c.pk, name=c.name, weight=c.weight,
                                          threshold=c.threshold, position=c.position)
                       for c in criteria),
        voucher_limits=dict(call.voucher_types.values_list("pk", "number_of_vouchers")),
    )


def ranking_applications(call: OpenCall) -> list[Application]:
    """The call's applications that a ranking places, with their consensus and scores."""
    return list(
        Application.objects.filter(call=call, status__in=TO_RANK)
        .select_related("organisation", "consensus")
        .prefetch_related(Prefetch("consensus__scores", queryset=ConsensusScore.objects.all()))
        .order_by("pk")
    )


def ranking_candidate(application: Application, *, amount: Decimal | None = None,
                      fixed: str | None = None) -> pure.Candidate:
    """The application as the pure ranking sees it: its final consensus scores, its amount (the
    requested one unless given: a placed entry keeps its own), its submission time and acronym;
    ``fixed`` for one already placed in a published ranking. Uses the prefetched
    ``consensus__scores``."""
    return pure.Candidate(
        application_id=application.pk, voucher_type_id=application.voucher_type_id,
        amount=(application.requested_amount if amount is None else amount) or 0,
        scores={s.criterion_id: s.score for s in application.consensus.scores.all()},
        submitted_at=(timezone.localtime(application.submitted_at)
                      if application.submitted_at else None),
        label=application.acronym, fixed=fixed)


def consensus_problem(application: Application, criteria: list[Criterion]) -> str | None:
    """Why ``application`` cannot be ranked yet (no final consensus, a score missing), or None."""
    consensus = getattr(application, "consensus", None)
    if consensus is None:
        return "none"
    if consensus.status != Consensus.Status.FINAL:
        return "draft"
    scored = {s.criterion_id for s in consensus.scores.all()}
    if any(c.pk not in scored for c in criteria):
        return "incomplete"
    return None


@dataclass
class RankingPage:
    ranking: Ranking | None
    entries: list[RankingEntry]
    criteria: list[Criterion]
    budget: Decimal
    used: Decimal
    redress: list[RedressRequest]
    # Applications re-examined after a redress, with a new final consensus, waiting to be
    # placed into the published ranking (``ranking_place_reexamined``).
    reexamined: int = 0

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.used


def ranking_page(call: OpenCall) -> RankingPage:
    """The ranking of ``call`` with everything its manager page shows, in a fixed number of
    queries: the ranking, the entries with their application, enterprise, voucher type and
    consensus scores, the criteria, and the open redress requests."""
    ranking = Ranking.objects.filter(call=call).first()
    criteria = criteria_of(call)
    entries: list[RankingEntry] = []
    if ranking is not None:
        entries = list(
            ranking.entries.select_related("application__organisation",
                                           "application__voucher_type",
                                           "application__consensus")
            .prefetch_related("application__consensus__scores")
            .order_by("rank", "-total", "application_id"))
        for entry in entries:
            consensus = getattr(entry.application, "consensus", None)
            by_criterion = {s.criterion_id: s.score
                            for s in (consensus.scores.all() if consensus else [])}
            entry.criterion_scores = [by_criterion.get(c.pk) for c in criteria]
    used = sum((e.amount for e in entries if e.application.status in Application.FUNDED),
               Decimal(0))
    redress = list(
        RedressRequest.objects.filter(application__call=call,
                                      status=RedressRequest.Status.FILED)
        .select_related("application__organisation").order_by("filed_at", "pk"))
    reexamined = 0
    if ranking is not None and ranking.status == Ranking.Status.PUBLISHED:
        reexamined = sum(1 for e in entries if e.application.status == Application.Status.EVALUATED
                         and consensus_problem(e.application, criteria) is None)
    return RankingPage(ranking=ranking, entries=entries, criteria=criteria, budget=call.budget,
                       used=used, redress=redress, reexamined=reexamined)


# --- the Evaluation Summary Report ---------------------------------------------------------------


def published_entry(application: Application) -> RankingEntry | None:
    """The application's ranking entry once the call's results are published, else None."""
    entry = (RankingEntry.objects.filter(application=application,
                                         ranking__status=Ranking.Status.PUBLISHED)
             .select_related("ranking").first())
    return entry


# ``esr(consensus=LOAD)``: the report loads the consensus itself.
LOAD = object()


def esr(application: Application, entry: RankingEntry | None = None, *,
        criteria: list[Criterion] | None = None,
        consensus: Consensus | None | object = LOAD) -> dict | None:
    """What the applicant is told: outcome, rank or reserve position, the consensus scores and
    comments per criterion with the thresholds, the overall comment and total, the reasons of a
    rejection, and the redress deadline. Never an evaluator's name, nor another application.
    None before the results are published.

    ``criteria`` (the call's, in order) and ``consensus`` (the application's with its scores
    prefetched, or None for none) spare their queries to a caller that reports on a whole call
    at once (the publication of the results)."""
    entry = entry or published_entry(application)
    if entry is None:
        return None
    call = application.call
    if criteria is None:
        criteria = criteria_of(call)
    if consensus is LOAD:
        consensus = (Consensus.objects.filter(application=application)
                     .prefetch_related("scores").first())
    scores = {s.criterion_id: s for s in (consensus.scores.all() if consensus else [])}
    rows = [{"criterion": c, "score": getattr(scores.get(c.pk), "score", None),
             "comment": getattr(scores.get(c.pk), "comment", ""),
             "below": scores.get(c.pk) is not None and scores[c.pk].score < c.threshold}
            for c in criteria]
    reasons: list[str] = []
    if entry.outcome == RankingEntry.Outcome.REJECTED and all(r["score"] is not None
                                                              for r in rows):
        rules = call_rules(call, criteria)
        candidate = pure.Candidate(application_id=application.pk, voucher_type_id=None,
                                   amount=entry.amount,
                                   scores={c.pk: scores[c.pk].score for c in criteria})
        reasons = [pure.translate(note, _)
                   for note in pure.threshold_failures(rules, candidate, entry.total)]
    return {
        "application": application, "call": call, "entry": entry, "rows": rows,
        "overall_comment": consensus.overall_comment if consensus else "",
        "total": entry.total, "max_total": sum((c.weight * c.max_score for c in criteria),
                                               Decimal(0)),
        "overall_threshold": call.overall_threshold, "reasons": reasons,
        "published_at": entry.ranking.published_at,
        "redress_deadline": redress_deadline(application, entry.ranking),
        # A redress was upheld: the report above is the one being examined again.
        "reexamining": application.status in TO_RANK,
    }


# --- the redress window --------------------------------------------------------------------------


def window_end(start: datetime, days: int) -> datetime:
    """The first moment after the window: the window runs to the end of the ``days``-th day
    after ``start`` (its last day counts whole), Brussels time; exclusive."""
    last_day = start.astimezone(BRUSSELS).date() + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=BRUSSELS)


def redress_window_start(application: Application,
                         ranking: Ranking | None = None) -> datetime | None:
    """When the window of ``application`` opened: the results' publication for an evaluated
    one, the release of the eligibility results (or the result itself, when the call shows them
    at once) for an ineligible one; None while there is nothing to contest."""
    call = application.call
    if application.status == Application.Status.INELIGIBLE:
        if call.eligibility_released_at is not None:
            return call.eligibility_released_at
        if call.eligibility_results_immediate:
            result = (EligibilityResult.objects.filter(version__application=application)
                      .order_by("-version__number").first())
            if result is not None:
                return result.decided_at or result.checked_at
        return None
    if application.status in (Application.Status.REJECTED, Application.Status.RESERVE):
        if ranking is None:
            ranking = Ranking.objects.filter(call_id=application.call_id).first()
        if ranking is not None and ranking.status == Ranking.Status.PUBLISHED:
            return ranking.published_at
    return None


def redress_deadline(application: Application, ranking: Ranking | None = None) -> datetime | None:
    """The last moment (inclusive, to the second) a redress request is accepted, or None."""
    start = redress_window_start(application, ranking)
    if start is None:
        return None
    return window_end(start, application.call.redress_days) - timedelta(seconds=1)


def open_redress(application: Application) -> RedressRequest | None:
    return application.redress_requests.filter(status=RedressRequest.Status.FILED).first()


def redress_refusal(*, application: Application, user, now: datetime | None = None
                    ) -> str | None:
    """Why ``user`` may not file a redress request on ``application`` now, in words; None when
    they may. ``application`` comes with its call."""
    now = now or timezone.now()
    if not user.is_authenticated or application.organisation.user_id != user.pk:
        return _("Only the applicant may request a redress.")
    if application.status not in CONTESTABLE:
        return _("A redress can be requested on a rejected, reserve-list or ineligible "
                 "application only.")
    start = redress_window_start(application)
    if start is None:
        return _("The results are not published yet.")
    end = window_end(start, application.call.redress_days)
    if now >= end:
        return (_("The redress window closed on %(deadline)s (Brussels time).")
                % {"deadline": brussels(end - timedelta(seconds=1), seconds=True)})
    if open_redress(application) is not None:
        return _("Your redress request on this application is still open; you will receive "
                 "the answer by e-mail.")
    return None


def call_managers(call: OpenCall) -> list[Any]:
    """The managers of the call's Eurocluster (the people to notify), by e-mail address."""
    return [membership.user for membership in Membership.objects.filter(
        eurocluster_id=call.eurocluster_id, role=Membership.Role.MANAGER,
    ).select_related("user").order_by("user__email")]
