"""Assignment runs, filling gaps (evaluation/services/assignment_runs.py) and manual changes
(evaluation/services/assignment.py)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from calls.models import OpenCall
from evaluation.models import Assignment, AssignmentRun, CallEvaluator
from evaluation.services.assignment import (
    AssignmentRefused,
    RunBusy,
    assignment_add,
    assignment_remove,
    assignment_swap,
)
from evaluation.services.assignment_runs import (
    assignment_fill,
    assignment_run_execute,
    assignment_run_start,
)
from evaluation.tasks import task_fill_assignments, task_run_assignment
from portal.audit import audit_trail
from portal.models import AuditEntry
from portal.queue import registered_task
from tests.evaluation.factories import (
    AssignmentFactory,
    CallEvaluatorFactory,
    EvaluatorProfileFactory,
    closed_call,
    eligible_application,
    submitted_review,
)
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def evaluator(call, expertise, **profile):
    user = EvaluatorProfileFactory(expertise=expertise, **profile).user
    return CallEvaluatorFactory(call=call, user=user)


def pairs(call):
    return set(Assignment.objects.filter(application__call=call, status__in=Assignment.LIVE)
               .values_list("application_id", "evaluator_id"))


@pytest.fixture
def manager(manager_a):
    return manager_a.user


@pytest.fixture
def setup(manager_a):
    """A closed call with 3 proposals and 3 evaluators (k = 2, at most 2 each): every evaluator
    gets exactly 2, and the topics make one assignment the only optimum."""
    call = closed_call(eurocluster=manager_a.eurocluster, status=OpenCall.Status.CLOSED,
                       evaluator_max_load=2, balance_loads=False,
                       expertise_taxonomy=["Robotics", "AI", "Textiles"])
    a1 = eligible_application(call, topics=["Robotics", "AI"])
    a2 = eligible_application(call, topics=["AI"])
    a3 = eligible_application(call, topics=["Textiles"])
    e1 = evaluator(call, ["Robotics", "AI"])
    e2 = evaluator(call, ["AI"])
    e3 = evaluator(call, ["Textiles", "Robotics"])
    return call, [a1, a2, a3], [e1, e2, e3]


def run_now(call, by, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = assignment_run_start(call=call, by=by)
    run.refresh_from_db()
    return run


def test_run_assigns_k_evaluators_with_the_best_affinity(setup, manager,
                                                        django_capture_on_commit_callbacks):
    call, (a1, a2, a3), (e1, e2, e3) = setup
    run = run_now(call, manager, django_capture_on_commit_callbacks)
    assert run.status == AssignmentRun.Status.DONE
    assert run.progress == 100
    # a1 (Robotics, AI): e1 2 + e3 1; a2 (AI): e1 1 + e2 1; a3 (Textiles): e3 1 + e2 0.
    assert pairs(call) == {(a1.pk, e1.pk), (a1.pk, e3.pk), (a2.pk, e1.pk), (a2.pk, e2.pk),
                           (a3.pk, e2.pk), (a3.pk, e3.pk)}
    assert {k: v for k, v in run.result.items() if k != "seconds"} == {
        "pairs": 6, "kept": 0, "added": 6, "removed": 0, "fixed": 0, "total_affinity": 6,
        "min_load": 2, "max_load": 2, "balanced": True, "notes": []}
    assert sorted(Assignment.objects.values_list("affinity", flat=True)) == [0, 1, 1, 1, 1, 2]
    assert set(Assignment.objects.values_list("status", "source", "run_id")) == {
        ("assigned", "solver", run.pk)}
    assert set(Application.objects.filter(call=call).values_list("status", flat=True)) == {
        "under_evaluation"}
    call.refresh_from_db()
    assert call.status == OpenCall.Status.EVALUATION
    assert AuditEntry.objects.filter(action="assignment.create").count() == 6
    assert AuditEntry.objects.filter(action="transition", to_state="under_evaluation").count() == 3
    # One e-mail per evaluator, saying how many.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.user.email for e in (e1, e2, e3))
    assert mail.outbox[0].subject == f"{call.reference}: 2 new proposals to evaluate"


def test_running_a_run_twice_changes_nothing(setup, manager, django_capture_on_commit_callbacks):
    call, _apps, _evaluators = setup
    run = run_now(call, manager, django_capture_on_commit_callbacks)
    before = list(Assignment.objects.values_list("pk", "status"))
    sent = len(mail.outbox)
    again = assignment_run_execute(run_id=run.pk)
    task_run_assignment.delay(run_id=run.pk)
    assert again.status == AssignmentRun.Status.DONE
    assert list(Assignment.objects.values_list("pk", "status")) == before
    assert len(mail.outbox) == sent


def test_infeasible_run_fails_with_the_reasons(manager_a, manager,
                                               django_capture_on_commit_callbacks):
    call = closed_call(eurocluster=manager_a.eurocluster, status=OpenCall.Status.CLOSED)
    organisation = OrganisationFactory(legal_name="Acme Robotics SRL")
    application = eligible_application(call, organisation=organisation)
    evaluator(call, ["AI"])
    evaluator(call, ["AI"], organisation="Acme Robotics SRL")
    run = run_now(call, manager, django_capture_on_commit_callbacks)
    assert run.status == AssignmentRun.Status.FAILED
    assert run.result["reasons"] == [
        f"Application “SWELD” (no. {application.pk}) needs 2 evaluators but only 1 can take it "
        f"(without a conflict of interest and with a maximum load above 0)."]
    assert run.error == run.result["reasons"][0]
    assert not Assignment.objects.exists()
    call.refresh_from_db()
    assert call.status == OpenCall.Status.CLOSED


def test_start_refuses_an_obviously_infeasible_pool_at_once(setup, manager):
    call, _apps, (e1, _e2, _e3) = setup
    CallEvaluator.objects.filter(pk=e1.pk).update(status=CallEvaluator.Status.REMOVED)
    with pytest.raises(AssignmentRefused) as refused:
        assignment_run_start(call=call, by=manager)
    assert refused.value.message == (
        "3 proposals × 2 evaluators need 6 reviews, but the evaluators' maximum loads add up "
        "to 4: invite more evaluators or raise the maximum load.")
    assert not AssignmentRun.objects.exists()


def test_start_refuses_before_the_deadline(setup, manager):
    call, _apps, _evaluators = setup
    OpenCall.objects.filter(pk=call.pk).update(closes_at=timezone.now() + timedelta(hours=1))
    call.refresh_from_db()
    with pytest.raises(AssignmentRefused) as refused:
        assignment_run_start(call=call, by=manager)
    assert refused.value.message == ("The call's deadline has not passed yet: evaluators are "
                                     "assigned once it is closed.")


def test_start_refuses_a_second_run_while_one_is_queued(setup, manager):
    call, _apps, _evaluators = setup
    assignment_run_start(call=call, by=manager)  # not committed: stays queued
    with pytest.raises(RunBusy):
        assignment_run_start(call=call, by=manager)
    assert AssignmentRun.objects.count() == 1


def test_start_refuses_without_proposals_or_evaluators(manager_a, manager):
    call = closed_call(eurocluster=manager_a.eurocluster, status=OpenCall.Status.CLOSED)
    with pytest.raises(AssignmentRefused) as refused:
        assignment_run_start(call=call, by=manager)
    assert refused.value.message == "No proposal of this call is eligible for evaluation."
    eligible_application(call)
    with pytest.raises(AssignmentRefused) as refused:
        assignment_run_start(call=call, by=manager)
    assert refused.value.message == "No evaluator has accepted the invitation to this call yet."


def test_re_solve_after_a_withdrawal_keeps_the_standing_pairs(
        setup, manager, django_capture_on_commit_callbacks):
    call, (a1, a2, a3), (e1, e2, e3) = setup
    run_now(call, manager, django_capture_on_commit_callbacks)
    first = pairs(call)
    Application.objects.filter(pk=a3.pk).update(status=Application.Status.WITHDRAWN)
    a4 = eligible_application(call, topics=["Textiles"])
    run = run_now(call, manager, django_capture_on_commit_callbacks)
    assert run.status == AssignmentRun.Status.DONE
    now = pairs(call)
    standing = {p for p in first if p[0] != a3.pk}
    assert standing <= now
    assert {p for p in now if p[0] == a4.pk} == {(a4.pk, e2.pk), (a4.pk, e3.pk)}
    assert (run.result["kept"], run.result["added"], run.result["removed"]) == (4, 2, 2)
    assert set(Assignment.objects.filter(application=a3).values_list("status", flat=True)) == {
        "removed"}


def test_re_solve_never_moves_a_declared_or_submitted_assignment(
        setup, manager, django_capture_on_commit_callbacks):
    call, (a1, a2, a3), (e1, e2, e3) = setup
    call.balance_loads = True
    call.save()
    run_now(call, manager, django_capture_on_commit_callbacks)
    done = Assignment.objects.get(application=a1, evaluator=e1)
    submitted_review(done, [4, 4, 4])
    Assignment.objects.filter(application=a2, evaluator=e1).update(
        status=Assignment.Status.ACTIVE)
    run = run_now(call, manager, django_capture_on_commit_callbacks)
    assert run.result["fixed"] == 2
    assert run.result["removed"] == 0
    assert Assignment.objects.get(pk=done.pk).status == Assignment.Status.SUBMITTED


def test_fill_replaces_an_evaluator_who_declared_a_conflict(
        setup, manager, django_capture_on_commit_callbacks):
    call, (a1, a2, a3), (e1, e2, e3) = setup
    CallEvaluator.objects.filter(call=call).update(max_load=3)
    run_now(call, manager, django_capture_on_commit_callbacks)
    before = pairs(call)
    conflicted = Assignment.objects.filter(application=a1).exclude(evaluator=e1).get()
    third = ({e2.pk, e3.pk} - {conflicted.evaluator_id}).pop()
    Assignment.objects.filter(pk=conflicted.pk).update(status=Assignment.Status.CONFLICT)
    with django_capture_on_commit_callbacks(execute=True):
        task_fill_assignments.delay(call_id=call.pk)
    assert pairs(call) == (before - {(a1.pk, conflicted.evaluator_id)}) | {(a1.pk, third)}
    fill = AssignmentRun.objects.latest("pk")
    assert (fill.status, fill.result["added"], fill.result["kept"]) == ("done", 1, 5)
    # Nothing missing any more: a second fill does nothing.
    assert assignment_fill(call=call) is None


def test_fill_does_nothing_before_the_first_run(setup):
    call, _apps, _evaluators = setup
    assert assignment_fill(call=call) is None
    assert not AssignmentRun.objects.exists()


# --- manual changes ----------------------------------------------------------------------------


def test_manual_add_of_a_conflicting_evaluator_is_refused_with_the_reason(setup, manager):
    call, (a1, _a2, _a3), _evaluators = setup
    conflicted = evaluator(call, ["AI"], organisation=a1.organisation.legal_name)
    with pytest.raises(AssignmentRefused) as refused:
        assignment_add(application=a1, call_evaluator=conflicted, by=manager)
    name = conflicted.user.full_name
    assert refused.value.message == (
        f"{name} cannot evaluate this proposal: {name} works for the applicant, "
        f"{a1.organisation.legal_name}.")
    assert not Assignment.objects.exists()


def test_manual_add_assigns_audits_and_starts_evaluation(setup, manager):
    call, (a1, _a2, _a3), (e1, _e2, _e3) = setup
    assignment = assignment_add(application=a1, call_evaluator=e1, by=manager, reason="expert")
    assert (assignment.status, assignment.source, assignment.affinity) == ("assigned", "manual", 2)
    a1.refresh_from_db()
    call.refresh_from_db()
    assert (a1.status, call.status) == ("under_evaluation", "evaluation")
    entry = AuditEntry.objects.get(action="assignment.create")
    assert (entry.object_id, entry.actor_id, entry.reason) == (assignment.pk, manager.pk,
                                                               "expert")
    with pytest.raises(AssignmentRefused) as refused:
        assignment_add(application=a1, call_evaluator=e1, by=manager)
    assert refused.value.message == f"{e1.user.full_name} is already assigned to this proposal."


def test_manual_add_over_the_maximum_load_is_refused(setup, manager):
    call, (a1, a2, a3), (e1, _e2, _e3) = setup
    assignment_add(application=a1, call_evaluator=e1, by=manager)
    assignment_add(application=a2, call_evaluator=e1, by=manager)
    with pytest.raises(AssignmentRefused) as refused:
        assignment_add(application=a3, call_evaluator=e1, by=manager)
    assert refused.value.message == (f"{e1.user.full_name} already has 2 proposals, the most "
                                     f"allowed in this call.")


def test_remove_and_add_back(setup, manager):
    _call, (a1, _a2, _a3), (e1, _e2, _e3) = setup
    assignment = assignment_add(application=a1, call_evaluator=e1, by=manager)
    removed = assignment_remove(assignment=assignment, by=manager, reason="on leave")
    assert removed.status == Assignment.Status.REMOVED
    assert assignment_remove(assignment=assignment, by=manager, reason="again").status == "removed"
    back = assignment_add(application=a1, call_evaluator=e1, by=manager)
    assert (back.pk, back.status) == (assignment.pk, "assigned")
    trail = audit_trail(assignment).filter(action="transition").order_by("pk")
    assert list(trail.values_list("from_state", "to_state", "reason")) == [
        ("assigned", "removed", "on leave"), ("removed", "assigned", "added back by a manager")]


def test_remove_of_a_submitted_review_is_refused(setup, manager):
    _call, (a1, _a2, _a3), (e1, _e2, _e3) = setup
    assignment = AssignmentFactory(application=a1, evaluator=e1)
    submitted_review(assignment, [3, 3, 3])
    with pytest.raises(AssignmentRefused) as refused:
        assignment_remove(assignment=assignment, by=manager, reason="x")
    assert refused.value.message == ("This evaluator has submitted the review: it cannot be "
                                     "removed. Reopen the review first if it must be redone.")


def test_swap_replaces_the_evaluator(setup, manager):
    _call, (a1, _a2, _a3), (e1, e2, _e3) = setup
    assignment = assignment_add(application=a1, call_evaluator=e1, by=manager)
    new = assignment_swap(assignment=assignment, call_evaluator=e2, by=manager, reason="swap")
    assert (new.evaluator_id, new.status) == (e2.pk, "assigned")
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.REMOVED


def test_swap_to_a_conflicting_evaluator_changes_nothing(setup, manager):
    _call, (a1, _a2, _a3), (e1, _e2, _e3) = setup
    assignment = assignment_add(application=a1, call_evaluator=e1, by=manager)
    conflicted = evaluator(a1.call, ["AI"], organisation=a1.organisation.legal_name)
    with pytest.raises(AssignmentRefused):
        assignment_swap(assignment=assignment, call_evaluator=conflicted, by=manager, reason="")
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ASSIGNED


def test_manual_add_of_an_evaluator_who_has_not_accepted_is_refused(setup, manager):
    call, (a1, _a2, _a3), _evaluators = setup
    invited = CallEvaluatorFactory(call=call, user=UserFactory(),
                                   status=CallEvaluator.Status.INVITED)
    with pytest.raises(AssignmentRefused) as refused:
        assignment_add(application=a1, call_evaluator=invited, by=manager)
    assert refused.value.message == (f"{invited.user.full_name} has not accepted the invitation "
                                     f"to this call.")


def test_a_stale_run_no_longer_blocks_the_call(setup, manager):
    call, _apps, _evaluators = setup
    stale = AssignmentRun.objects.create(call=call, status=AssignmentRun.Status.RUNNING)
    AssignmentRun.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(minutes=31))
    run = assignment_run_start(call=call, by=manager)
    stale.refresh_from_db()
    assert (stale.status, run.status) == ("failed", "queued")
    assert stale.error == ("The run did not finish within 30 minutes (its worker stopped?). "
                           "Nothing of it was saved; start a new run.")


def test_a_run_s_figures_describe_the_call_after_it_like_the_loads_table(
        setup, manager, client, django_capture_on_commit_callbacks):
    """A re-run around declared assignments: the loads are the evaluators' live loads (what the
    loads table shows), not the solver's share of them, and "kept" counts the declared ones."""
    call, (a1, a2, a3), (e1, e2, e3) = setup
    run_now(call, manager, django_capture_on_commit_callbacks)
    Assignment.objects.filter(application__in=[a1, a2]).update(status=Assignment.Status.ACTIVE)
    run = run_now(call, manager, django_capture_on_commit_callbacks)
    assert [run.result[key] for key in ("pairs", "fixed", "kept", "added", "removed",
                                        "min_load", "max_load")] == [6, 4, 2, 0, 0, 2, 2]
    client.force_login(manager)
    page = client.get(reverse("evaluation:manage_run", args=[run.pk])).content.decode()
    assert ("6 assignments in total after this run: 6 kept from before, 0 added, 0 removed; "
            "evaluator loads 2–2") in page


def test_sweep_assignment_runs_task_runs_a_lost_run_once_and_fails_a_stale_one(
        setup, manager, manager_a):
    """The beat task: a run whose message was lost (queued for more than a minute) is run; a
    second sweep finds nothing; a run left active past STALE_AFTER is failed, not run."""
    call, _apps, _evaluators = setup
    run = assignment_run_start(call=call, by=manager)  # its message never sent: no commit hook
    AssignmentRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(minutes=2))
    fresh_call = closed_call(eurocluster=manager_a.eurocluster, status=OpenCall.Status.CLOSED)
    fresh = AssignmentRun.objects.create(call=fresh_call, started_by=manager)  # under a minute
    stale_call = closed_call(eurocluster=manager_a.eurocluster, status=OpenCall.Status.CLOSED)
    stale = AssignmentRun.objects.create(call=stale_call, started_by=manager)
    AssignmentRun.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(minutes=31))

    assert registered_task("evaluation.sweep_assignment_runs").apply().get() == 1

    run.refresh_from_db()
    assert (run.status, run.progress) == (AssignmentRun.Status.DONE, 100)
    assert len(pairs(call)) == 6
    assert AssignmentRun.objects.get(pk=fresh.pk).status == AssignmentRun.Status.QUEUED
    assert AssignmentRun.objects.get(pk=stale.pk).status == AssignmentRun.Status.FAILED
    before = list(Assignment.objects.values_list("pk", "status"))

    assert registered_task("evaluation.sweep_assignment_runs").apply().get() == 0
    assert list(Assignment.objects.values_list("pk", "status")) == before
