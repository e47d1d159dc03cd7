"""Clarification requests: asking, answering by the due moment (to the second), sharing,
closing, the overdue reminder; the submitted version never changes."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from applications import personal_data
from applications.clarifications import (
    ClarificationRefused,
    clarification_answer,
    clarification_ask,
    clarification_close,
    clarification_default_due,
    clarification_share,
    clarifications_remind_overdue,
)
from applications.models import (
    Application,
    ApplicationVersion,
    ClarificationAttachment,
    ClarificationRequest,
)
from applications.transitions import clarification_transition
from applications.working_days import add_working_days, end_of_day
from portal.errors import DomainError, InvalidTransition
from portal.models import AuditEntry, Notification, ScanStatus
from portal.notifications import kind_of
from portal.queue import registered_task
from portal.scanning import UploadInfected, pending_uploads_rescan
from tests.applications.clarification_helpers import pdf, submitted
from tests.factories import MINIMAL_PDF, CriterionFactory, OpenCallFactory, UserFactory
from tests.scanning import MARKER

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
# Wednesday 3 March 2027, 10:00 in Brussels (09:00 UTC).
ASKED = datetime(2027, 3, 3, 10, 0, tzinfo=BRUSSELS)
# 5 working days on: Wednesday 10 March 2027, 23:59:59 Brussels time.
DUE = datetime(2027, 3, 10, 23, 59, 59, tzinfo=BRUSSELS)
SECOND = timedelta(seconds=1)


@pytest.fixture
def clock(monkeypatch):
    """Stops the server clock (``timezone.now``) at a chosen instant. The shared ``clock`` of
    tests/conftest.py moves ``time.time`` on, which ``timezone.now`` does not read, and lets the
    real time run: it cannot stand the clock exactly on a due moment."""

    def stop_at(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return stop_at


@pytest.fixture
def case(manager_a, clock):
    clock(ASKED - timedelta(days=1))
    return submitted(manager_a.eurocluster, opens_at=ASKED - timedelta(days=20),
                     closes_at=ASKED + timedelta(days=20))


def ask(case, manager, **kwargs) -> ClarificationRequest:
    kwargs.setdefault("question", "Please send the 2025 balance sheet: the turnover looks high.")
    return clarification_ask(application=case.application, by=manager, **kwargs)


def actions(request) -> list[str]:
    return list(AuditEntry.objects.filter(object_id=request.pk,
                                          content_type__model="clarificationrequest")
                .order_by("pk").values_list("action", flat=True))


# --- due dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(("asked_on", "due_on"), [
    (date(2027, 3, 1), date(2027, 3, 8)),    # Monday -> next Monday
    (date(2027, 3, 3), date(2027, 3, 10)),   # Wednesday -> next Wednesday
    (date(2027, 3, 5), date(2027, 3, 12)),   # Friday -> next Friday
    (date(2027, 3, 6), date(2027, 3, 12)),   # Saturday -> Friday (Monday is the first day)
    (date(2027, 3, 7), date(2027, 3, 12)),   # Sunday -> Friday
    (date(2027, 12, 24), date(2027, 12, 31)),  # holidays count as working days
])
def test_five_working_days_skip_the_weekends(asked_on, due_on):
    assert add_working_days(asked_on, 5) == due_on


def test_the_due_moment_is_the_last_second_of_the_day_in_brussels():
    # Summer time: 23:59:59 in Brussels is 21:59:59 UTC.
    assert end_of_day(date(2027, 7, 1)).astimezone(ZoneInfo("UTC")) == datetime(
        2027, 7, 1, 21, 59, 59, tzinfo=ZoneInfo("UTC"))


def test_the_default_due_day_counts_from_the_brussels_day_of_asking():
    # Friday 23:30 in Brussels is still Friday there (22:30 UTC): due the next Friday.
    late_friday = datetime(2027, 3, 5, 22, 30, tzinfo=ZoneInfo("UTC"))
    assert clarification_default_due(now=late_friday) == date(2027, 3, 12)
    # Saturday 00:30 in Brussels (Friday 23:30 UTC): the week-end, so due the Friday after.
    saturday = datetime(2027, 3, 5, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert clarification_default_due(now=saturday) == date(2027, 3, 12)


# --- asking -----------------------------------------------------------------------------------


def test_ask_records_the_question_on_the_current_version_audits_and_notifies_the_applicant(
        case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user, criterion=case.criterion)
    assert (request.version, request.status, request.due_at, request.asked_at) == (
        case.version, ClarificationRequest.Status.OPEN, DUE, ASKED)
    assert (request.rule, request.criterion, request.shared_with_evaluators) == (
        "", case.criterion, False)
    assert actions(request) == ["clarification_asked"]
    entry = AuditEntry.objects.get(action="clarification_asked")
    assert (entry.actor, entry.eurocluster_id, entry.data) == (
        manager_a.user, case.call.eurocluster_id,
        {"application": case.application.pk, "version": 1,
         "due_at": DUE.isoformat(), "rule": "", "criterion": case.criterion.pk})
    notification = Notification.objects.get(kind="applications.clarification_requested")
    assert (notification.recipient, notification.kind, notification.link) == (
        case.applicant, "applications.clarification_requested",
        f"/applications/{case.application.pk}/#clarification-{request.pk}")
    assert notification.text == f"{case.application.receipt_prefix}: a question about your " \
                                "application"
    assert "Please send the 2025 balance sheet" in notification.body
    assert "10 March 2027, 23:59:59 (Brussels time)" in notification.body
    assert (f"http://testserver/applications/{case.application.pk}/clarifications/"
            f"{request.pk}/answer/") in notification.body
    assert "Evaluation criterion: Impact" in notification.body


def test_the_request_kind_is_essential_and_the_managers_kinds_are_not():
    assert kind_of("applications.clarification_requested").essential is True
    assert kind_of("applications.clarification_answered").essential is False
    assert kind_of("applications.clarification_overdue").essential is False


def test_ask_with_a_chosen_day_and_a_rule(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user, due_on=date(2027, 3, 4), rule="sme")
    assert request.due_at == datetime(2027, 3, 4, 23, 59, 59, tzinfo=BRUSSELS)
    assert request.concerns_label == "Eligibility rule: SME status (Recommendation 2003/361/EC)"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"question": "   "}, "Write the question to the applicant."),
    ({"due_on": date(2027, 3, 2)}, "The due date cannot be in the past."),
    ({"rule": "sme", "criterion": "own"},
     "A question concerns one eligibility rule or one criterion, not both."),
    ({"criterion": "other"}, "This criterion belongs to another call."),
    ({"rule": "no_such_rule"}, "This call does not check this eligibility rule."),
])
def test_ask_refuses_what_cannot_be_asked(case, manager_a, clock, kwargs, message):
    clock(ASKED)
    criteria = {"own": case.criterion, "other": CriterionFactory(call=OpenCallFactory())}
    if "criterion" in kwargs:
        kwargs["criterion"] = criteria[kwargs["criterion"]]
    with pytest.raises(ClarificationRefused) as refused:
        ask(case, manager_a.user, **kwargs)
    assert refused.value.message == message
    assert ClarificationRequest.objects.count() == 0
    assert not Notification.objects.filter(kind__startswith="applications.clarification").exists()


@pytest.mark.parametrize("status", [Application.Status.DRAFT, Application.Status.SELECTED,
                                    Application.Status.WITHDRAWN])
def test_ask_outside_eligibility_and_evaluation_is_refused(case, manager_a, clock, status):
    clock(ASKED)
    Application.objects.filter(pk=case.application.pk).update(status=status)
    with pytest.raises(ClarificationRefused) as refused:
        ask(case, manager_a.user)
    assert refused.value.message.startswith(
        "A clarification can be asked only while the application is in eligibility or "
        "evaluation")
    assert ClarificationRequest.objects.count() == 0


def test_ask_during_evaluation_is_accepted(case, manager_a, clock):
    clock(ASKED)
    Application.objects.filter(pk=case.application.pk).update(
        status=Application.Status.UNDER_EVALUATION)
    assert ask(case, manager_a.user).status == ClarificationRequest.Status.OPEN


# --- answering --------------------------------------------------------------------------------


def test_an_answer_exactly_at_the_due_moment_is_taken_and_leaves_the_version_as_submitted(
        case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    before = ApplicationVersion.objects.values("sha256", "content", "submitted_at").get(
        pk=case.version.pk)
    clock(DUE)
    answered = clarification_answer(request=request, by=case.applicant,
                                    text="Our 2025 turnover is EUR 1.5 M; see the accounts.",
                                    files=[pdf("accounts 2025.pdf")])
    assert (answered.status, answered.answered_at, answered.answered_by) == (
        ClarificationRequest.Status.ANSWERED, DUE, case.applicant)
    assert answered.answer == "Our 2025 turnover is EUR 1.5 M; see the accounts."
    # The submitted version is exactly as it was: same hash, same content, one version.
    after = ApplicationVersion.objects.values("sha256", "content", "submitted_at").get(
        pk=case.version.pk)
    assert after == before
    assert after["sha256"] == case.version.sha256
    assert ApplicationVersion.objects.filter(application=case.application).count() == 1
    assert Application.objects.get(pk=case.application.pk).status == Application.Status.SUBMITTED
    (attachment,) = ClarificationAttachment.objects.all()
    assert (attachment.request_id, attachment.original_name, attachment.uploaded_by) == (
        request.pk, "accounts_2025.pdf", case.applicant)
    assert default_storage.exists(attachment.file.name)
    assert actions(request) == ["clarification_asked", "transition", "clarification_answered"]
    entry = AuditEntry.objects.get(action="clarification_answered")
    assert entry.data == {"application": case.application.pk, "version": 1,
                          "files": [{"id": attachment.pk, "sha256": attachment.sha256,
                                     "size": attachment.size}]}
    told = Notification.objects.get(kind="applications.clarification_answered")
    assert told.recipient == manager_a.user
    assert told.link == (f"/manage/eligibility/{case.version.eligibility.pk}/"
                         f"#clarification-{request.pk}")
    assert "1 file is attached to the answer." in told.body


def test_an_answer_one_second_after_the_due_moment_is_refused(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    clock(DUE + SECOND)
    with pytest.raises(ClarificationRefused) as refused:
        clarification_answer(request=request, by=case.applicant, text="Too late?",
                             files=[pdf()])
    assert refused.value.message == (
        "The answer was due by 10 March 2027, 23:59:59 (Brussels time); it can no longer be "
        "sent. Please contact the cluster manager.")
    request.refresh_from_db()
    assert (request.status, request.answer, request.answered_at) == (
        ClarificationRequest.Status.OPEN, "", None)
    assert ClarificationAttachment.objects.count() == 0
    assert actions(request) == ["clarification_asked"]


def test_a_question_is_answered_once(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    clarification_answer(request=request, by=case.applicant, text="First answer.")
    with pytest.raises(ClarificationRefused) as refused:
        clarification_answer(request=request, by=case.applicant, text="Second answer.")
    assert refused.value.message == "This question is answered already."
    request.refresh_from_db()
    assert request.answer == "First answer."


def test_only_the_applicant_answers(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    for person in (manager_a.user, UserFactory(), UserFactory(is_superuser=True)):
        with pytest.raises(ClarificationRefused) as refused:
            clarification_answer(request=request, by=person, text="Not mine to answer.")
        assert refused.value.message == "Only the applicant answers a clarification request."
    assert ClarificationRequest.objects.get().status == ClarificationRequest.Status.OPEN


def test_an_answer_needs_text_and_pdfs_only(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    with pytest.raises(ClarificationRefused) as refused:
        clarification_answer(request=request, by=case.applicant, text="  ", files=[pdf()])
    assert refused.value.message == "Write your answer."
    with pytest.raises(DomainError) as refused:
        clarification_answer(request=request, by=case.applicant, text="See the file.",
                             files=[pdf("accounts.pdf", b"PK\x03\x04 a zip, not a PDF")])
    assert refused.value.message.startswith("“accounts.pdf” is not a PDF document")
    with pytest.raises(ClarificationRefused) as refused:
        clarification_answer(request=request, by=case.applicant, text="Six files.",
                             files=[pdf(f"f{n}.pdf") for n in range(6)])
    assert refused.value.message == "At most 5 files can be attached to an answer."
    assert ClarificationAttachment.objects.count() == 0
    assert ClarificationRequest.objects.get().status == ClarificationRequest.Status.OPEN


def test_an_infected_file_is_refused_and_nothing_is_stored(case, manager_a, clock, fake_clamd):
    clock(ASKED)
    request = ask(case, manager_a.user)
    with pytest.raises(UploadInfected):
        clarification_answer(request=request, by=case.applicant, text="See the file.",
                             files=[pdf("virus.pdf", MINIMAL_PDF + MARKER)])
    assert len(fake_clamd.scanned) == 1
    assert ClarificationAttachment.objects.count() == 0
    assert ClarificationRequest.objects.get().status == ClarificationRequest.Status.OPEN
    assert AuditEntry.objects.filter(action="upload_infected",
                                     object_id=case.application.pk).count() == 1


def test_a_closed_question_can_no_longer_be_answered(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    clarification_close(request=request, by=manager_a.user, reason="Found in the annex.")
    with pytest.raises(ClarificationRefused) as refused:
        clarification_answer(request=request, by=case.applicant, text="Here it is.")
    assert refused.value.message == ("The cluster manager closed this question; it can no "
                                     "longer be answered.")
    request.refresh_from_db()
    assert (request.status, request.closed_at) == (ClarificationRequest.Status.CLOSED, ASKED)
    assert actions(request) == ["clarification_asked", "transition"]
    # Closing again changes nothing; a closed question does not reopen.
    clarification_close(request=request, by=manager_a.user)
    assert actions(request) == ["clarification_asked", "transition"]


def test_every_status_is_in_the_table():
    assert set(ClarificationRequest.TRANSITIONS) == set(ClarificationRequest.Status.values)
    assert ClarificationRequest.Status.OPEN not in ClarificationRequest.TRANSITIONS[
        ClarificationRequest.Status.CLOSED]


def test_an_answered_question_cannot_be_reopened(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    clarification_answer(request=request, by=case.applicant, text="Answer.")
    with pytest.raises(InvalidTransition):
        clarification_transition(request=request, to=ClarificationRequest.Status.OPEN,
                                 by=manager_a.user)


# --- sharing ----------------------------------------------------------------------------------


def test_sharing_and_hiding_are_audited_once_each(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    assert clarification_share(request=request, by=manager_a.user,
                               shared=True).shared_with_evaluators is True
    clarification_share(request=request, by=manager_a.user, shared=True)
    assert clarification_share(request=request, by=manager_a.user,
                               shared=False).shared_with_evaluators is False
    assert actions(request) == ["clarification_asked", "clarification_shared",
                                "clarification_unshared"]


# --- overdue ----------------------------------------------------------------------------------


def test_the_overdue_reminder_tells_the_manager_once_per_request(case, manager_a, clock):
    clock(ASKED)
    overdue = ask(case, manager_a.user)
    answered = ask(case, manager_a.user, question="And the staff figures?")
    later = ask(case, manager_a.user, question="And the 2024 figures?",
                due_on=date(2027, 3, 20))
    clarification_answer(request=answered, by=case.applicant, text="12 AWU.")
    assert clarifications_remind_overdue(now=DUE) == 0  # due, not yet overdue
    assert clarifications_remind_overdue(now=DUE + SECOND) == 1
    assert clarifications_remind_overdue(now=DUE + SECOND) == 0
    reminders = Notification.objects.filter(kind="applications.clarification_overdue")
    assert [(n.recipient, n.link) for n in reminders] == [
        (manager_a.user, f"/manage/eligibility/{case.version.eligibility.pk}/"
                         f"#clarification-{overdue.pk}")]
    assert "10 March 2027, 23:59:59" in reminders[0].body
    overdue.refresh_from_db()
    assert overdue.overdue_notified_at == DUE + SECOND
    later.refresh_from_db()
    assert later.overdue_notified_at is None


def test_the_beat_task_reminds_once_when_run_twice(case, manager_a, clock):
    clock(ASKED)
    ask(case, manager_a.user)
    clock(DUE + SECOND)
    task = registered_task("applications.remind_overdue_clarifications")
    assert task.apply().get() == 1
    assert task.apply().get() == 0
    assert Notification.objects.filter(kind="applications.clarification_overdue").count() == 1


def test_a_file_kept_while_the_scanner_was_away_is_served_once_scanned(
        case, manager_a, clock, fake_clamd):
    clock(ASKED)
    request = ask(case, manager_a.user)
    fake_clamd.down = True
    clarification_answer(request=request, by=case.applicant, text="See the file.",
                         files=[pdf()])
    attachment = ClarificationAttachment.objects.get()
    assert (attachment.scan_status, attachment.is_servable) == (ScanStatus.PENDING, False)
    fake_clamd.down = False
    assert pending_uploads_rescan() == {"clean": 1, "infected": 0, "pending": 0}
    attachment.refresh_from_db()
    assert (attachment.scan_status, attachment.is_servable) == (ScanStatus.CLEAN, True)
    assert actions(request)[-1] == "upload_scan_clean"


# --- personal data ----------------------------------------------------------------------------


def test_the_applicants_export_holds_the_thread_and_its_files(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    clarification_answer(request=request, by=case.applicant, text="See the accounts.",
                         files=[pdf("accounts.pdf")])
    attachment = ClarificationAttachment.objects.get()
    section = personal_data.export(case.applicant)
    (exported,) = section.data["applications"]
    assert exported["clarifications"] == [{
        "question": request.question, "asked_at": ASKED, "due_at": DUE,
        "answer": "See the accounts.", "answered_at": ASKED,
        "files": [{"original_name": "accounts.pdf", "size": attachment.size,
                   "sha256": attachment.sha256}]}]
    assert [f.path for f in section.files] == [
        f"applications/{case.application.pk}/clarifications/{attachment.pk}-accounts.pdf"]


def test_the_purge_after_retention_removes_the_thread_and_its_files(case, manager_a, clock):
    clock(ASKED)
    request = ask(case, manager_a.user)
    clarification_answer(request=request, by=case.applicant, text="See the accounts.",
                         files=[pdf("accounts.pdf")])
    stored = ClarificationAttachment.objects.get().file.name
    personal_data.purge(case.applicant)
    assert ClarificationRequest.objects.count() == 0
    assert ClarificationAttachment.objects.count() == 0
    assert not default_storage.exists(stored)
    assert not Application.objects.filter(pk=case.application.pk).exists()
