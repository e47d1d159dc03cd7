"""Placing the applications re-examined after an upheld redress into the published ranking
(``ranking_place_reexamined``), without moving anyone already selected.

The rules of the placing are those of the ranking itself, in the pure ``evaluation.ranking``
(candidates with a fixed outcome); the redress that sends an application back to evaluation is in
``evaluation.services.redress``.
"""

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from applications.transitions import application_transition
from calls.models import OpenCall
from evaluation import ranking as pure
from evaluation.models import Ranking, RankingEntry
from evaluation.selectors.results import (
    call_rules,
    consensus_problem,
    criteria_of,
    esr,
    note_words,
    ranking_candidate,
)
from evaluation.services.ranking import locked_ranking
from portal.audit import audit_record
from portal.errors import DomainError
from portal.notifications import notify
from portal.site import site_url


def _fixed(application: Application, entry: RankingEntry) -> str | None:
    """How an application already placed in the published ranking takes part in placing the
    re-examined ones: funded, waiting on the reserve list, or gone (keeps its rank only)."""
    if application.status in Application.FUNDED:
        return pure.SELECTED
    if application.status == Application.Status.RESERVE:
        return pure.RESERVE
    if application.status == Application.Status.WITHDRAWN and entry.rank is not None:
        return pure.LEFT
    return None


def _still_open(deadline):
    """The redress deadline if it is still ahead (a re-examined result may be contested again
    within the call's window), else None: the mail then offers no redress."""
    return deadline if deadline is not None and deadline > timezone.now() else None


@transaction.atomic
def ranking_place_reexamined(*, call: OpenCall, by: Any) -> list[Application]:
    """Place into the published ranking of ``call`` each application re-examined after an
    upheld redress (``evaluated`` again, with a new final consensus); returns them, best first.

    Each one's total and thresholds are computed again from its new consensus and it is placed
    against the ranking as it stands now (``evaluation.ranking.rank`` with fixed outcomes): no
    one selected or under contract is moved, and their money and vouchers are counted first.
    Failing a threshold → rejected; passing, ranked ahead of every reserve still waiting for
    money, and fitting the budget left and a voucher of its type → selected; otherwise →
    reserve, at the place its total deserves among the current reserves (the list is numbered
    again). Ranks are numbered again in the order of merit; the others keep their outcome.
    Each application moves from evaluated through ``application_transition``, its entry notes
    the re-examination, its applicant receives the new Evaluation Summary Report (after
    commit), and ``ranking_reexamined_placed`` is audited on the ranking.

    The ranking row is locked; running it again finds nothing left to place. Raises
    DomainError when the results of the call are not published.
    """
    ranking = locked_ranking(call)
    if ranking is None or ranking.status != Ranking.Status.PUBLISHED:
        raise DomainError(_("The results of this call are not published: an application "
                            "re-examined before then is ranked when the ranking is computed."))
    call = OpenCall.objects.get(pk=call.pk)
    criteria = criteria_of(call)
    entries = list(ranking.entries.select_related(
        "application__organisation__user", "application__call", "application__consensus")
        .prefetch_related("application__consensus__scores").order_by("pk"))
    candidates: list[pure.Candidate] = []
    reexamined: dict[int, RankingEntry] = {}
    others: dict[int, RankingEntry] = {}
    for entry in entries:
        application = entry.application
        if consensus_problem(application, criteria) is not None:
            continue  # under re-examination still, or never scored (left before the ranking)
        if application.status == Application.Status.EVALUATED:
            reexamined[application.pk] = entry
            candidates.append(ranking_candidate(application))
            continue
        fixed = _fixed(application, entry)
        if fixed is not None:
            others[application.pk] = entry
            candidates.append(ranking_candidate(application, amount=entry.amount, fixed=fixed))
    if not reexamined:
        return []

    placed_entries = pure.rank(call_rules(call, criteria), candidates)
    today = timezone.localdate().strftime("%Y-%m-%d")
    placed: list[Application] = []
    for result in placed_entries:
        entry = others.get(result.application_id)
        if entry is not None:
            # Only the numbering moves: rank, and the place of a waiting reserve.
            changed = {"rank": result.rank}
            if result.outcome == pure.RESERVE:
                changed["reserve_position"] = result.reserve_position
            fields = [name for name, value in changed.items() if getattr(entry, name) != value]
            for name in fields:
                setattr(entry, name, changed[name])
            if fields:
                entry.save(update_fields=fields)
            continue
        entry = reexamined[result.application_id]
        application = entry.application
        before = {"outcome": entry.outcome, "total": str(entry.total), "rank": entry.rank,
                  "reserve_position": entry.reserve_position}
        entry.rank, entry.total, entry.amount = result.rank, result.total, result.amount
        entry.outcome, entry.reserve_position = result.outcome, result.reserve_position
        entry.note = " ".join(filter(None, [
            _("Re-examined after redress; placed on %(date)s.") % {"date": today},
            note_words(result)]))
        entry.save(update_fields=["rank", "total", "amount", "outcome", "reserve_position",
                                  "note"])
        application.status = application_transition(
            application=application, to=result.outcome, by=by,
            reason=_("re-examined after redress: placed in the published ranking")).status
        audit_record(subject=ranking, action="ranking_reexamined_placed", actor=by,
                     data={"application": application.pk, "before": before,
                           "outcome": entry.outcome, "total": str(entry.total),
                           "rank": entry.rank, "reserve_position": entry.reserve_position})
        placed.append(application)
    for application in placed:
        entry = reexamined[application.pk]
        entry.ranking = ranking
        report = esr(application, entry)
        notify(recipient=application.organisation.user, kind="evaluation.result",
               context={**report, "after_redress": True,
                        "redress_deadline": _still_open(report["redress_deadline"]),
                        "site_url": site_url()},
               link=reverse("evaluation:esr", kwargs={"pk": application.pk}))
    return placed
