"""Fault drills: a real worker killed (SIGKILL) in the middle of whole-call work, then a new
worker and the beat's sweeper finishing it exactly once.

Agreement generation: the call's selected applications are queued one task each; the worker is
killed once a few agreements are made (the next one's transaction open, its PDF possibly written
already). The new worker and ``payments.generate_missing_agreements`` (sent as beat sends it;
it queues again the ones still in the queue too) end with one agreement and one PDF per
application: the file the killed attempt left behind is removed by the next attempt.

Assignment run: see the second test.
"""

import hashlib
import re
import time
from decimal import Decimal

import pytest
from django.db.models import Count

from applications.models import Application
from calls.models import OpenCall
from evaluation.models import Assignment, AssignmentRun, Ranking
from evaluation.services.assignment_runs import assignment_run_start
from payments.models import GrantAgreement
from payments.services.agreements import agreements_generate_missing
from portal.celery import app as celery_app
from portal.models import AuditEntry
from tests.evaluation.factories import closed_call, eligible_application
from tests.evaluation.test_assignment_services import evaluator
from tests.integration.conftest import wait_until
from tests.payments.factories import results_call, selected_application

pytestmark = pytest.mark.django_db(transaction=True)

SELECTED = 24
KILL_AFTER = 3  # agreements committed before the SIGKILL
FINISH_SECONDS = 120


def storage_settings(location) -> dict:
    """The worker writes the PDFs where this test's process reads them."""
    return {"STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(location), "base_url": "/files-not-served/"}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}}


def test_killed_worker_mid_agreements_ends_with_one_agreement_and_pdf_each(
        start_worker, redis_url, _private_files):
    call = results_call(budget=Decimal("1000000"))
    Ranking.objects.create(call=call, status=Ranking.Status.PUBLISHED)
    applications = [selected_application(call, acronym=f"SEL{n}") for n in range(SELECTED)]
    ids = [application.pk for application in applications]
    worker = start_worker(broker_url=redis_url, settings=storage_settings(_private_files))

    assert agreements_generate_missing(call=call) == SELECTED  # queued on commit, one each

    wait_until(lambda: GrantAgreement.objects.filter(application_id__in=ids).count()
               >= KILL_AFTER, seconds=60, what=f"{KILL_AFTER} agreements", worker=worker)
    worker.kill()
    made = GrantAgreement.objects.filter(application_id__in=ids).count()
    assert KILL_AFTER <= made < SELECTED, worker.report()

    second = start_worker(broker_url=redis_url, settings=storage_settings(_private_files))
    celery_app.send_task("payments.generate_missing_agreements")

    wait_until(lambda: GrantAgreement.objects.filter(application_id__in=ids).count()
               == SELECTED, seconds=FINISH_SECONDS, what="every agreement", worker=second)
    # The messages left in the queue ran first; the sweep, behind them, queued again the ones
    # the first worker took and never finished (the one it was killed in, if any): done once.
    received = len(re.findall(r"Task payments\.generate_agreement\[[0-9a-f-]+\] received",
                              worker.output()))
    sweep = re.compile(r"Task payments\.generate_missing_agreements\[[0-9a-f-]+\] succeeded "
                       r"in [0-9.]+s: (\d+)")
    requeued = int(wait_until(lambda: sweep.findall(second.output()), seconds=FINISH_SECONDS,
                              what="the sweep", worker=second)[0])
    assert requeued == received - made, (worker.report(), second.report())
    done = re.compile(r"Task payments\.generate_agreement\[[0-9a-f-]+\] succeeded")
    wait_until(lambda: len(done.findall(second.output())) == SELECTED - received + requeued,
               seconds=FINISH_SECONDS, what="the queued generations to be done", worker=second)

    agreements = GrantAgreement.objects.filter(application_id__in=ids)
    assert sorted(agreements.values_list("application_id", flat=True)) == sorted(ids)
    assert set(agreements.values_list("revision", flat=True)) == {1}
    # One PDF each, the one the row names, with its hash; nothing else in the folders.
    pdfs = {str(path.relative_to(_private_files))
            for path in (_private_files / "agreements").rglob("*") if path.is_file()}
    assert pdfs == set(agreements.values_list("file", flat=True))
    for agreement in agreements:
        data = (_private_files / agreement.file.name).read_bytes()
        assert data.startswith(b"%PDF-")
        assert hashlib.sha256(data).hexdigest() == agreement.sha256
    generated = (AuditEntry.objects.filter(action="agreement_generated",
                                           object_id__in=agreements.values("pk"))
                 .values("object_id").annotate(n=Count("pk")).values_list("n", flat=True))
    assert list(generated) == [1] * SELECTED


# --- an assignment run ---------------------------------------------------------------------------

PROPOSALS = 12
K = 2


def test_killed_worker_mid_assignment_run_is_run_again_once(start_worker, redis_url,
                                                            manager_a):
    """The worker is killed while the run's saving transaction is open (held by
    EVALUATION_RUN_SAVE_DELAY_SECONDS): nothing of it is saved and the run stays "running". A new
    worker and the sweeper (``evaluation.sweep_assignment_runs``, as beat sends it) find that
    nobody holds the run's lease and do it again: the run finishes, each proposal has its k
    evaluators once, each assignment and each status change one audit record."""
    call = closed_call(eurocluster=manager_a.eurocluster, status=OpenCall.Status.CLOSED,
                       evaluator_max_load=PROPOSALS, balance_loads=False,
                       evaluators_per_application=K, expertise_taxonomy=["Robotics", "AI"])
    proposals = [eligible_application(call, topics=["AI"], acronym=f"P{n}")
                 for n in range(PROPOSALS)]
    for _n in range(4):
        evaluator(call, ["AI"])
    first = start_worker(broker_url=redis_url,
                         settings={"EVALUATION_RUN_SAVE_DELAY_SECONDS": 60})

    run = assignment_run_start(call=call, by=manager_a.user)  # queued on commit

    wait_until(lambda: AssignmentRun.objects.get(pk=run.pk).progress == 80, seconds=60,
               what="the run to be saving", worker=first)
    time.sleep(1)  # inside the delay, the assignments written but not committed
    first.kill()
    run.refresh_from_db()
    assert (run.status, run.progress) == (AssignmentRun.Status.RUNNING, 80)
    assert not Assignment.objects.filter(application__call=call).exists()

    second = start_worker(broker_url=redis_url,
                          settings={"ASSIGNMENT_RUN_SWEEP_AFTER_SECONDS": 0})
    celery_app.send_task("evaluation.sweep_assignment_runs")

    wait_until(lambda: AssignmentRun.objects.get(pk=run.pk).status == AssignmentRun.Status.DONE,
               seconds=FINISH_SECONDS, what="the run to finish", worker=second)
    assert "lost its worker: started again" in second.output()
    live = (Assignment.objects.filter(application__call=call, status__in=Assignment.LIVE)
            .values("application_id").annotate(n=Count("pk")).values_list("application_id", "n"))
    assert dict(live) == {proposal.pk: K for proposal in proposals}
    assert Assignment.objects.filter(application__call=call).count() == PROPOSALS * K
    assert AuditEntry.objects.filter(action="assignment.create").count() == PROPOSALS * K
    assert AuditEntry.objects.filter(action="transition",
                                     to_state=Application.Status.UNDER_EVALUATION
                                     ).count() == PROPOSALS
    assert set(Application.objects.filter(call=call).values_list("status", flat=True)) == {
        Application.Status.UNDER_EVALUATION}
    assert AssignmentRun.objects.filter(call=call).count() == 1
