"""The exact split of a grant into tranches (payments.money)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.money import SplitError, split, to_cents

D = Decimal


@pytest.mark.parametrize(("amount", "percentages", "expected"), [
    ("20000.01", ["50", "50"], ["10000.01", "10000.00"]),
    ("20000.00", ["50", "50"], ["10000.00", "10000.00"]),
    ("3600", ["40", "45", "15"], ["1440.00", "1620.00", "540.00"]),
    ("3600.01", ["40", "45", "15"], ["1440.00", "1620.00", "540.01"]),
    ("10000", ["33.33", "33.33", "33.34"], ["3333.00", "3333.00", "3334.00"]),
    ("0.01", ["50", "50"], ["0.01", "0.00"]),
    ("0.01", ["40", "45", "15"], ["0.00", "0.00", "0.01"]),
    ("0.01", ["100"], ["0.01"]),
    ("0.00", ["50", "50"], ["0.00", "0.00"]),
    ("59999.99", ["40", "45", "15"], ["24000.00", "27000.00", "8999.99"]),
    ("10.05", ["33.33", "33.33", "33.34"], ["3.35", "3.35", "3.35"]),
])
def test_split_table(amount, percentages, expected):
    shares = split(D(amount), [D(p) for p in percentages])
    assert shares == [D(e) for e in expected]
    assert sum(shares) == D(amount)


@pytest.mark.parametrize("percentages", [
    ["50", "49.99"], ["50", "50.01"], ["60", "60", "-20"], ["100", "0"], [],
])
def test_percentages_not_adding_to_100_or_not_positive_are_refused(percentages):
    with pytest.raises(SplitError):
        split(D("1000"), [D(p) for p in percentages])


def test_amount_with_fractions_of_a_cent_is_refused():
    with pytest.raises(ValueError, match="whole cents"):
        split(D("10.001"), [D(100)])


def test_many_tiny_steps_never_give_a_negative_share():
    shares = split(D("0.03"), [D("16.67")] * 5 + [D("16.65")])
    assert shares == [D("0.01"), D("0.01"), D("0.01"), D("0"), D("0"), D("0")]
    assert sum(shares) == D("0.03")


@st.composite
def schedules(draw):
    """Percentages with two decimals, each > 0, adding up to exactly 100."""
    n = draw(st.integers(min_value=1, max_value=8))
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=9999), min_size=n - 1,
                               max_size=n - 1)))
    bounds = [0, *cuts, 10000]
    return [D(b - a) / 100 for a, b in zip(bounds, bounds[1:], strict=False)]


@given(amount=st.integers(min_value=0, max_value=10**11).map(lambda c: D(c) / 100),
       percentages=schedules())
def test_split_sums_exactly_and_each_share_is_within_a_cent(amount, percentages):
    shares = split(amount, percentages)
    assert sum(shares) == amount
    assert len(shares) == len(percentages)
    for share, percentage in zip(shares, percentages, strict=True):
        assert share >= 0
        assert share == share.quantize(D("0.01"))
        assert abs(share - amount * percentage / 100) <= D("0.01")
    if len(percentages) <= 3:
        # Every real schedule: each share but the last rounded half-up, the last the remainder.
        assert shares[:-1] == [to_cents(amount * p / 100) for p in percentages[:-1]]
