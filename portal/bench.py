"""Benchmarks run by ``manage.py bench <name>``: a registry, and a database to throw away.

An app with something worth timing registers it in its own ``<app>/bench.py``; the command finds
those modules with ``autodiscover_modules("bench")``, so the portal imports no app above it::

    register("eligibility", help="...", add_arguments=add_arguments, run=run)

``add_arguments(parser)`` adds the benchmark's own options. ``run(*, options, log)`` builds its
synthetic data in the current database, times the work, and returns a dict of figures that can be
written as JSON; ``log`` takes progress lines for a person to read. The command runs it inside
``scratch_database()`` (or ``rolled_back()``) and prints the figures as its last line. A benchmark
of pure code registers with ``database=False`` and is spared making a database.
"""

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from celery import signals
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from portal.celery import app as celery_app

Log = Callable[[str], None]
# One INFO line per eager task, and kombu's warning that the in-memory broker has no host.
QUIET_LOGGERS = ("celery.app.trace", "kombu.connection")


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    run: Callable[..., dict[str, Any]]
    database: bool = True


_registry: dict[str, Benchmark] = {}


def register(name: str, *, help: str, add_arguments: Callable[[ArgumentParser], None],
             run: Callable[..., dict[str, Any]], database: bool = True) -> Benchmark:
    """Make ``manage.py bench <name>`` run ``run``; with ``database`` (the default) in a scratch
    database. Registering a name twice is a mistake: raises ValueError."""
    if name in _registry:
        raise ValueError(f"A benchmark named {name!r} is already registered.")
    benchmark = Benchmark(name=name, help=help, add_arguments=add_arguments, run=run,
                          database=database)
    _registry[name] = benchmark
    return benchmark


def benchmarks() -> dict[str, Benchmark]:
    """The registered benchmarks by name, in name order."""
    return dict(sorted(_registry.items()))


@contextmanager
def scratch_database(*, alias: str = DEFAULT_DB_ALIAS) -> Iterator[str]:
    """Create an empty, migrated database for the block and always destroy it afterwards.

    Django's test-database machinery does the work, under a name of this process's own
    (``bench_<pid>``), so the configured database is never touched and a concurrent pytest run,
    whose databases are called ``test_...``, is never in the way. SQLite gets a file in a new
    temporary directory rather than memory, as the embedded mode keeps a file too. Yields the name
    of the scratch database.
    """
    connection = connections[alias]
    if connection.in_atomic_block:
        raise RuntimeError("A scratch database cannot be made inside a transaction (a test?): "
                           "run in place instead.")
    test_settings = connection.settings_dict.setdefault("TEST", {})
    had_name, previous_name = "NAME" in test_settings, test_settings.get("NAME")
    directory = None
    if connection.vendor == "sqlite":
        directory = tempfile.mkdtemp(prefix="bench_")
        test_settings["NAME"] = os.path.join(directory, f"bench_{os.getpid()}.sqlite3")
    else:
        test_settings["NAME"] = f"bench_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    try:
        try:
            name = connection.creation.create_test_db(verbosity=0, autoclobber=True,
                                                      serialize=False)
        except BaseException:
            if connection.settings_dict["NAME"] != old_name:  # made, then migrating failed
                connection.creation.destroy_test_db(old_name, verbosity=0)
            raise
        try:
            yield name
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        if had_name:
            test_settings["NAME"] = previous_name
        else:
            test_settings.pop("NAME", None)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def rolled_back(*, alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block in one transaction of the current database and roll it back at the end.

    For tests, which already run in a throw-away database. Nothing commits, so work queued with
    ``transaction.on_commit`` never runs: figures measured this way are not the real ones.
    """
    with transaction.atomic(using=alias):
        yield
        transaction.set_rollback(True, using=alias)


def refresh_statistics(*, alias: str = DEFAULT_DB_ALIAS) -> None:
    """After a bulk load, give PostgreSQL's planner the statistics that autovacuum would gather
    within a minute or so in a live database. SQLite is left alone: nothing runs ANALYZE on the
    portal's SQLite file either."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def positive_int(text: str) -> int:
    """An argparse ``type`` for counts: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise ArgumentTypeError(f"{value} is less than 1")
    return value


@contextmanager
def eager_tasks() -> Iterator[None]:
    """Run Celery tasks in this process when queued, as one worker would, without the log line
    of each; the previous setting comes back afterwards."""
    previous = celery_app.conf.task_always_eager
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    celery_app.conf.task_always_eager = True
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@dataclass
class TaskRun:
    name: str
    kwargs: dict[str, Any]
    queries: int  # its own: without those of the tasks it ran nested


@dataclass
class TaskQueries:
    """Counts the queries of each Celery task run in this process, in ``runs``.

    A counter in ``connection.execute_wrapper`` (a function call per query, no SQL kept) is cheap
    enough to stay on in a timed run. In eager mode a task queued on commit runs inside the task
    that queued it; the task signals mark where each starts and ends, so each run is given only
    its own queries.
    """

    count: int = 0
    runs: list[TaskRun] = field(default_factory=list)
    _open: list[list[int]] = field(default_factory=list)  # [count at start, nested queries]

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def _started(self, **signal) -> None:
        self._open.append([self.count, 0])

    def _finished(self, *, task=None, kwargs=None, **signal) -> None:
        start, nested = self._open.pop()
        total = self.count - start
        if self._open:
            self._open[-1][1] += total
        self.runs.append(TaskRun(name=getattr(task, "name", ""), kwargs=dict(kwargs or {}),
                                 queries=total - nested))

    @contextmanager
    def measuring(self, *, alias: str = DEFAULT_DB_ALIAS) -> Iterator["TaskQueries"]:
        signals.task_prerun.connect(self._started, weak=False)
        signals.task_postrun.connect(self._finished, weak=False)
        try:
            with connections[alias].execute_wrapper(self):
                yield self
        finally:
            signals.task_prerun.disconnect(self._started)
            signals.task_postrun.disconnect(self._finished)


# --- a real worker -------------------------------------------------------------------------------

WORKER_READY_SECONDS = 60


def database_url(*, alias: str = DEFAULT_DB_ALIAS) -> str:
    """DATABASE_URL of the database this process uses now (a scratch one, say), for another
    process. PostgreSQL only: a worker cannot share a test's SQLite database in memory."""
    db = connections[alias].settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    query = f"?{urlencode(db['OPTIONS'])}" if db.get("OPTIONS") else ""
    return (f"postgres://{credentials}{quote(db['HOST'] or '', safe='')}{port}/"
            f"{quote(db['NAME'], safe='')}{query}")


@dataclass
class Worker:
    """A ``celery -A portal worker`` process started by :func:`celery_worker`."""

    process: subprocess.Popen
    queue: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"The worker exited ({self.process.returncode}):\n"
                               f"{self.output()[-4000:]}")

    def queued(self) -> int:
        """Messages waiting in the worker's queue (Redis list of that name)."""
        with celery_app.connection_for_write() as connection:
            return connection.default_channel.client.llen(self.queue)


@contextmanager
def celery_worker(*, concurrency: int, folder: Path,
                  settings: dict[str, Any] | None = None) -> Iterator[Worker]:
    """Run a real Celery worker (prefork, ``concurrency`` processes) on the database this process
    uses and on the configured Redis broker, consuming a queue of its own, for the block.

    The worker is another process: it sees only what this process commits, so the database must
    be PostgreSQL and the broker Redis (REDIS_URL); RuntimeError otherwise. ``settings`` are
    Django settings the worker adds to ``portal.settings`` (written to a module in ``folder``,
    with its log); tasks the worker queues itself go to its queue too. Yields once the worker
    consumes; stops it (TERM, then KILL) at the end.
    """
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        raise RuntimeError("A real worker needs PostgreSQL (DATABASE_URL=postgres://...).")
    broker = str(celery_app.conf.broker_url or "")
    if not broker.startswith(("redis://", "rediss://")):
        raise RuntimeError("A real worker needs the Redis broker (REDIS_URL=redis://...).")
    queue = f"bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    hostname = f"{queue}@localhost"
    module = f"bench_worker_settings_{os.getpid()}"
    overrides = {"CELERY_TASK_DEFAULT_QUEUE": queue, **(settings or {})}
    (folder / f"{module}.py").write_text(
        "from portal.settings import *  # noqa: F403\n"
        + "".join(f"{name} = {value!r}\n" for name, value in overrides.items()))
    env = {key: value for key, value in os.environ.items()
           if key not in ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL",
                          "CELERY_BROKER_WRITE_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": module, "DATABASE_URL": database_url(),
                "REDIS_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "false",
                # Kept connections, as in production (development opens one per task).
                "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
                "PYTHONPATH": os.pathsep.join([str(folder), str(django_settings.BASE_DIR)])})
    log = folder / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork",
             f"--concurrency={concurrency}", "-Q", queue, "-n", hostname,
             "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=django_settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True)
    worker = Worker(process=process, queue=queue, log=log)
    try:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while f"{hostname} ready." not in worker.output():
            worker.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"The worker was not ready within {WORKER_READY_SECONDS} s:\n"
                                   f"{worker.output()[-4000:]}")
            time.sleep(0.2)
        yield worker
    finally:
        for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        with suppress(Exception), celery_app.connection_for_write() as connection:
            connection.default_channel.client.delete(queue)
