"""``manage.py bench``: the registry, the command, and a small run of the eligibility benchmark.

A test already runs in a throw-away database (and, on SQLite, in memory, which a second database
made by the command would destroy), so these runs pass ``--in-place``: the synthetic data go into
the test database inside a transaction that the command rolls back. Nothing commits there, so the
re-checks a check queues on commit do not run; the real runs of the issue use a scratch database.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal import bench

pytestmark = pytest.mark.django_db


def run_bench(*args: str) -> dict:
    out, err = StringIO(), StringIO()
    call_command("bench", *args, stdout=out, stderr=err)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1  # progress goes to stderr: stdout is the JSON line alone
    return json.loads(lines[-1])


@pytest.fixture
def figures():
    return run_bench("eligibility", "--applications", "30", "--in-place")


def test_eligibility_bench_checks_each_application_once_with_one_eager_worker(figures):
    assert figures["benchmark"] == "eligibility"
    assert figures["applications"] == 30
    assert figures["workers"] == 1
    assert figures["mode"] == "eager"
    assert figures["database_mode"] == "in_place_rolled_back"
    assert figures["rechecks"] == 0  # queued on commit, and nothing commits in place
    assert sum(figures["outcomes"].values()) == 30
    assert set(figures["outcomes"]) <= {"eligible", "ineligible", "needs_review"}
    assert sum(figures["queries_per_check"].values()) == 30
    assert figures["seconds"] > 0
    assert figures["checks_per_second"] == pytest.approx(30 / figures["seconds"], rel=0.01)


def test_eligibility_bench_runs_every_rule_of_the_call(figures):
    rules = {rule: sum(counts.values()) for rule, counts in figures["rule_outcomes"].items()}
    # One check per application, or one per enterprise (the lead and each consortium member).
    assert {rule: n for rule, n in rules.items() if n == 30} == dict.fromkeys(
        ["de_minimis", "one_proposal", "documents", "declarations", "amount", "consortium"], 30)
    assert {rule for rule, n in rules.items() if n > 30} == {
        "country", "sme", "third_party_cap", "not_partner"}


def test_a_check_has_at_most_three_optional_queries(figures):
    # A status change (UPDATE and audit line: 2) and, once per process, the look-up of the audit
    # line's content type (1) are the only queries a check may leave out; none depends on how
    # many rows the database holds, nor on whether other proposals or earlier grants are found.
    assert figures["queries_per_check_max"] - figures["queries_per_check_min"] <= 3
    assert figures["queries_per_check_min"] == min(map(int, figures["queries_per_check"]))
    assert figures["queries_per_check_max"] == max(map(int, figures["queries_per_check"]))


def test_queries_per_check_do_not_grow_with_the_number_of_applications(figures):
    # In place, inside the command's transaction: a check with a status change makes 11 queries
    # (its savepoint and release; the locked result with the version, the application and the
    # call; the voucher type, documents and partners of the call; the other applications of its
    # enterprises with their members and latest versions; the result; the audit line; whether a
    # newer version exists; the locked application, its status and its audit line), 9 when the
    # status stays, one more for the first audit line of the process.
    larger = run_bench("eligibility", "--applications", "90", "--in-place")
    for run in (figures, larger):
        assert set(map(int, run["queries_per_check"])) <= {9, 11, 12}
        assert run["queries_per_check_max"] <= 12
        assert run["queries_per_check_min"] >= 9


def test_the_same_seed_gives_the_same_outcomes(figures):
    again = run_bench("eligibility", "--applications", "30", "--in-place")
    assert again["outcomes"] == figures["outcomes"]
    assert again["rule_outcomes"] == figures["rule_outcomes"]


def test_an_unknown_benchmark_is_refused_with_the_names_available():
    with pytest.raises(CommandError, match="invalid choice: 'nonsense'.*eligibility"):
        call_command("bench", "nonsense")


def test_a_benchmark_name_cannot_be_registered_twice(monkeypatch):
    monkeypatch.setattr(bench, "_registry", {})
    bench.register("one", help="", add_arguments=lambda parser: None, run=lambda **kw: {})
    with pytest.raises(ValueError, match="already registered"):
        bench.register("one", help="", add_arguments=lambda parser: None, run=lambda **kw: {})
    assert list(bench.benchmarks()) == ["one"]


def test_no_scratch_database_is_made_inside_a_transaction():
    # Inside the test's transaction, making a database would break it (and on SQLite in memory
    # drop the test database itself): the command must be told to run in place instead.
    with pytest.raises(RuntimeError, match="run in place"), bench.scratch_database():
        pass


def test_a_count_below_one_is_refused():
    with pytest.raises(CommandError, match="0 is less than 1"):
        call_command("bench", "eligibility", "--applications", "0", "--in-place")
