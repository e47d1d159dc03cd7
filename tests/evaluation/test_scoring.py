"""The pure scoring maths of reviews and consensus (evaluation/scoring.py): tables of cases at
their edges, plain data in and out, no database."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from evaluation.scoring import (
    MIN_REVIEWS_FOR_CONSENSUS,
    consensus_count_blockers,
    entry,
    mean,
    number,
    prefill,
    round_to_step,
    score_choices,
    score_error,
    score_errors,
    scores_by_criterion,
    spread_exceeds,
    total,
    weighted_total,
)

D = Decimal
HALF = D("0.5")


@dataclass(frozen=True)
class Criterion:
    pk: int
    name: str
    max_score: Decimal = D("5")


CRITERIA = [Criterion(1, "Excellence"), Criterion(2, "Impact")]


# --- plain arithmetic ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "error"), [
    ("0", None), ("3.5", None), ("5", None), ("5.0", None),
    ("3.25", "Scores go in steps of 0.5."),
    ("5.5", "Give a score from 0 to 5."),
    ("-0.5", "Give a score from 0 to 5."),
])
def test_score_error_at_the_edges_of_a_half_point_scale(value, error):
    assert score_error(D(value), max_score=D("5"), step=HALF) == error


def test_score_choices_go_from_zero_to_the_maximum_in_steps():
    assert score_choices(max_score=D("2"), step=HALF) == [D("0.0"), D("0.5"), D("1.0"),
                                                         D("1.5"), D("2.0")]
    assert score_choices(max_score=D("10"), step=D("1")) == [D(n) for n in range(11)]


@pytest.mark.parametrize(("value", "step", "rounded"), [
    ("3.25", "0.5", "3.5"), ("3.2", "0.5", "3.0"), ("3.74", "0.5", "3.5"), ("3.75", "0.5", "4.0"),
    ("4.3333", "0.5", "4.5"), ("2.5", "1", "3"), ("2.49", "1", "2"), ("0", "0.5", "0.0"),
])
def test_round_to_step(value, step, rounded):
    assert round_to_step(D(value), D(step)) == D(rounded)


def test_mean_of_nothing_is_none_and_of_numbers_is_exact():
    assert mean([]) is None
    assert mean([D("3"), D("4"), D("4.5")]) == D("11.5") / 3


@pytest.mark.parametrize(("values", "flagged"), [
    (["1", "3"], False),      # exactly the threshold: agreement
    (["1", "3.5"], True),     # 2.5 apart
    (["2", "5", "4"], True),  # the lowest and the highest count, wherever they are
    (["4"], False),           # one score cannot disagree
    ([], False),
])
def test_spread_exceeds_the_threshold_of_two(values, flagged):
    assert spread_exceeds([D(v) for v in values], D("2")) is flagged


def test_weighted_total():
    assert weighted_total([(D("1"), D("3.5")), (D("2"), D("4")), (D("0.5"), D("5"))]) == D("14")


@pytest.mark.parametrize(("value", "text"), [
    ("3.50", "3.5"), ("5.00", "5"), ("10", "10"), ("0.0", "0"), ("0.25", "0.25"), ("100", "100"),
])
def test_number_is_written_as_a_person_writes_it(value, text):
    assert number(D(value)) == text


@pytest.mark.parametrize(("values", "step", "max_score", "expected"), [
    ([], "0.5", "5", None),                   # nobody scored it
    (["4"], "0.5", "5", "4.0"),               # one review
    (["3", "3.5"], "0.5", "5", "3.5"),        # 3.25: halves away from zero
    (["3", "3.4"], "0.5", "5", "3.0"),        # 3.2 down
    (["4.5", "5", "5"], "0.5", "5", "5.0"),   # 4.83 up to the maximum
    (["5", "5"], "1", "4", "4"),              # never above the criterion's maximum
    (["0", "0.5"], "0.5", "5", "0.5"),        # 0.25 up
])
def test_prefill_is_the_mean_rounded_to_the_step_and_capped(values, step, max_score, expected):
    result = prefill([D(v) for v in values], step=D(step), max_score=D(max_score))
    assert result == (None if expected is None else D(expected))


@pytest.mark.parametrize(("pairs", "expected"), [
    ([], "0.00"),
    ([("1", "3.5"), ("2", "4")], "11.50"),
    ([("0.33", "3.5"), ("2", "4")], "9.16"),   # 9.155: half to even keeps 9.16
    ([("0.33", "2.5"), ("1", "0")], "0.82"),   # 0.825: half to even, down
])
def test_total_is_the_weighted_sum_to_the_cent(pairs, expected):
    assert total([(D(w), D(s)) for w, s in pairs]) == D(expected)


@pytest.mark.parametrize(("data", "criterion_id", "expected"), [
    ({}, 1, (None, "")),
    ({"scores": {1: {"score": D("3.5"), "comment": "  ok  "}}}, 1, (D("3.5"), "ok")),
    ({"scores": {"1": {"score": "4", "comment": None}}}, 1, (D("4"), "")),  # ids as text
    ({"scores": {1: {"score": "", "comment": "later"}}}, 1, (None, "later")),
    ({"scores": {2: {"score": D("1")}}}, 1, (None, "")),
])
def test_entry_reads_one_criterion_of_the_data(data, criterion_id, expected):
    assert entry(data, criterion_id) == expected


def _data(scores, comment="x" * 10, overall="Overall."):
    return {"overall_comment": overall,
            "scores": {c.pk: {"score": s, "comment": comment}
                       for c, s in zip(CRITERIA, scores, strict=True)}}


@pytest.mark.parametrize(("data", "complete", "errors"), [
    # A draft: empty is fine, invalid is not.
    (_data([None, None], comment="", overall=""), False, {}),
    (_data([D("3.25"), None]), False, {"score_1": "Scores go in steps of 0.5."}),
    (_data([D("6"), "abc"]), False, {"score_1": "Give a score from 0 to 5.",
                                     "score_2": "Give a number."}),
    # A submission: everything, with comments of at least 10 characters.
    (_data([D("4"), D("3")]), True, {}),
    (_data([D("4"), None]), True, {"score_2": "Score “Impact”."}),
    (_data([D("4"), D("3")], comment="x" * 9), True, {
        "comment_1": "Write at least 10 characters on “Excellence” (9 so far).",
        "comment_2": "Write at least 10 characters on “Impact” (9 so far)."}),
    (_data([D("4"), D("3")], comment="   " + "x" * 9 + "   "), True, {
        "comment_1": "Write at least 10 characters on “Excellence” (9 so far).",
        "comment_2": "Write at least 10 characters on “Impact” (9 so far)."}),
    (_data([D("4"), D("3")], overall="  "), True, {"overall_comment": "Write an overall comment."}),
])
def test_score_errors_of_a_draft_and_of_a_submission(data, complete, errors):
    assert score_errors(criteria=CRITERIA, data=data, step=HALF, min_chars=10,
                        complete=complete) == errors


def test_scores_by_criterion_leaves_out_empty_scores():
    assert scores_by_criterion([[(1, D("4")), (2, None)], [(1, D("3")), (2, D("5"))], []]) == {
        1: [D("4"), D("3")], 2: [D("5")]}


@pytest.mark.parametrize(("live", "submitted", "reasons"), [
    (2, 2, []),
    (3, 3, []),
    (3, 2, ["2 of 3 evaluators have submitted their review; the consensus waits for all of "
            "them."]),
    (1, 1, ["A consensus needs at least 2 submitted reviews; there are 1."]),
    (0, 0, ["A consensus needs at least 2 submitted reviews; there are 0."]),
    (2, 1, ["1 of 2 evaluators have submitted their review; the consensus waits for all of "
            "them.", "A consensus needs at least 2 submitted reviews; there are 1."]),
])
def test_what_a_consensus_waits_for(live, submitted, reasons):
    assert MIN_REVIEWS_FOR_CONSENSUS == 2
    assert consensus_count_blockers(live=live, submitted=submitted) == reasons
