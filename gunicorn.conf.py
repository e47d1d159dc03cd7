"""gunicorn's settings for the web tier, read from the working directory (the image's /app, the
project's folder) by `gunicorn portal.wsgi:application` in docker-compose.yml and the Dockerfile.

Without this file gunicorn runs ONE synchronous worker: one request at a time per container,
whatever the cores, and `make loadtest` measured that as the first limit of the deadline rush.
A page spends much of its time waiting on PostgreSQL, Redis and clamd, so more processes than
cores keep the cores busy: gunicorn's own advice, 2 x cores + 1. Both numbers come from the
environment (WEB_CONCURRENCY is the name gunicorn itself reads) for a container given a share of
a larger machine.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
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
