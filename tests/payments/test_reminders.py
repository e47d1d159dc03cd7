"""Reminders of the beneficiaries: an agreement unsigned 5 days before its signing deadline
(``payments.remind_agreements``), a report due in 14 and in 3 days (``payments.remind_reports``);
each once, never for signed agreements, reports handed in, or anyone else."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payments.models import GrantAgreement, ProgressReport, Tranche
from payments.reminders import AGREEMENT_KIND, REPORT_KIND
from portal.formats import BRUSSELS
from portal.models import Notification, Reminder
from portal.queue import registered_task
from tests.factories import MembershipFactory
from tests.payments.factories import agreement_row, results_call, selected_application
from tests.payments.test_beneficiary_views import SCHEDULE_3, contracted, submitted_report

pytestmark = pytest.mark.django_db

DAY, MINUTE = timedelta(days=1), timedelta(minutes=1)


def run(name: str) -> int:
    return registered_task(name).apply().get()


def move_to(clock, moment):
    clock((moment - timezone.now()).total_seconds())


def sent() -> list[tuple[str, str, str]]:
    return [(r.notification.recipient.email, r.notification.kind, r.key)
            for r in Reminder.objects.select_related("notification__recipient").order_by("pk")]


def test_an_unsigned_agreement_is_reminded_5_days_before_its_deadline_once(
        clock, mailoutbox, django_capture_on_commit_callbacks):
    call = results_call()
    deadline = timezone.now() + 9 * DAY
    waiting = agreement_row(selected_application(call), signing_deadline=deadline)
    signed = agreement_row(selected_application(call), signing_deadline=deadline,
                           status=GrantAgreement.Status.SIGNED_BY_BENEFICIARY)
    declined = agreement_row(selected_application(call), signing_deadline=deadline,
                             status=GrantAgreement.Status.DECLINED)
    MembershipFactory(eurocluster=call.eurocluster)
    beneficiary = waiting.application.organisation.user

    move_to(clock, deadline - 5 * DAY - MINUTE)
    assert run("payments.remind_agreements") == 0
    move_to(clock, deadline - 5 * DAY + MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        assert run("payments.remind_agreements") == 1
        assert run("payments.remind_agreements") == 0
    move_to(clock, deadline - DAY)
    assert run("payments.remind_agreements") == 0
    move_to(clock, deadline + MINUTE)
    assert run("payments.remind_agreements") == 0

    day = deadline.astimezone(BRUSSELS).strftime("%Y%m%d")
    assert sent() == [(beneficiary.email, AGREEMENT_KIND, f"agreement-5d:{waiting.pk}:{day}")]
    assert signed.pk != declined.pk  # both there, neither reminded
    prefix = waiting.application.receipt_prefix
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([beneficiary.email], f"{prefix}: please sign your grant agreement, the deadline is near")]
    url = f"/applications/{waiting.application_id}/agreement/"
    assert f"http://testserver{url}" in mailoutbox[0].body
    assert Notification.objects.get().link == url


def _due(tranche: Tranche, on: date) -> Tranche:
    Tranche.objects.filter(pk=tranche.pk).update(report_due_on=on)
    tranche.refresh_from_db()
    return tranche


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=BRUSSELS)


def test_a_report_due_is_reminded_14_days_and_3_days_before_once(
        clock, mailoutbox, django_capture_on_commit_callbacks):
    agreement = contracted(results_call(tranches=SCHEDULE_3))
    interim_tranche = agreement.tranches.get(event="interim_report_approved")
    final_tranche = agreement.tranches.get(event="final_report_approved")
    today = timezone.now().astimezone(BRUSSELS).date()
    interim_day, final_day = today + timedelta(days=20), today + timedelta(days=200)
    _due(interim_tranche, interim_day)
    _due(final_tranche, final_day)
    beneficiary = agreement.application.organisation.user
    deadline = _end_of(interim_day)
    expected: list[tuple[str, str, str]] = []

    def step(moment, new):
        move_to(clock, moment)
        with django_capture_on_commit_callbacks(execute=True):
            assert run("payments.remind_reports") == len(new)
            assert run("payments.remind_reports") == 0
        expected.extend((beneficiary.email, REPORT_KIND, key) for key in new)
        assert sent() == expected

    stamp = interim_day.strftime("%Y%m%d")
    step(deadline - 14 * DAY - MINUTE, [])
    step(deadline - 14 * DAY + MINUTE, [f"report-14d:{interim_tranche.pk}:{stamp}"])
    step(deadline - 3 * DAY - MINUTE, [])
    step(deadline - 3 * DAY + MINUTE, [f"report-3d:{interim_tranche.pk}:{stamp}"])
    step(deadline + MINUTE, [])

    prefix = agreement.application.receipt_prefix
    assert [m.subject for m in mailoutbox] == [
        f"{prefix}: Interim report due on {interim_day.day} {interim_day:%B %Y}"] * 2
    url = f"/applications/{agreement.application_id}/reports/interim/"
    assert f"http://testserver{url}" in mailoutbox[0].body
    assert set(Notification.objects.values_list("link", flat=True)) == {url}


def test_a_report_handed_in_is_not_reminded_and_changes_requested_is(clock):
    agreement = contracted(results_call(tranches=SCHEDULE_3))
    interim_tranche = agreement.tranches.get(event="interim_report_approved")
    today = timezone.now().astimezone(BRUSSELS).date()
    _due(interim_tranche, today + timedelta(days=10))
    report = submitted_report(agreement)
    assert run("payments.remind_reports") == 0
    ProgressReport.objects.filter(pk=report.pk).update(
        status=ProgressReport.Status.CHANGES_REQUESTED)
    assert run("payments.remind_reports") == 1


def test_no_report_reminder_without_a_due_date_or_for_a_closed_agreement(clock):
    agreement = contracted(results_call(tranches=SCHEDULE_3))
    today = timezone.now().astimezone(BRUSSELS).date()
    assert run("payments.remind_reports") == 0  # no date set
    _due(agreement.tranches.get(event="interim_report_approved"), today + timedelta(days=2))
    GrantAgreement.objects.filter(pk=agreement.pk).update(status=GrantAgreement.Status.CLOSED)
    assert run("payments.remind_reports") == 0


def test_a_due_date_moved_is_a_new_reminder(clock):
    agreement = contracted(results_call(tranches=SCHEDULE_3))
    tranche = agreement.tranches.get(event="interim_report_approved")
    today = timezone.now().astimezone(BRUSSELS).date()
    _due(tranche, today + timedelta(days=2))
    assert run("payments.remind_reports") == 1
    _due(tranche, today + timedelta(days=12))
    assert run("payments.remind_reports") == 1  # the new date's 14-day stage
    assert [k.split(":")[0] for k in Reminder.objects.order_by("pk").values_list("key",
                                                                                 flat=True)] == [
        "report-3d", "report-14d"]


def _queries(name: str, n: int, build) -> tuple[int, int]:
    for _ in range(n):
        build()
    with CaptureQueriesContext(connection) as first:
        assert run(name) == n
    with CaptureQueriesContext(connection) as second:
        assert run(name) == 0
    return len(first), len(second)


@pytest.mark.parametrize("name", ["payments.remind_agreements", "payments.remind_reports"])
def test_the_queries_do_not_grow_with_the_beneficiaries_only_with_the_reminders_sent(name):
    call = results_call(tranches=SCHEDULE_3)
    today = timezone.now().astimezone(BRUSSELS).date()

    def build():
        if name == "payments.remind_agreements":
            agreement_row(selected_application(call),
                          signing_deadline=timezone.now() + 2 * DAY)
        else:
            agreement = contracted(call)
            _due(agreement.tranches.get(event="interim_report_approved"),
                 today + timedelta(days=5))

    one, two, many = _queries(name, 1, build), _queries(name, 2, build), _queries(name, 5, build)
    assert one[1] == two[1] == many[1]
    per_reminder = two[0] - one[0]
    assert many[0] == one[0] + 4 * per_reminder
    assert per_reminder <= 8
