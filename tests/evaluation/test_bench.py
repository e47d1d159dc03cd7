"""``manage.py bench assignment`` on a small instance, checked from its dump files."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from evaluation.assignment import Application, Evaluator, Problem, solve
from evaluation.bench import check, make_instance


def _bench(*arguments):
    out, err = StringIO(), StringIO()
    call_command("bench", "assignment", "--in-place", *arguments, stdout=out, stderr=err)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [[], ["--balanced"], ["--sparse", "--strategy", "sparse"]])
def test_bench_solves_a_small_instance_that_the_dump_confirms(tmp_path, extra):
    figures = _bench("--applications", "120", "--evaluators", "15", "--per-application", "3",
                     "--min-load", "18", "--max-load", "30", "--conflicts", "0.05",
                     "--seed", "4", "--dump", str(tmp_path), *extra)

    assert figures["benchmark"] == "assignment"
    assert figures["violations"] == 0
    assert figures["unfilled"] == 0
    assert figures["assignments"] == 360
    assert (figures["applications"], figures["evaluators"], figures["per_application"]) == (
        120, 15, 3)
    assert figures["balanced"] is ("--balanced" in extra)
    assert 18 <= figures["min_load"] <= figures["max_load"] <= 30
    if "--balanced" in extra:
        assert figures["max_load"] - figures["min_load"] <= 1
    assert figures["seconds"] == figures["solve_seconds"]

    instance = json.loads((tmp_path / "instance.json").read_text())
    pairs = [tuple(pair) for pair in json.loads((tmp_path / "assignment.json").read_text())]
    affinity = {(a, e): value for a, e, value in instance["affinity"]}
    assert figures["total_affinity"] == sum(affinity.get(pair, 0) for pair in pairs)

    # The dump is enough to rebuild the problem: solving it again gives the same optimum, and
    # the independent check finds nothing wrong with the dumped assignment.
    problem = Problem(
        applications=[Application(a) for a in instance["applications"]],
        evaluators=[Evaluator(e["id"], e["min_load"], e["max_load"])
                    for e in instance["evaluators"]],
        per_application=instance["per_application"], affinity=affinity,
        conflicts={tuple(pair) for pair in instance["conflicts"]},
        balanced=instance["balanced"])
    assert solve(problem).total_affinity == figures["total_affinity"]
    assert solve(problem, strategy="dense").total_affinity == figures["total_affinity"]
    assert check(problem, pairs) == {"conflicts_used": 0, "duplicate_pairs": 0,
                                     "unknown_ids": 0, "loads_out_of_bounds": 0,
                                     "applications_over_k": 0, "unfilled": 0}


@pytest.mark.django_db
def test_bench_refuses_an_infeasible_instance_with_the_solvers_reason():
    with pytest.raises(CommandError, match="Infeasible: The evaluators' minimum loads add up to "
                                           "400 reviews but the applications need only 60 in "
                                           "total."):
        _bench("--applications", "20", "--evaluators", "10", "--min-load", "40")


def test_the_check_counts_what_is_wrong():
    problem = make_instance(applications=4, evaluators=3, per_application=2, min_load=1,
                            max_load=3, conflicts=0.0, seed=1)
    problem = Problem(**{**problem.__dict__, "conflicts": [(1, 1)]})
    # Application 1 has three evaluators, one in conflict; 2 is listed twice with E2; E2 has
    # four (one above its maximum); application 5 does not exist; 2, 3 and 4 miss one each.
    pairs = [(1, 1), (1, 2), (1, 3), (2, 2), (2, 2), (3, 2), (4, 2), (5, 1)]
    assert check(problem, pairs) == {
        "conflicts_used": 1, "duplicate_pairs": 1, "unknown_ids": 1, "loads_out_of_bounds": 1,
        "applications_over_k": 1, "unfilled": 3}
