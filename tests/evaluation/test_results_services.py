"""Ranking services: compute, approve, publish with the ESR e-mails, decline, the reserve list."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application
from applications.services import application_withdraw
from applications.transitions import application_transition
from calls.models import OpenCall
from evaluation.models import Consensus, ConsensusScore, Ranking, RankingEntry
from evaluation.selectors.results import ranking_page
from evaluation.services.ranking import (
    ConsensusMissing,
    ranking_approve,
    ranking_compute,
    ranking_publish,
    ranking_reopen,
    reserve_promote,
    selection_decline,
)
from evaluation.services.redress import redress_decide, redress_file
from evaluation.services.reexamination import ranking_place_reexamined
from evaluation.services.transitions import consensus_transition
from evaluation.tasks import task_promote_reserves
from portal.audit import audit_trail
from portal.errors import DomainError
from tests.evaluation.factories import closed_call, eligible_application, final_consensus

pytestmark = pytest.mark.django_db


def evaluated(call, scores, amount="20000", minutes=0) -> Application:
    """An evaluated application with a final consensus of ``scores``, asking ``amount``."""
    application = eligible_application(call, status=Application.Status.UNDER_EVALUATION)
    Application.objects.filter(pk=application.pk).update(
        requested_amount=Decimal(amount),
        submitted_at=timezone.now() - timedelta(days=10) + timedelta(minutes=minutes))
    final_consensus(application, scores)
    application.refresh_from_db()
    return application


@pytest.fixture
def call(eurocluster_a):
    return closed_call(eurocluster=eurocluster_a, budget=Decimal("50000"))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def published(call, manager, committed):
    ranking_compute(call=call, by=manager)
    ranking_approve(call=call, by=manager)
    with committed():
        return ranking_publish(call=call, by=manager)


def statuses(*applications):
    return [Application.objects.get(pk=a.pk).status for a in applications]


def test_compute_refuses_naming_each_application_without_a_final_consensus(call, manager_a):
    evaluated(call, [4, 4, 4])
    eligible_application(call, status=Application.Status.UNDER_EVALUATION)
    with pytest.raises(ConsensusMissing) as refused:
        ranking_compute(call=call, by=manager_a.user)
    assert refused.value.message == ("1 application(s) have no final consensus yet; the ranking "
                                     "needs one for every application under evaluation.")
    assert refused.value.details == ["SWELD: no consensus recorded"]
    assert not Ranking.objects.filter(call=call).exists()


def test_compute_leaves_out_withdrawn_applications(call, manager_a):
    kept = evaluated(call, [4, 4, 4])
    eligible_application(call, status=Application.Status.WITHDRAWN)
    ranking = ranking_compute(call=call, by=manager_a.user)
    assert [e.application_id for e in ranking.entries.all()] == [kept.pk]
    assert ranking.status == Ranking.Status.DRAFT
    assert [a.action for a in audit_trail(ranking)] == ["ranking_computed"]


@pytest.mark.parametrize(("later", "early", "late"), [
    (timedelta(seconds=1), "1 March 2026, 13:00:00", "1 March 2026, 13:00:01"),
    (timedelta(milliseconds=250), "1 March 2026, 13:00:00.000", "1 March 2026, 13:00:00.250"),
])
def test_a_submission_tie_break_note_writes_its_moments_as_every_page(call, manager_a, later,
                                                                     early, late):
    first, second = evaluated(call, [4, 4, 4]), evaluated(call, [4, 4, 4])
    noon = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # 13:00 in Brussels
    Application.objects.filter(pk=first.pk).update(submitted_at=noon)
    Application.objects.filter(pk=second.pk).update(submitted_at=noon + later)
    ranking = ranking_compute(call=call, by=manager_a.user)
    note = ranking.entries.get(application=first).note
    assert note == (f"Same total (12) as {second.acronym}, ranked ahead of it: submitted earlier "
                    f"({early} against {late}, Brussels time).")


def test_approve_then_publish_moves_every_status_and_mails_every_applicant(
        call, manager_a, committed):
    first = evaluated(call, [5, 5, 5], "30000")
    second = evaluated(call, [4, 4, 4], "20000.01")
    third = evaluated(call, [4, 4, 3.5], "10000")
    refused = evaluated(call, [5, 2.5, 5], "10000")
    user = manager_a.user
    ranking_compute(call=call, by=user)
    ranking = ranking_approve(call=call, by=user)
    assert (ranking.status, ranking.approved_by) == (Ranking.Status.APPROVED, user)
    assert "ranking_approved" in [a.action for a in audit_trail(ranking)]
    mail.outbox.clear()
    with committed():
        ranking = ranking_publish(call=call, by=user)
    assert ranking.status == Ranking.Status.PUBLISHED
    assert ranking.published_at is not None
    assert statuses(first, second, third, refused) == [
        Application.Status.SELECTED, Application.Status.RESERVE, Application.Status.RESERVE,
        Application.Status.REJECTED]
    assert OpenCall.objects.get(pk=call.pk).status == OpenCall.Status.RESULTS
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        a.organisation.user.email for a in (first, second, third, refused))
    by_to = {m.to[0]: m for m in mail.outbox}
    reserve_mail = by_to[second.organisation.user.email]
    assert reserve_mail.subject == f"{second.receipt_prefix}: your proposal is on the reserve list"
    assert "Outcome: reserve list, number 1 (rank 2)." in reserve_mail.body
    rejected_mail = by_to[refused.organisation.user.email]
    assert "- “Impact” scored 2.5, below its threshold of 3." in rejected_mail.body
    assert f"/applications/{refused.pk}/redress/" in rejected_mail.body
    # No evaluator's name: the consensus comments only.
    assert "The panel's view on this criterion." in rejected_mail.body


def test_publishing_twice_changes_nothing_and_sends_nothing(call, manager_a, committed):
    evaluated(call, [4, 4, 4])
    published(call, manager_a.user, committed)
    mail.outbox.clear()
    with committed():
        ranking = ranking_publish(call=call, by=manager_a.user)
    assert ranking.status == Ranking.Status.PUBLISHED
    assert mail.outbox == []


def test_publish_before_approval_is_refused(call, manager_a):
    evaluated(call, [4, 4, 4])
    ranking_compute(call=call, by=manager_a.user)
    with pytest.raises(DomainError, match="Approve the ranking before publishing"):
        ranking_publish(call=call, by=manager_a.user)


def test_approve_refuses_a_ranking_not_computed_or_out_of_date(call, manager_a):
    application = evaluated(call, [4, 4, 4])
    with pytest.raises(DomainError, match="Compute the ranking before approving it."):
        ranking_approve(call=call, by=manager_a.user)
    ranking_compute(call=call, by=manager_a.user)
    application.consensus.scores.filter(criterion__position=0).update(score=Decimal("5"))
    with pytest.raises(DomainError, match="The ranking is out of date"):
        ranking_approve(call=call, by=manager_a.user)


def test_reopen_takes_an_approved_ranking_back_to_draft(call, manager_a):
    evaluated(call, [4, 4, 4])
    ranking_compute(call=call, by=manager_a.user)
    ranking_approve(call=call, by=manager_a.user)
    with pytest.raises(DomainError, match="reopen it before computing it again"):
        ranking_compute(call=call, by=manager_a.user)
    ranking = ranking_reopen(call=call, by=manager_a.user)
    assert (ranking.status, ranking.approved_at) == (Ranking.Status.DRAFT, None)


def test_declining_moves_up_the_best_reserve_that_fits_and_tells_it(call, manager_a, committed):
    first = evaluated(call, [5, 5, 5], "30000")
    second = evaluated(call, [4.5, 4.5, 4.5], "20000")
    big = evaluated(call, [4, 4, 4], "30000.01")
    small = evaluated(call, [3.5, 3.5, 3.5], "30000")
    published(call, manager_a.user, committed)
    assert statuses(first, second, big, small) == [
        Application.Status.SELECTED, Application.Status.SELECTED, Application.Status.RESERVE,
        Application.Status.RESERVE]
    mail.outbox.clear()
    with committed():
        selection_decline(application=first, by=first.organisation.user,
                          reason="We found another way to finance the project.")
    assert statuses(first, second, big, small) == [
        Application.Status.WITHDRAWN, Application.Status.SELECTED, Application.Status.RESERVE,
        Application.Status.SELECTED]
    assert [m.to for m in mail.outbox] == [[small.organisation.user.email]]
    assert mail.outbox[0].subject == (f"{small.receipt_prefix}: your proposal moved up from the "
                                      "reserve list and is selected")
    big_entry = RankingEntry.objects.get(application=big)
    small_entry = RankingEntry.objects.get(application=small)
    assert (big_entry.outcome, big_entry.reserve_position) == ("reserve", 1)
    assert (small_entry.outcome, small_entry.reserve_position) == ("selected", None)
    assert "Moved up from reserve position 2" in small_entry.note
    actions = [a.action for a in audit_trail(Ranking.objects.get(call=call))]
    assert "reserve_promoted" in actions


def test_promoting_twice_moves_nobody_more(call, manager_a, committed):
    first = evaluated(call, [5, 5, 5], "30000")
    evaluated(call, [4.5, 4.5, 4.5], "20000")
    reserve = evaluated(call, [4, 4, 4], "30000")
    published(call, manager_a.user, committed)
    application_withdraw(application=first, by=first.organisation.user)
    assert [a.pk for a in reserve_promote(call=call)] == [reserve.pk]
    assert reserve_promote(call=call) == []
    assert statuses(reserve) == [Application.Status.SELECTED]


def test_nothing_moves_up_while_no_selected_applicant_left(call, manager_a, committed):
    evaluated(call, [5, 5, 5], "30000")
    too_big = evaluated(call, [4.5, 4.5, 4.5], "20000.01")
    fits = evaluated(call, [4, 4, 4], "100")
    published(call, manager_a.user, committed)
    # EUR 20,000 are left, and ``fits`` would fit: but the published order is strict.
    assert reserve_promote(call=call) == []
    assert statuses(too_big, fits) == [Application.Status.RESERVE, Application.Status.RESERVE]


def test_the_beat_task_catches_a_withdrawal_made_on_the_applications_page(
        call, manager_a, committed):
    first = evaluated(call, [5, 5, 5], "50000")
    reserve = evaluated(call, [4, 4, 4], "50000")
    published(call, manager_a.user, committed)
    application_withdraw(application=first, by=first.organisation.user, reason="no longer")
    assert task_promote_reserves.delay().get() == 1
    assert task_promote_reserves.delay().get() == 0
    assert statuses(reserve) == [Application.Status.SELECTED]


def test_declining_is_refused_unless_selected(call, manager_a, committed):
    evaluated(call, [5, 5, 5], "50000")
    reserve = evaluated(call, [4, 4, 4], "50000")
    published(call, manager_a.user, committed)
    with pytest.raises(DomainError, match="Only a selected application"):
        selection_decline(application=reserve, by=reserve.organisation.user, reason="no")


# --- placing an application re-examined after an upheld redress --------------------------------

REASONS = "The evaluators ignored the pilot plant described in section 2 of the proposal."
ANSWER = "The panel re-read section 2 and agrees it was overlooked."


def reexamined(application, scores, manager) -> Application:
    """Redress filed and upheld on ``application``, then its new consensus ``scores`` recorded
    as final (as ``consensus_save`` does): it is ``evaluated`` again, waiting to be placed."""
    redress = redress_file(application=application, by=application.organisation.user,
                           reasons=REASONS)
    redress_decide(redress=redress, by=manager, uphold=True, answer=ANSWER)
    consensus = Consensus.objects.get(application=application)
    assert consensus.status == Consensus.Status.DRAFT
    criteria = application.call.criteria.order_by("position", "pk")
    for criterion, value in zip(criteria, scores, strict=True):
        ConsensusScore.objects.filter(consensus=consensus, criterion=criterion).update(
            score=Decimal(str(value)))
    consensus_transition(consensus=consensus, to=Consensus.Status.FINAL, by=manager)
    application = Application.objects.get(pk=application.pk)
    return application_transition(application=application, to=Application.Status.EVALUATED,
                                  by=manager, reason="Consensus recorded.")


def board(call):
    """(application, rank, outcome, reserve position, status) of every entry, in rank order."""
    return [(e.application_id, e.rank, e.outcome, e.reserve_position, e.application.status)
            for e in RankingEntry.objects.filter(ranking__call=call)
            .select_related("application").order_by("rank", "application_id")]


@pytest.fixture
def published_call(call, manager_a, committed):
    """Budget 50,000: ``first`` selected (30,000), ``waiting`` reserve 1 (30,000 does not fit in
    the 20,000 left), ``refused`` rejected (Excellence 2.5), asking 10,000."""
    first = evaluated(call, [5, 5, 5], "30000")
    waiting = evaluated(call, [4, 4, 4], "30000")
    refused = evaluated(call, [2.5, 5, 5], "10000")
    published(call, manager_a.user, committed)
    assert statuses(first, waiting, refused) == [
        Application.Status.SELECTED, Application.Status.RESERVE, Application.Status.REJECTED]
    mail.outbox.clear()
    return {"first": first, "waiting": waiting, "refused": refused}


def test_reexamined_ahead_of_the_reserves_is_selected_when_money_is_free(
        call, manager_a, published_call, committed):
    first, waiting, refused = published_call.values()
    reexamined(refused, [4.5, 4.5, 4.5], manager_a.user)
    mail.outbox.clear()
    with committed():
        placed = ranking_place_reexamined(call=call, by=manager_a.user)
    assert [a.pk for a in placed] == [refused.pk]
    assert board(call) == [(first.pk, 1, "selected", None, Application.Status.SELECTED),
                           (refused.pk, 2, "selected", None, Application.Status.SELECTED),
                           (waiting.pk, 3, "reserve", 1, Application.Status.RESERVE)]
    entry = RankingEntry.objects.get(application=refused)
    assert entry.total == Decimal("13.50")
    assert entry.note.startswith("Re-examined after redress; placed on ")
    assert [m.to for m in mail.outbox] == [[refused.organisation.user.email]]
    assert mail.outbox[0].subject == (f"{refused.receipt_prefix}: your proposal is selected for "
                                      "funding (after redress)")
    assert "was examined again and placed in the published ranking" in mail.outbox[0].body
    assert "Outcome: selected for funding (rank 2)." in mail.outbox[0].body
    ranking = Ranking.objects.get(call=call)
    placed_audit = [a for a in audit_trail(ranking) if a.action == "ranking_reexamined_placed"]
    assert [(a.data["application"], a.data["outcome"], a.data["before"]["outcome"])
            for a in placed_audit] == [(refused.pk, "selected", "rejected")]


def test_reexamined_behind_a_waiting_reserve_goes_to_the_reserve_list_even_if_it_fits(
        call, manager_a, published_call, committed):
    first, waiting, refused = published_call.values()
    # 10.5 < 12: ranked behind ``waiting``, which waits for money; 10,000 would fit, but
    # nobody is funded ahead of a better-ranked reserve.
    reexamined(refused, [3.5, 3.5, 3.5], manager_a.user)
    with committed():
        ranking_place_reexamined(call=call, by=manager_a.user)
    assert board(call) == [(first.pk, 1, "selected", None, Application.Status.SELECTED),
                           (waiting.pk, 2, "reserve", 1, Application.Status.RESERVE),
                           (refused.pk, 3, "reserve", 2, Application.Status.RESERVE)]
    note = RankingEntry.objects.get(application=refused).note
    assert "Reserve: a better-ranked application is waiting on the reserve list." in note
    assert "Outcome: reserve list, number 2 (rank 3)." in mail.outbox[-1].body


def test_reexamined_better_than_everyone_without_money_is_reserve_1_and_nobody_selected_moves(
        manager_a, committed, eurocluster_a):
    call = closed_call(eurocluster=eurocluster_a, budget=Decimal("50000"))
    first = evaluated(call, [5, 5, 4.5], "30000")
    second = evaluated(call, [4.5, 4.5, 4.5], "20000")
    third = evaluated(call, [4, 4, 4], "30000")
    fourth = evaluated(call, [3.5, 3.5, 3.5], "30000")
    refused = evaluated(call, [2, 5, 5], "10000")
    published(call, manager_a.user, committed)
    reexamined(refused, [5, 5, 5], manager_a.user)
    ranking_place_reexamined(call=call, by=manager_a.user)
    assert board(call) == [(refused.pk, 1, "reserve", 1, Application.Status.RESERVE),
                           (first.pk, 2, "selected", None, Application.Status.SELECTED),
                           (second.pk, 3, "selected", None, Application.Status.SELECTED),
                           (third.pk, 4, "reserve", 2, Application.Status.RESERVE),
                           (fourth.pk, 5, "reserve", 3, Application.Status.RESERVE)]
    note = RankingEntry.objects.get(application=refused).note
    assert "Reserve: EUR 10,000.00 asked, EUR 0.00 of the budget left when its turn came." in note


def test_reexamined_still_below_a_threshold_is_rejected_again_with_the_reason(
        call, manager_a, published_call, committed):
    first, waiting, refused = published_call.values()
    reexamined(refused, [3, 2.5, 5], manager_a.user)
    mail.outbox.clear()
    with committed():
        ranking_place_reexamined(call=call, by=manager_a.user)
    assert statuses(first, waiting, refused) == [
        Application.Status.SELECTED, Application.Status.RESERVE, Application.Status.REJECTED]
    entry = RankingEntry.objects.get(application=refused)
    assert (entry.rank, entry.outcome, entry.reserve_position, entry.total) == (
        None, "rejected", None, Decimal("10.50"))
    assert entry.note.endswith("“Impact” scored 2.5, below its threshold of 3.")
    assert mail.outbox[0].subject == (f"{refused.receipt_prefix}: the evaluation of your "
                                      "proposal (after redress)")
    assert "- “Impact” scored 2.5, below its threshold of 3." in mail.outbox[0].body


def test_placing_twice_changes_nothing_and_sends_nothing(call, manager_a, published_call,
                                                         committed):
    refused = published_call["refused"]
    reexamined(refused, [4.5, 4.5, 4.5], manager_a.user)
    ranking_place_reexamined(call=call, by=manager_a.user)
    before = board(call)
    mail.outbox.clear()
    with committed():
        assert ranking_place_reexamined(call=call, by=manager_a.user) == []
    assert board(call) == before
    assert mail.outbox == []


def test_nothing_is_placed_while_the_new_consensus_is_a_draft(call, manager_a, published_call):
    refused = published_call["refused"]
    redress = redress_file(application=refused, by=refused.organisation.user, reasons=REASONS)
    redress_decide(redress=redress, by=manager_a.user, uphold=True, answer=ANSWER)
    before = board(call)
    assert ranking_place_reexamined(call=call, by=manager_a.user) == []
    assert board(call) == before


def test_a_reserve_reexamined_comes_back_at_the_place_its_new_total_deserves(
        manager_a, committed, eurocluster_a):
    call = closed_call(eurocluster=eurocluster_a, budget=Decimal("30000"))
    first = evaluated(call, [5, 5, 5], "30000")
    second = evaluated(call, [4, 4, 4], "30000")
    third = evaluated(call, [3.5, 3.5, 3.5], "30000")
    published(call, manager_a.user, committed)
    reexamined(third, [4.5, 4.5, 4.5], manager_a.user)
    assert ranking_page(call).reexamined == 1
    ranking_place_reexamined(call=call, by=manager_a.user)
    assert board(call) == [(first.pk, 1, "selected", None, Application.Status.SELECTED),
                           (third.pk, 2, "reserve", 1, Application.Status.RESERVE),
                           (second.pk, 3, "reserve", 2, Application.Status.RESERVE)]
    assert ranking_page(call).reexamined == 0


def test_a_withdrawn_selection_keeps_its_rank_and_frees_its_money(
        call, manager_a, committed, published_call):
    first, waiting, refused = published_call.values()
    application_withdraw(application=first, by=first.organisation.user, reason="no longer")
    reexamined(refused, [5, 5, 4.5], manager_a.user)
    ranking_place_reexamined(call=call, by=manager_a.user)
    # 50,000 free: ``refused`` (ranked ahead of the waiting reserve) takes 10,000; the reserve
    # moves up only through ``reserve_promote`` (the beat), on the 40,000 left.
    assert board(call) == [(first.pk, 1, "selected", None, Application.Status.WITHDRAWN),
                           (refused.pk, 2, "selected", None, Application.Status.SELECTED),
                           (waiting.pk, 3, "reserve", 1, Application.Status.RESERVE)]
    assert [a.pk for a in reserve_promote(call=call)] == [waiting.pk]


def test_placing_is_refused_before_the_results_are_published(call, manager_a):
    evaluated(call, [4, 4, 4])
    ranking_compute(call=call, by=manager_a.user)
    with pytest.raises(DomainError, match="not published"):
        ranking_place_reexamined(call=call, by=manager_a.user)


# --- publishing a large call: in bulk ----------------------------------------------------------


def _publish_queries(eurocluster, manager, count: int) -> int:
    call = closed_call(eurocluster=eurocluster, budget=Decimal("50000"))
    applications = [evaluated(call, [4, 4, 4], "10000", minutes=n) for n in range(count)]
    ranking_compute(call=call, by=manager)
    ranking_approve(call=call, by=manager)
    with CaptureQueriesContext(connection) as queries:
        ranking_publish(call=call, by=manager)
    assert statuses(*applications) == (
        [Application.Status.SELECTED] * min(5, count)
        + [Application.Status.RESERVE] * max(0, count - 5))
    return len(queries)


def test_publishing_makes_the_same_number_of_queries_for_6_or_12_applications(
        eurocluster_a, manager_a):
    # Each application is moved, audited and its report rendered in bulk: no query per one.
    _publish_queries(eurocluster_a, manager_a.user, 1)  # caches (content types) filled
    # 6 and 12: both with selected and reserve applications (5 fit the budget).
    assert (_publish_queries(eurocluster_a, manager_a.user, 6)
            == _publish_queries(eurocluster_a, manager_a.user, 12))


def test_publishing_writes_one_audit_line_per_move_of_each_application(call, manager_a,
                                                                       committed):
    under = evaluated(call, [4, 4, 4], "10000")
    # A consensus recorded, the application still under evaluation: publishing moves it twice.
    Application.objects.filter(pk=under.pk).update(status=Application.Status.UNDER_EVALUATION)
    already = evaluated(call, [5, 5, 5], "10000", minutes=1)
    published(call, manager_a.user, committed)
    moves = {application.pk: [(a.action, a.from_state, a.to_state, a.actor_id, a.reason)
                              for a in audit_trail(application).order_by("pk")
                              if a.action == "transition"]
             for application in (under, already)}
    published_by = ("transition", manager_a.user.pk, "results of the call published")
    assert moves[under.pk] == [
        (published_by[0], "under_evaluation", "evaluated", *published_by[1:]),
        (published_by[0], "evaluated", "selected", *published_by[1:])]
    assert moves[already.pk] == [(published_by[0], "evaluated", "selected", *published_by[1:])]
