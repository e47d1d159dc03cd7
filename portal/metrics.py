"""Prometheus metrics: ``/metrics`` for the web processes, a port of its own for the worker.

- Requests (latency by view, status, method) and database queries come from django-prometheus
  (its middleware and database backends, set in settings).
- Celery: each task's duration and failures (``portal_celery_task_*``), recorded by signals in
  the process that runs the task; the length of each queue in Redis, read at scrape time.
- Anything a higher app counts from the database at scrape time (submissions, payments): a
  collector that app registers with :func:`register_collector` in its ``metrics`` module, found
  by autodiscovery. Counted at scrape time, the figures are exact whatever process did the work.

Several processes (gunicorn workers, Celery's prefork children) each count in their own memory;
with ``PROMETHEUS_MULTIPROC_DIR`` set (an empty folder private to the container, wiped at
start) they write to files there and one scrape adds them all up (prometheus_client's
multiprocess mode). The worker serves its figures on ``CELERY_METRICS_PORT`` from its main
process (``worker_init``): a port for the scraper on the internal network, never published.

``/metrics`` is never public: it answers a request with ``Authorization: Bearer
<METRICS_BEARER_TOKEN>``, or one from an address of ``METRICS_ALLOWED_IPS`` that did not come
through the reverse proxy (no ``X-Forwarded-For``: behind a proxy every request comes from the
proxy's address). Anything else gets 403.
"""

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable

import prometheus_client
import redis
from celery.signals import task_failure, task_postrun, task_prerun, worker_init
from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import autodiscover_modules
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

TASK_DURATION = prometheus_client.Histogram(
    "portal_celery_task_duration_seconds", "Run time of Celery tasks, by task name.", ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, float("inf")))
TASK_FAILURES = prometheus_client.Counter(
    "portal_celery_task_failures_total", "Celery tasks that raised, by task name.", ["task"])

_started: dict[str, float] = {}
_collectors: list[Callable[[], Iterable[Metric]]] = []


def register_collector(collect: Callable[[], Iterable[Metric]]) -> Callable:
    """Add ``collect`` (returning metric families, read at every scrape) to ``/metrics``."""
    if collect not in _collectors:
        _collectors.append(collect)
    return collect


@task_prerun.connect(dispatch_uid="portal.metrics.prerun")
def _task_started(task_id=None, **kwargs) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


@task_postrun.connect(dispatch_uid="portal.metrics.postrun")
def _task_finished(task_id=None, task=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    if started is not None and task is not None:
        TASK_DURATION.labels(task=task.name).observe(time.perf_counter() - started)


@task_failure.connect(dispatch_uid="portal.metrics.failure")
def _task_failed(sender=None, **kwargs) -> None:
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


def queue_lengths() -> Iterable[Metric]:
    """Messages waiting in each Celery queue (Redis lists named after the queues)."""
    if not settings.REDIS_URL:
        return []
    family = GaugeMetricFamily("portal_celery_queue_length",
                               "Messages waiting in the Celery queue.", labels=["queue"])
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        for queue in queue_names():
            family.add_metric([queue], client.llen(queue))
    except redis.RedisError as error:
        logger.warning("metrics: cannot read the queue lengths: %s", error)
        return []
    finally:
        client.close()
    return [family]


def queue_names() -> list[str]:
    from portal.celery import app  # noqa: PLC0415 -- portal/__init__ imports this module's app

    return sorted({app.conf.task_default_queue, *(queue.name for queue in
                                                  app.conf.task_queues or ())})


register_collector(queue_lengths)


class _Scraped:
    """The registered collectors, as one collector of a registry."""

    def collect(self) -> Iterable[Metric]:
        for collect in _collectors:
            yield from collect()


def metrics_registry(*, scraped: bool = True) -> CollectorRegistry:
    """This process's metrics (or, in multiprocess mode, every process's) and, with ``scraped``,
    the collectors read at scrape time (queues, the database's figures)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    if scraped:
        autodiscover_modules("metrics")
        registry.register(_Scraped())
    return registry


class _ProcessRegistry:
    """The default registry (django-prometheus's and the tasks' metrics) inside another one."""

    def collect(self) -> Iterable[Metric]:
        return prometheus_client.REGISTRY.collect()


def _allowed(request) -> bool:
    token = settings.METRICS_BEARER_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(
            header.removeprefix("Bearer ").strip().encode(), token.encode()):
        return True
    if request.META.get("HTTP_X_FORWARDED_FOR"):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(allowed, strict=False)
               for allowed in settings.METRICS_ALLOWED_IPS)


@never_cache
@require_GET
def metrics_view(request):
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(prometheus_client.generate_latest(metrics_registry()),
                        content_type=prometheus_client.CONTENT_TYPE_LATEST)


@worker_init.connect(dispatch_uid="portal.metrics.worker")
def serve_worker_metrics(**kwargs):
    """The worker's task figures on CELERY_METRICS_PORT, from its main process (the queues and
    the database's figures are the web's /metrics)."""
    port = settings.CELERY_METRICS_PORT
    if not port:
        return
    server, _thread = prometheus_client.start_http_server(
        port, addr=settings.CELERY_METRICS_ADDRESS, registry=metrics_registry(scraped=False))
    logger.info("Celery metrics served on port %s", port)
    return server
