"""Optimal assignment of evaluators to applications. Pure Python and numpy, no Django.

The problem: every application gets exactly ``k`` distinct evaluators; every evaluator reviews
between its ``min_load`` and ``max_load`` applications; a conflicting pair is never used; and the
sum of the affinities of the chosen pairs (an integer per pair, 0 when not given) is as large as
possible, exactly, not approximately.

It is solved as a min-cost flow with OR-Tools::

    application a (supply k_a) --cap 1, cost -affinity--> evaluator e (demand min_load_e)
    evaluator e --cap max_load_e - min_load_e, cost 0--> sink (demand total - sum of min_loads)

one arc per allowed pair. Min-cost flow has integral optimal solutions, so its optimum is the
optimum of the assignment problem. The arcs are built with numpy and handed over in one vector call.

**Balanced loads** (``Problem.balanced``): loads within one of each other means every load is
``floor(T / E)`` or ``ceil(T / E)`` (``T`` reviews, ``E`` evaluators), so each evaluator's bounds
are narrowed to that interval (intersected with its own) and affinity is maximised under them. If
no assignment fits the narrowed bounds, the evaluators' own bounds are used and a note says so.

**Re-solving** (``Problem.existing``, the pairs assigned before): pairs that still stand (both ends
still in the problem, no conflict) carry a bonus larger than any possible difference in total
affinity, so the solution keeps as many of them as possible first, and maximises affinity second.
Each application still gets exactly ``k`` evaluators, so keeping the most pairs is the same as
changing the fewest (pairs added = pairs needed - pairs kept).

**Large instances** (``strategy="sparse"``, chosen automatically above ``DENSE_PAIRS_LIMIT``
pairs): most pairs then have affinity 0 and need not all be arcs. The flow is solved on the pairs
with a non-zero affinity or an existing assignment plus a few zero-affinity pairs per application,
and then *priced*: node potentials (shortest-path distances in the residual graph) give every
omitted pair's reduced cost, and pairs that could improve the solution are added and the flow is
solved again, until none is left. No omitted pair with a negative reduced cost is the linear
programming optimality condition of the full problem, so the result is the exact optimum of the
full problem, not of the reduced one.

Inputs that cannot be satisfied raise ``Infeasible`` with a message for a person, checked before
solving wherever a simple count shows it.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

# Above this many application-evaluator pairs the "auto" strategy prices instead of building every
# arc: 5,000 x 300 is built whole (about a second), 20,000 x 2,000 (40 M arcs, 4 GB) is priced.
DENSE_PAIRS_LIMIT = 4_000_000
MAX_REASONS = 10

Pair = tuple[Hashable, Hashable]


class Infeasible(Exception):
    """No assignment satisfies the inputs. ``reasons`` holds one sentence per problem found."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        shown = self.reasons[:MAX_REASONS]
        if len(self.reasons) > MAX_REASONS:
            shown.append(f"And {len(self.reasons) - MAX_REASONS} more problems like these.")
        self.message = " ".join(shown)
        super().__init__(self.message)


@dataclass(frozen=True)
class Application:
    id: Hashable
    k: int | None = None  # evaluators for this application; None: Problem.per_application


@dataclass(frozen=True)
class Evaluator:
    id: Hashable
    min_load: int
    max_load: int


@dataclass(frozen=True)
class Problem:
    """Plain data in, ids of any hashable type.

    ``affinity`` is a mapping ``{(application_id, evaluator_id): int}`` (missing pairs are 0) or
    an integer array of shape ``(len(applications), len(evaluators))`` in the order given.
    ``conflicts`` is a collection of ``(application_id, evaluator_id)`` pairs never to use, or a
    boolean array of that shape. ``existing`` are the pairs assigned before, to keep where they
    still stand. Pairs naming an application or evaluator not in the problem are ignored (in
    ``existing`` they are the withdrawn ones).
    """

    applications: Sequence[Application]
    evaluators: Sequence[Evaluator]
    per_application: int = 2
    affinity: Mapping[Pair, int] | np.ndarray = field(default_factory=dict)
    conflicts: Collection[Pair] | np.ndarray = frozenset()
    existing: Collection[Pair] = ()
    balanced: bool = False


@dataclass(frozen=True)
class Diagnostics:
    strategy: str  # "dense": every allowed pair an arc; "sparse": priced
    rounds: int  # flows solved
    arcs: int  # application-evaluator arcs in the last flow solved
    balanced_requested: bool
    balanced: bool  # every load within one of every other
    balance_fallback: bool  # balance was asked for but cannot be had: own bounds used
    kept: int  # existing pairs kept
    moved: int  # existing pairs that still stood but were replaced
    released: int  # existing pairs that no longer stand (withdrawn or conflicting)
    seconds: float
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Solution:
    pairs: list[Pair]  # in the order of the applications, then of the evaluators
    total_affinity: int
    loads: dict[Hashable, int]  # every evaluator, 0 included
    diagnostics: Diagnostics


def solve(problem: Problem, *, strategy: str = "auto",
          sparse_zero_arcs: int | None = None) -> Solution:
    """The assignment of maximal total affinity (after the most kept existing pairs).

    ``strategy`` is "auto", "dense" or "sparse" (see the module's docstring); both give the same
    optimum. ``sparse_zero_arcs`` sets how many zero-affinity pairs per application the sparse
    strategy starts from (default: k + 3). Raises ``Infeasible`` when no assignment exists and
    ``ValueError`` for malformed input (duplicate ids, k below 1, negative loads, shapes).
    """
    started = time.perf_counter()
    if strategy not in ("auto", "dense", "sparse"):
        raise ValueError(f"Unknown strategy {strategy!r}.")
    instance = _Instance(problem)
    instance.check()
    if strategy == "auto":
        strategy = "dense" if instance.n * instance.m <= DENSE_PAIRS_LIMIT else "sparse"

    notes = []
    runner = _Dense(instance) if strategy == "dense" else _Sparse(instance, sparse_zero_arcs)
    result, fallback = None, False
    if problem.balanced:
        bounds = instance.balanced_bounds()
        if bounds is not None:
            result = runner.run(*bounds)
        if result is None:
            fallback = True
            total, m = instance.total, instance.m
            notes.append(
                f"The loads cannot all be within one of each other (between {total // m} and "
                f"{-(-total // m)} reviews each) with these load bounds and conflicts of "
                "interest; the evaluators' own load bounds were used instead.")
    if result is None:
        result = runner.run(instance.min_load, instance.max_load)
    if result is None:
        raise Infeasible([
            "No assignment meets every load bound and conflict of interest at once, although "
            "each application and each evaluator can be served on its own: widen the load "
            "bounds or add evaluators."])
    codes = result  # sorted pair codes a * m + e of the solution
    return instance.solution(codes, strategy=strategy, rounds=runner.rounds, arcs=runner.arcs,
                             fallback=fallback, notes=notes, started=started)


# --- the instance as arrays ----------------------------------------------------------------------


def _index(ids: Sequence[Hashable], kind: str) -> dict[Hashable, int]:
    index = {identifier: position for position, identifier in enumerate(ids)}
    if len(index) != len(ids):
        raise ValueError(f"Duplicate {kind} ids.")
    return index


class _Instance:
    """The problem in index space: application a in 0..n-1, evaluator e in 0..m-1, and a pair
    coded as ``a * m + e`` in sorted int64 arrays."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.app_ids = [application.id for application in problem.applications]
        self.eval_ids = [evaluator.id for evaluator in problem.evaluators]
        self.app_index = _index(self.app_ids, "application")
        self.eval_index = _index(self.eval_ids, "evaluator")
        self.n, self.m = len(self.app_ids), len(self.eval_ids)
        self.k = np.array([problem.per_application if application.k is None else application.k
                           for application in problem.applications], dtype=np.int64)
        if (self.k < 1).any():
            raise ValueError("Every application needs at least 1 evaluator.")
        self.min_load = np.array([e.min_load for e in problem.evaluators], dtype=np.int64)
        self.max_load = np.array([e.max_load for e in problem.evaluators], dtype=np.int64)
        if (self.min_load < 0).any() or (self.max_load < 0).any():
            raise ValueError("Loads cannot be negative.")
        self.total = int(self.k.sum())

        self.conflicts = self._pair_codes(problem.conflicts, "conflicts")
        self._affinity_matrix: np.ndarray | None = None
        if isinstance(problem.affinity, np.ndarray):
            if problem.affinity.shape != (self.n, self.m):
                raise ValueError("The affinity array must have one row per application and one "
                                 "column per evaluator.")
            self._affinity_matrix = problem.affinity.astype(np.int64, copy=False).reshape(-1)
            self.affinity_codes = np.flatnonzero(self._affinity_matrix)
            self.affinity_values = self._affinity_matrix[self.affinity_codes]
        else:
            triples = [(self.app_index.get(a), self.eval_index.get(e), value)
                       for (a, e), value in problem.affinity.items() if value]
            triples = [(a * self.m + e, v) for a, e, v in triples
                       if a is not None and e is not None]
            codes = np.fromiter((c for c, _ in triples), dtype=np.int64, count=len(triples))
            values = np.fromiter((v for _, v in triples), dtype=np.int64, count=len(triples))
            order = np.argsort(codes, kind="stable")
            self.affinity_codes, self.affinity_values = codes[order], values[order]

        # Existing pairs still standing: both ends here, no conflict, and the evaluator can take
        # reviews. The others (withdrawn or now conflicting) are released.
        existing = self._pair_codes(problem.existing, "existing")
        standing = ~_contains(self.conflicts, existing)
        standing &= self.max_load[existing % max(self.m, 1)] > 0
        self.keep = existing[standing]
        self.released = len(set(problem.existing)) - len(self.keep)

        values = self.affinity_values[~_contains(self.conflicts, self.affinity_codes)]
        spread = int(max(values.max(initial=0), 0) - min(values.min(initial=0), 0))
        # Keeping one more pair must outweigh any difference in total affinity.
        self.bonus = self.total * spread + 1 if len(self.keep) else 0

    def _pair_codes(self, pairs, what: str) -> np.ndarray:
        """Sorted unique codes of the pairs whose both ends are in the problem."""
        if isinstance(pairs, np.ndarray):
            if pairs.shape != (self.n, self.m):
                raise ValueError(f"The {what} array must have one row per application and one "
                                 "column per evaluator.")
            return np.flatnonzero(pairs).astype(np.int64)
        app_index, eval_index, m = self.app_index, self.eval_index, self.m
        codes = [app_index[a] * m + eval_index[e] for a, e in pairs
                 if a in app_index and e in eval_index]
        return _unique(np.array(codes, dtype=np.int64))

    def affinity_of(self, codes: np.ndarray) -> np.ndarray:
        if self._affinity_matrix is not None:
            return self._affinity_matrix[codes]
        if not len(self.affinity_codes):
            return np.zeros(len(codes), dtype=np.int64)
        where = np.minimum(np.searchsorted(self.affinity_codes, codes),
                           len(self.affinity_codes) - 1)
        found = self.affinity_codes[where] == codes
        return np.where(found, self.affinity_values[where], 0)

    def cost_of(self, codes: np.ndarray) -> np.ndarray:
        cost = -self.affinity_of(codes)
        if self.bonus:
            cost -= self.bonus * _contains(self.keep, codes)
        return cost

    # -- checks before solving ---------------------------------------------------------------

    def check(self) -> None:
        """Raise Infeasible with every reason a count can show."""
        reasons = []
        for e in np.flatnonzero(self.min_load > self.max_load):
            reasons.append(f"Evaluator {self.eval_ids[e]} has a minimum load of "
                           f"{self.min_load[e]} above its maximum load of {self.max_load[e]}.")
        capacity, floor = int(self.max_load.sum()), int(self.min_load.sum())
        if self.total > capacity:
            reasons.append(f"The applications need {self.total} reviews in total but the "
                           f"evaluators can take at most {capacity} (the sum of their maximum "
                           "loads).")
        if self.total < floor:
            reasons.append(f"The evaluators' minimum loads add up to {floor} reviews but the "
                           f"applications need only {self.total} in total.")
        conflict_a, conflict_e = np.divmod(self.conflicts, max(self.m, 1))
        available = self.max_load > 0
        per_application = int(available.sum()) - np.bincount(
            conflict_a, weights=available[conflict_e], minlength=self.n).astype(np.int64)
        for a in np.flatnonzero(per_application < self.k):
            count = int(per_application[a])
            reasons.append(
                f"Application {self.app_ids[a]} needs {self.k[a]} evaluators but "
                + ("no evaluator can take it" if count == 0 else f"only {count} can take it")
                + " (without a conflict of interest and with a maximum load above 0).")
        per_evaluator = self.n - np.bincount(conflict_e, minlength=self.m)
        self.applications_open_to = per_evaluator
        for e in np.flatnonzero(per_evaluator < self.min_load):
            count = int(per_evaluator[e])
            reasons.append(
                f"Evaluator {self.eval_ids[e]} must review at least {self.min_load[e]} "
                "applications (its minimum load) but "
                + ("no application is" if count == 0 else f"only {count} are")
                + " free of a conflict of interest with it.")
        if reasons:
            raise Infeasible(reasons)

    def balanced_bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Each evaluator's bounds narrowed to floor(T/E)..ceil(T/E), or None if one is empty."""
        if not self.m:
            return None
        low, high = self.total // self.m, -(-self.total // self.m)
        lower, upper = np.maximum(self.min_load, low), np.minimum(self.max_load, high)
        if ((lower > upper).any() or lower.sum() > self.total or upper.sum() < self.total
                or (lower > self.applications_open_to).any()):
            return None
        return lower, upper

    # -- the result ---------------------------------------------------------------------------

    def solution(self, codes: np.ndarray, *, strategy: str, rounds: int, arcs: int,
                 fallback: bool, notes: list[str], started: float) -> Solution:
        a, e = np.divmod(codes, self.m) if self.m else (codes, codes)
        load = np.bincount(e, minlength=self.m)
        kept = int(_contains(codes, self.keep).sum())
        if len(self.keep) or self.released:
            notes.append(f"Kept {kept} of the {len(self.keep) + self.released} earlier "
                         f"assignments; {self.released} no longer stood and "
                         f"{len(self.keep) - kept} were replaced.")
        diagnostics = Diagnostics(
            strategy=strategy, rounds=rounds, arcs=arcs,
            balanced_requested=self.problem.balanced,
            balanced=bool(self.m == 0 or load.max() - load.min() <= 1),
            balance_fallback=fallback, kept=kept, moved=len(self.keep) - kept,
            released=self.released, seconds=round(time.perf_counter() - started, 3),
            notes=notes)
        return Solution(
            pairs=[(self.app_ids[i], self.eval_ids[j]) for i, j in zip(a.tolist(), e.tolist(),
                                                                      strict=True)],
            total_affinity=int(self.affinity_of(codes).sum()),
            loads={self.eval_ids[j]: int(load[j]) for j in range(self.m)},
            diagnostics=diagnostics)


# --- the flow ------------------------------------------------------------------------------------


def _flow(instance: _Instance, lower: np.ndarray, upper: np.ndarray,
          codes: np.ndarray, costs: np.ndarray) -> np.ndarray | None:
    """Solve the min-cost flow over the given pair arcs. Returns which arcs carry flow, or None
    if no flow meets the supplies and demands."""
    n, m = instance.n, instance.m
    sink = n + m
    flow = SimpleMinCostFlow()
    if m:
        tails, heads = np.divmod(codes, m)
    else:
        tails = heads = codes
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), (heads + n).astype(np.int32),
        np.ones(len(codes), dtype=np.int64), costs.astype(np.int64))
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n, n + m, dtype=np.int32), np.full(m, sink, dtype=np.int32),
        (upper - lower).astype(np.int64), np.zeros(m, dtype=np.int64))
    supplies = np.concatenate([instance.k, -lower, [int(lower.sum()) - instance.total]])
    flow.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int32), supplies.astype(np.int64))
    status = flow.solve()
    if status == SimpleMinCostFlow.INFEASIBLE:
        return None
    if status != SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"The min-cost flow solver failed: {status!r}.")
    return flow.flows(np.arange(len(codes), dtype=np.int32)) > 0


class _Dense:
    """Every allowed pair is an arc."""

    def __init__(self, instance: _Instance):
        self.instance = instance
        self.rounds = self.arcs = 0
        allowed = np.ones(instance.n * instance.m, dtype=bool)
        allowed[instance.conflicts] = False
        if instance.m:
            allowed.reshape(instance.n, instance.m)[:, instance.max_load == 0] = False
        self.codes = np.flatnonzero(allowed).astype(np.int64)
        self.costs = instance.cost_of(self.codes)

    def run(self, lower: np.ndarray, upper: np.ndarray) -> np.ndarray | None:
        self.rounds += 1
        self.arcs = len(self.codes)
        used = _flow(self.instance, lower, upper, self.codes, self.costs)
        return None if used is None else self.codes[used]


class _Sparse:
    """Arcs for the pairs that matter plus a few, then more where prices show they help."""

    def __init__(self, instance: _Instance, zero_arcs: int | None):
        self.instance = instance
        self.rounds = self.arcs = 0
        self.zero_arcs = zero_arcs
        self.excluded = instance.conflicts
        self.open_count = int((instance.max_load > 0).sum())
        base = _union(instance.affinity_codes, instance.keep)
        base = base[~_contains(self.excluded, base)]
        if instance.m:  # an evaluator that takes nothing needs no arcs
            base = base[instance.max_load[base % instance.m] > 0]
        self.base = base

    def zero_pairs(self, per_application: np.ndarray) -> np.ndarray:
        """``per_application[a]`` pairs of each application, round robin over the open evaluators,
        so that the evaluators' loads can be met from the start."""
        instance = self.instance
        open_ = np.flatnonzero(instance.max_load > 0)
        if not len(open_):
            return np.zeros(0, dtype=np.int64)
        counts = np.minimum(per_application, len(open_))
        starts = np.cumsum(counts) - counts
        a = np.repeat(np.arange(instance.n), counts)
        offset = np.arange(int(counts.sum())) - np.repeat(starts, counts)
        e = open_[(np.repeat(starts, counts) + offset) % len(open_)]
        codes = _unique(a * instance.m + e)
        return codes[~_contains(self.excluded, codes)]

    def run(self, lower: np.ndarray, upper: np.ndarray) -> np.ndarray | None:
        instance = self.instance
        per_application = instance.k + 3 if self.zero_arcs is None else np.full(
            instance.n, self.zero_arcs, dtype=np.int64)
        codes = _union(self.base, self.zero_pairs(per_application))
        while True:
            self.rounds += 1
            self.arcs = len(codes)
            costs = instance.cost_of(codes)
            used = _flow(instance, lower, upper, codes, costs)
            if used is None:
                if (per_application >= self.open_count).all():
                    return None  # every allowed pair is an arc: the problem itself is infeasible
                # Too few arcs to meet every bound (which says nothing about the full problem):
                # add more zero-affinity pairs, up to all of them.
                per_application = (per_application + 1) * 4
                codes = _union(codes, self.zero_pairs(per_application))
                continue
            better = self.improving_pairs(codes, costs, used, lower, upper)
            if not len(better):
                return codes[used]
            codes = _union(codes, better)

    def improving_pairs(self, codes: np.ndarray, costs: np.ndarray, used: np.ndarray,
                        lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """Omitted pairs with a negative reduced cost under the residual graph's potentials."""
        instance = self.instance
        n, m = instance.n, instance.m
        a, e = np.divmod(codes, m)
        load = np.bincount(e[used], minlength=m)
        sink = n + m
        evaluators = np.arange(n, n + m)
        # Residual graph: unused pair arcs forward, used ones backward with the opposite cost,
        # evaluator-sink arcs forward while below the maximum and backward while above the minimum.
        tails = np.concatenate([a[~used], e[used] + n, evaluators[load < upper],
                                np.full(int((load > lower).sum()), sink)])
        heads = np.concatenate([e[~used] + n, a[used], np.full(int((load < upper).sum()), sink),
                                evaluators[load > lower]])
        weights = np.concatenate([costs[~used], -costs[used],
                                  np.zeros(int((load < upper).sum()) + int((load > lower).sum()),
                                           dtype=np.int64)])
        potential = _potentials(n + m + 1, tails, heads, weights)
        app_potential, eval_potential = potential[:n], potential[n:sink]

        # An omitted pair (cost 0) improves the flow if its reduced cost
        # 0 + potential(a) - potential(e) is negative. For each application, look at the open
        # evaluators by decreasing potential, skipping pairs that are arcs already or conflicts.
        open_ = np.flatnonzero(upper > 0)
        order = open_[np.argsort(-eval_potential[open_], kind="stable")]
        excluded = _union(codes, self.excluded)
        limit = 2 * instance.k
        found = []
        width = min(len(order), 64)
        rows = np.arange(n)
        while len(rows) and width:
            window = order[:width]
            candidates = rows[:, None] * m + window[None, :]
            gain = eval_potential[window][None, :] > app_potential[rows][:, None]
            fresh = ~_contains(excluded, candidates)
            take = gain & fresh
            rank = np.cumsum(take, axis=1)
            found.append(candidates[take & (rank <= limit[rows][:, None])])
            # Rows with room for more, whose window ended while still improving, look further.
            deeper = (rank[:, -1] < limit[rows]) & gain[:, -1]
            if width == len(order):
                break
            rows = rows[deeper]
            width = min(len(order), width * 4)
        return _union(*found) if found else np.zeros(0, dtype=np.int64)


def _unique(codes: np.ndarray) -> np.ndarray:
    """Sorted distinct codes. (A stable sort merges sorted runs in linear time, and numpy's
    hash-based ``unique`` is several times slower on a million int64.)"""
    codes = np.sort(np.asarray(codes, dtype=np.int64), kind="stable")
    if len(codes) < 2:
        return codes
    return codes[np.concatenate([[True], codes[1:] != codes[:-1]])]


def _union(*arrays: np.ndarray) -> np.ndarray:
    return _unique(np.concatenate(arrays))


def _contains(sorted_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Whether each of ``codes`` is in ``sorted_codes`` (sorted, distinct), by binary search."""
    codes = np.asarray(codes, dtype=np.int64)
    if not len(sorted_codes):
        return np.zeros(codes.shape, dtype=bool)
    where = np.minimum(np.searchsorted(sorted_codes, codes), len(sorted_codes) - 1)
    return sorted_codes[where] == codes


def _potentials(nodes: int, tails: np.ndarray, heads: np.ndarray,
                weights: np.ndarray) -> np.ndarray:
    """Shortest-path distances from a virtual root joined to every node by a 0 arc
    (Bellman-Ford, one numpy pass over all arcs per step). An optimal flow's residual graph has no
    negative cycle, so this ends within ``nodes`` steps."""
    distance = np.zeros(nodes, dtype=np.int64)
    for _ in range(nodes + 1):
        relaxed = distance.copy()
        np.minimum.at(relaxed, heads, distance[tails] + weights)
        if np.array_equal(relaxed, distance):
            return distance
        distance = relaxed
    raise RuntimeError("The residual graph has a negative cycle: the flow was not optimal.")
