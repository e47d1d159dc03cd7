"""Exact money arithmetic (pure: no Django, no database).

Amounts are ``Decimal`` euros with two decimals. A split never loses or invents a cent: every
share but the last is rounded half-up to the cent, and the last share takes what remains, so the
shares always add up to the amount exactly.
"""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


class SplitError(ValueError):
    """The percentages cannot split an amount (they do not add up to 100, or one is not > 0)."""


def to_cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to the cent."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def split(amount: Decimal, percentages: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` into shares of ``percentages`` (which must add up to exactly 100).

    Each share but the last is ``amount * percentage / 100`` rounded half-up to the cent; the
    last share is the remainder, so ``sum(result) == amount`` exactly, and every share is within
    one cent of its exact value. With up to three steps (every real schedule: 100, 50/50,
    40/45/15) that always holds, since the last share carries at most two half-cent errors. With
    four or more tiny steps the errors could pile up on the last share (even below zero); then
    the split falls back to the largest-remainder method: every share rounded down to the cent,
    and the cents left over go one each to the shares that lost most (the earlier on a tie).

    Raises SplitError when the list is empty, a percentage is not greater than 0, or the
    percentages do not add up to exactly 100; ValueError when the amount is negative or has
    fractions of a cent.
    """
    amount = Decimal(amount)
    if amount < 0:
        raise ValueError("A negative amount cannot be split.")
    if amount != to_cents(amount):
        raise ValueError("The amount must be in whole cents.")
    shares = [Decimal(p) for p in percentages]
    if not shares:
        raise SplitError("The schedule has no tranche.")
    if any(p <= 0 for p in shares):
        raise SplitError("Every tranche needs a share greater than 0 %.")
    total = sum(shares, Decimal(0))
    if total != HUNDRED:
        raise SplitError(f"The shares add up to {total} %, not 100 %.")
    exact = [amount * p / HUNDRED for p in shares]
    result = [to_cents(e) for e in exact[:-1]]
    result.append(amount - sum(result, Decimal(0)))
    if abs(result[-1] - exact[-1]) <= CENT:
        return result
    return _largest_remainder(amount, exact)


def _largest_remainder(amount: Decimal, exact: list[Decimal]) -> list[Decimal]:
    result = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int((amount - sum(result, Decimal(0))) / CENT)
    by_loss = sorted(range(len(exact)), key=lambda i: (-(exact[i] - result[i]), i))
    for i in by_loss[:left]:
        result[i] += CENT
    return result
