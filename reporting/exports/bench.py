"""``manage.py bench exports --applications N``: the XLSX export of N submitted applications.

The applications are built like ``bench eligibility`` builds them (``applications.bench``: four
calls of two Euroclusters, bulk-created with versions shaped like ``submission.snapshot``); the
export of all of them, as a superuser would ask for it, is written once timed
(``export_seconds``) and once under tracemalloc (``export_peak_mb``, the Python heap's peak).
"""

import os
import random
import tempfile
import time
import tracemalloc
from typing import Any

from accounts.models import User
from applications.bench import Builder
from portal.bench import Log, positive_int, refresh_statistics, register
from reporting.exports import catalogue  # noqa: F401 -- fills the registry
from reporting.exports.registry import REGISTRY, resolve_scope
from reporting.exports.writers import write_xlsx


def measure_export(*, user, name: str = "applications", params: dict | None = None,
                   log: Log = print) -> dict[str, Any]:
    """Write export ``name`` for ``user`` to a temporary XLSX file, timed, then again under
    tracemalloc; return rows, seconds, peak MB and the file's size."""
    definition = REGISTRY[name]
    scope = resolve_scope(user, definition, params or {})
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        started = time.perf_counter()
        rows = write_xlsx(path, title=definition.title, columns=definition.columns_for(scope),
                          rows=definition.iterate(scope))
        seconds = time.perf_counter() - started
        log(f"exported {rows} rows in {seconds:.1f} s; again under tracemalloc")
        tracemalloc.start()
        try:
            write_xlsx(path, title=definition.title, columns=definition.columns_for(scope),
                       rows=definition.iterate(scope))
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        size = os.path.getsize(path)
    finally:
        os.unlink(path)
    return {"export_rows": rows, "export_seconds": round(seconds, 2),
            "export_peak_mb": round(peak / 2**20, 1), "export_file_mb": round(size / 2**20, 1)}


def add_arguments(parser) -> None:
    parser.add_argument("--applications", type=positive_int, default=50000,
                        help="submitted applications to export (default 50000)")
    parser.add_argument("--seed", type=int, default=10)


def run(*, options: dict[str, Any], log: Log) -> dict[str, Any]:
    started = time.perf_counter()
    Builder(count=options["applications"], rng=random.Random(options["seed"]), log=log).build()
    refresh_statistics()
    log(f"data written in {time.perf_counter() - started:.1f} s")
    superuser = User.objects.create_superuser(email="bench-exports@example.eu",
                                              password=None)
    return {"applications": options["applications"], **measure_export(user=superuser, log=log)}


register("exports", help="XLSX export of many submitted applications (seconds, peak memory).",
         add_arguments=add_arguments, run=run)
