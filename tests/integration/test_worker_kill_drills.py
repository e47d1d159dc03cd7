"""Fault drills: a real worker killed (SIGKILL) in the middle of whole-call work, then a new
worker and the beat's sweeper finishing it exactly once.

Agreement generation: the call's selected applications are queued one task each; the worker is
killed once a few agreements are made (the next one's transaction open, its PDF possibly written
already). The new worker and ``payments.generate_missing_agreements`` (sent as beat sends it;
it queues again the ones still in the queue too) end with one agreement and one PDF per
application: the file the killed attempt left behind is removed by the next attempt.
"""

import hashlib
import re
from decimal import Decimal

import pytest
from django.db.models import Count

from evaluation.models import Ranking
from payments.models import GrantAgreement
from payments.services.agreements import agreements_generate_missing
from portal.celery import app as celery_app
from portal.models import AuditEntry
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
