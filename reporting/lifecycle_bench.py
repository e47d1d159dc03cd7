"""``manage.py bench lifecycle``: one call taken through every whole-call operation, each timed.

Builds, with ``bulk_create`` (the builder of ``bench eligibility``, every proposal in one call),
N submitted applications with their versions and pending eligibility results, the call's
criteria and tranche steps, its manager, and an accepted pool of evaluators (one per 50 reviews
to write), then runs and times each stage:

- ``eligibility``: the call closes and every version's check is queued, as submissions queue
  them, to a real Celery worker process (``--workers`` processes) on Redis and PostgreSQL; the
  stage ends when every result is in and the worker's queue is empty;
- ``assignment``: a manager's assignment run, end to end (``assignment_run_start``, then the
  run's task: load, solve, save the assignments, the proposals to *under evaluation*, one
  e-mail per evaluator);
- ``reviews_consensus``: synthetic work of the evaluators and the consensus: every assignment
  declared and submitted (bulk transitions), reviews and consensus scores written with
  ``bulk_create``, the applications to *evaluated* (``application_transition_bulk``);
- ``ranking_compute``: ``ranking_compute`` (the budget funds about ``--selected-share`` of the
  proposals);
- ``approve_publish``: ``ranking_approve`` and ``ranking_publish``: every application to
  selected, reserve or rejected and one result e-mail each, through the mail backend (in
  memory), sent after the commit as the e-mail task does;
- ``agreements``: the generation of every selected application's agreement queued to the worker
  (``payments.generate_agreement``: the PDF, its storage, the e-mail); the stage ends when every
  agreement exists and the queue is empty.

With ``--workers 0`` every task runs in this process instead (eagerly), on any database: the
tests do that. Queries are counted per stage in this process (the worker's are not).
"""

import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core import mail
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from applications.bench import Builder
from applications.models import Application, EligibilityResult
from applications.transitions import application_transition_bulk
from calls.models import Criterion, OpenCall, TrancheStep
from calls.transitions import call_transition
from euroclusters.models import Eurocluster, Membership
from evaluation import scoring
from evaluation.models import (
    Assignment,
    AssignmentRun,
    CallEvaluator,
    Consensus,
    ConsensusScore,
    EvaluatorProfile,
    Review,
    Score,
)
from evaluation.services.assignment_runs import assignment_run_start
from evaluation.services.ranking import ranking_approve, ranking_compute, ranking_publish
from evaluation.services.transitions import assignment_transition_bulk
from payments.models import GrantAgreement
from payments.selectors.agreements import applications_missing_agreements
from portal.bench import (
    Log,
    Worker,
    celery_worker,
    eager_tasks,
    positive_int,
    refresh_statistics,
    register,
)
from portal.celery import app as celery_app
from portal.queue import registered_task

BATCH = 1000
REVIEWS_PER_EVALUATOR = 50
TOPICS = [f"Topic {n}" for n in range(1, 41)]
CRITERIA = ("Excellence", "Impact", "Implementation")
SCORES = [Decimal(n) / 2 for n in range(5, 11)]  # 2.5 to 5: most pass the thresholds
WAIT_SECONDS = 1800
IDLE_SECONDS = 30  # a worker stage that makes no progress for this long is over (refusals)


def add_arguments(parser) -> None:
    parser.add_argument("--applications", type=positive_int, default=5000,
                        help="Submitted applications in the call (default 5000).")
    parser.add_argument("--workers", type=int, default=2,
                        help="Processes of the real Celery worker (default 2); 0 runs every "
                             "task in this process instead (any database, no broker).")
    parser.add_argument("--per-application", type=positive_int, default=3,
                        help="Evaluators per proposal (default 3).")
    parser.add_argument("--selected-share", type=float, default=0.1,
                        help="The call's budget, as a share of what the evaluated proposals "
                             "request (default 0.1).")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the random data.")
    parser.add_argument("--worker-log", metavar="PATH",
                        help="Keep the worker's log (its task lines with their times) at PATH.")


class OneCallBuilder(Builder):
    """The eligibility bench's data, every proposal in the first call."""

    def reference_data(self):
        calls, past, partners = super().reference_data()
        return calls[:1], past, partners


class QueryCounter:
    count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _build(*, count: int, per_application: int, rng: random.Random, log: Log):
    versions = OneCallBuilder(count=count, rng=rng, log=log).build()
    call = OpenCall.objects.select_related("eurocluster").get(
        pk=Application.objects.filter(versions__pk=versions[0]).values("call_id")[:1])
    Eurocluster.objects.filter(pk=call.eurocluster_id).update(
        account_holder="BENCH Eurocluster", iban="DE89370400440532013000", bic="COBADEFFXXX")
    manager = User.objects.create(email="manager@bench.example.org", password="!",
                                  full_name="Bench Manager")
    Membership.objects.create(user=manager, eurocluster_id=call.eurocluster_id,
                              role=Membership.Role.MANAGER)
    Criterion.objects.bulk_create(
        Criterion(call=call, name=name, weight=Decimal(1), max_score=Decimal(5),
                  threshold=Decimal(3), position=position)
        for position, name in enumerate(CRITERIA))
    TrancheStep.objects.bulk_create(
        TrancheStep(call=call, position=position, percentage=percentage, event=event)
        for position, (percentage, event) in enumerate(((40, "agreement_countersigned"),
                                                        (45, "interim_report_approved"),
                                                        (15, "final_report_approved"))))
    OpenCall.objects.filter(pk=call.pk).update(
        evaluators_per_application=per_application, evaluator_min_load=0,
        evaluator_max_load=REVIEWS_PER_EVALUATOR + 10)
    applications = list(Application.objects.filter(call=call).only("pk", "topics"))
    for application in applications:
        application.topics = rng.sample(TOPICS, 3)
    Application.objects.bulk_update(applications, ["topics"], batch_size=BATCH)
    evaluators = max(per_application, -(-count * per_application // REVIEWS_PER_EVALUATOR))
    users = User.objects.bulk_create(
        [User(email=f"expert-{n}@bench.example.org", password="!", full_name=f"Expert {n}")
         for n in range(evaluators)], batch_size=BATCH)
    EvaluatorProfile.objects.bulk_create(
        (EvaluatorProfile(user=user, expertise=rng.sample(TOPICS, 6), country="BE",
                          organisation=f"Independent expert {n}", languages=["en"],
                          max_proposals_per_call=REVIEWS_PER_EVALUATOR + 10)
         for n, user in enumerate(users)), batch_size=BATCH)
    now = timezone.now()
    CallEvaluator.objects.bulk_create(
        (CallEvaluator(call=call, user=user, status=CallEvaluator.Status.ACCEPTED,
                       invited_by=manager, responded_at=now, declaration_accepted_at=now)
         for user in users), batch_size=BATCH)
    refresh_statistics()
    # Every app's tasks registered now, as in a worker that started: the first task queued by
    # name would import them (and Celery check the models) inside a timed stage.
    celery_app.loader.import_default_modules()
    return call, manager, versions, evaluators


# --- the stages ----------------------------------------------------------------------------------


def _wait(*, what: str, done: Callable[[], int], total: int, worker: Worker | None,
          log: Log) -> int:
    """Poll until ``done()`` reaches ``total`` and the worker's queue is empty; give up after
    IDLE_SECONDS without progress once the queue is empty (a refusal: the task logged it)."""
    started = last_log = progress_at = time.monotonic()
    last = -1
    while True:
        value = done()
        queued = worker.queued() if worker is not None else 0
        now = time.monotonic()
        if value != last:
            last, progress_at = value, now
        if value >= total and not queued:
            return value
        if worker is not None:
            worker.check_alive()
        if not queued and now - progress_at > IDLE_SECONDS:
            log(f"{what}: {value}/{total}, nothing more after {IDLE_SECONDS} s")
            return value
        if now - started > WAIT_SECONDS:
            raise CommandError(f"{what}: {value}/{total} after {WAIT_SECONDS} s")
        if now - last_log > 5:
            log(f"{what}: {value}/{total} in {now - started:.0f} s, {queued} queued")
            last_log = now
        time.sleep(0.2)


def _queue(worker: Worker | None, name: str, kwargs_list: list[dict]) -> None:
    task = registered_task(name)
    if worker is None:
        with eager_tasks():
            for kwargs in kwargs_list:
                task.apply_async(kwargs=kwargs)
        return
    for kwargs in kwargs_list:
        task.apply_async(kwargs=kwargs, queue=worker.queue)


def stage_eligibility(*, call: OpenCall, manager: User, versions: list[int],
                      worker: Worker | None, log: Log) -> dict:
    with transaction.atomic():
        # The deadline passes: the checks run on a closed call, as after a deadline rush.
        OpenCall.objects.filter(pk=call.pk).update(closes_at=timezone.now()
                                                   - timedelta(seconds=1))
        call_transition(call=call, to=OpenCall.Status.CLOSED, by=manager,
                        reason="deadline (bench)")
    _queue(worker, "applications.check_eligibility",
           [{"version_id": version_id} for version_id in versions])
    pending = EligibilityResult.objects.filter(version_id__in=versions, checked_at__isnull=True)
    _wait(what="eligibility checks", done=lambda: len(versions) - pending.count(),
          total=len(versions), worker=worker, log=log)
    return dict(Counter(Application.objects.filter(call=call)
                        .values_list("status", flat=True)))


def stage_assignment(*, call: OpenCall, manager: User, log: Log) -> dict:
    with eager_tasks():  # the run's task runs here, after the commit of its start
        run = assignment_run_start(call=call, by=manager)
    run = AssignmentRun.objects.get(pk=run.pk)
    if run.status != AssignmentRun.Status.DONE:
        raise CommandError(f"The assignment run ended {run.status}: {run.error}")
    log(f"assignment run: {run.result.get('pairs')} pairs, loads {run.result.get('min_load')} "
        f"to {run.result.get('max_load')}")
    return run.result


def stage_reviews(*, call: OpenCall, manager: User, rng: random.Random) -> dict:
    criteria = list(call.criteria.order_by("position"))
    now = timezone.now()
    reason = "synthetic review (bench)"
    with transaction.atomic():
        assignments = list(Assignment.objects.filter(
            application__call=call, status=Assignment.Status.ASSIGNED).values_list(
                "pk", "application_id"))
        ids = [pk for pk, _application in assignments]
        assignment_transition_bulk(assignment_ids=ids, to=Assignment.Status.ACTIVE, by=None,
                                   reason=reason, extra={"declared_at": now})
        reviews, scores = [], []
        for pk, _application in assignments:
            values = [rng.choice(SCORES) for _criterion in criteria]
            reviews.append(Review(assignment_id=pk, status=Review.Status.SUBMITTED,
                                  overall_comment="A synthetic review.", submitted_at=now,
                                  total=scoring.total(zip([c.weight for c in criteria], values,
                                                          strict=True))))
            scores.append(values)
        Review.objects.bulk_create(reviews, batch_size=BATCH)
        Score.objects.bulk_create(
            (Score(review=review, criterion=criterion, score=value, comment="Synthetic.")
             for review, values in zip(reviews, scores, strict=True)
             for criterion, value in zip(criteria, values, strict=True)), batch_size=BATCH)
        assignment_transition_bulk(assignment_ids=ids, to=Assignment.Status.SUBMITTED, by=None,
                                   reason=reason)
        applications = sorted({application for _pk, application in assignments})
        consensuses, values_of = [], []
        for application_id in applications:
            values = [rng.choice(SCORES) for _criterion in criteria]
            consensuses.append(Consensus(
                application_id=application_id, status=Consensus.Status.FINAL,
                overall_comment="A synthetic consensus.", recorded_by=manager, recorded_at=now,
                total=scoring.total(zip([c.weight for c in criteria], values, strict=True))))
            values_of.append(values)
        Consensus.objects.bulk_create(consensuses, batch_size=BATCH)
        ConsensusScore.objects.bulk_create(
            (ConsensusScore(consensus=consensus, criterion=criterion, score=value,
                            comment="Synthetic consensus comment.")
             for consensus, values in zip(consensuses, values_of, strict=True)
             for criterion, value in zip(criteria, values, strict=True)), batch_size=BATCH)
        moved = application_transition_bulk(
            application_ids=applications, to=Application.Status.EVALUATED, by=manager,
            reason="Consensus recorded.")
    return {"reviews": len(reviews), "consensus": len(consensuses), "evaluated": len(moved)}


def stage_ranking(*, call: OpenCall, manager: User, share: float) -> dict:
    requested = sum(Application.objects.filter(call=call, status=Application.Status.EVALUATED)
                    .values_list("requested_amount", flat=True), Decimal(0))
    OpenCall.objects.filter(pk=call.pk).update(
        budget=(requested * Decimal(str(share))).quantize(Decimal(1)))
    ranking = ranking_compute(call=call, by=manager)
    return dict(Counter(ranking.entries.values_list("outcome", flat=True)))


def stage_publish(*, call: OpenCall, manager: User) -> int:
    sent = len(getattr(mail, "outbox", []))
    call = OpenCall.objects.get(pk=call.pk)  # as a manager's request loads it: budget and all
    with eager_tasks():  # the e-mail tasks run here after the commit, as a worker would
        ranking_approve(call=call, by=manager)
        ranking_publish(call=call, by=manager)
    return len(mail.outbox) - sent


def stage_agreements(*, call: OpenCall, worker: Worker | None, log: Log) -> int:
    ids = list(applications_missing_agreements(call).values_list("pk", flat=True))
    _queue(worker, "payments.generate_agreement",
           [{"application_id": application_id} for application_id in ids])
    made = GrantAgreement.objects.filter(application__call=call)
    return _wait(what="agreements", done=made.count, total=len(ids), worker=worker, log=log)


# --- the run -------------------------------------------------------------------------------------


@contextmanager
def _timed(stages: dict, queries: dict, name: str, log: Log) -> Iterator[None]:
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        yield
    stages[name] = round(time.perf_counter() - started, 3)
    queries[name] = counter.count
    log(f"stage {name}: {stages[name]:.1f} s, {counter.count} queries in this process")


def run(*, options: dict[str, Any], log: Log) -> dict[str, Any]:
    count, workers = options["applications"], options["workers"]
    if workers < 0:
        raise CommandError("--workers must be 0 (in this process) or more.")
    if not 0 < options["selected_share"] <= 1:
        raise CommandError("--selected-share must be a share above 0 and at most 1.")
    if workers and celery_app.conf.task_always_eager:
        raise CommandError("A real worker needs the Redis broker: set REDIS_URL (and leave "
                           "CELERY_TASK_ALWAYS_EAGER unset), or run with --workers 0.")
    rng = random.Random(options["seed"])
    folder = Path(tempfile.mkdtemp(prefix="bench_lifecycle_"))
    storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                            "OPTIONS": {"location": str(folder / "files")}},
                "staticfiles": {"BACKEND":
                                "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    memory = "django.core.mail.backends.locmem.EmailBackend"
    stages: dict[str, float] = {}
    queries: dict[str, int] = {}
    try:
        with override_settings(STORAGES=storages, EMAIL_BACKEND=memory):
            started = time.perf_counter()
            call, manager, versions, evaluators = _build(
                count=count, per_application=options["per_application"], rng=rng, log=log)
            build_seconds = round(time.perf_counter() - started, 3)
            log(f"built 1 call, {len(versions)} submitted applications, {evaluators} "
                f"evaluators in {build_seconds:.1f} s")
            place = (celery_worker(concurrency=workers, folder=folder,
                                   settings={"STORAGES": storages, "EMAIL_BACKEND": memory})
                     if workers else nullcontext())
            with place as worker:
                with _timed(stages, queries, "eligibility", log):
                    statuses = stage_eligibility(call=call, manager=manager, versions=versions,
                                                 worker=worker, log=log)
                log(f"after eligibility: {statuses}")
                refresh_statistics()
                with _timed(stages, queries, "assignment", log):
                    assignment = stage_assignment(call=call, manager=manager, log=log)
                with _timed(stages, queries, "reviews_consensus", log):
                    reviews = stage_reviews(call=call, manager=manager, rng=rng)
                refresh_statistics()
                with _timed(stages, queries, "ranking_compute", log):
                    outcomes = stage_ranking(call=call, manager=manager,
                                             share=options["selected_share"])
                log(f"ranking: {outcomes}")
                with _timed(stages, queries, "approve_publish", log):
                    result_mails = stage_publish(call=call, manager=manager)
                with _timed(stages, queries, "agreements", log):
                    agreements = stage_agreements(call=call, worker=worker, log=log)
    finally:
        if options.get("worker_log") and (folder / "worker.log").exists():
            shutil.copyfile(folder / "worker.log", options["worker_log"])
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "applications": len(versions),
        "stages": stages,
        "seconds": round(sum(stages.values()), 3),
        "slowest_stage": max(stages, key=stages.get),
        "build_seconds": build_seconds,
        "workers": workers,
        "mode": "worker" if workers else "eager",
        "queries_in_process": queries,
        "statuses_after_eligibility": statuses,
        "evaluators": evaluators,
        "assignments": assignment.get("pairs"),
        "reviews": reviews["reviews"],
        "evaluated": reviews["evaluated"],
        "outcomes": outcomes,
        "result_mails": result_mails,
        "agreements": agreements,
        "seed": options["seed"],
    }


register("lifecycle", help="Take one call of N applications through eligibility (a real "
         "worker), an assignment run, reviews and consensus, the ranking, its publication and "
         "the agreements, and time each stage.", add_arguments=add_arguments, run=run)
