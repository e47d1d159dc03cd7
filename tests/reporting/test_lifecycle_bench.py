"""``manage.py bench lifecycle`` on a small call, every task in this process (``--workers 0``)."""

import io
import json
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from applications.models import Application
from evaluation.models import Assignment, Ranking
from payments.models import GrantAgreement
from portal.bench import celery_worker
from portal.celery import app as celery_app
from portal.models import AuditEntry
from reporting.lifecycle_bench import run

STAGES = ["eligibility", "assignment", "reviews_consensus", "ranking_compute",
          "approve_publish", "agreements"]
OPTIONS = {"applications": 40, "workers": 0, "per_application": 2, "selected_share": 0.2,
           "seed": 3, "worker_log": None}


@contextmanager
def celery_conf(**values):
    previous = {name: getattr(celery_app.conf, name) for name in values}
    celery_app.conf.update(values)
    try:
        yield
    finally:
        celery_app.conf.update(previous)


@pytest.mark.django_db(transaction=True)  # the services commit: the run's on-commit work runs
def test_the_lifecycle_takes_a_call_through_every_stage_and_times_each():
    lines: list[str] = []
    mail.outbox = []
    figures = run(options=OPTIONS, log=lines.append)

    assert json.loads(json.dumps(figures))["applications"] == 40
    assert list(figures["stages"]) == STAGES
    assert all(seconds > 0 for seconds in figures["stages"].values())
    assert figures["seconds"] == pytest.approx(sum(figures["stages"].values()), abs=0.01)
    assert [line.split(":")[0] for line in lines if line.startswith("stage ")] == [
        f"stage {name}" for name in STAGES]

    after = figures["statuses_after_eligibility"]
    assert sum(after.values()) == 40
    evaluated = after["eligible"]
    assert evaluated == figures["evaluated"] > 0
    assert figures["assignments"] == figures["reviews"] == 2 * evaluated
    assert set(Assignment.objects.values_list("status", flat=True)) == {"submitted"}
    # Every evaluated proposal has its result and its e-mail; every selected one an agreement.
    outcomes = figures["outcomes"]
    assert sum(outcomes.values()) == evaluated
    statuses = dict(Application.objects.filter(call__ranking__isnull=False)
                    .values_list("status").annotate(n=Count("pk")))
    assert statuses == {**outcomes, **{"ineligible": after.get("ineligible", 0),
                                       "submitted": after.get("submitted", 0)}}
    assert Ranking.objects.get().status == Ranking.Status.PUBLISHED
    assert figures["result_mails"] == evaluated
    assert figures["agreements"] == outcomes["selected"] == GrantAgreement.objects.count() > 0
    # One audit line per application and move: to evaluated (the consensus), to the outcome.
    moves = (AuditEntry.objects.filter(content_type__model="application", action="transition",
                                       from_state="evaluated")
             .values("object_id").annotate(n=Count("pk")))
    assert len(moves) == evaluated
    assert {row["n"] for row in moves} == {1}


@pytest.mark.django_db
def test_the_command_refuses_a_real_worker_without_the_broker():
    # Tasks run eagerly, without Redis (the tests' default): a worker could never be reached.
    with celery_conf(task_always_eager=True), \
            pytest.raises(CommandError, match="A real worker needs the Redis broker"):
        call_command("bench", "lifecycle", "--in-place", "--applications", "5",
                     stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_a_real_worker_is_refused_without_postgresql_and_redis(tmp_path):
    # No Redis broker (and, on SQLite, no PostgreSQL): refused before anything starts.
    with celery_conf(broker_url="memory://"), \
            pytest.raises(RuntimeError, match="A real worker needs"), \
            celery_worker(concurrency=1, folder=tmp_path):
        pass
    assert not (tmp_path / "worker.log").exists()
