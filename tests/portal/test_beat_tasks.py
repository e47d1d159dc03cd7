"""Every periodic task of ``CELERY_BEAT_SCHEDULE`` is run as beat runs it: the task found by its
registered name, applied (eagerly) twice, with the exact effect of each run asserted. The second
run must change nothing: beat, a retry or a second beat process may run a task again at any time.

``payments.fill_batch`` is no beat task, but the payments sweep queues it and a killed worker
has it run again, so it is here too.
"""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from applications.models import Application, Declaration, EligibilityResult
from applications.services import application_submit
from calls.models import OpenCall
from evaluation.models import Ranking, RankingEntry
from payments.models import GrantAgreement, Payment, PaymentBatch, Tranche
from payments.services.agreements import agreement_generate
from payments.services.finance import batch_create
from portal.models import AuditEntry
from portal.queue import registered_task
from tests.factories import OpenCallFactory, complete_application
from tests.payments.factories import results_call, selected_application
from tests.payments.test_finance_services import finance_officer, funded

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# Where each beat task is run twice as a task. Tests elsewhere are named by "module::function".
BEAT_TESTS = {
    "portal.audit_seal": "tests.portal.test_audit_chain::"
                         "test_the_beat_task_seals_once_and_a_second_run_changes_nothing",
    "calls.sync_statuses": "tests.portal.test_beat_tasks::test_sync_call_statuses_task",
    "calls.sweep_call_alerts": "tests.calls.test_alerts::"
                               "test_the_beat_sweep_sends_alerts_a_lost_task_left_once",
    "applications.sweep_eligibility":
        "tests.portal.test_beat_tasks::test_sweep_eligibility_task",
    "payments.sweep_batches": "tests.portal.test_beat_tasks::test_sweep_batches_task",
    "evaluation.sweep_assignment_runs":
        "tests.evaluation.test_assignment_services::"
        "test_sweep_assignment_runs_task_runs_a_lost_run_once_and_fails_a_stale_one",
    "evaluation.promote_reserves": "tests.evaluation.test_results_services::"
                                   "test_the_beat_task_catches_a_withdrawal_made_on_the_"
                                   "applications_page",
    "payments.generate_missing_agreements": "tests.payments.test_agreements::"
                                            "test_sweep_generates_missing_agreements_of_"
                                            "published_calls_only",
    "payments.decline_overdue_agreements": "tests.portal.test_beat_tasks::"
                                           "test_decline_overdue_agreements_task",
    "portal.scan_pending": "tests.portal.test_scanning::test_the_beat_task_scans_pending_"
                           "uploads_of_every_kind_once_clamd_is_back",
    "reporting.remove_expired_exports": "tests.reporting.test_exports::"
                                        "test_the_tasks_run_twice_change_nothing_more_and_beat_"
                                        "removes_expired_files",
    "applications.remove_expired_drafts": "tests.accounts.test_retention::"
                                          "test_drafts_go_twelve_months_after_their_call_closed_"
                                          "and_the_task_runs_twice",
    "accounts.remove_unconfirmed_signups": "tests.accounts.test_retention::"
                                           "test_unconfirmed_signups_go_after_thirty_days_and_the_"
                                           "task_runs_twice",
    "portal.sweep_notifications": "tests.portal.test_notifications::"
                                  "test_the_sweeper_queues_again_only_the_overdue_pending_mails",
    "portal.send_digests": "tests.portal.test_notification_centre::"
                           "test_the_digest_groups_a_days_notifications_into_one_mail_and_runs_"
                           "twice",
    "applications.remind_overdue_clarifications": "tests.applications.test_clarifications::"
                                                  "test_the_beat_task_reminds_once_when_run_"
                                                  "twice",
    "accounts.purge_erased_accounts": "tests.accounts.test_erasure::"
                                      "test_the_purge_deletes_the_held_records_after_the_"
                                      "retention_and_runs_twice",
    # Reminders (issue 12): each stage run twice at its time, and before it.
    "applications.remind_drafts": "tests.applications.test_reminders::"
                                  "test_each_reminder_comes_at_its_time_once_and_only_for_drafts",
    "evaluation.remind_reviews": "tests.evaluation.test_reminders::"
                                 "test_unfinished_reviews_are_reminded_3_days_and_1_day_before_"
                                 "the_deadline_once",
    "evaluation.remind_invitations": "tests.evaluation.test_reminders::"
                                     "test_an_invitation_unanswered_for_3_days_is_reminded_once",
    "payments.remind_agreements": "tests.payments.test_reminders::"
                                  "test_an_unsigned_agreement_is_reminded_5_days_before_its_"
                                  "deadline_once",
    "payments.remind_reports": "tests.payments.test_reminders::"
                               "test_a_report_due_is_reminded_14_days_and_3_days_before_once",
    "reporting.remind_action_queue": "tests.reporting.test_reminders::"
                                     "test_each_manager_gets_the_week_s_digest_once_from_monday_"
                                     "seven",
}


def run(name: str, **kwargs):
    """Run the task registered as ``name`` as a worker would (eagerly here); its return value."""
    return registered_task(name).apply(kwargs=kwargs).get()


def test_every_beat_task_has_a_test_that_runs_it():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert set(BEAT_TESTS) == scheduled
    for name, test in BEAT_TESTS.items():
        registered_task(name)  # KeyError for a name that no task carries
        module, function = test.split("::")
        assert callable(getattr(importlib.import_module(module), function, None)), test


def test_sync_call_statuses_task():
    now = timezone.now()
    opening = OpenCallFactory(status=OpenCall.Status.PUBLISHED, opens_at=now - HOUR,
                              closes_at=now + DAY)
    closing = OpenCallFactory(status=OpenCall.Status.OPEN, opens_at=now - DAY,
                              closes_at=now - HOUR)
    forthcoming = OpenCallFactory(status=OpenCall.Status.PUBLISHED, opens_at=now + HOUR,
                                  closes_at=now + DAY)
    running = OpenCallFactory(status=OpenCall.Status.OPEN, opens_at=now - DAY,
                              closes_at=now + DAY)
    calls = (opening, closing, forthcoming, running)

    def states():
        return [OpenCall.objects.get(pk=call.pk).status for call in calls]

    def moves():
        return sorted(AuditEntry.objects.filter(action="transition", content_type__model="opencall")
                      .values_list("object_id", "from_state", "to_state"))

    expected_states = [OpenCall.Status.OPEN, OpenCall.Status.CLOSED, OpenCall.Status.PUBLISHED,
                       OpenCall.Status.OPEN]
    expected_moves = sorted([(opening.pk, "published", "open"), (closing.pk, "open", "closed")])

    assert run("calls.sync_statuses") is None
    assert (states(), moves()) == (expected_states, expected_moves)
    assert run("calls.sync_statuses") is None
    assert (states(), moves()) == (expected_states, expected_moves)


def test_sweep_eligibility_task(settings, django_capture_on_commit_callbacks, mailoutbox):
    settings.ELIGIBILITY_SWEEP_AFTER_SECONDS = 600
    application = complete_application()
    # Submitted an hour ago, and its check was lost (the on-commit queueing never ran here).
    version = application_submit(application=application, by=application.created_by,
                                 declarations=Declaration.values)
    type(version).objects.filter(pk=version.pk).update(submitted_at=timezone.now() - HOUR)
    recent = complete_application(acronym="NEWER")  # submitted just now: not stale yet
    application_submit(application=recent, by=recent.created_by, declarations=Declaration.values)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert run("applications.sweep_eligibility") is None
    assert len(queued) == 1  # the check of the stale version only
    result = EligibilityResult.objects.get(version=version)
    assert (result.outcome, result.automatic_outcome) == ("eligible", "eligible")
    assert Application.objects.get(pk=application.pk).status == Application.Status.ELIGIBLE
    assert Application.objects.get(pk=recent.pk).status == Application.Status.SUBMITTED
    checks = AuditEntry.objects.filter(action="eligibility_checked")
    assert list(checks.values_list("object_id", flat=True)) == [application.pk]
    assert mailoutbox == []  # results are released by a manager, not by the check

    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert run("applications.sweep_eligibility") is None
    assert queued == []
    assert checks.count() == 1
    assert EligibilityResult.objects.get(version=version).checked_at == result.checked_at


def test_fill_batch_task(django_capture_on_commit_callbacks):
    call = results_call()
    officer = finance_officer(call.eurocluster)
    _application, (first, second) = funded(call)
    _other, (not_approved, _) = funded(call, tranche_status=Tranche.Status.DUE, acronym="OTHER")
    batch = batch_create(eurocluster=call.eurocluster, by=officer)  # its fill is not run

    assert run("payments.fill_batch", batch_id=batch.pk) == 2
    payments = Payment.objects.filter(batch=batch)
    assert sorted(payments.values_list("end_to_end_id", "status")) == [
        (f"T{first.pk}-1", "pending"), (f"T{second.pk}-1", "pending")]
    assert [Tranche.objects.get(pk=t.pk).status for t in (first, second, not_approved)] == [
        Tranche.Status.IN_BATCH, Tranche.Status.IN_BATCH, Tranche.Status.DUE]
    assert PaymentBatch.objects.get(pk=batch.pk).filled_at is not None

    assert run("payments.fill_batch", batch_id=batch.pk) == 0
    assert payments.count() == 2
    assert Payment.objects.count() == 2


def test_sweep_batches_task():
    call = results_call()
    officer = finance_officer(call.eurocluster)
    _application, (first, second) = funded(call)
    stale = batch_create(eurocluster=call.eurocluster, by=officer)  # its fill was lost
    PaymentBatch.objects.filter(pk=stale.pk).update(created_at=timezone.now() - HOUR)

    assert run("payments.sweep_batches") == 1  # queued, and run at once (eager)
    stale.refresh_from_db()
    assert stale.filled_at is not None
    assert sorted(stale.payments.values_list("tranche_id", flat=True)) == [first.pk, second.pk]

    assert run("payments.sweep_batches") == 0
    assert Payment.objects.count() == 2
    assert PaymentBatch.objects.get(pk=stale.pk).filled_at == stale.filled_at


def test_decline_overdue_agreements_task(django_capture_on_commit_callbacks):
    call = results_call(budget=Decimal("40000"))
    on_time, late = selected_application(call), selected_application(call)
    ranking = Ranking.objects.create(call=call, status=Ranking.Status.PUBLISHED,
                                     published_at=timezone.now(), computed_at=timezone.now())
    for rank, application in enumerate((on_time, late), start=1):
        RankingEntry.objects.create(ranking=ranking, application=application, rank=rank,
                                    total=Decimal(20 - rank), amount=Decimal("20000"),
                                    outcome="selected")
    kept = agreement_generate(application=on_time)
    overdue = agreement_generate(application=late)
    GrantAgreement.objects.filter(pk=overdue.pk).update(
        signing_deadline=timezone.now() - timedelta(minutes=1))

    def states():
        return ([GrantAgreement.objects.get(pk=a.pk).status for a in (kept, overdue)],
                [Application.objects.get(pk=a.pk).status for a in (on_time, late)])

    expected = ([GrantAgreement.Status.GENERATED, GrantAgreement.Status.DECLINED],
                [Application.Status.SELECTED, Application.Status.WITHDRAWN])
    with django_capture_on_commit_callbacks(execute=True):
        assert run("payments.decline_overdue_agreements") == 1
    assert states() == expected
    with django_capture_on_commit_callbacks(execute=True):
        assert run("payments.decline_overdue_agreements") == 0
    assert states() == expected
    assert AuditEntry.objects.filter(action="agreement_declined_overdue").count() == 1
