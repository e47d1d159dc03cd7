"""The assignment solver against brute force, its refusals word for word, and re-solving."""

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.assignment import (
    Application,
    Evaluator,
    Infeasible,
    Problem,
    solve,
)

FAST = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
STRATEGIES = [("dense", None), ("sparse", None), ("sparse", 0), ("sparse", 1)]


# --- helpers -------------------------------------------------------------------------------------


def needed(problem, application):
    return problem.per_application if application.k is None else application.k


def brute_force(problem, *, balanced_only=False):
    """(kept, affinity) of the best assignment, found by trying every one; None if none exists.

    Every application takes every set of k evaluators it has no conflict with; the loads are
    checked at the end.
    """
    conflicts, existing = set(problem.conflicts), set(problem.existing)
    ids = [e.id for e in problem.evaluators]
    options = [[tuple((a.id, e) for e in combo)
                for combo in itertools.combinations(ids, needed(problem, a))
                if not any((a.id, e) in conflicts for e in combo)]
               for a in problem.applications]
    best = None
    for choice in itertools.product(*options):
        pairs = [pair for group in choice for pair in group]
        load = Counter(e for _, e in pairs)
        if not all(e.min_load <= load[e.id] <= e.max_load for e in problem.evaluators):
            continue
        loads = [load[i] for i in ids]
        if balanced_only and loads and max(loads) - min(loads) > 1:
            continue
        value = (sum(pair in existing for pair in pairs),
                 sum(problem.affinity.get(pair, 0) for pair in pairs))
        if best is None or value > best:
            best = value
    return best


def assert_valid(problem, solution):
    """k distinct evaluators each, every load in bounds, no conflict, figures consistent."""
    pairs = solution.pairs
    assert len(set(pairs)) == len(pairs)
    assert not set(pairs) & set(problem.conflicts)
    per_application = Counter(a for a, _ in pairs)
    for application in problem.applications:
        assert per_application[application.id] == needed(problem, application)
    load = Counter(e for _, e in pairs)
    for evaluator in problem.evaluators:
        assert evaluator.min_load <= load[evaluator.id] <= evaluator.max_load
        assert solution.loads[evaluator.id] == load[evaluator.id]
    assert solution.total_affinity == sum(problem.affinity.get(pair, 0) for pair in pairs)
    assert solution.diagnostics.kept == len(set(pairs) & set(problem.existing))


def kept_and_affinity(problem, solution):
    return (len(set(solution.pairs) & set(problem.existing)), solution.total_affinity)


@st.composite
def problems(draw, *, balanced=False, existing=False):
    """Up to 5 applications and 4 evaluators, k of 1 or 2, random bounds, conflicts and
    affinities (zero half the time, some negative)."""
    n = draw(st.integers(0, 5))
    m = draw(st.integers(1, 4))
    k = draw(st.integers(1, 2))
    applications = [Application(f"A{i}", draw(st.sampled_from([None, None, 1, 2])))
                    for i in range(n)]
    evaluators = []
    for j in range(m):
        low = draw(st.sampled_from([0, 0, 0, 0, 1, 1, 2]))
        evaluators.append(Evaluator(f"E{j}", low, low + draw(st.integers(0, 4))))
    pairs = [(a.id, e.id) for a in applications for e in evaluators]
    affinity = {}
    for pair in pairs:
        value = draw(st.sampled_from([0, 0, 0, 1, 2, 3, 5, 8, -1]))
        if value:
            affinity[pair] = value
    conflicts = {pair for pair in pairs if draw(st.integers(0, 7)) == 0}
    earlier = []
    if existing:
        earlier = [pair for pair in pairs if draw(st.integers(0, 2)) == 0]
        earlier += [("A-gone", e.id) for e in evaluators[:1]]  # withdrawn since
        earlier += [(a.id, "E-gone") for a in applications[:1]]
    return Problem(applications=applications, evaluators=evaluators, per_application=k,
                   affinity=affinity, conflicts=conflicts, existing=earlier, balanced=balanced)


def outcome(problem, strategy, zero_arcs):
    try:
        return solve(problem, strategy=strategy, sparse_zero_arcs=zero_arcs)
    except Infeasible:
        return None


# --- against brute force -------------------------------------------------------------------------


@FAST
@given(problem=problems())
def test_optimum_equals_brute_force(problem):
    best = brute_force(problem)
    for strategy, zero_arcs in STRATEGIES:
        solution = outcome(problem, strategy, zero_arcs)
        if best is None:
            assert solution is None
        else:
            assert solution is not None
            assert_valid(problem, solution)
            assert solution.total_affinity == best[1]


@FAST
@given(problem=problems(balanced=True))
def test_balanced_optimum_equals_brute_force_over_balanced_assignments(problem):
    balanced_best, best = brute_force(problem, balanced_only=True), brute_force(problem)
    for strategy, zero_arcs in STRATEGIES:
        solution = outcome(problem, strategy, zero_arcs)
        if best is None:
            assert solution is None
            continue
        assert_valid(problem, solution)
        if balanced_best is not None:
            assert solution.diagnostics.balanced
            assert not solution.diagnostics.balance_fallback
            assert solution.total_affinity == balanced_best[1]
        else:
            # No balanced assignment: the plain optimum, and a note that says so.
            assert solution.diagnostics.balance_fallback
            assert solution.diagnostics.notes[0].startswith("The loads cannot all be within")
            assert solution.total_affinity == best[1]


@FAST
@given(problem=problems(existing=True))
def test_resolve_keeps_the_most_earlier_pairs_then_maximises_affinity(problem):
    best = brute_force(problem)
    for strategy, zero_arcs in STRATEGIES:
        solution = outcome(problem, strategy, zero_arcs)
        if best is None:
            assert solution is None
        else:
            assert_valid(problem, solution)
            assert kept_and_affinity(problem, solution) == best


@FAST
@given(problem=problems(balanced=True, existing=True))
def test_balanced_resolve_equals_brute_force(problem):
    best = brute_force(problem, balanced_only=True) or brute_force(problem)
    solution = outcome(problem, "dense", None)
    if best is None:
        assert solution is None
    else:
        assert_valid(problem, solution)
        assert kept_and_affinity(problem, solution) == best


def test_sparse_pricing_reaches_the_dense_optimum_on_a_larger_instance():
    rng = np.random.default_rng(7)
    n, m = 300, 40
    matrix = np.where(rng.random((n, m)) < 0.05, rng.integers(1, 20, (n, m)), 0)
    problem = Problem(
        applications=[Application(i) for i in range(n)],
        evaluators=[Evaluator(j, 15, 30) for j in range(m)], per_application=3,
        affinity={(i, j): int(matrix[i, j]) for i, j in zip(*np.nonzero(matrix), strict=True)},
        conflicts={(i, j) for i, j in zip(*np.nonzero(rng.random((n, m)) < 0.1), strict=True)})
    dense = solve(problem, strategy="dense")
    for zero_arcs in (0, 1, None):
        sparse = solve(problem, strategy="sparse", sparse_zero_arcs=zero_arcs)
        assert_valid(problem, sparse)
        assert sparse.total_affinity == dense.total_affinity
    assert sparse.diagnostics.strategy == "sparse"
    assert sparse.diagnostics.arcs < n * m


# --- refusals, word for word -------------------------------------------------------------------


def _problem(*, n=2, evaluators, k=1, conflicts=()):
    return Problem(applications=[Application(f"A{i}") for i in range(1, n + 1)],
                   evaluators=evaluators, per_application=k, conflicts=set(conflicts))


@pytest.mark.parametrize(("problem", "message"), [
    pytest.param(
        _problem(n=3, k=2, evaluators=[Evaluator("E1", 0, 2), Evaluator("E2", 0, 3)]),
        "The applications need 6 reviews in total but the evaluators can take at most 5 (the "
        "sum of their maximum loads).", id="demand-above-capacity"),
    pytest.param(
        _problem(n=2, k=1, evaluators=[Evaluator("E1", 2, 4), Evaluator("E2", 1, 4)]),
        "The evaluators' minimum loads add up to 3 reviews but the applications need only 2 in "
        "total.", id="minimum-loads-above-demand"),
    pytest.param(
        _problem(n=2, k=2, evaluators=[Evaluator("E1", 0, 2), Evaluator("E2", 0, 2),
                                       Evaluator("E3", 0, 2)],
                 conflicts=[("A2", "E1"), ("A2", "E3")]),
        "Application A2 needs 2 evaluators but only 1 can take it (without a conflict of "
        "interest and with a maximum load above 0).", id="application-short-of-evaluators"),
    pytest.param(
        _problem(n=1, k=1, evaluators=[Evaluator("E1", 0, 1), Evaluator("E2", 0, 0)],
                 conflicts=[("A1", "E1")]),
        "Application A1 needs 1 evaluators but no evaluator can take it (without a conflict of "
        "interest and with a maximum load above 0).", id="application-without-evaluator"),
    pytest.param(
        _problem(n=3, k=1, evaluators=[Evaluator("E1", 2, 3), Evaluator("E2", 0, 3)],
                 conflicts=[("A1", "E1"), ("A2", "E1")]),
        "Evaluator E1 must review at least 2 applications (its minimum load) but only 1 are "
        "free of a conflict of interest with it.", id="evaluator-short-of-applications"),
    pytest.param(
        _problem(n=3, k=1, evaluators=[Evaluator("E1", 3, 2), Evaluator("E2", 0, 2)]),
        "Evaluator E1 has a minimum load of 3 above its maximum load of 2.",
        id="minimum-above-maximum"),
    pytest.param(
        _problem(n=2, k=1, evaluators=[Evaluator("E1", 3, 2), Evaluator("E2", 0, 2)]),
        "Evaluator E1 has a minimum load of 3 above its maximum load of 2. The evaluators' "
        "minimum loads add up to 3 reviews but the applications need only 2 in total. "
        "Evaluator E1 must review at least 3 applications (its minimum load) but only 2 are "
        "free of a conflict of interest with it.", id="every-reason-at-once"),
    pytest.param(
        # Every count passes, but A1 and A2 both can only go to E1, which takes one.
        _problem(n=3, k=1, evaluators=[Evaluator("E1", 0, 1), Evaluator("E2", 0, 5)],
                 conflicts=[("A1", "E2"), ("A2", "E2")]),
        "No assignment meets every load bound and conflict of interest at once, although each "
        "application and each evaluator can be served on its own: widen the load bounds or add "
        "evaluators.", id="infeasible-flow"),
])
@pytest.mark.parametrize("strategy", ["dense", "sparse"])
def test_infeasible_input_is_refused_with_its_reason(problem, message, strategy):
    with pytest.raises(Infeasible) as caught:
        solve(problem, strategy=strategy)
    assert caught.value.message == message
    assert str(caught.value) == message


def test_many_reasons_are_cut_at_ten():
    problem = _problem(n=12, k=2, evaluators=[Evaluator("E1", 0, 12), Evaluator("E2", 0, 12)],
                       conflicts=[(f"A{i}", "E1") for i in range(1, 13)])
    with pytest.raises(Infeasible) as caught:
        solve(problem)
    assert len(caught.value.reasons) == 12
    assert caught.value.message.endswith(
        "Application A10 needs 2 evaluators but only 1 can take it (without a conflict of "
        "interest and with a maximum load above 0). And 2 more problems like these.")


@pytest.mark.parametrize(("change", "error"), [
    ({"per_application": 0}, "Every application needs at least 1 evaluator."),
    ({"evaluators": [Evaluator("E1", -1, 2)]}, "Loads cannot be negative."),
    ({"evaluators": [Evaluator("E1", 0, 2), Evaluator("E1", 0, 2)]}, "Duplicate evaluator ids."),
    ({"applications": [Application("A1"), Application("A1")]}, "Duplicate application ids."),
    ({"affinity": np.zeros((2, 2), dtype=int)}, "The affinity array must have one row per "
                                                "application and one column per evaluator."),
])
def test_malformed_input_is_a_value_error(change, error):
    problem = Problem(**{"applications": [Application("A1")],
                         "evaluators": [Evaluator("E1", 0, 2)], "per_application": 1, **change})
    with pytest.raises(ValueError, match=error):
        solve(problem)


# --- re-solving after withdrawals ----------------------------------------------------------------


def _pool(*, n=12, m=5, k=2, low=0, high=8, seed=3):
    rng = np.random.default_rng(seed)
    return Problem(
        applications=[Application(f"A{i}") for i in range(n)],
        evaluators=[Evaluator(f"E{j}", low, high) for j in range(m)], per_application=k,
        affinity={(f"A{i}", f"E{j}"): int(rng.integers(0, 10)) for i in range(n)
                  for j in range(m)},
        conflicts={("A0", "E0"), ("A3", "E2")})


def _without(problem, *, application=None, evaluator=None, **changes):
    return Problem(
        applications=[a for a in problem.applications if a.id != application],
        evaluators=[e for e in problem.evaluators if e.id != evaluator],
        per_application=problem.per_application, affinity=problem.affinity,
        conflicts=problem.conflicts, **changes)


def test_resolve_after_an_evaluator_withdraws_keeps_every_pair_that_stands():
    problem = _pool()
    before = solve(problem).pairs
    withdrawn = "E1"
    after = solve(_without(problem, evaluator=withdrawn, existing=before))
    standing = {pair for pair in before if pair[1] != withdrawn}
    assert standing <= set(after.pairs)
    # Only the withdrawn evaluator's applications got someone new.
    assert len(set(after.pairs) - standing) == sum(1 for _, e in before if e == withdrawn)
    assert after.diagnostics.kept == len(standing)
    assert after.diagnostics.released == len(before) - len(standing)
    assert after.diagnostics.moved == 0
    assert after.diagnostics.notes == [
        f"Kept {len(standing)} of the {len(before)} earlier assignments; "
        f"{len(before) - len(standing)} no longer stood and 0 were replaced."]


def test_resolve_after_an_application_withdraws_changes_nothing_else():
    problem = _pool()
    before = solve(problem).pairs
    after = solve(_without(problem, application="A5", existing=before))
    assert set(after.pairs) == {pair for pair in before if pair[0] != "A5"}


def test_resolve_keeps_earlier_pairs_even_when_a_new_evaluator_has_higher_affinity():
    problem = _pool(m=4)
    before = solve(problem).pairs
    newcomer = Evaluator("E-new", 0, 8)
    affinity = {**problem.affinity, **{(a.id, "E-new"): 100 for a in problem.applications}}
    after = solve(Problem(applications=problem.applications,
                          evaluators=[*problem.evaluators, newcomer], per_application=2,
                          affinity=affinity, conflicts=problem.conflicts, existing=before))
    assert set(after.pairs) == set(before)
    fresh = solve(Problem(applications=problem.applications,
                          evaluators=[*problem.evaluators, newcomer], per_application=2,
                          affinity=affinity, conflicts=problem.conflicts))
    assert fresh.loads["E-new"] == 8


def test_resolve_after_a_new_conflict_replaces_only_that_pair():
    problem = _pool()
    before = solve(problem).pairs
    declared = before[0]
    after = solve(Problem(applications=problem.applications, evaluators=problem.evaluators,
                          per_application=2, affinity=problem.affinity,
                          conflicts={*problem.conflicts, declared}, existing=before))
    assert set(before) - set(after.pairs) == {declared}
    assert len(set(after.pairs) - set(before)) == 1


def test_resolve_moves_pairs_only_as_far_as_new_bounds_force():
    problem = _pool(n=10, m=4, k=2, high=10)
    before = solve(problem).pairs
    heaviest = max(solve(problem).loads.items(), key=lambda item: item[1])
    # The heaviest evaluator may now take two fewer: exactly two pairs move.
    evaluators = [Evaluator(e.id, e.min_load, heaviest[1] - 2) if e.id == heaviest[0] else e
                  for e in problem.evaluators]
    after = solve(Problem(applications=problem.applications, evaluators=evaluators,
                          per_application=2, affinity=problem.affinity,
                          conflicts=problem.conflicts, existing=before))
    assert after.diagnostics.kept == len(before) - 2
    assert after.diagnostics.moved == 2
    assert len(set(after.pairs) - set(before)) == 2


# --- edge cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("problem", "pairs", "total"), [
    pytest.param(Problem(applications=[], evaluators=[Evaluator("E1", 0, 3)]), [], 0,
                 id="no-applications"),
    pytest.param(Problem(applications=[], evaluators=[]), [], 0, id="nothing-at-all"),
    pytest.param(Problem(applications=[Application("A1")],
                         evaluators=[Evaluator("E1", 0, 1), Evaluator("E2", 0, 1)]),
                 [("A1", "E1"), ("A1", "E2")], 0, id="k-equals-the-pool"),
    pytest.param(Problem(applications=[Application("A1")],
                         evaluators=[Evaluator("E1", 0, 0), Evaluator("E2", 0, 1),
                                     Evaluator("E3", 0, 1)], affinity={("A1", "E1"): 9}),
                 [("A1", "E2"), ("A1", "E3")], 0, id="evaluator-with-no-room-is-skipped"),
    pytest.param(Problem(applications=[Application("A1")],
                         evaluators=[Evaluator("E1", 0, 1), Evaluator("E2", 0, 1),
                                     Evaluator("E3", 0, 1)],
                         affinity={("A1", "E1"): -3, ("A1", "E2"): -1}),
                 [("A1", "E2"), ("A1", "E3")], -1, id="negative-affinity-avoided"),
    pytest.param(Problem(applications=[Application("A1"), Application("A2", k=1)],
                         evaluators=[Evaluator("E1", 0, 2), Evaluator("E2", 0, 2),
                                     Evaluator("E3", 0, 2)], per_application=3,
                         affinity={("A2", "E3"): 4}),
                 [("A1", "E1"), ("A1", "E2"), ("A1", "E3"), ("A2", "E3")], 4,
                 id="k-per-application"),
    pytest.param(Problem(applications=[Application(1), Application(2)],
                         evaluators=[Evaluator(10, 0, 1), Evaluator(20, 0, 1)],
                         per_application=1, affinity={(1, 20): 1, (2, 20): 5, (9, 20): 50,
                                                      (1, 99): 50}),
                 [(1, 10), (2, 20)], 5, id="integer-ids-unknown-pairs-ignored"),
    pytest.param(Problem(applications=[Application("A1"), Application("A2")],
                         evaluators=[Evaluator("E1", 2, 2), Evaluator("E2", 0, 2)],
                         per_application=1, affinity={("A1", "E2"): 7}),
                 [("A1", "E1"), ("A2", "E1")], 0, id="minimum-load-beats-affinity"),
])
@pytest.mark.parametrize("strategy", ["dense", "sparse"])
def test_edge_cases(problem, pairs, total, strategy):
    solution = solve(problem, strategy=strategy)
    assert solution.pairs == pairs
    assert solution.total_affinity == total
    assert_valid(problem, solution)


@pytest.mark.parametrize("strategy", ["dense", "sparse"])
def test_affinity_and_conflicts_may_be_arrays_in_problem_order(strategy):
    problem = Problem(applications=[Application("A1"), Application("A2")],
                      evaluators=[Evaluator("E1", 0, 2), Evaluator("E2", 0, 2)],
                      per_application=1, affinity=np.array([[3, 1], [2, 0]]),
                      conflicts=np.array([[True, False], [False, False]]))
    solution = solve(problem, strategy=strategy)
    assert solution.pairs == [("A1", "E2"), ("A2", "E1")]
    assert solution.total_affinity == 3


def test_balanced_spreads_loads_at_a_small_cost_in_affinity():
    # E1 is everyone's favourite; unbalanced it takes all 4, balanced it takes 2.
    problem = Problem(applications=[Application(f"A{i}") for i in range(4)],
                      evaluators=[Evaluator("E1", 0, 4), Evaluator("E2", 0, 4)],
                      per_application=1, affinity={(f"A{i}", "E1"): 3 + i for i in range(4)})
    assert solve(problem).loads == {"E1": 4, "E2": 0}
    balanced = solve(Problem(**{**problem.__dict__, "balanced": True}))
    assert balanced.loads == {"E1": 2, "E2": 2}
    assert balanced.pairs == [("A0", "E2"), ("A1", "E2"), ("A2", "E1"), ("A3", "E1")]
    assert balanced.total_affinity == 11
    assert balanced.diagnostics.balanced and not balanced.diagnostics.balance_fallback


def test_balance_that_bounds_forbid_falls_back_with_a_note():
    problem = Problem(applications=[Application(f"A{i}") for i in range(4)],
                      evaluators=[Evaluator("E1", 0, 1), Evaluator("E2", 0, 4)],
                      per_application=1, balanced=True)
    solution = solve(problem)
    assert solution.loads == {"E1": 1, "E2": 3}
    assert solution.diagnostics.balance_fallback
    assert not solution.diagnostics.balanced
    assert solution.diagnostics.notes == [
        "The loads cannot all be within one of each other (between 2 and 2 reviews each) with "
        "these load bounds and conflicts of interest; the evaluators' own load bounds were used "
        "instead."]


def test_unknown_strategy_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown strategy 'fast'."):
        solve(Problem(applications=[], evaluators=[]), strategy="fast")
