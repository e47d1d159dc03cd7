"""The accounting of ``make loadtest`` (loadtest.accounting): lost, duplicated and late
submissions, the figures, and the shape of the last JSON line."""

import json

import pytest

from loadtest.accounting import (
    DOUBLE,
    JUST_BEFORE,
    KEYS,
    LATE,
    ON_TIME,
    Draft,
    account,
    count_5xx,
    cpu_gauge_ms,
    last_line,
    percentile,
    submit_rate,
)

DRAFT = Draft(status="draft", versions=0, fingerprint="f0")


def submitted(versions: int = 1) -> Draft:
    return Draft(status="submitted", versions=versions, fingerprint="f1")


def test_every_sme_submitted_once_and_every_late_one_refused_counts_nothing_wrong():
    groups = {1: ON_TIME, 2: DOUBLE, 3: JUST_BEFORE, 4: LATE}
    before = dict.fromkeys(groups, DRAFT)
    after = {1: submitted(), 2: submitted(), 3: submitted(), 4: DRAFT}
    assert account(groups=groups, before=before, after=after, sent=set(groups)) == {
        "lost": 0, "duplicated": 0, "late_accepted": 0, "late_refused": 1, "late_not_sent": 0,
        "submitted": 3}


def test_a_late_submit_never_sent_is_not_a_refusal():
    counts = account(groups={4: LATE}, before={4: DRAFT}, after={4: DRAFT}, sent=set())
    assert (counts["late_refused"], counts["late_not_sent"], counts["late_accepted"]) == (0, 1, 0)


@pytest.mark.parametrize("group", [ON_TIME, DOUBLE, JUST_BEFORE])
def test_an_sme_without_a_version_is_lost(group):
    counts = account(groups={7: group}, before={7: DRAFT}, after={7: DRAFT}, sent={7})
    assert (counts["lost"], counts["duplicated"], counts["submitted"]) == (1, 0, 0)


def test_an_application_missing_after_the_rush_is_lost():
    assert account(groups={7: ON_TIME}, before={7: DRAFT}, after={}, sent={7})["lost"] == 1


@pytest.mark.parametrize("group", [ON_TIME, DOUBLE, JUST_BEFORE])
def test_two_versions_are_a_duplicate(group):
    counts = account(groups={7: group}, before={7: DRAFT}, after={7: submitted(2)}, sent={7})
    assert (counts["lost"], counts["duplicated"], counts["submitted"]) == (0, 1, 0)


@pytest.mark.parametrize("after", [
    submitted(),  # accepted
    Draft(status="submitted", versions=0, fingerprint="f0"),  # moved without a version
    Draft(status="draft", versions=0, fingerprint="changed"),  # the draft was touched
])
def test_a_late_submit_must_leave_the_draft_exactly_as_it_was(after):
    counts = account(groups={9: LATE}, before={9: DRAFT}, after={9: after}, sent={9})
    assert (counts["late_accepted"], counts["late_refused"]) == (1, 0)


def test_an_unknown_group_is_an_error_not_a_silent_pass():
    with pytest.raises(ValueError, match="unknown group"):
        account(groups={1: "early"}, before={1: DRAFT}, after={1: DRAFT}, sent={1})


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == \
        (50.0, 95.0, 100.0)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 95) == 0.0


def test_submit_rate_spans_the_first_to_the_last_accepted_submit():
    assert submit_rate([10.0, 10.5, 11.0, 12.0]) == 1.5  # 3 intervals in 2 s
    assert submit_rate([5.0]) == 0.0


def test_count_5xx_reads_the_status_after_the_request_line():
    lines = [
        '127.0.0.1 - - [05/Dec/2026:23:52:01 +0000] "GET / HTTP/1.1" 200 512 "-" "locust"',
        '127.0.0.1 - - [05/Dec/2026:23:52:01 +0000] "POST /x/ HTTP/1.1" 503 90 "-" "locust"',
        '127.0.0.1 - - [05/Dec/2026:23:52:01 +0000] "GET /500/ HTTP/1.1" 302 0 "-" "locust"',
        '127.0.0.1 - - [05/Dec/2026:23:52:02 +0000] "GET /y/ HTTP/1.1" 500 10 "-" "locust"',
        "[2026-12-05 23:52:03 +0000] [7] [INFO] Booting worker with pid: 7",
    ]
    assert count_5xx(lines) == 2


def test_last_line_has_the_keys_of_the_issue_in_order_then_the_extras():
    figures = dict.fromkeys(KEYS, 0) | {"smes": 10}
    line = json.loads(json.dumps(last_line(**{"smes": 10, **dict.fromkeys(reversed(KEYS), 0)})))
    assert list(line) == [*KEYS, "smes"]
    assert line == figures
    assert KEYS == ("submits_per_second", "p50_submit_ms", "p95_submit_ms", "p95_page_ms",
                    "lost", "duplicated", "errors_5xx", "late_accepted", "drain_seconds",
                    "users", "seconds")


def test_last_line_refuses_a_missing_figure():
    with pytest.raises(ValueError, match="lost"):
        last_line(**{key: 0 for key in KEYS if key != "lost"})


def test_the_machines_gauge_is_the_best_of_its_timings_in_milliseconds():
    # Three timings of 80, 60 and 70 ms: the gauge is the fastest.
    ticks = iter([0.0, 0.080, 1.0, 1.060, 2.0, 2.070])
    assert cpu_gauge_ms(repeat=3, clock=lambda: next(ticks)) == 60.0
