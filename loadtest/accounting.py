"""What a load test proved, from what the database holds and what the clients saw.

Pure functions of plain data (no Django, no services), so that the accounting itself is tested
fast (tests/loadtest) and the orchestrator only gathers the facts.

Groups of SMEs in a rush (``loadtest.run`` decides who is in which):
- ``on_time``: submits once, well before the deadline;
- ``double``: submits twice at once (a double click), well before the deadline;
- ``just_before``: submits one second before the deadline;
- ``late``: submits one second after the deadline.

Every SME of the first three groups must end with exactly one submitted version: none is
``lost``, more is ``duplicated``. A late SME must have no version, a draft status and its draft
exactly as before the rush (same fingerprint): anything else is ``late_accepted``.
"""

import math
import time
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass

ON_TIME, DOUBLE, JUST_BEFORE, LATE = "on_time", "double", "just_before", "late"
GROUPS = (ON_TIME, DOUBLE, JUST_BEFORE, LATE)
# Application.Status.DRAFT's value, as the database holds it (no Django in this module).
DRAFT_STATUS = "draft"
# The keys of the last JSON line, in this order (the brief of issue 14 names them).
KEYS = ("submits_per_second", "p50_submit_ms", "p95_submit_ms", "p95_page_ms", "lost",
        "duplicated", "errors_5xx", "late_accepted", "drain_seconds", "users", "seconds")


@dataclass(frozen=True)
class Draft:
    """An application as the database holds it: its status, submitted versions and a
    fingerprint of everything the applicant entered (fields, budget lines, attachments)."""

    status: str
    versions: int
    fingerprint: str


def percentile(values: Iterable[float], p: float) -> float:
    """The ``p``-th percentile (0-100), nearest rank; 0.0 of nothing."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return float(ordered[rank - 1])


def account(*, groups: Mapping[int, str], before: Mapping[int, Draft],
            after: Mapping[int, Draft], sent: Set[int]) -> dict[str, int]:
    """Count lost, duplicated and late-accepted submissions (see the module's docstring).

    ``groups`` maps each application of the rush to its group; ``before`` and ``after`` hold
    the applications before the rush and after the worker drained; ``sent`` the applications
    whose submit was sent. An application missing from ``after`` counts as lost (or
    late-accepted: its draft is not intact). A late submit that was never sent proves nothing:
    it is ``late_not_sent``, never ``late_refused``.
    """
    counts = {"lost": 0, "duplicated": 0, "late_accepted": 0, "late_refused": 0,
              "late_not_sent": 0, "submitted": 0}
    for application, group in groups.items():
        if group not in GROUPS:
            raise ValueError(f"unknown group {group!r} of application {application}")
        now = after.get(application)
        versions = now.versions if now is not None else 0
        if group == LATE:
            intact = (now is not None and versions == 0 and now.status == DRAFT_STATUS
                      and now.fingerprint == before[application].fingerprint)
            if not intact:
                counts["late_accepted"] += 1
            else:
                counts["late_refused" if application in sent else "late_not_sent"] += 1
            continue
        if versions == 0:
            counts["lost"] += 1
        elif versions > 1:
            counts["duplicated"] += 1
        else:
            counts["submitted"] += 1
    return counts


def submit_rate(accepted_at: Iterable[float]) -> float:
    """Accepted submits per second over the span from the first to the last of them."""
    moments = sorted(accepted_at)
    if len(moments) < 2 or moments[-1] == moments[0]:
        return 0.0
    return (len(moments) - 1) / (moments[-1] - moments[0])


def count_5xx(access_log_lines: Iterable[str]) -> int:
    """Answers with a 5xx status in gunicorn's access log (its default format: the status
    follows the quoted request line)."""
    errors = 0
    for line in access_log_lines:
        # host - user [time] "request line" status bytes "referer" "agent"
        parts = line.split('"')
        if len(parts) < 3:
            continue
        status = parts[2].split()[:1]
        if status and status[0].isdigit() and 500 <= int(status[0]) <= 599:
            errors += 1
    return errors


def last_line(**figures: float) -> dict[str, float]:
    """The last JSON line: exactly ``KEYS``, in order, then any extra figures after them."""
    missing = [key for key in KEYS if key not in figures]
    if missing:
        raise ValueError(f"figures missing from the last line: {missing}")
    return {**{key: figures[key] for key in KEYS},
            **{key: value for key, value in figures.items() if key not in KEYS}}


def cpu_gauge_ms(*, repeat: int = 5, clock: Callable[[], float] = time.perf_counter) -> float:
    """How fast one core of the machine runs Python at the moment, to compare runs by: the best
    of ``repeat`` timings of a fixed loop, in milliseconds (lower is faster). The development VM
    gave 54 to 56 ms with pyenv's interpreter at its best, 85 to 96 ms in the slow hours of 6
    December, 43 ms with Debian's optimised one: the same code's CPU per request moves with it."""
    best = math.inf
    for _ in range(repeat):
        started = clock()
        sum(i * i for i in range(1_000_000))
        best = min(best, clock() - started)
    return round(best * 1000, 1)
