"""gunicorn's settings for the web tier, read from the working directory (the image's /app, the
project's folder) by `gunicorn portal.wsgi:application` in docker-compose.yml and the Dockerfile.

Without this file gunicorn runs ONE synchronous worker: one request at a time per container,
whatever the cores, and `make loadtest` measured that as the first limit of the deadline rush.
gunicorn's own advice is 2 x cores + 1, for pages that mostly wait. The portal's pages mostly
compute (a query is a fraction of a millisecond on the same host), and docker-compose runs
PostgreSQL, the Celery worker and ClamAV on the same cores: there more processes than cores only
take turns, each turn leaving the next one colder caches. `make loadtest` measured it on 2 cores
(6 December, fourth session): 5 workers 18.2 ms of web CPU a request, 19.4 submits a second, p95
submit 1.2 s and one SME lost; 2 workers 14.3 to 15.5 ms, 20.3 to 21.0 a second, p95 submit 0.15
to 0.71 s and none lost in three runs. So one worker per core;
both numbers come from the environment (WEB_CONCURRENCY is the name gunicorn itself reads): on a
host of its own, whose cores wait on a database elsewhere, 2 x cores + 1 is the one to try.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, multiprocessing.cpu_count()))
# Threads per worker (gthread when > 1): requests that wait on I/O overlap within a process.
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
# A request slower than this is killed with its worker (the 503 page never takes this long).
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
# Workers are replaced after this many requests (with jitter, not all at once): a slow leak in a
# library never grows a process for ever.
max_requests = 5000
max_requests_jitter = 500

# The garbage collector, tuned once the worker has loaded the portal: what is loaded by then
# (modules, the URL map, templates) lives as long as the process, so it is moved out of the
# collector's sight (gc.freeze), and the youngest generation is collected after 50,000
# allocations instead of 700. A page allocates tens of thousands of short-lived objects, nearly
# all freed by reference counting: with the defaults the collector ran about once a page and
# took 3 % of the web's CPU in the deadline rush's requests (0.34 ms a request), with these
# settings 0.09 ms.
GC_THRESHOLDS = (50_000, 50, 100)


def post_worker_init(worker) -> None:
    import gc  # noqa: PLC0415 -- gunicorn reads this file as a module of hooks and settings

    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
