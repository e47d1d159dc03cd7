"""The pure ranking: thresholds, tie-breaks, the budget edge, voucher limits, moving up."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from evaluation.ranking import (
    CRITERION_BELOW,
    LEFT,
    RESERVE,
    SELECTED,
    Candidate,
    CriterionRule,
    Held,
    Rules,
    promote,
    rank,
    words,
)

D = Decimal
CRITERIA = (CriterionRule(1, "Excellence", D("1"), D("3"), 0),
            CriterionRule(2, "Impact", D("1"), D("3"), 1),
            CriterionRule(3, "Implementation", D("1"), D("3"), 2))
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def rules(budget="100000", overall="10", limits=None) -> Rules:
    return Rules(budget=D(budget), overall_threshold=D(overall), criteria=CRITERIA,
                 voucher_limits=limits or {})


def cand(pk, scores, amount="20000", voucher=1, submitted=T0, fixed=None) -> Candidate:
    return Candidate(application_id=pk, voucher_type_id=voucher, amount=D(amount),
                     scores={i + 1: D(str(s)) for i, s in enumerate(scores)},
                     submitted_at=submitted, fixed=fixed)


def table(entries):
    return [(e.application_id, e.rank, str(e.total), e.outcome, e.reserve_position)
            for e in entries]


# --- the budget edge -----------------------------------------------------------------------------


def test_an_amount_that_uses_exactly_the_remaining_budget_is_selected():
    entries = rank(rules("50000.00"), [cand(1, [5, 5, 5], "30000.00"),
                                       cand(2, [4, 4, 4], "20000.00")])
    assert table(entries) == [(1, 1, "15.00", SELECTED, None), (2, 2, "12.00", SELECTED, None)]


def test_one_cent_over_makes_reserve_1_and_every_later_passing_one_reserve():
    entries = rank(rules("50000.00"), [cand(1, [5, 5, 5], "30000.00"),
                                       cand(2, [4, 4, 4], "20000.01"),
                                       cand(3, [4, 4, 3.5], "100.00"),
                                       cand(4, [3, 3, 3], "100.00"),
                                       cand(5, [2, 5, 5], "100.00")])
    assert table(entries) == [
        (1, 1, "15.00", SELECTED, None),
        (2, 2, "12.00", RESERVE, 1),
        (3, 3, "11.50", RESERVE, 2),  # it fits, but no skipping past a better-ranked one
        (5, None, "12.00", "rejected", None),
        (4, None, "9.00", "rejected", None),
    ]
    assert entries[1].note == ("Reserve: EUR 20,000.01 asked, EUR 20,000.00 of the budget left "
                               "when its turn came.")
    assert entries[2].note == ("Reserve: the selection stopped at a better-ranked application "
                               "that did not fit.")


def test_money_is_exact_in_cents():
    entries = rank(rules("0.30"), [cand(1, [5, 5, 5], "0.10"), cand(2, [5, 5, 4.5], "0.10"),
                                   cand(3, [5, 5, 4], "0.10"), cand(4, [5, 4, 4], "0.01")])
    assert [e.outcome for e in entries] == [SELECTED, SELECTED, SELECTED, RESERVE]


# --- thresholds ---------------------------------------------------------------------------------


def test_scores_exactly_at_the_thresholds_pass():
    entries = rank(rules(overall="10"), [cand(1, [3, 3, 4])])
    assert table(entries) == [(1, 1, "10.00", SELECTED, None)]
    assert entries[0].note == ""


def test_half_a_point_below_a_criterion_threshold_is_rejected_with_the_figures():
    entries = rank(rules(), [cand(1, [5, 2.5, 5])])
    assert table(entries) == [(1, None, "12.50", "rejected", None)]
    assert entries[0].note == "“Impact” scored 2.5, below its threshold of 3."


def test_half_a_point_below_the_overall_threshold_is_rejected_with_the_figures():
    entries = rank(rules(overall="10"), [cand(1, [3, 3, 3.5])])
    assert table(entries) == [(1, None, "9.50", "rejected", None)]
    assert entries[0].note == "The total 9.5 is below the overall threshold of 10."


def test_every_failed_threshold_is_named():
    entries = rank(rules(overall="10"), [cand(1, [2, 3, 2])])
    assert entries[0].note == ("“Excellence” scored 2, below its threshold of 3. "
                               "“Implementation” scored 2, below its threshold of 3. "
                               "The total 7 is below the overall threshold of 10.")


def test_weights_count_and_the_total_is_rounded_to_the_cent():
    weighted = Rules(budget=D("1"), overall_threshold=D("0"),
                     criteria=(CriterionRule(1, "A", D("0.33"), D("0"), 0),
                               CriterionRule(2, "B", D("2"), D("0"), 1)))
    entries = rank(weighted, [Candidate(1, None, D("1"), {1: D("3.5"), 2: D("4")})])
    # 0.33 × 3.5 + 2 × 4 = 9.155, half up to 9.16
    assert entries[0].total == D("9.16")


# --- ties ---------------------------------------------------------------------------------------


def test_a_tie_is_broken_by_the_first_criterion_then_the_next():
    entries = rank(rules(), [cand(1, [4, 4, 4]), cand(2, [4, 5, 3]), cand(3, [5, 3, 4])])
    assert [(e.application_id, e.rank) for e in entries] == [(3, 1), (2, 2), (1, 3)]
    assert entries[0].note == ("Same total (12) as #2, ranked ahead of it: higher score on "
                               "“Excellence” (5 against 4).")
    assert entries[1].note == (
        "Same total (12) as #3, ranked behind it: higher score on “Excellence” (5 against 4). "
        "Same total (12) as #1, ranked ahead of it: higher score on “Impact” (5 against 4).")


def test_a_tie_on_every_score_is_broken_by_the_earlier_submission():
    entries = rank(rules(), [cand(1, [4, 4, 4], submitted=T0 + timedelta(seconds=1)),
                             cand(2, [4, 4, 4], submitted=T0)])
    assert [e.application_id for e in entries] == [2, 1]
    assert entries[1].note == ("Same total (12) as #2, ranked behind it: submitted earlier "
                               "(2026-03-01 13:00:00 against 2026-03-01 13:00:01, Brussels "
                               "time).")


@pytest.mark.parametrize(("later", "early", "late"), [
    # Equal to the second: the milliseconds decided.
    (timedelta(milliseconds=250), "2026-03-01 13:00:00.000", "2026-03-01 13:00:00.250"),
    # Equal to the millisecond: the microseconds decided.
    (timedelta(microseconds=7), "2026-03-01 13:00:00.000000", "2026-03-01 13:00:00.000007"),
    # Different days: the seconds are enough.
    (timedelta(days=1, seconds=1), "2026-03-01 13:00:00", "2026-03-02 13:00:01"),
])
def test_a_submission_tie_break_shows_the_precision_that_decided_it(later, early, late):
    entries = rank(rules(), [cand(1, [4, 4, 4], submitted=T0 + later),
                             cand(2, [4, 4, 4], submitted=T0)])
    assert entries[0].note == ("Same total (12) as #1, ranked ahead of it: submitted earlier "
                               f"({early} against {late}, Brussels time).")


def test_notes_name_applications_by_their_acronym():
    first = Candidate(application_id=19, voucher_type_id=1, amount=D("20000"),
                      scores={1: D("4"), 2: D("4"), 3: D("4")}, submitted_at=T0, label="SWELD")
    second = Candidate(application_id=23, voucher_type_id=1, amount=D("20000"),
                       scores={1: D("4"), 2: D("4"), 3: D("4")}, submitted_at=T0, label="AGRI")
    entries = rank(rules(), [second, first])
    assert [e.application_id for e in entries] == [19, 23]
    assert entries[0].note == ("Same total (12) as AGRI, ranked ahead of it: lower application "
                               "number (no. 19 for SWELD against no. 23 for AGRI).")
    assert entries[1].note == ("Same total (12) as SWELD, ranked behind it: lower application "
                               "number (no. 19 for SWELD against no. 23 for AGRI).")


def test_a_tie_on_scores_and_time_is_broken_by_the_lower_application_number():
    entries = rank(rules(), [cand(9, [4, 4, 4]), cand(7, [4, 4, 4])])
    assert [e.application_id for e in entries] == [7, 9]
    assert entries[0].note == ("Same total (12) as #9, ranked ahead of it: lower application "
                               "number (#7 against #9).")


def test_notes_are_translated_through_the_given_function():
    entries = rank(rules(), [cand(1, [5, 2.5, 5])])
    french = {CRITERION_BELOW: "« %(criterion)s » : %(score)s, sous le seuil de %(threshold)s."}
    assert words(entries[0], lambda m: french.get(m, m)) == "« Impact » : 2.5, sous le seuil de 3."


# --- voucher limits -----------------------------------------------------------------------------


def test_a_used_up_voucher_type_sends_its_next_one_to_the_reserve_and_the_walk_goes_on():
    entries = rank(rules("1000000", limits={1: 2, 2: None}),
                   [cand(1, [5, 5, 5]), cand(2, [5, 5, 4.5]), cand(3, [5, 5, 4]),
                    cand(4, [5, 4, 4], voucher=2), cand(5, [4, 4, 4])])
    assert table(entries) == [(1, 1, "15.00", SELECTED, None), (2, 2, "14.50", SELECTED, None),
                              (3, 3, "14.00", RESERVE, 1), (4, 4, "13.00", SELECTED, None),
                              (5, 5, "12.00", RESERVE, 2)]
    assert entries[2].note == ("Reserve: the 2 voucher(s) of its voucher type were all given "
                               "when its turn came.")


def test_a_fixed_selection_keeps_its_grant_and_uses_the_budget_first():
    entries = rank(rules("40000"), [cand(1, [4, 4, 4], fixed=SELECTED),
                                    cand(2, [5, 5, 5], "20000"), cand(3, [4.5, 4.5, 4.5])])
    assert table(entries) == [(2, 1, "15.00", SELECTED, None), (3, 2, "13.50", RESERVE, 1),
                              (1, 3, "12.00", SELECTED, None)]


def test_a_waiting_reserve_is_never_selected_and_stops_the_walk_for_those_below_it():
    # 20,000 free: the waiting reserve (12) would fit, but moving up is promote's job; the
    # new one ranked below it (10.5) is not funded ahead of it, the one above it (13.5) is.
    entries = rank(rules("50000"), [cand(1, [5, 5, 5], "30000", fixed=SELECTED),
                                    cand(2, [4, 4, 4], "20000", fixed=RESERVE),
                                    cand(3, [4.5, 4.5, 4.5], "10000"),
                                    cand(4, [3.5, 3.5, 3.5], "100")])
    assert table(entries) == [(1, 1, "15.00", SELECTED, None), (3, 2, "13.50", SELECTED, None),
                              (2, 3, "12.00", RESERVE, 1), (4, 4, "10.50", RESERVE, 2)]
    assert entries[3].note == ("Reserve: a better-ranked application is waiting on the reserve "
                               "list.")
    assert entries[2].note == ""


def test_a_waiting_reserve_of_a_used_up_voucher_type_does_not_stop_the_other_types():
    entries = rank(rules("100000", limits={1: 1}),
                   [cand(1, [5, 5, 5], fixed=SELECTED), cand(2, [4.5, 4.5, 4.5], fixed=RESERVE),
                    cand(3, [4, 4, 4], voucher=2), cand(4, [3.5, 3.5, 3.5])])
    assert table(entries) == [(1, 1, "15.00", SELECTED, None), (2, 2, "13.50", RESERVE, 1),
                              (3, 3, "12.00", SELECTED, None), (4, 4, "10.50", RESERVE, 2)]


def test_one_that_left_keeps_its_rank_and_holds_no_money():
    entries = rank(rules("20000"), [cand(1, [5, 5, 5], fixed=LEFT),
                                    cand(2, [4, 4, 4], "20000")])
    assert table(entries) == [(1, 1, "15.00", LEFT, None), (2, 2, "12.00", SELECTED, None)]


def test_a_missing_score_is_an_error():
    with pytest.raises(ValueError):
        rank(rules(), [Candidate(1, None, D("1"), {1: D("3")})])


# --- moving up ----------------------------------------------------------------------------------


def held(pk, amount, voucher=1) -> Held:
    return Held(application_id=pk, voucher_type_id=voucher, amount=D(amount))


def test_freed_budget_that_fits_the_second_reserve_but_not_the_first_moves_the_second_up():
    moved = promote(budget=D("50000"), voucher_limits={},
                    selected=[held(1, "30000")],
                    reserve=[held(2, "20000.01"), held(3, "20000.00"), held(4, "0.01")])
    assert moved == [3]


def test_when_nothing_fits_nobody_moves_up():
    assert promote(budget=D("50000"), voucher_limits={}, selected=[held(1, "40000")],
                   reserve=[held(2, "10000.01"), held(3, "20000")]) == []


def test_several_reserves_move_up_in_order_while_money_lasts():
    moved = promote(budget=D("50000"), voucher_limits={}, selected=[],
                    reserve=[held(2, "30000"), held(3, "25000"), held(4, "20000")])
    assert moved == [2, 4]


def test_moving_up_respects_the_voucher_count():
    moved = promote(budget=D("100000"), voucher_limits={1: 1}, selected=[held(1, "1000")],
                    reserve=[held(2, "1000"), held(3, "1000", voucher=2)])
    assert moved == [3]
