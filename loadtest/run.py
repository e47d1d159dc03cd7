"""``make loadtest``: the deadline rush, served as production serves it, measured.

``python -m loadtest.run --users 80 --duration 60`` (from the project's folder):

1. starts, in a temporary folder and on free ports of 127.0.0.1, a throwaway PostgreSQL cluster,
   a Redis, a clamd (the test signature database), gunicorn with the production settings except
   HTTPS (``loadtest.settings``), one Celery worker and Celery beat, as docker-compose.yml runs
   them (the machine's own PostgreSQL and Redis are never touched);
2. migrates, collects the static files, seeds the SMEs with complete drafts (``loadtest.seed``)
   and uploads each one's 200 kB PDF through the portal's upload endpoint;
3. moves the call's deadline into the run and runs locust headless (``loadtest/locustfile.py``):
   the rush at ``--rate`` submits a second, double clicks, submits a second before and after the
   deadline, mixed browsing all along;
4. waits for the worker to drain the eligibility checks, checks the database and the logs
   (``loadtest.accounting``), prints the figures and, last, one JSON line;
5. stops everything it started, also on Ctrl-C or a failure.

The exit status is 0 when every goal of issue 14 is met, 1 when a goal is missed, 2 when the
run itself failed.

Every program it runs is its own (this Python, PostgreSQL's, redis-server, clamd) with arguments
it builds itself: hence the ``noqa: S603`` on its subprocess calls.
"""

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

import psutil
import psycopg2

from loadtest.accounting import (
    DOUBLE,
    JUST_BEFORE,
    LATE,
    ON_TIME,
    Draft,
    account,
    count_5xx,
    cpu_gauge_ms,
    last_line,
    percentile,
    submit_rate,
)

ROOT = Path(__file__).resolve().parent.parent
# The longest wait for the machine to settle before the rush (see ``settle``).
SETTLE_SECONDS = 90
# The Celery worker's niceness (docker-compose.yml: cpu_shares 256 against the web's 1024).
WORKER_NICE = 10
POSTGRES_BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
CLAMAV_DB = ROOT / "tests" / "clamav" / "db"
# Seconds: locust's start and spawn before the rush; the quiet gap between the rush and the
# deadline; the browsing after the late submits.
LEAD, GAP, TAIL = 8.0, 4.0, 6.0
PDF_BYTES = 200 * 1024
CSRF = "loadtestcsrftokenloadtestcsrf012"  # as in the locustfile
GOALS = {"submits_per_second": 20.0, "p95_submit_ms": 1000.0, "p95_page_ms": 300.0}


class RunFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def wait_for(predicate: Callable[[], object], *, seconds: float, what: str,
             interval: float = 0.2) -> object:
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RunFailed(f"waited {seconds:.0f} s for {what}, in vain")
        time.sleep(interval)


def pdf_of(size: int) -> bytes:
    """A valid one-page PDF of about ``size`` bytes (its content stream carries the padding)."""
    text = b"BT /F1 12 Tf 72 720 Td (Signed SME declaration, load test) Tj ET\n"
    padding = b"% " + b"x" * 78 + b"\n"
    stream = text + padding * max(0, (size - 600) // len(padding))
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path


@dataclass
class Stack:
    """Everything started, to be stopped in reverse order whatever happens."""

    folder: Path
    processes: list[Process] = field(default_factory=list)
    postgres: "Postgres | None" = None

    def start(self, name: str, command: list[str], *, env: dict[str, str] | None = None,
              cwd: Path = ROOT, nice: int = 0) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            popen = subprocess.Popen(command, cwd=cwd, env=env,  # noqa: S603
                                     stdin=subprocess.DEVNULL,
                                     stdout=output, stderr=subprocess.STDOUT,
                                     start_new_session=True,
                                     preexec_fn=(lambda: os.nice(nice)) if nice else None)
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def check_alive(self) -> None:
        for process in self.processes:
            if process.popen.poll() is not None:
                tail = process.log.read_text(errors="replace")[-3000:]
                raise RunFailed(f"{process.name} exited ({process.popen.returncode}):\n{tail}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, sig)
                try:
                    process.popen.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.processes.clear()
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None


class Postgres:
    """A throwaway cluster in the run's folder (as ``postgres`` when run as root: PostgreSQL
    refuses root), with the server's default settings: durable commits, as in production."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        folder.mkdir()
        if os.geteuid() == 0:
            shutil.chown(folder, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.started = False

    def run(self, *command: str) -> None:
        result = subprocess.run([*self.as_user, *command], capture_output=True,  # noqa: S603
                                text=True, timeout=120, check=False)
        if result.returncode:
            log = (self.folder / "postgres.log")
            raise RunFailed(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}\n"
                            f"{log.read_text(errors='replace')[-3000:] if log.exists() else ''}")

    def start(self) -> str:
        self.run(str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                 "--auth=trust", "-E", "UTF8")
        self.run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                 str(self.folder / "postgres.log"), "-w", "-t", "60", "-o",
                 f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                 "-c max_connections=200", "start")
        self.started = True
        self.run(str(POSTGRES_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", "postgres", "portal")
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"

    def stop(self) -> None:
        if self.started:
            subprocess.run([*self.as_user, str(POSTGRES_BIN / "pg_ctl"), "-D",  # noqa: S603
                            str(self.data),
                            "-m", "fast", "-w", "stop"], capture_output=True, timeout=60,
                           check=False)
            self.started = False


def start_services(stack: Stack) -> dict[str, str]:
    """PostgreSQL, Redis and clamd; the environment of every portal process."""
    for program in (POSTGRES_BIN / "initdb", Path(shutil.which("redis-server") or "-")):
        if not program.exists():
            raise RunFailed(f"{program} is missing (Debian: postgresql-15, redis-server)")
    clamd = shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")
    if clamd is None:
        raise RunFailed("clamd is missing (`make clamav`, Debian: clamav-daemon): production "
                        "scans every upload")
    stack.postgres = Postgres(stack.folder / "postgres")
    database_url = stack.postgres.start()

    redis_port = free_port()
    (stack.folder / "redis").mkdir()
    # As docker-compose.yml runs it: the append-only file on.
    redis = stack.start("redis", [shutil.which("redis-server"), "--port", str(redis_port),
                                  "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                                  "--dir", str(stack.folder / "redis")])

    clamd_port = free_port()
    config = stack.folder / "clamd.conf"
    config.write_text(f"Foreground yes\nDatabaseDirectory {CLAMAV_DB}\nTCPSocket {clamd_port}\n"
                      f"TCPAddr 127.0.0.1\nTemporaryDirectory {stack.folder}\n"
                      "StreamMaxLength 60M\nSelfCheck 0\n")
    stack.start("clamd", [clamd, "-c", str(config)])

    def answers(port: int, probe: bytes, expect: bytes) -> bool:
        stack.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(probe)
                return expect in conn.recv(64)
        except OSError:
            return False

    wait_for(lambda: answers(redis_port, b"PING\r\n", b"PONG"), seconds=20, what="redis")
    wait_for(lambda: answers(clamd_port, b"zPING\0", b"PONG"), seconds=60, what="clamd")
    del redis
    var = stack.folder / "var"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CELERY_", "DJANGO_", "PORTAL_", "DATABASE_", "REDIS_",
                                  "CLAMAV_", "EMAIL_", "PROMETHEUS_"))}
    env.update({
        "PORTAL_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "loadtest.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CLAMAV_URL": f"tcp://127.0.0.1:{clamd_port}",
        "PORTAL_VAR_DIR": str(var),
        "PORTAL_SITE_URL": f"http://127.0.0.1:{free_port()}",
        # The receipts and results go nowhere: there is no mail server here.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Nobody in front of gunicorn appends X-Forwarded-For.
        "PORTAL_TRUSTED_PROXY_COUNT": "0",
        "PYTHONPATH": str(ROOT),
    })
    return env


def manage(env: dict[str, str], *arguments: str, timeout: float = 600) -> str:
    result = subprocess.run([sys.executable, "manage.py", *arguments],  # noqa: S603
                            cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode:
        raise RunFailed(f"manage.py {arguments[0]} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def start_portal(stack: Stack, env: dict[str, str]) -> int:
    """gunicorn, one worker and beat, each as docker-compose.yml runs it; gunicorn's port."""
    port = int(env["PORTAL_SITE_URL"].rpartition(":")[2])
    web_metrics, worker_metrics = stack.folder / "metrics-web", stack.folder / "metrics-worker"
    web_metrics.mkdir()
    worker_metrics.mkdir()
    # gunicorn reads ./gunicorn.conf.py (workers, threads), as in the container.
    stack.start("gunicorn", [sys.executable, "-m", "gunicorn", "portal.wsgi:application",
                             "--bind", f"127.0.0.1:{port}",
                             "--access-logfile", str(stack.folder / "access.log")],
                env={**env, "PROMETHEUS_MULTIPROC_DIR": str(web_metrics)})
    # The worker's checks wait for the pages people are waiting for: a lower CPU priority, as
    # docker-compose.yml gives the worker a smaller CPU share than the web tier.
    stack.start("worker", [sys.executable, "-m", "celery", "-A", "portal", "worker", "-l", "info"],
                env={**env, "PROMETHEUS_MULTIPROC_DIR": str(worker_metrics),
                     "CELERY_METRICS_PORT": str(free_port()),
                     "CELERY_METRICS_ADDRESS": "127.0.0.1"}, nice=WORKER_NICE)
    (stack.folder / "beat").mkdir()
    stack.start("beat", [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "info",
                         "--schedule", str(stack.folder / "beat" / "celerybeat-schedule")],
                env=env)

    def healthy() -> bool:
        stack.check_alive()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz",
                                         headers={"Host": "127.0.0.1"})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 -- local
                return response.status == 200
        except OSError:
            return False

    wait_for(healthy, seconds=60, what="gunicorn to answer /healthz")
    wait_for(lambda: stack.check_alive() or "ready." in (stack.folder / "worker.log").read_text(
        errors="replace"), seconds=60, what="the Celery worker to be ready")
    return port


def upload_pdfs(port: int, plan: dict, *, threads: int = 6) -> list[float]:
    """Each SME uploads its PDF through the upload endpoint (multipart, over HTTP); the times."""
    boundary = "loadtest" + secrets.token_hex(12)
    pdf = pdf_of(PDF_BYTES)
    document = plan["call"]["required_document"]
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{CSRF}\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="required_document"\r\n\r\n'
        f"{document}\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="sme-declaration.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode(),
        pdf, f"\r\n--{boundary}--\r\n".encode()])

    def upload(sme: dict) -> float:
        started = time.perf_counter()
        connection = HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("POST", f"/applications/{sme['application']}/documents/", body, {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": f"sessionid={sme['session']}; csrftoken={CSRF}",
                "Host": "127.0.0.1"})
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        if response.status != 302:
            raise RunFailed(f"the upload of application {sme['application']} answered "
                            f"{response.status}")
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(upload, plan["smes"]))


FINGERPRINTS = """
SELECT a.id, a.status,
       (SELECT count(*) FROM applications_applicationversion v WHERE v.application_id = a.id),
       md5(concat_ws('|', a.status, a.title, a.acronym, a.summary, a.sections::text,
                     a.requested_amount::text, a.planned_start::text, a.duration_months::text,
                     a.voucher_type_id::text, a.updated_at::text, a.submitted_at::text,
           (SELECT string_agg(concat_ws(',', b.id, b.category, b.description, b.amount::text,
                                        b.position), ';' ORDER BY b.id)
              FROM applications_budgetline b WHERE b.application_id = a.id),
           (SELECT string_agg(concat_ws(',', t.id, t.file, t.size, t.scan_status,
                                        t.removed_at::text), ';' ORDER BY t.id)
              FROM applications_attachment t WHERE t.application_id = a.id)))
  FROM applications_application a WHERE a.call_id = %s
"""

CHECKS = """
SELECT count(*), count(e.checked_at), extract(epoch FROM max(e.checked_at)),
       extract(epoch FROM max(v.submitted_at))
  FROM applications_applicationversion v
  JOIN applications_application a ON a.id = v.application_id
  LEFT JOIN applications_eligibilityresult e ON e.version_id = v.id
 WHERE a.call_id = %s
"""

CHECK_RUNS = """
SELECT count(*) FILTER (WHERE runs = 1), count(*) FILTER (WHERE runs > 1) FROM (
  SELECT a.id, (SELECT count(*) FROM portal_auditentry x
                 WHERE x.content_type_id = (SELECT id FROM django_content_type
                                             WHERE app_label = 'applications'
                                               AND model = 'application')
                   AND x.object_id = a.id AND x.action = 'eligibility_checked') AS runs
    FROM applications_application a
   WHERE a.call_id = %s AND a.status <> 'draft') AS checked
"""


def drafts(database_url: str, call: int) -> dict[int, Draft]:
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(FINGERPRINTS, [call])
        return {row[0]: Draft(status=row[1], versions=row[2], fingerprint=row[3])
                for row in cursor.fetchall()}


def settle(database_url: str, *, seconds: float = SETTLE_SECONDS) -> None:
    """Let the machine settle between preparing the drafts and the rush. The drafts and their
    uploads were written a minute ago, where a real call's were written over weeks: without this,
    PostgreSQL's autovacuum and checkpoint of the seeding, and the load it left, run during the
    rush and are measured as the rush's. VACUUM ANALYZE and CHECKPOINT now, then wait (at most
    ``seconds``) for the one-minute load average to fall to half the cores."""
    say("settling: VACUUM ANALYZE, CHECKPOINT, then waiting for the load to fall")
    connection = psycopg2.connect(database_url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
    finally:
        connection.close()
    until = time.monotonic() + seconds
    while time.monotonic() < until and os.getloadavg()[0] > (os.cpu_count() or 1) / 2:
        time.sleep(2)
    say(f"load average {load_average()}")


def query(database_url: str, sql: str, parameters: list) -> tuple:
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.fetchone()


def schedule(plan: dict, *, rate: float, duration: float, start: float,
             late_count: int) -> tuple[list[dict], float, float]:
    """The rush's jobs: the SMEs spread evenly over the window at ``rate`` a second (every 20th a
    double click), ``late_count`` a second before the deadline and as many a second after.
    Returns the jobs, the deadline and the window's length."""
    smes = plan["smes"]
    rush = smes[: len(smes) - 2 * late_count]
    window = len(rush) / rate
    deadline = start + window + GAP
    jobs = [{**sme, "group": DOUBLE if n % 20 == 19 else ON_TIME, "at": start + n / rate}
            for n, sme in enumerate(rush)]
    jobs += [{**sme, "group": JUST_BEFORE, "at": deadline - 1.0}
             for sme in smes[len(rush): len(rush) + late_count]]
    jobs += [{**sme, "group": LATE, "at": deadline + 1.0}
             for sme in smes[len(rush) + late_count:]]
    return jobs, deadline, window


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU time (user + system) so far of each service with its child processes: PostgreSQL's
    server with its backends, gunicorn with its workers, the Celery worker with its pool.

    On a machine shared with other work, wall-clock figures depend on the neighbours; the CPU
    spent per submission does not, and says what a dedicated machine would sustain."""
    groups = {"postgres": [], "web": [], "worker": [], "beat": [], "redis": [], "clamd": []}
    for process in stack.processes:
        if process.name == "gunicorn":
            groups["web"].append(process.popen.pid)
        elif process.name in groups:
            groups[process.name].append(process.popen.pid)
    if stack.postgres is not None:
        pid_file = stack.postgres.data / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError):
            groups["postgres"].append(int(pid_file.read_text().split()[0]))
    totals = {}
    for name, pids in groups.items():
        total = 0.0
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                # Children that ended (a backend closing its connection) count in the parent.
                reaped = root.cpu_times()
                total += reaped.children_user + reaped.children_system
                for each in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        times = each.cpu_times()
                        total += times.user + times.system
        totals[name] = total
    return totals


def log_errors(folder: Path) -> int:
    """Tracebacks and ERROR lines written by gunicorn, the worker and beat."""
    count = 0
    for name in ("gunicorn", "worker", "beat"):
        for line in (folder / f"{name}.log").read_text(errors="replace").splitlines():
            if "Traceback" in line or '"level": "ERROR"' in line or " ERROR " in line:
                count += 1
    return count


def run(arguments: argparse.Namespace, stack: Stack) -> dict:
    started = time.monotonic()
    load_before = load_average()
    if arguments.duration < LEAD + GAP + TAIL + 5:
        raise RunFailed(f"--duration must be at least {LEAD + GAP + TAIL + 5:.0f} s")
    window = arguments.duration - LEAD - GAP - TAIL - 1
    late_count = arguments.late
    smes = arguments.smes or int(arguments.rate * window) + 2 * late_count
    # The rush is paced, not a closed loop: it needs as many submitters as submits in flight
    # (rate x the seconds of one SME's submit page, submit and receipt), or the load generator
    # itself falls behind the plan. A quarter of the users browse (one of them the manager).
    browsers = max(3, arguments.users // 4)
    submitters = arguments.users - browsers
    if submitters < 1:
        raise RunFailed("--users must be at least 4 (submitters, a manager, visitors)")
    # Plus one user for each SME at the deadline.
    users = arguments.users + 2 * late_count

    say(f"load average {load_before}; starting PostgreSQL, Redis, clamd in {stack.folder}")
    env = start_services(stack)
    say("migrating, collecting static files")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    plan_path = stack.folder / "plan.json"
    say(f"seeding {smes} SMEs with complete drafts")
    manage(env, "shell", "-c", f"from loadtest.seed import main; main(plan_path={str(plan_path)!r}"
                              f", smes={smes}, closes_in=86400)")
    plan = json.loads(plan_path.read_text())
    port = start_portal(stack, env)
    database_url = env["DATABASE_URL"]
    say(f"portal up on http://127.0.0.1:{port}/; uploading {smes} PDFs of "
        f"{PDF_BYTES // 1024} kB through the upload endpoint")
    upload_started = time.monotonic()
    upload_ms = upload_pdfs(port, plan)
    upload_seconds = time.monotonic() - upload_started
    clean = query(database_url, "SELECT count(DISTINCT application_id) FROM "
                  "applications_attachment WHERE scan_status = 'clean' AND removed_at IS NULL",
                  [])[0]
    if clean != smes:
        raise RunFailed(f"{clean} of {smes} drafts have their PDF, scanned clean")
    say(f"uploads: {smes / upload_seconds:.1f}/s, p95 {percentile(upload_ms, 95):.0f} ms")
    settle(database_url, seconds=arguments.settle)

    if arguments.hold:
        (stack.folder / "env.json").write_text(json.dumps(env))
        say(f"holding the stack (environment in {stack.folder / 'env.json'}); Ctrl-C stops it")
        while True:
            stack.check_alive()
            time.sleep(1)
    gauge = cpu_gauge_ms()
    say(f"the machine's gauge: {gauge} ms (a fixed Python loop; lower is faster)")
    rush = smes - 2 * late_count
    if rush < 1 or rush / arguments.rate > window:
        raise RunFailed(f"{smes} SMEs ({2 * late_count} of them at the deadline) do not fit a rush "
                        f"of {window:.0f} s at {arguments.rate:g}/s: raise --duration or --rate")
    start = time.time() + LEAD
    jobs, deadline, window = schedule(plan, rate=arguments.rate, duration=arguments.duration,
                                      start=start, late_count=late_count)
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE calls_opencall SET closes_at = to_timestamp(%s) WHERE id = %s",
                       [deadline, plan["call"]["pk"]])
    before = drafts(database_url, plan["call"]["pk"])
    groups = {job["application"]: job["group"] for job in jobs}
    locust_plan = stack.folder / "locust-plan.json"
    locust_plan.write_text(json.dumps({**plan, "jobs": jobs}))
    records_path = stack.folder / "records.jsonl"
    say(f"locust: {users} users ({submitters} submitting, {2 * late_count} at the deadline) for "
        f"{arguments.duration:.0f}"
        f" s; the rush offers {arguments.rate:g} submits/s for {window:.0f} s, deadline at "
        f"+{deadline - start + LEAD:.0f} s")
    stack.check_alive()
    cpu_before = cpu_seconds(stack)
    access_lines_before = len((stack.folder / "access.log").read_text(errors="replace")
                              .splitlines())
    children_before = os.times()
    locust = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"),
         "--headless", "--users", str(users), "--spawn-rate", str(users),
         "--run-time", f"{int(arguments.duration)}s", "--host", f"http://127.0.0.1:{port}",
         "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
         "--csv", str(stack.folder / "locust")],
        cwd=ROOT, env={**{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
                       "LOADTEST_PLAN": str(locust_plan), "LOADTEST_RECORDS": str(records_path),
                       "LOADTEST_SUBMITTERS": str(submitters), "LOADTEST_MANAGERS": "1",
                       "LOADTEST_DEADLINE_SUBMITTERS": str(2 * late_count)},
        timeout=arguments.duration + 120, check=False)
    load_during = load_average()
    cpu_after = cpu_seconds(stack)
    cpu = {name: round(cpu_after[name] - cpu_before[name], 1) for name in cpu_after}
    children_after = os.times()
    cpu["locust"] = round(children_after.children_user + children_after.children_system
                          - children_before.children_user - children_before.children_system, 1)
    if not records_path.exists():
        raise RunFailed(f"locust wrote no records (exit {locust.returncode})")
    records = [json.loads(line) for line in records_path.read_text().splitlines()]

    say("waiting for the worker to drain the eligibility checks")
    def drained() -> bool:
        stack.check_alive()
        total, checked, *_rest = query(database_url, CHECKS, [plan["call"]["pk"]])
        return total == checked

    wait_for(drained, seconds=arguments.drain_timeout, what="the eligibility checks",
             interval=0.5)
    total, checked, last_check, last_submit = query(database_url, CHECKS, [plan["call"]["pk"]])
    once, twice = query(database_url, CHECK_RUNS, [plan["call"]["pk"]])
    after = drafts(database_url, plan["call"]["pk"])
    counts = account(groups=groups, before=before, after=after,
                     sent={r["application"] for r in records if r["kind"] == "submit"})

    submits = [r for r in records if r["kind"] == "submit"]
    # An SME whose submit was never sent (locust stopped first) proves nothing: counted apart.
    not_sent = len(set(groups) - {r["application"] for r in submits})
    # Why the lost ones were lost: never sent, sent after the deadline (the rush fell behind its
    # plan: every submitter was waiting on the portal), or sent in time but answered after it.
    first_sent: dict[int, float] = {}
    for record in submits:
        first_sent[record["application"]] = min(record["sent"],
                                                first_sent.get(record["application"], 1e18))
    lost_ids = [application for application, group in groups.items()
                if group != LATE and after.get(application, Draft("", 0, "")).versions == 0]
    lost_sent_late = sum(1 for a in lost_ids if first_sent.get(a, 0) >= deadline)
    lost_in_time = sum(1 for a in lost_ids if 0 < first_sent.get(a, 0) < deadline)
    pages = [r for r in records if r["kind"] == "page"]
    accepted = {}
    for record in submits:
        if (record["status"] == 302 and "/versions/" in (record["location"] or "")
                and record["group"] in (ON_TIME, DOUBLE)):
            accepted[record["application"]] = min(record["answered"],
                                                  accepted.get(record["application"], 1e18))
    access_log = (stack.folder / "access.log").read_text(errors="replace").splitlines()
    access_during = access_log[access_lines_before:]
    rush_submits = [r for r in submits if r["group"] in (ON_TIME, DOUBLE)]
    figures = last_line(
        submits_per_second=round(submit_rate(accepted.values()), 1),
        p50_submit_ms=round(percentile((r["ms"] for r in submits), 50)),
        p95_submit_ms=round(percentile((r["ms"] for r in submits), 95)),
        p95_page_ms=round(percentile((r["ms"] for r in pages), 95)),
        lost=counts["lost"], duplicated=counts["duplicated"],
        errors_5xx=count_5xx(access_log),
        late_accepted=counts["late_accepted"],
        drain_seconds=round(max(0.0, float(last_check or 0) - float(last_submit or 0)), 1),
        users=users, seconds=round(time.monotonic() - started),
        smes=smes, offered_per_second=arguments.rate,
        lag_p95_ms=round(percentile(((r["sent"] - r["planned"]) * 1000 for r in rush_submits),
                                    95)),
        submit_answers={str(k): sum(1 for r in submits if r["status"] == k)
                        for k in sorted({r["status"] for r in submits})},
        pages=len(pages), page_errors=sum(1 for r in pages if r["status"] != 200),
        late_refused=counts["late_refused"], late_not_sent=counts["late_not_sent"],
        just_before=late_count, not_sent=not_sent,
        lost_sent_after_deadline=lost_sent_late, lost_sent_in_time=lost_in_time,
        eligibility_checked=f"{checked}/{total}", eligibility_ran_twice=twice,
        eligibility_ran_once=once, log_errors=log_errors(stack.folder),
        upload_per_second=round(smes / upload_seconds, 1),
        load_before=load_before, load_during=load_during, cpu_seconds=cpu,
        cpu_ms_per_submit={name: round(seconds * 1000 / max(len(accepted), 1), 1)
                           for name, seconds in cpu.items()},
        cpu_ms_per_request={name: round(cpu[name] * 1000 / max(len(access_during), 1), 1)
                            for name in ("web", "postgres")},
        requests=len(access_during),
        web=_gunicorn_shape(env),
        cpu_gauge_ms=gauge, python=f"{platform.python_version()} "
                                  f"({' '.join(platform.python_build())})",
    )
    return figures


def _gunicorn_shape(env: dict[str, str]) -> str:
    """"5 workers x 1 threads": what ./gunicorn.conf.py gives gunicorn (its defaults without)."""
    if not (ROOT / "gunicorn.conf.py").exists():
        return "gunicorn's defaults"
    result = subprocess.run([sys.executable, "-c", "import runpy; c = runpy.run_path("
                             "'gunicorn.conf.py'); print(c.get('workers'), c.get('threads', 1))"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    workers, _space, threads = result.stdout.strip().partition(" ")
    return f"{workers} workers x {threads} threads"


def goals_met(figures: dict) -> list[str]:
    missed = [f"{key} {figures[key]} (goal {'>=' if key == 'submits_per_second' else '<='} "
              f"{goal:g})" for key, goal in GOALS.items()
              if (figures[key] < goal if key == "submits_per_second" else figures[key] > goal)]
    missed += [f"{key} {figures[key]} (goal 0)" for key in
               ("lost", "duplicated", "errors_5xx", "late_accepted", "eligibility_ran_twice",
                "not_sent", "late_not_sent", "log_errors")
               if figures[key]]
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("USERS") or 80),
                        help="concurrent locust users: three quarters submit, the rest browse "
                             "(default 80)")
    parser.add_argument("--duration", type=float,
                        default=float(os.environ.get("DURATION") or 60),
                        help="seconds of load (default 60)")
    # The goal's load (20 a second) and 5 % more: the figures are measured at the goal's load,
    # not past the machine's capacity.
    parser.add_argument("--rate", type=float, default=float(os.environ.get("RATE") or 21),
                        help="submits a second the rush offers (default 21)")
    parser.add_argument("--smes", type=int, default=int(os.environ.get("SMES") or 0),
                        help="SMEs (default: what the rate fills the window with)")
    parser.add_argument("--late", type=int, default=10,
                        help="SMEs submitting a second before, and as many a second after, the "
                             "deadline (default 10)")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--settle", type=float, default=SETTLE_SECONDS,
                        help="at most this many seconds for the load of the preparation to fall "
                             f"before the rush (default {SETTLE_SECONDS})")
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's folder (logs, records) instead of removing it")
    parser.add_argument("--hold", action="store_true",
                        help="prepare the stack, then keep it running for profiling (no load)")
    arguments = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="loadtest-"))
    folder.chmod(0o755)
    stack = Stack(folder=folder)

    def stop_on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop_on_signal)
    status = 2
    try:
        figures = run(arguments, stack)
        missed = goals_met(figures)
        for line in missed:
            say(f"GOAL MISSED: {line}")
        status = 1 if missed else 0
    except RunFailed as error:
        say(f"FAILED: {error}")
        figures = None
    except KeyboardInterrupt:
        say("interrupted")
        figures = None
    finally:
        say("stopping everything started")
        stack.stop()
        if arguments.keep:
            say(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if figures is not None:
        print(json.dumps(figures), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
