"""Fault drill: PostgreSQL restarted in the middle of a rush of submits.

The portal runs as production runs it (gunicorn, two workers, connections kept for a minute) on a
throwaway PostgreSQL of the test's own and a private Redis (no worker: the checks wait in the
queue). SMEs submit their complete drafts from several threads; once the rush is under way the
database is stopped (``pg_ctl stop -m fast``: every session ended, open transactions rolled
back), left down while submits keep arriving, and started again. Then:

- every answer is a success (302 to the receipt) or the 503 "try again" page with Retry-After,
  never a 500 or a traceback, and the outage gave some 503s;
- the portal recovers by itself: with no restart of gunicorn, every submit after the database is
  back succeeds at the first attempt, the ones refused during the outage included;
- nothing committed is lost or doubled: every application ends with exactly one submitted version.
"""

import json
import queue
import threading
import time
import urllib.parse
from http.client import HTTPConnection

import psycopg2
import pytest

from applications.models import Declaration
from tests.integration.conftest import manage, portal_environment, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE, DURING, AFTER = 12, 36, 12  # submits before, across and after the outage
THREADS = 6
DOWN_AFTER = 4  # successes of the rush before PostgreSQL is stopped
DOWN_503S = 8  # 503 answers seen before it is started again
MESSAGE = ("The portal cannot reach its database for a moment; your draft is safe, please try "
           "again in a minute.")
CSRF = "drillcsrftokendrillcsrftoken0123"  # a secret of 32 letters, as Django makes them


def submit(port: int, seeded: dict) -> tuple[int, dict[str, str], str]:
    body = urllib.parse.urlencode(
        [("csrfmiddlewaretoken", CSRF)] + [("declarations", d) for d in Declaration.values])
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", f"/applications/{seeded['application']}/submit/", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={seeded['session']}; csrftoken={CSRF}",
            "Host": "127.0.0.1"})
        response = connection.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read().decode(errors="replace"))
    finally:
        connection.close()


class Rush:
    """Threads submitting the applications put in ``todo``; every answer is kept, in order."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.todo: queue.Queue = queue.Queue()
        self.answers: list[tuple[int, int, dict[str, str], str]] = []
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def _work(self) -> None:
        while True:
            seeded = self.todo.get()
            if seeded is None:
                return
            status, headers, body = submit(self.port, seeded)
            with self.lock:
                self.answers.append((seeded["application"], status, headers, body))
            time.sleep(0.02)  # a rush, not a flood: it must last across the outage

    def start(self, items: list[dict]) -> None:
        for item in items:
            self.todo.put(item)
        for _n in range(THREADS):
            self.todo.put(None)
        self.threads = [threading.Thread(target=self._work, daemon=True)
                        for _n in range(THREADS)]
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=120)

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for answer in self.answers if answer[1] == status)


def versions_per_application(url: str) -> dict[int, int]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT a.id, count(v.id) FROM applications_application a "
                       "LEFT JOIN applications_applicationversion v ON v.application_id = a.id "
                       "WHERE a.status = 'submitted' OR v.id IS NOT NULL GROUP BY a.id")
        return dict(cursor.fetchall())


def test_postgres_restart_mid_rush_loses_nothing_and_recovers(postgres_server, redis_server,
                                                              start_web, tmp_path):
    database_url = postgres_server.create_database("portal")
    env = portal_environment(database_url=database_url, redis_url=redis_server.url,
                             var_dir=tmp_path / "var")
    manage(env, "migrate", "--noinput")
    seeded = json.loads(manage(env, "shell", "-c", "from tests.integration.drill_seed import "
                               f"main; main({BEFORE + DURING + AFTER})").strip().splitlines()[-1])
    before, during, after = (seeded[:BEFORE], seeded[BEFORE:BEFORE + DURING],
                             seeded[BEFORE + DURING:])
    web = start_web(env=env, log=tmp_path / "gunicorn.log")

    warm = Rush(web.port)  # every worker holds a kept connection when the database goes
    warm.start(before)
    warm.join()
    assert [answer[1] for answer in warm.answers] == [302] * BEFORE, web.report()

    rush = Rush(web.port)
    rush.start(during)
    wait_until(lambda: rush.count(302) >= DOWN_AFTER, seconds=60, what="the rush to be under way")
    postgres_server.stop()
    stopped = len(rush.answers)
    wait_until(lambda: rush.count(503) >= DOWN_503S or rush.todo.empty(), seconds=30,
               what="submits during the outage")
    postgres_server.start()
    rush.join()

    statuses = [answer[1] for answer in rush.answers]
    assert len(statuses) == DURING
    assert set(statuses) <= {302, 503}, web.report()
    refused = [answer for answer in rush.answers if answer[1] == 503]
    assert len(refused) >= DOWN_503S, (statuses, stopped)
    for _application, _status, headers, body in refused:
        assert headers["retry-after"] == "60"
        assert MESSAGE.replace("'", "&#x27;") in body or MESSAGE in body, body
        assert "Traceback" not in body
    accepted = {answer[0] for answer in rush.answers if answer[1] == 302}

    # Back by itself: the refused ones and new ones, each at the first attempt.
    retried = {application for application, *_rest in refused} - accepted
    again = Rush(web.port)
    again.start([item for item in during if item["application"] in retried] + after)
    again.join()
    assert [answer[1] for answer in again.answers] == [302] * (len(retried) + AFTER), \
        web.report()

    # Nothing lost, nothing doubled: one version per application, whatever its answers were.
    assert versions_per_application(database_url) == {
        item["application"]: 1 for item in seeded}
    assert " 500 " not in web.report()
