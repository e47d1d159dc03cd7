"""A real Celery worker process, real Redis and real PostgreSQL.

The worker is another process, so it can only see what the tests commit to pytest-django's test
database on PostgreSQL: the tests are transactional. Without PostgreSQL or without a reachable
REDIS_URL they skip, unless REQUIRE_INTEGRATION_TESTS=1 (CI) makes them fail instead.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import quote, urlencode

import kombu.pools
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from portal.celery import app as celery_app

WORKER_READY_SECONDS = 30
# Variables in the environment that Celery reads before its configuration: they would win over
# the broker a test chooses.
CELERY_ENV_OVERRIDES = ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")


def _cannot_run(reason: str) -> None:
    """Skip, or fail when the environment requires the integration tests to run."""
    if os.environ.get("REQUIRE_INTEGRATION_TESTS") == "1":
        pytest.fail(f"REQUIRE_INTEGRATION_TESTS=1 but the integration tests cannot run: {reason}",
                    pytrace=False)
    pytest.skip(f"{reason} (set REQUIRE_INTEGRATION_TESTS=1 to make this a failure)")


@pytest.fixture(scope="session", autouse=True)
def redis_url() -> str:
    """The broker of the suite, from REDIS_URL; checked once, with PostgreSQL, per session."""
    if connection.vendor != "postgresql":
        _cannot_run("they need PostgreSQL (DATABASE_URL=postgres://...): the worker is another "
                    "process, and SQLite's test database lives in the memory of this one")
    if not django_settings.REDIS_URL:
        _cannot_run("they need a Redis broker (REDIS_URL=redis://...)")
    try:
        with redis.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=2) as client:
            client.ping()
    except redis.RedisError as error:
        _cannot_run(f"the Redis of REDIS_URL does not answer: {error}")
    return django_settings.REDIS_URL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate: Callable[[], object], *, seconds: float, what: str,
               worker: "Worker | None" = None) -> object:
    """Poll ``predicate`` until it returns something true; fail with the worker's log if not."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"The worker exited ({worker.process.returncode}) while waiting for "
                        f"{what}.\n{worker.report()}", pytrace=False)
        if time.monotonic() > deadline:
            report = f"\n{worker.report()}" if worker is not None else ""
            pytest.fail(f"Waited {seconds}s for {what}, in vain.{report}", pytrace=False)
        time.sleep(0.1)


def worker_database_url(*, name: str | None = None) -> str:
    """DATABASE_URL of the test database pytest-django created, for the worker (or of database
    ``name`` on the same server)."""
    db = {**connection.settings_dict, **({"NAME": name} if name else {})}
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    query = f"?{urlencode(db['OPTIONS'])}" if db.get("OPTIONS") else ""
    return (f"postgres://{credentials}{quote(db['HOST'] or '', safe='')}{port}/"
            f"{quote(db['NAME'], safe='')}{query}")


class Worker:
    """``celery -A portal worker`` in its own process group, consuming one queue.

    ``settings`` are Django settings the worker adds to ``portal.settings`` (test-only knobs such
    as ``PAYMENTS_FILL_DELAY_SECONDS``), through a settings module written beside its log.
    """

    def __init__(self, *, broker_url: str, queue: str, log: Path,
                 settings: Mapping[str, object] | None = None) -> None:
        self.queue = queue
        self.log = log
        self.hostname = f"integration-{uuid.uuid4().hex[:8]}@localhost"
        env = {key: value for key, value in os.environ.items()
               if key not in CELERY_ENV_OVERRIDES}
        env.update({
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # The worker sends the receipt e-mails of the tests: never to a real server.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        })
        # Tasks that the worker queues itself (a sweeper's) go to the test's queue too.
        settings = {"CELERY_TASK_DEFAULT_QUEUE": queue, **(settings or {})}
        module = f"worker_settings_{log.stem.replace('-', '_')}"
        (log.parent / f"{module}.py").write_text(
            "from portal.settings import *  # noqa: F403\n"
            + "".join(f"{name} = {value!r}\n" for name, value in settings.items()))
        env["DJANGO_SETTINGS_MODULE"] = module
        env["PYTHONPATH"] = os.pathsep.join([str(log.parent), str(django_settings.BASE_DIR)])
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker",
                   "--pool=solo", "--concurrency=1", "-Q", queue, "-n", self.hostname,
                   "--without-heartbeat", "--without-gossip", "--without-mingle",
                   "--loglevel=INFO"]
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=django_settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self) -> None:
        # "<hostname> ready." is logged once the worker consumes its queue.
        ready = re.compile(rf"{re.escape(self.hostname)} ready\.")
        wait_until(lambda: ready.search(self.output()), seconds=WORKER_READY_SECONDS,
                   what="the worker to be ready", worker=self)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def report(self) -> str:
        return f"--- worker log ({self.log}) ---\n{self.output()}--- end of worker log ---"

    def kill(self) -> None:
        """SIGKILL the worker's whole process group, as a crash or an OOM killer would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the worker's whole process group: warm shutdown first, then SIGKILL."""
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            with contextlib.suppress(ProcessLookupError):  # the group is gone already
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue


class RedisServer:
    """A private ``redis-server`` on a fixed local port that a test can stop and start again."""

    def __init__(self, *, directory: Path) -> None:
        self.executable = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = self.directory / f"redis-{self.starts}.log"
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [self.executable, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)

        def answers() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited ({self.process.returncode}):\n"
                            f"{log.read_text(errors='replace')}", pytrace=False)
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_until(answers, seconds=10, what=f"redis-server on port {self.port}")
        client.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        self.process.wait(timeout=10)


def use_broker(url: str) -> None:
    """Publish to ``url`` from now on in this process.

    The app keeps its connection and producer pools once made; they are dropped as Celery drops
    them in a forked child, so the next publish connects to the broker configured here.
    """
    celery_app.conf.broker_url = url
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_queue(_eager_celery, redis_url, monkeypatch) -> Iterator[str]:
    """Tasks are published, not run in-process, to a queue of this test's own.

    A stray worker elsewhere on the same Redis consumes the default queue, never this one.
    """
    for name in CELERY_ENV_OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    queue = f"integration-{uuid.uuid4().hex[:12]}"
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue,
                celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    use_broker(redis_url)
    yield queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue, broker_url = previous
    use_broker(broker_url)
    # A failed test leaves its messages behind: they must not pile up in the suite's Redis.
    # Kombu deletes only the bindings it knows of, so the queue is declared here first.
    with celery_app.connection_for_write(redis_url) as conn:
        declared = celery_app.amqp.queues[queue].bind(conn.default_channel)
        declared.declare()
        declared.delete()


@pytest.fixture
def start_worker(celery_queue, transactional_db, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start a worker on this test's queue (with ``settings`` added to the portal's, if given);
    every worker started is stopped at teardown. The one way the tests start a worker.

    Depending on ``transactional_db`` makes the workers stop before the tables are emptied.
    """
    workers: list[Worker] = []

    def start(*, broker_url: str, settings: Mapping[str, object] | None = None) -> Worker:
        worker = Worker(broker_url=broker_url, queue=celery_queue,
                        log=tmp_path / f"worker-{len(workers) + 1}.log", settings=settings)
        workers.append(worker)  # stopped at teardown even when it never gets ready
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    """A private Redis, started; stopped at teardown whatever the test did with it."""
    if not os.access(shutil.which("redis-server") or "/usr/bin/redis-server", os.X_OK):
        _cannot_run("`redis-server` is not installed (Debian's package redis-server)")
    server = RedisServer(directory=tmp_path)
    server.start()
    yield server
    server.stop()


# --- a throwaway PostgreSQL and the portal served by gunicorn, for the drills ------------------

POSTGRES_BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


class PostgresServer:
    """A private PostgreSQL cluster in a temporary folder, on a free local port, that a drill
    may stop and start again; never the machine's own server. Run as the ``postgres`` user when
    the tests run as root (PostgreSQL refuses root)."""

    def __init__(self, *, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(directory, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        result = subprocess.run([*self.as_user, *command], capture_output=True, text=True,
                                timeout=60, check=False)
        if result.returncode:
            pytest.fail(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}"
                        f"{result.stderr}\n{self.report()}", pytrace=False)

    def init(self) -> None:
        self._run(str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast``: the server ends every session at once (their transactions roll back)."""
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self._run(str(POSTGRES_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", name)
        return self.url(name)

    def report(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- postgres log ({self.log}) ---\n{text[-5000:]}--- end of postgres log ---"


@pytest.fixture
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL 15, started; stopped and removed at teardown whatever the test did.

    Its folder is made directly in the system's temporary folder: pytest's own is private to
    root, and the server runs as ``postgres``.
    """
    if not (POSTGRES_BIN / "postgres").exists():
        _cannot_run(f"PostgreSQL's server programs are not in {POSTGRES_BIN} (Debian's package "
                    "postgresql-15; POSTGRES_BIN to point elsewhere)")
    directory = Path(tempfile.mkdtemp(prefix="drill-postgres-"))
    server = PostgresServer(directory=directory)
    server.init()
    server.start()
    yield server
    if server.running():
        subprocess.run([*server.as_user, str(POSTGRES_BIN / "pg_ctl"), "-D", str(server.data),
                        "-m", "immediate", "-w", "stop"], capture_output=True, timeout=30,
                       check=False)
    shutil.rmtree(directory, ignore_errors=True)


def portal_environment(*, database_url: str, redis_url: str, var_dir: Path,
                       **extra: str) -> dict[str, str]:
    """The environment of a portal process (web or manage.py) on the drill's own services: the
    development mode with DEBUG off (the error pages production shows) and connections kept for
    a minute, as production keeps them."""
    env = {key: value for key, value in os.environ.items()
           if key not in CELERY_ENV_OVERRIDES and key != "DJANGO_SETTINGS_MODULE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_DEBUG": "false",
        "PORTAL_VAR_DIR": str(var_dir),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(django_settings.BASE_DIR),
        **extra,
    })
    return env


def manage(env: Mapping[str, str], *arguments: str, timeout: float = 180) -> str:
    """Run ``manage.py`` with ``env``; its standard output."""
    result = subprocess.run([sys.executable, "manage.py", *arguments],
                            cwd=django_settings.BASE_DIR, env=dict(env), capture_output=True,
                            text=True, timeout=timeout, check=False)
    if result.returncode:
        pytest.fail(f"manage.py {' '.join(arguments)} failed ({result.returncode}):\n"
                    f"{result.stdout}{result.stderr}", pytrace=False)
    return result.stdout


class WebServer:
    """``gunicorn portal.wsgi`` as docker-compose runs it, on a free local port."""

    def __init__(self, *, env: Mapping[str, str], log: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "portal.wsgi:application",
                 "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                 "--access-logfile", "-", "--timeout", "60"],
                cwd=django_settings.BASE_DIR, env=dict(env), stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self) -> None:
        def answers() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited ({self.process.returncode}).\n{self.report()}",
                            pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                return False

        wait_until(answers, seconds=WORKER_READY_SECONDS, what="gunicorn to listen")

    def report(self) -> str:
        return (f"--- gunicorn log ({self.log}) ---\n{self.log.read_text(errors='replace')[-8000:]}"
                "--- end of gunicorn log ---")

    def stop(self) -> None:
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture
def start_web() -> Iterator[Callable[..., WebServer]]:
    """Start gunicorn (stopped at teardown)."""
    servers: list[WebServer] = []

    def start(**kwargs) -> WebServer:
        server = WebServer(**kwargs)
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()
