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
import tempfile
from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from celery import signals
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
