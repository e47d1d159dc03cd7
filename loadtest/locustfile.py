"""The load of ``make loadtest``: the deadline rush and mixed browsing, against 127.0.0.1 only.

Run by ``loadtest.run`` (locust, headless), which writes the plan (LOADTEST_PLAN) and reads the
records (LOADTEST_RECORDS, one JSON object a line) afterwards. No Django here: this is a client.

- ``Submitter`` users take the rush's jobs in order of their planned moment, wait for it, open
  the submit page, post the submit with every declaration ticked (a double click posts it twice
  at once) and follow the redirect to the receipt, as a browser does.
- ``Visitor`` browses the home page and the call's page; ``Applicant`` an SME's dashboard and
  application; ``Manager`` logs in with password and authenticator code and reads the call's
  eligibility page and the manager dashboard.
"""

import base64
import hashlib
import hmac
import json
import os
import random
import re
import struct
import time
from urllib.parse import urlencode

import gevent
from gevent.queue import Empty, Queue
from locust import FastHttpUser, between, events, task
from locust.contrib.fasthttp import FastHttpSession

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115 -- read at import
RECORDS_PATH = os.environ["LOADTEST_RECORDS"]
# A CSRF secret of 32 letters, as Django makes them: the cookie and the form carry the same one.
CSRF = "loadtestcsrftokenloadtestcsrf012"
CALL = PLAN["call"]
DECLARATIONS = PLAN["declarations"]
# The rush's jobs, and apart from them the submits a second before and after the deadline: those
# SMEs click at their moment whatever the rush before them, so users of their own send them.
JOBS: Queue = Queue()
DEADLINE_JOBS: Queue = Queue()
for _job in sorted(PLAN["jobs"], key=lambda job: job["at"]):
    (DEADLINE_JOBS if _job["group"] in ("just_before", "late") else JOBS).put(_job)
RECORDS: list[dict] = []


def totp(secret: str, at: float | None = None) -> str:
    """The authenticator app's current code (RFC 6238: SHA-1, 6 digits, 30 s)."""
    key = base64.b32decode(secret)
    counter = int(time.time() if at is None else at) // 30
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _session_headers(session: str) -> dict[str, str]:
    return {"Cookie": f"sessionid={session}; csrftoken={CSRF}"}


class PortalUser(FastHttpUser):
    abstract = True
    # The rush opens and closes many connections: keep each user's few.
    concurrency = 4

    def page(self, path: str, name: str, *, session: str | None = None) -> int:
        """GET a page as a browser does (no redirect followed); record its time."""
        self.client.cookiejar.clear()
        headers = _session_headers(session) if session else {}
        started = time.perf_counter()
        with self.client.get(path, name=name, headers=headers, allow_redirects=False,
                             catch_response=True) as response:
            ms = (time.perf_counter() - started) * 1000
            RECORDS.append({"kind": "page", "name": name, "ms": ms,
                            "status": response.status_code})
            if response.status_code != 200:
                response.failure(f"{name}: {response.status_code}")
            return response.status_code


class Submitter(PortalUser):
    """One SME after another at its planned moment (the rush's jobs)."""

    fixed_count = int(os.environ.get("LOADTEST_SUBMITTERS", "1"))
    wait_time = between(0, 0)

    def on_start(self) -> None:
        # The second click of a double click: a client of its own, as a second browser
        # connection (one client's requests at once would share its redirect setting).
        self.twin = FastHttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self,
            network_timeout=self.network_timeout, connection_timeout=self.connection_timeout,
            max_retries=self.max_retries, concurrency=2)

    jobs = JOBS

    @task
    def submit_next(self) -> None:
        try:
            job = self.jobs.get_nowait()
        except Empty:
            gevent.sleep(1)
            return
        gevent.sleep(max(0.0, job["at"] - time.time()))
        application, session = job["application"], job["session"]
        self.page(f"/applications/{application}/submit/", "submit page", session=session)
        clicks = 2 if job["group"] == "double" else 1
        posts = [gevent.spawn(self.post_submit, job, click) for click in range(clicks)]
        gevent.joinall(posts)
        receipts = {post.value for post in posts if post.value and "/versions/" in post.value}
        for location in receipts:
            self.page(location, "receipt", session=session)

    def post_submit(self, job: dict, click: int) -> str | None:
        body = urlencode([("csrfmiddlewaretoken", CSRF)]
                         + [("declarations", value) for value in DECLARATIONS])
        headers = {**_session_headers(job["session"]),
                   "Content-Type": "application/x-www-form-urlencoded"}
        client = self.client if click == 0 else self.twin
        client.cookiejar.clear()
        sent = time.time()
        started = time.perf_counter()
        with client.post(f"/applications/{job['application']}/submit/", data=body,
                              headers=headers, name="submit", allow_redirects=False,
                              catch_response=True) as response:
            ms = (time.perf_counter() - started) * 1000
            location = response.headers.get("Location") if response.headers else None
            RECORDS.append({"kind": "submit", "application": job["application"],
                            "group": job["group"], "click": click, "planned": job["at"],
                            "sent": sent, "answered": time.time(), "ms": ms,
                            "status": response.status_code, "location": location})
            if response.status_code != 302:
                response.failure(f"submit: {response.status_code}")
            return location


class DeadlineSubmitter(Submitter):
    """One SME that submits a second before, or a second after, the deadline."""

    fixed_count = int(os.environ.get("LOADTEST_DEADLINE_SUBMITTERS", "0"))
    jobs = DEADLINE_JOBS


class Visitor(PortalUser):
    weight = 3
    wait_time = between(0.5, 2)

    @task(2)
    def home(self) -> None:
        self.page("/", "home")

    @task(3)
    def call(self) -> None:
        self.page(f"/calls/{CALL['slug']}/", "call page")


class Applicant(PortalUser):
    """An SME looking at its own pages (any SME of the plan: reads only)."""

    weight = 2
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.sme = random.choice(PLAN["smes"])

    @task(2)
    def dashboard(self) -> None:
        self.page("/dashboard/", "dashboard", session=self.sme["session"])

    @task(1)
    def application(self) -> None:
        self.page(f"/applications/{self.sme['application']}/", "application",
                  session=self.sme["session"])


class Manager(PortalUser):
    """The call's manager: a real log-in (password, then the authenticator code)."""

    fixed_count = int(os.environ.get("LOADTEST_MANAGERS", "1"))
    wait_time = between(1, 3)

    def _csrf(self, path: str) -> str:
        response = self.client.get(path, name="log-in")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text or "")
        if match is None:
            raise RuntimeError(f"no CSRF token on {path} ({response.status_code})")
        return match.group(1)

    def on_start(self) -> None:
        manager = PLAN["manager"]
        token = self._csrf("/accounts/login/")
        self.client.post("/accounts/login/", name="log-in", data={
            "csrfmiddlewaretoken": token, "login": manager["email"],
            "password": manager["password"]}, headers={"Referer": "/accounts/login/"})
        # A code is good for its 30 s period only: one typed near its end can arrive in the next
        # (slowly, under load), and the manager types the new one, as a person would.
        for _attempt in range(3):
            token = self._csrf("/accounts/2fa/authenticate/")
            response = self.client.post("/accounts/2fa/authenticate/", name="log-in", data={
                "csrfmiddlewaretoken": token, "code": totp(manager["totp_secret"])},
                allow_redirects=False)
            if response.status_code == 302:
                return
            gevent.sleep(30 - time.time() % 30 + 0.5)
        raise RuntimeError(f"the manager's second factor was refused ({response.status_code})")

    def manager_page(self, path: str, name: str) -> None:
        started = time.perf_counter()
        with self.client.get(path, name=name, allow_redirects=False,
                             catch_response=True) as response:
            RECORDS.append({"kind": "page", "name": name,
                            "ms": (time.perf_counter() - started) * 1000,
                            "status": response.status_code})
            if response.status_code != 200:
                response.failure(f"{name}: {response.status_code}")

    @task(3)
    def eligibility(self) -> None:
        self.manager_page(f"/manage/calls/{CALL['pk']}/eligibility/", "eligibility (manager)")

    @task(1)
    def dashboard(self) -> None:
        self.manager_page("/manage/", "dashboard (manager)")


@events.test_stop.add_listener
def write_records(**_kwargs) -> None:
    with open(RECORDS_PATH, "w") as output:
        for record in RECORDS:
            output.write(json.dumps(record) + "\n")
