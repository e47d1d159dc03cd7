"""SME classification per Commission Recommendation 2003/361/EC. Pure: no Django.

An enterprise's figures are its own plus those of its *linked* enterprises (more than 50 % held,
added in full) and its *partner* enterprises (25 % to 50 % held, added in proportion to the
share). Holdings below 25 % leave the enterprise autonomous for that relation. The class is the
smallest whose staff ceiling is not reached and whose turnover *or* balance-sheet ceiling holds.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

PARTNER_FROM = Decimal("25")
LINKED_ABOVE = Decimal("50")


class SmeClass(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    NOT_SME = "not_sme"


class Relation(StrEnum):
    AUTONOMOUS = "autonomous"
    PARTNER = "partner"
    LINKED = "linked"


@dataclass(frozen=True)
class Figures:
    staff: Decimal
    turnover: Decimal
    balance_sheet: Decimal

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(self.staff + other.staff, self.turnover + other.turnover,
                       self.balance_sheet + other.balance_sheet)

    def scaled(self, factor: Decimal) -> "Figures":
        return Figures(self.staff * factor, self.turnover * factor, self.balance_sheet * factor)


@dataclass(frozen=True)
class Holding:
    """Another enterprise and the share (capital or voting rights, in %) linking the two."""

    share_percent: Decimal
    figures: Figures


# (class, staff strictly below, turnover at most, balance sheet at most), smallest first.
CEILINGS = (
    (SmeClass.MICRO, Decimal("10"), Decimal("2000000"), Decimal("2000000")),
    (SmeClass.SMALL, Decimal("50"), Decimal("10000000"), Decimal("10000000")),
    (SmeClass.MEDIUM, Decimal("250"), Decimal("50000000"), Decimal("43000000")),
)


def relation_of(share_percent: Decimal) -> Relation:
    if share_percent > LINKED_ABOVE:
        return Relation.LINKED
    if share_percent >= PARTNER_FROM:
        return Relation.PARTNER
    return Relation.AUTONOMOUS


def aggregate(own: Figures, holdings: Iterable[Holding]) -> Figures:
    total = own
    for holding in holdings:
        relation = relation_of(holding.share_percent)
        if relation is Relation.LINKED:
            total = total + holding.figures
        elif relation is Relation.PARTNER:
            total = total + holding.figures.scaled(holding.share_percent / Decimal("100"))
    return total


def classify(figures: Figures) -> SmeClass:
    for sme_class, staff_below, turnover_max, balance_max in CEILINGS:
        if figures.staff < staff_below and (
            figures.turnover <= turnover_max or figures.balance_sheet <= balance_max
        ):
            return sme_class
    return SmeClass.NOT_SME


def classify_enterprise(own: Figures, holdings: Iterable[Holding] = ()) -> SmeClass:
    return classify(aggregate(own, holdings))
