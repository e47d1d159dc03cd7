"""``make loadtest`` in miniature: the whole orchestrator (loadtest/run.py) with a few users for
about twenty seconds, in its own process, against the stack it starts itself (a throwaway
PostgreSQL cluster, Redis, clamd, gunicorn, a worker and beat on free ports).

What must hold on any machine is asserted; the throughput goals depend on the machine and are
`make loadtest`'s own business (its exit status 1 says a goal was missed, 2 that the run
failed): nothing lost or duplicated, every late submit refused with its draft intact, every
eligibility check run exactly once, no 5xx, no error in the logs, the last line's keys.
"""

import importlib.util
import json
import subprocess
import sys

from django.conf import settings

from loadtest.accounting import KEYS
from tests.integration.conftest import POSTGRES_BIN, _cannot_run

SMES, LATE = 40, 3


def test_a_small_deadline_rush_loses_nothing_and_refuses_every_late_submit():
    if importlib.util.find_spec("locust") is None:
        _cannot_run("locust is not installed (the `load` extra: pip install -e '.[dev,load]')")
    if not (POSTGRES_BIN / "initdb").exists():
        _cannot_run(f"PostgreSQL's server programs are not in {POSTGRES_BIN}")
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.run", "--users", "9", "--duration", "26",
         "--rate", "8", "--smes", str(SMES), "--late", str(LATE), "--settle", "5"],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1), output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(figures)[:len(KEYS)] == list(KEYS)
    assert (figures["lost"], figures["duplicated"], figures["late_accepted"],
            figures["errors_5xx"], figures["log_errors"], figures["not_sent"]) == \
        (0, 0, 0, 0, 0, 0), output
    # Every late submit was sent (by a user of its own, at its moment) and refused.
    assert (figures["smes"], figures["late_refused"], figures["late_not_sent"]) == \
        (SMES, LATE, 0), output
    assert figures["users"] == 9 + 2 * LATE
    # Every SME that was not late has one version, checked exactly once.
    assert figures["eligibility_checked"] == f"{SMES - LATE}/{SMES - LATE}", output
    assert (figures["eligibility_ran_once"], figures["eligibility_ran_twice"]) == \
        (SMES - LATE, 0), output
    # Every submit was answered by a redirect (the receipt, or the refusal of a late one).
    assert set(figures["submit_answers"]) == {"302"}, output
    assert figures["submits_per_second"] > 0
    assert figures["p95_submit_ms"] > 0 and figures["p95_page_ms"] > 0
    assert figures["cpu_gauge_ms"] > 0 and figures["python"].startswith("3.11")
