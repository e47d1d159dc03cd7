"""Assignment runs: the solver on the database, started by a manager or filling gaps.

A **run** (``assignment_run_start`` by a manager, then ``assignment_run_execute`` in a worker)
builds the problem from the database, solves it exactly with ``evaluation.assignment.solve`` and
writes the difference with what was there:

- proposals: the call's applications in status *eligible* or *under evaluation*, each needing
  ``call.evaluators_per_application`` (k) evaluators;
- evaluators: the *accepted* members of the call's pool. The call's declaration is not needed to
  be assigned: it is needed (rules.py) before an evaluator sees anything of the call, so a run
  may go ahead while evaluators are still signing it;
- loads: ``evaluation.selectors.assignment.load_bounds``;
- **fixed** pairs: assignments whose evaluator already declared no conflict (*active*) or
  submitted the review are never moved by a run: they count towards the proposal's k and the
  evaluator's load and the solver places the rest around them. Only assignments still waiting for
  the declaration (*assigned*) can be moved or removed, and the solver keeps as many of them as it
  can (``Problem.existing``), so a re-solve after a withdrawal changes as little as possible;
- exclusions: ``evaluation.conflicts`` (same organisation, partner staff, same country when the
  call says so, declared conflicts), plus the pairs removed before: a person taken off a proposal
  is not put back by a solver run (a manager can add them back by hand);
- affinity: the number of shared topics (``evaluation.conflicts.affinity``).

A **fill** (``assignment_fill``, queued after a conflict is declared or an evaluator is removed)
is the same re-solve without the evaluators' minimum loads and without balancing (which could move
standing pairs): it only completes proposals that fell below k, keeping every standing assignment.

A run's figures (``AssignmentRun.result``) describe the call after the run: ``pairs`` live
assignments of the proposals in evaluation, of which ``fixed`` (declared) and ``kept`` (not yet
declared) stood before and ``added`` are new; ``removed`` were taken off; ``min_load`` and
``max_load`` are the lowest and highest live load of the accepted evaluators, the figures of the
loads table. Manual changes are in ``evaluation.services.assignment``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from applications.transitions import application_transition_bulk
from calls.models import OpenCall
from calls.transitions import call_transition
from evaluation import assignment as solver
from evaluation.conflicts import pool_members
from evaluation.models import Assignment, AssignmentRun
from evaluation.selectors.assignment import (
    OPEN_FOR_ASSIGNMENT,
    AssignmentPlan,
    assignment_counts,
    assignment_plan,
    lacks_evaluators,
    live_loads,
    load_bounds,
)
from evaluation.services.assignment import (
    AssignmentRefused,
    RunBusy,
    check_call_can_be_assigned,
    mail_new_assignments,
)
from evaluation.services.transitions import (
    assignment_run_transition,
    assignment_transition_bulk,
)
from portal.audit import audit_record
from portal.errors import DomainError
from portal.models import AuditEntry
from portal.queue import enqueue_on_commit, registered_task

logger = logging.getLogger(__name__)

# A run still queued or running after this long has lost its worker (see _fail_stale_runs).
STALE_AFTER = timedelta(minutes=30)
# pg_try_advisory_lock(RUN_LEASE, run id): held by the worker executing a run, for as long as its
# database session lives. A run "running" whose lease nobody holds lost its worker (killed, out of
# memory): the sweeper queues it again and the next worker does it from the start.
RUN_LEASE = 0x41525553  # "ARUS"


@contextlib.contextmanager
def _run_lease(run_id: int) -> Iterator[bool | None]:
    """Take the run's lease for the block: True (held), False (another worker holds it), None
    (not PostgreSQL: nobody can tell, and a run found running is left alone)."""
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LEASE, run_id])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            # A lost connection has released it already.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LEASE, run_id])


# --- starting a run --------------------------------------------------------------------------


@transaction.atomic
def assignment_run_start(*, call: OpenCall, by: Any) -> AssignmentRun:
    """Queue a solver run for the call; the worker runs ``evaluation.run_assignment``.

    Refuses (AssignmentRefused) while another run is queued or running, before the deadline,
    with no proposal to evaluate, with no accepted evaluator, and when a simple count already
    shows that no assignment exists (too few evaluators or too little capacity). Queues the task
    on commit.
    """
    call = OpenCall.objects.select_for_update().get(pk=call.pk)
    check_call_can_be_assigned(call)
    _fail_stale_runs(call)
    if AssignmentRun.objects.filter(call=call, status__in=AssignmentRun.ACTIVE).exists():
        raise RunBusy(_("An assignment run of this call is already under way: wait for it to "
                        "finish."))
    proposals = Application.objects.filter(call=call, status__in=OPEN_FOR_ASSIGNMENT).count()
    if not proposals:
        raise AssignmentRefused(_("No proposal of this call is eligible for evaluation."))
    evaluators = list(pool_members(call))
    if not evaluators:
        raise AssignmentRefused(_("No evaluator has accepted the invitation to this call yet."))
    k = call.evaluators_per_application
    reasons = []
    if len(evaluators) < k:
        reasons.append(_("Each proposal needs %(k)d evaluators but only %(n)d accepted the "
                         "invitation.") % {"k": k, "n": len(evaluators)})
    bounds = [load_bounds(call, e) for e in evaluators]
    needed = proposals * k
    capacity = sum(maximum for _minimum, maximum in bounds)
    if capacity < needed:
        reasons.append(_("%(p)d proposals × %(k)d evaluators need %(need)d reviews, but the "
                         "evaluators' maximum loads add up to %(cap)d: invite more evaluators or "
                         "raise the maximum load.") % {"p": proposals, "k": k, "need": needed,
                                                       "cap": capacity})
    floor = sum(minimum for minimum, _maximum in bounds)
    if floor > needed:
        reasons.append(_("The evaluators' minimum loads add up to %(floor)d reviews but only "
                         "%(need)d are needed: lower the minimum load.")
                       % {"floor": floor, "need": needed})
    if reasons:
        raise AssignmentRefused(" ".join(reasons), details=reasons)
    try:
        with transaction.atomic():
            run = AssignmentRun.objects.create(call=call, started_by=by,
                                               stage=_("Waiting for a worker"))
    except IntegrityError:  # the one-active-run constraint: a double click
        raise RunBusy(_("An assignment run of this call is already under way: wait for it to "
                        "finish.")) from None
    audit_record(subject=call, action="assignment_run.start", actor=by,
                 data={"run": run.pk, "proposals": proposals, "evaluators": len(evaluators)})
    enqueue_on_commit("evaluation.run_assignment", run_id=run.pk)
    return run


def _fail_stale_runs(call: OpenCall) -> None:
    """A run queued or running for longer than STALE_AFTER lost its worker or its message: fail
    it so that it does not block the call for ever."""
    stale = AssignmentRun.objects.filter(
        call=call, status__in=AssignmentRun.ACTIVE,
        created_at__lt=timezone.now() - STALE_AFTER)
    for run in stale:
        assignment_run_transition(run=run, to=AssignmentRun.Status.FAILED, extra={
            "stage": _("Failed"), "finished_at": timezone.now(),
            "error": _("The run did not finish within %(minutes)d minutes (its worker stopped?). "
                       "Nothing of it was saved; start a new run.")
            % {"minutes": STALE_AFTER.total_seconds() // 60}})


def _progress(run_id: int, progress: int, stage: str) -> None:
    # Its own short transaction, so that the manager's page sees it while the run goes on.
    with transaction.atomic():
        AssignmentRun.objects.filter(pk=run_id).update(progress=progress, stage=stage)


# --- applying a solution -------------------------------------------------------------------


def _apply(*, call: OpenCall, plan: AssignmentPlan, solution: solver.Solution,
           run: AssignmentRun | None, by: Any, reason: str) -> dict:
    """Write the difference between the solution and the standing assignments; audit each.

    Runs inside the caller's transaction. Returns the figures of the result.
    """
    chosen = set(solution.pairs)
    kept = [pair for pair in plan.movable if pair in chosen]
    removed = [pair for pair in plan.movable if pair not in chosen]
    added = [pair for pair in solution.pairs if pair not in plan.movable]
    assignment_transition_bulk(assignment_ids=[plan.movable[pair].pk for pair in removed],
                               to=Assignment.Status.REMOVED, by=by,
                               reason=reason or _("moved by an assignment run"))
    # In bulk: a first run writes thousands of rows. One audit line per new assignment, as
    # ``audit_record`` would write it.
    new_rows = Assignment.objects.bulk_create([
        Assignment(application_id=int(application_id), evaluator_id=int(evaluator_id),
                   status=Assignment.Status.ASSIGNED, source=Assignment.Source.SOLVER, run=run,
                   affinity=plan.affinity.get((application_id, evaluator_id), 0),
                   created_by=by if getattr(by, "is_authenticated", False) else None)
        for application_id, evaluator_id in added
    ], batch_size=1000)
    content_type = ContentType.objects.get_for_model(Assignment)
    actor = by if getattr(by, "is_authenticated", False) else None
    AuditEntry.objects.bulk_create([
        AuditEntry(content_type=content_type, object_id=row.pk, action="assignment.create",
                   actor=actor, to_state=row.status, reason=reason,
                   data={"source": "solver", "run": run.pk if run else None,
                         "affinity": row.affinity}, eurocluster_id=call.eurocluster_id)
        for row in new_rows
    ], batch_size=1000)
    # Proposals with their k evaluators (or some) are under evaluation from now on.
    # In bulk too: one UPDATE and one audit line per application, whatever their number.
    assigned_applications = {a for a, _e in solution.pairs} | set(plan.fixed_by_application)
    application_transition_bulk(
        application_ids=[int(a) for a in assigned_applications
                         if (application := plan.applications.get(int(a))) is not None
                         and application.status == Application.Status.ELIGIBLE],
        to=Application.Status.UNDER_EVALUATION, by=by, reason=_("evaluators assigned"))
    if call.status == OpenCall.Status.CLOSED and solution.pairs:
        call_transition(call=call, to=OpenCall.Status.EVALUATION, by=by,
                        reason=_("evaluators assigned"))
    mail_new_assignments(call, [int(row.evaluator_id) for row in new_rows], plan.evaluators)
    # The evaluators' live loads after the run, as the loads table shows them: declared
    # assignments and those of proposals past evaluation count too, not only the solver's.
    live = live_loads(call)
    loads = [live[evaluator_id] for evaluator_id in plan.evaluators]
    figures = {
        "pairs": len(solution.pairs) + sum(plan.fixed_by_application.values()),
        "kept": len(kept), "added": len(added), "removed": len(removed),
        "fixed": sum(plan.fixed_by_application.values()),
        "total_affinity": solution.total_affinity,
        "min_load": min(loads) if loads else 0, "max_load": max(loads) if loads else 0,
        "balanced": solution.diagnostics.balanced,
        "notes": list(solution.diagnostics.notes),
    }
    return figures


def _solve(plan: AssignmentPlan) -> solver.Solution:
    return solver.solve(plan.problem)


# --- executing a run (the worker) ------------------------------------------------------------


def assignment_run_execute(*, run_id: int) -> AssignmentRun | None:
    """Do a queued run: load, solve, save the difference. Safe to run twice.

    A run that is done or failed is returned as it is. Progress is saved in short transactions
    of its own (loading 10 %, solving 40 %, saving 80 %, done 100 %). An infeasible problem
    fails the run with the reasons in words (``error`` and ``result["reasons"]``). Queues one
    e-mail per evaluator with new proposals.
    """
    with _run_lease(run_id) as lease:
        if lease is False:  # another worker is doing it (a redelivered or swept message)
            return AssignmentRun.objects.filter(pk=run_id).first()
        return _execute(run_id=run_id, lease=lease)


def _execute(*, run_id: int, lease: bool | None) -> AssignmentRun | None:
    with transaction.atomic():
        run = (AssignmentRun.objects.select_for_update().select_related("call")
               .filter(pk=run_id).first())
        if run is None:
            logger.warning("assignment run %s not found", run_id)
            return None
        if run.status == AssignmentRun.Status.RUNNING and lease:
            # Running, but nobody holds its lease: its worker died mid-run, and with it the
            # saving transaction. Nothing of it was saved: do it again from the start.
            logger.warning("assignment run %s lost its worker: started again", run.pk)
            AssignmentRun.objects.filter(pk=run.pk).update(
                progress=5, stage=_("Started again (its first worker stopped)"))
        elif run.status != AssignmentRun.Status.QUEUED:
            # Done, failed, or running in another worker (a redelivered message).
            return run
        else:
            run = assignment_run_transition(run=run, to=AssignmentRun.Status.RUNNING,
                                            extra={"progress": 5, "stage": _("Started")})
    started = time.perf_counter()
    try:
        _progress(run.pk, 10, _("Loading proposals, evaluators and exclusions"))
        call = OpenCall.objects.get(pk=run.call_id)
        plan = assignment_plan(call, with_minimum=True)
        _progress(run.pk, 40, _("Solving"))
        try:
            solution = _solve(plan)
        except solver.Infeasible as infeasible:
            return _fail(run, infeasible.message, infeasible.reasons, started)
        _progress(run.pk, 80, _("Saving the assignments"))
        with transaction.atomic():
            call = OpenCall.objects.select_for_update().get(pk=run.call_id)
            # The proposals or the pool may have changed while solving: re-plan under the lock
            # and check the solution still fits; if not, solve again (quick, and rare).
            fresh = assignment_plan(call, with_minimum=True)
            if fresh.problem != plan.problem:
                plan, solution = fresh, _solve(fresh)
            figures = _apply(call=call, plan=plan, solution=solution, run=run,
                             by=run.started_by, reason=_("assignment run #%(n)d") % {"n": run.pk})
            _test_delay()
            figures["seconds"] = round(time.perf_counter() - started, 3)
            run = assignment_run_transition(run=run, to=AssignmentRun.Status.DONE, extra={
                "progress": 100, "stage": _("Done"), "result": figures,
                "finished_at": timezone.now()})
        return run
    except solver.Infeasible as infeasible:
        return _fail(run, infeasible.message, infeasible.reasons, started)
    except DomainError as error:
        return _fail(run, error.message, error.details or [error.message], started)
    except Exception:
        logger.exception("assignment run %s failed", run.pk)
        _fail(run, _("The run stopped on an unexpected error; the assignments are unchanged. "
                     "Start it again, or tell the portal's administrators if it happens again."),
              [], started)
        raise


def _test_delay() -> None:
    """``settings.EVALUATION_RUN_SAVE_DELAY_SECONDS`` (default 0, never set in production) holds
    the saving transaction open for that long: the drill that kills a worker mid-run needs it."""
    delay = float(getattr(settings, "EVALUATION_RUN_SAVE_DELAY_SECONDS", 0) or 0)
    if delay:
        time.sleep(delay)


def assignment_runs_sweep(*, older_than: timedelta | None = None) -> int:
    """Queue again the runs that lost their worker or their message (beat); return how many.

    A run queued or running for more than ``older_than`` (``ASSIGNMENT_RUN_SWEEP_AFTER_SECONDS``,
    a minute by default) whose lease nobody holds is queued again; one past STALE_AFTER is failed
    instead (its worker keeps dying, or none is running). Without PostgreSQL only queued runs are
    queued again: whether a running one still has its worker cannot be told.
    """
    if older_than is None:
        older_than = timedelta(seconds=getattr(settings, "ASSIGNMENT_RUN_SWEEP_AFTER_SECONDS", 60))
    now = timezone.now()
    for call_id in (AssignmentRun.objects.filter(status__in=AssignmentRun.ACTIVE,
                                                 created_at__lt=now - STALE_AFTER)
                    .values_list("call_id", flat=True)):
        with transaction.atomic():
            _fail_stale_runs(OpenCall.objects.select_for_update().get(pk=call_id))
    task = registered_task("evaluation.run_assignment")
    queued = 0
    for run_id, status in (AssignmentRun.objects.filter(status__in=AssignmentRun.ACTIVE,
                                                        created_at__lt=now - older_than)
                           .values_list("pk", "status")):
        with _run_lease(run_id) as lease:
            free = lease or (lease is None and status == AssignmentRun.Status.QUEUED)
        if free:
            # At once, not after a commit: the beat task calling this runs in no transaction.
            task.apply_async(kwargs={"run_id": run_id}, retry=False)
            queued += 1
    if queued:
        logger.info("assignment sweep queued %d run(s)", queued)
    return queued


def _fail(run: AssignmentRun, message: str, reasons: list[str], started: float) -> AssignmentRun:
    with transaction.atomic():
        return assignment_run_transition(run=run, to=AssignmentRun.Status.FAILED, extra={
            "stage": _("Failed"), "error": message,
            "result": {"reasons": list(reasons),
                       "seconds": round(time.perf_counter() - started, 3)},
            "finished_at": timezone.now()}, reason=message[:500])


# --- filling gaps ----------------------------------------------------------------------------


def assignment_fill(*, call: OpenCall, by: Any = None) -> AssignmentRun | None:
    """Complete the proposals that have fewer than k live evaluators, keeping every standing one.

    Used after a conflict is declared or an evaluator is removed. Does nothing (returns None)
    before the first run of the call or when nothing is missing. Raises RunBusy while another run
    is under way (the task tries again later). Otherwise records an AssignmentRun, done with its
    figures in ``result`` or failed with the reasons in ``error``.
    """
    call = OpenCall.objects.get(pk=call.pk)
    if not AssignmentRun.objects.filter(call=call, status=AssignmentRun.Status.DONE).exists():
        return None
    live = assignment_counts(call)
    open_ones = Application.objects.filter(call=call, status__in=OPEN_FOR_ASSIGNMENT
                                           ).values_list("pk", "status")
    if not any(lacks_evaluators(status=status, live=live[pk], k=call.evaluators_per_application)
               for pk, status in open_ones):
        return None
    try:
        with transaction.atomic():
            run = AssignmentRun.objects.create(
                call=call, started_by=by if getattr(by, "is_authenticated", False) else None,
                status=AssignmentRun.Status.RUNNING, progress=10,
                stage=_("Filling proposals that lack evaluators"), result={"fill": True})
    except IntegrityError:
        raise RunBusy(_("An assignment run of this call is already under way.")) from None
    started = time.perf_counter()
    try:
        with transaction.atomic():
            call = OpenCall.objects.select_for_update().get(pk=call.pk)
            plan = assignment_plan(call, with_minimum=False)
            solution = _solve(plan)
            figures = _apply(call=call, plan=plan, solution=solution, run=run, by=by,
                             reason=_("filling proposals that lack evaluators"))
            figures["seconds"] = round(time.perf_counter() - started, 3)
            figures["fill"] = True
            return assignment_run_transition(run=run, to=AssignmentRun.Status.DONE, extra={
                "progress": 100, "stage": _("Done"), "result": figures,
                "finished_at": timezone.now()})
    except solver.Infeasible as infeasible:
        return _fail(run, infeasible.message, infeasible.reasons, started)
    except DomainError as error:
        return _fail(run, error.message, error.details or [error.message], started)
    except Exception:
        # Never leave the run "running": it would hold off every other run of the call.
        logger.exception("assignment fill %s failed", run.pk)
        _fail(run, _("Filling stopped on an unexpected error; the assignments are unchanged."),
              [], started)
        raise

