"""Reminders of the evaluators: unfinished reviews 3 days and 1 day before the evaluation
deadline (``evaluation.remind_reviews``), invitations unanswered after 3 days
(``evaluation.remind_invitations``); each once, never for finished reviews, answered invitations
or people of other roles."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import OpenCall
from evaluation.models import Assignment, CallEvaluator
from evaluation.reminders import INVITATION_KIND, REVIEWS_KIND
from portal.models import Notification, Reminder
from portal.queue import registered_task
from tests.evaluation.factories import (
    AssignmentFactory,
    CallEvaluatorFactory,
    closed_call,
    eligible_application,
    submitted_review,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY, MINUTE = timedelta(days=1), timedelta(minutes=1)


def run(name: str) -> int:
    return registered_task(name).apply().get()


def move_to(clock, moment):
    clock((moment - timezone.now()).total_seconds())


def sent() -> list[tuple[str, str, str]]:
    return [(n.recipient.email, n.kind, r.key.split(":")[0])
            for r in Reminder.objects.select_related("notification__recipient").order_by("pk")
            for n in [r.notification]]


def test_unfinished_reviews_are_reminded_3_days_and_1_day_before_the_deadline_once(
        clock, mailoutbox, django_capture_on_commit_callbacks):
    call = closed_call(evaluation_deadline=timezone.now() + 5 * DAY)
    first, second, third = (eligible_application(call) for _ in range(3))
    busy = CallEvaluatorFactory(call=call, user=UserFactory(email="busy@example.eu"))
    AssignmentFactory(application=first, evaluator=busy, status=Assignment.Status.ACTIVE)
    AssignmentFactory(application=second, evaluator=busy, status=Assignment.Status.ASSIGNED)
    done = CallEvaluatorFactory(call=call, user=UserFactory(email="done@example.eu"))
    submitted_review(AssignmentFactory(application=first, evaluator=done), [4, 4, 4])
    conflicted = CallEvaluatorFactory(call=call, user=UserFactory(email="coi@example.eu"))
    AssignmentFactory(application=third, evaluator=conflicted, status=Assignment.Status.CONFLICT)
    # A manager of the call's Eurocluster and an evaluator of it with nothing assigned.
    MembershipFactory(eurocluster=call.eurocluster, user__email="manager@example.eu")
    CallEvaluatorFactory(call=call, user=UserFactory(email="idle@example.eu"))
    deadline = call.evaluation_deadline
    expected: list[tuple[str, str, str]] = []

    def step(moment, new):
        move_to(clock, moment)
        with django_capture_on_commit_callbacks(execute=True):
            assert run("evaluation.remind_reviews") == len(new)
            assert run("evaluation.remind_reviews") == 0
        expected.extend(new)
        assert sent() == expected

    step(deadline - 3 * DAY - MINUTE, [])
    step(deadline - 3 * DAY + MINUTE, [("busy@example.eu", REVIEWS_KIND, "reviews-3d")])
    step(deadline - DAY - MINUTE, [])
    step(deadline - DAY + MINUTE, [("busy@example.eu", REVIEWS_KIND, "reviews-1d")])
    step(deadline + MINUTE, [])

    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["busy@example.eu"], f"{call.reference}: 2 reviews to finish before the evaluation "
                              "deadline")] * 2
    assert "http://testserver/evaluate/" in mailoutbox[0].body
    assert list(Notification.objects.values_list("link", flat=True)) == ["/evaluate/"] * 2


def test_reviews_finished_between_two_reminders_end_them(clock):
    call = closed_call(evaluation_deadline=timezone.now() + 5 * DAY)
    evaluator = CallEvaluatorFactory(call=call)
    assignment = AssignmentFactory(application=eligible_application(call), evaluator=evaluator)
    move_to(clock, call.evaluation_deadline - 2 * DAY)
    assert run("evaluation.remind_reviews") == 1
    submitted_review(assignment, [3, 3, 3])
    move_to(clock, call.evaluation_deadline - DAY + MINUTE)
    assert run("evaluation.remind_reviews") == 0


def test_no_review_reminder_once_the_results_are_out(clock):
    call = closed_call(evaluation_deadline=timezone.now() + 2 * DAY,
                       status=OpenCall.Status.RESULTS)
    AssignmentFactory(application=eligible_application(call),
                      evaluator=CallEvaluatorFactory(call=call))
    assert run("evaluation.remind_reviews") == 0


def test_an_invitation_unanswered_for_3_days_is_reminded_once(
        clock, mailoutbox, django_capture_on_commit_callbacks):
    call = closed_call(evaluation_deadline=timezone.now() + 20 * DAY)
    waiting = CallEvaluatorFactory(call=call, status=CallEvaluator.Status.INVITED,
                                   responded_at=None, declaration_accepted_at=None,
                                   user=UserFactory(email="waiting@example.eu"))
    CallEvaluatorFactory(call=call, status=CallEvaluator.Status.ACCEPTED,
                         user=UserFactory(email="accepted@example.eu"))
    CallEvaluatorFactory(call=call, status=CallEvaluator.Status.DECLINED,
                         user=UserFactory(email="declined@example.eu"))
    answered_late = CallEvaluatorFactory(call=call, status=CallEvaluator.Status.INVITED,
                                         responded_at=None, declaration_accepted_at=None,
                                         user=UserFactory(email="late@example.eu"))
    invited_at = waiting.invited_at

    move_to(clock, invited_at + 3 * DAY - MINUTE)
    assert run("evaluation.remind_invitations") == 0
    CallEvaluator.objects.filter(pk=answered_late.pk).update(
        status=CallEvaluator.Status.ACCEPTED, responded_at=timezone.now())
    move_to(clock, invited_at + 3 * DAY + MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        assert run("evaluation.remind_invitations") == 1
        assert run("evaluation.remind_invitations") == 0
    move_to(clock, invited_at + 10 * DAY)
    assert run("evaluation.remind_invitations") == 0
    assert sent() == [("waiting@example.eu", INVITATION_KIND, "invitation-3d")]
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["waiting@example.eu"], f"{call.reference}: your answer to the invitation to evaluate")]
    assert f"http://testserver/invitations/{waiting.token}/" in mailoutbox[0].body
    assert Notification.objects.get().link == f"/invitations/{waiting.token}/"


def test_no_invitation_reminder_once_the_evaluation_deadline_has_passed(clock):
    call = closed_call(evaluation_deadline=timezone.now() + 2 * DAY)
    CallEvaluatorFactory(call=call, status=CallEvaluator.Status.INVITED, responded_at=None,
                         declaration_accepted_at=None)
    move_to(clock, call.evaluation_deadline + MINUTE)
    assert run("evaluation.remind_invitations") == 0


def _queries(name: str, n: int, build) -> tuple[int, int]:
    for _ in range(n):
        build()
    with CaptureQueriesContext(connection) as first:
        assert run(name) == n
    with CaptureQueriesContext(connection) as second:
        assert run(name) == 0
    return len(first), len(second)


@pytest.mark.parametrize("name", ["evaluation.remind_reviews", "evaluation.remind_invitations"])
def test_the_queries_do_not_grow_with_the_evaluators_only_with_the_reminders_sent(name, clock):
    call = closed_call(evaluation_deadline=timezone.now() + 2 * DAY)
    application = eligible_application(call)

    def build():
        if name == "evaluation.remind_reviews":
            AssignmentFactory(application=application, evaluator=CallEvaluatorFactory(call=call))
        else:
            entry = CallEvaluatorFactory(call=call, status=CallEvaluator.Status.INVITED,
                                         responded_at=None, declaration_accepted_at=None)
            CallEvaluator.objects.filter(pk=entry.pk).update(
                invited_at=timezone.now() - 4 * DAY)

    one = _queries(name, 1, build)
    two = _queries(name, 2, build)  # the earlier ones are reminded already: they cost nothing
    many = _queries(name, 5, build)
    # Finding who is due and what was sent: the same with 1, 3 and 8 evaluators.
    assert one[1] == two[1] == many[1]
    # Each reminder sent costs the same few writes (the record and notify()'s), nothing else.
    per_reminder = two[0] - one[0]
    assert many[0] == one[0] + 4 * per_reminder
    assert per_reminder <= 8
