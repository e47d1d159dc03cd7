import subprocess
import sys

import pytest
from django.db import transaction

from portal.queue import enqueue_on_commit, registered_task


def test_a_web_process_finds_every_task_by_name_without_importing_tasks_modules():
    # A fresh interpreter set up like gunicorn's: Django set up, no tasks module imported.
    code = (
        "import sys, django; django.setup()\n"
        "assert 'payments.tasks' not in sys.modules\n"
        "from portal.queue import registered_task\n"
        "print(registered_task('payments.fill_batch').name)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, env={"DJANGO_SETTINGS_MODULE": "portal.settings",
                                            "PATH": "/usr/bin:/bin"})
    assert (done.returncode, done.stdout.strip()) == (0, "payments.fill_batch"), done.stderr


def test_an_unknown_task_name_is_refused_at_once():
    with pytest.raises(KeyError):
        enqueue_on_commit("payments.no_such_task", batch_id=1)


@pytest.mark.django_db
def test_the_task_runs_only_after_the_commit(monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    task = registered_task("portal.send_mail")
    monkeypatch.setattr(task, "apply_async", lambda **kwargs: calls.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit("portal.send_mail", to=["a@example.eu"], subject="s", body="b")
        assert calls == []
    assert calls == [{"kwargs": {"to": ["a@example.eu"], "subject": "s", "body": "b"},
                      "retry": False}]


@pytest.mark.django_db
def test_a_broker_outage_is_logged_and_never_raised(monkeypatch, caplog,
                                                      django_capture_on_commit_callbacks):
    task = registered_task("payments.fill_batch")

    def down(**kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(task, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit("payments.fill_batch", batch_id=7, tranche_ids=None)
    assert [r.getMessage() for r in caplog.records if r.name == "portal.queue"] == [
        "could not queue payments.fill_batch {'batch_id': 7}"]
