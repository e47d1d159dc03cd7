"""``manage.py bench assignment``: the evaluator assignment solver on a random instance, timed.

The instance is plain data, as the solver takes it, so no database is used: applications and
evaluators carry expertise tags (an application a main tag weighing 3 and others weighing 1, an
evaluator tags at level 1 or 2), the affinity of a pair is the sum of weight x level over the tags
they share, and a given fraction of all pairs, drawn at random, are conflicts of interest. With
``--sparse`` there are many more tags and fewer per person, so an application shares a tag with
about 1 evaluator in 60 and every other pair has affinity 0 (the shape of a large call).

The result is checked independently of the solver: the conflicts used, the loads out of bounds,
the applications with more evaluators than asked or a pair twice (``violations``), the reviews
missing (``unfilled``), and the total affinity recounted from the instance. ``--dump DIR`` writes
``instance.json`` and ``assignment.json`` for a check by another solver.

``seconds`` is the time of the ``solve()`` call, from the plain-data problem to the solution (arcs
built, flow solved, pairs read back); building the random instance is ``build_seconds``.
"""

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import CommandError

from evaluation.assignment import Application, Evaluator, Infeasible, Problem, Solution, solve
from portal.bench import Log, register

# (tags, tags per application, tags per evaluator)
DENSE_TAGS = (40, 3, 6)
SPARSE_TAGS = (600, 2, 4)


def add_arguments(parser) -> None:
    parser.add_argument("--applications", type=int, default=5000,
                        help="Applications to assign (default 5000).")
    parser.add_argument("--evaluators", type=int, default=300,
                        help="Evaluators in the pool (default 300).")
    parser.add_argument("--per-application", type=int, default=3,
                        help="Evaluators per application, k (default 3).")
    parser.add_argument("--min-load", type=int, default=40,
                        help="Minimum load of every evaluator (default 40).")
    parser.add_argument("--max-load", type=int, default=60,
                        help="Maximum load of every evaluator (default 60).")
    parser.add_argument("--conflicts", type=float, default=0.02,
                        help="Fraction of all pairs that are conflicts of interest "
                             "(default 0.02).")
    parser.add_argument("--seed", type=int, default=1,
                        help="Seed of the random instance (default 1).")
    parser.add_argument("--balanced", action="store_true",
                        help="Ask for loads within one of each other.")
    parser.add_argument("--sparse", action="store_true",
                        help="Few non-zero affinities (many tags, few per person).")
    parser.add_argument("--strategy", choices=["auto", "dense", "sparse"], default="auto",
                        help="Solver strategy: every allowed pair an arc (dense) or priced arcs "
                             "(sparse); auto picks by size (default).")
    parser.add_argument("--dump", metavar="DIR",
                        help="Write DIR/instance.json and DIR/assignment.json.")


# --- the instance ------------------------------------------------------------------------------


def _tag_rows(rng: np.random.Generator, people: int, tags: int, per_person: int,
              weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person, tag, weight) rows: ``per_person`` distinct tags each, popular tags likelier."""
    popularity = 1.0 / np.arange(1, tags + 1) ** 0.5
    popularity /= popularity.sum()
    chosen = np.stack([rng.choice(tags, size=per_person, replace=False, p=popularity)
                       for _ in range(people)]) if people else np.zeros((0, per_person), int)
    person = np.repeat(np.arange(people), per_person)
    return person, chosen.reshape(-1), np.tile(weights, people)


def _affinities(rng: np.random.Generator, n: int, m: int,
                sparse: bool) -> tuple[np.ndarray, np.ndarray]:
    """Pair codes (a * m + e) with a non-zero affinity, and the affinities."""
    tags, per_application, per_evaluator = SPARSE_TAGS if sparse else DENSE_TAGS
    app, app_tag, app_weight = _tag_rows(
        rng, n, tags, per_application, np.array([3] + [1] * (per_application - 1)))
    ev, ev_tag, _ = _tag_rows(rng, m, tags, per_evaluator, np.ones(per_evaluator, int))
    ev_level = rng.integers(1, 3, size=len(ev))
    app_order, ev_order = np.argsort(app_tag, kind="stable"), np.argsort(ev_tag, kind="stable")
    app_start = np.searchsorted(app_tag[app_order], np.arange(tags + 1))
    ev_start = np.searchsorted(ev_tag[ev_order], np.arange(tags + 1))
    codes, values = [], []
    for tag in range(tags):  # join the two on the tag
        apps = app_order[app_start[tag]:app_start[tag + 1]]
        evs = ev_order[ev_start[tag]:ev_start[tag + 1]]
        if len(apps) and len(evs):
            codes.append((app[apps][:, None] * m + ev[evs][None, :]).reshape(-1))
            values.append((app_weight[apps][:, None] * ev_level[evs][None, :]).reshape(-1))
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    unique, inverse = np.unique(np.concatenate(codes), return_inverse=True)
    return unique, np.bincount(inverse, weights=np.concatenate(values)).astype(np.int64)


def make_instance(*, applications: int, evaluators: int, per_application: int, min_load: int,
                  max_load: int, conflicts: float, seed: int, balanced: bool = False,
                  sparse: bool = False) -> Problem:
    """A random problem as plain data: ids 1..N and 1..E, affinities from shared tags."""
    rng = np.random.default_rng(seed)
    n, m = applications, evaluators
    codes, values = _affinities(rng, n, m, sparse)
    app_ids, ev_ids = np.arange(1, n + 1), np.arange(1, m + 1)
    affinity = dict(zip(zip((app_ids[codes // m]).tolist(), (ev_ids[codes % m]).tolist(),
                            strict=True), values.tolist(), strict=True))
    conflict_codes = np.unique(rng.integers(0, n * m, size=round(conflicts * n * m))) \
        if n * m else np.zeros(0, np.int64)
    conflict_pairs = list(zip(app_ids[conflict_codes // m].tolist(),
                              ev_ids[conflict_codes % m].tolist(), strict=True))
    return Problem(
        applications=[Application(i) for i in app_ids.tolist()],
        evaluators=[Evaluator(e, min_load, max_load) for e in ev_ids.tolist()],
        per_application=per_application, affinity=affinity, conflicts=conflict_pairs,
        balanced=balanced)


# --- the independent check ---------------------------------------------------------------------


def check(problem: Problem, pairs: list[tuple]) -> dict[str, int]:
    """Count what is wrong with ``pairs`` for ``problem``, without the solver's code."""
    conflicts = set(map(tuple, problem.conflicts))
    needed = {a.id: problem.per_application if a.k is None else a.k
              for a in problem.applications}
    bounds = {e.id: (e.min_load, e.max_load) for e in problem.evaluators}
    unique = set(pairs)
    per_application = Counter(a for a, _ in unique)
    load = Counter(e for _, e in unique)
    counts = {
        "conflicts_used": sum(1 for pair in unique if pair in conflicts),
        "duplicate_pairs": len(pairs) - len(unique),
        "unknown_ids": sum(1 for a, e in unique if a not in needed or e not in bounds),
        "loads_out_of_bounds": sum(1 for e, (low, high) in bounds.items()
                                   if not low <= load[e] <= high),
        "applications_over_k": sum(1 for a, k in needed.items() if per_application[a] > k),
    }
    counts["unfilled"] = sum(max(0, k - per_application[a]) for a, k in needed.items())
    return counts


def total_affinity(problem: Problem, pairs: list[tuple]) -> int:
    return sum(problem.affinity.get(pair, 0) for pair in pairs)


def dump(directory: str, problem: Problem, solution: Solution) -> None:
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    instance = {
        "applications": [a.id for a in problem.applications],
        "evaluators": [{"id": e.id, "min_load": e.min_load, "max_load": e.max_load}
                       for e in problem.evaluators],
        "per_application": problem.per_application,
        "balanced": problem.balanced,
        # Pairs not listed have affinity 0.
        "affinity": [[a, e, value] for (a, e), value in problem.affinity.items()],
        "conflicts": [list(pair) for pair in problem.conflicts],
    }
    (path / "instance.json").write_text(json.dumps(instance))
    (path / "assignment.json").write_text(json.dumps([list(pair) for pair in solution.pairs]))


# --- the run -----------------------------------------------------------------------------------


def run(*, options: dict[str, Any], log: Log) -> dict[str, Any]:
    for name in ("applications", "evaluators", "per_application"):
        if options[name] < 1:
            raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
    if not 0 <= options["conflicts"] < 1:
        raise CommandError("--conflicts must be a fraction from 0 up to 1.")
    started = time.perf_counter()
    problem = make_instance(
        applications=options["applications"], evaluators=options["evaluators"],
        per_application=options["per_application"], min_load=options["min_load"],
        max_load=options["max_load"], conflicts=options["conflicts"], seed=options["seed"],
        balanced=options["balanced"], sparse=options["sparse"])
    build_seconds = time.perf_counter() - started
    n, m = len(problem.applications), len(problem.evaluators)
    log(f"instance: {n} applications x {m} evaluators, {len(problem.affinity)} non-zero "
        f"affinities, {len(problem.conflicts)} conflicts, built in {build_seconds:.1f} s")

    started = time.perf_counter()
    try:
        solution = solve(problem, strategy=options["strategy"])
    except Infeasible as error:
        raise CommandError(f"Infeasible: {error.message}") from error
    seconds = time.perf_counter() - started
    diagnostics = solution.diagnostics
    log(f"solved in {seconds:.2f} s ({diagnostics.strategy}, {diagnostics.rounds} flow(s), "
        f"{diagnostics.arcs} arcs in the last)")
    for note in diagnostics.notes:
        log(note)

    started = time.perf_counter()
    counts = check(problem, solution.pairs)
    recounted = total_affinity(problem, solution.pairs)
    if recounted != solution.total_affinity:
        counts["affinity_mismatch"] = 1
    check_seconds = time.perf_counter() - started
    if options["dump"]:
        dump(options["dump"], problem, solution)
        log(f"instance and assignment written to {options['dump']}")

    loads = list(solution.loads.values())
    unfilled = counts.pop("unfilled")
    return {
        "applications": n,
        "evaluators": m,
        "per_application": problem.per_application,
        "balanced": problem.balanced,
        "sparse": options["sparse"],
        "seed": options["seed"],
        "seconds": round(seconds, 3),
        "build_seconds": round(build_seconds, 3),
        "solve_seconds": round(seconds, 3),
        "check_seconds": round(check_seconds, 3),
        "total_affinity": recounted,
        "assignments": len(solution.pairs),
        "min_load": min(loads),
        "max_load": max(loads),
        "load_bounds": [options["min_load"], options["max_load"]],
        "violations": sum(counts.values()),
        "violation_counts": counts,
        "unfilled": unfilled,
        "nonzero_affinities": len(problem.affinity),
        "conflict_pairs": len(problem.conflicts),
        "strategy": diagnostics.strategy,
        "flows_solved": diagnostics.rounds,
        "arcs": diagnostics.arcs,
        "balance_fallback": diagnostics.balance_fallback,
        "notes": diagnostics.notes,
    }


register("assignment", help="Assign evaluators to N random applications with the portal's "
         "solver (exact optimum) and check the result independently.",
         add_arguments=add_arguments, run=run)
