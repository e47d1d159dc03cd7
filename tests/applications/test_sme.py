"""SME classification (Recommendation 2003/361/EC) at every threshold edge."""

from decimal import Decimal as D

import pytest

from applications.models import RelatedEnterprise
from applications.sme import (
    Figures,
    Holding,
    Relation,
    SmeClass,
    aggregate,
    classify,
    classify_enterprise,
    relation_of,
)
from tests.factories import OrganisationFactory

CENT = D("0.01")
TINY = {"turnover": D("100000"), "balance_sheet": D("100000")}


def figures(staff, turnover, balance_sheet) -> Figures:
    return Figures(D(staff), D(turnover), D(balance_sheet))


@pytest.mark.parametrize(
    ("staff", "expected"),
    [
        ("0", SmeClass.MICRO),
        ("9", SmeClass.MICRO),
        ("9.9", SmeClass.MICRO),
        ("10", SmeClass.SMALL),
        ("49", SmeClass.SMALL),
        ("49.9", SmeClass.SMALL),
        ("50", SmeClass.MEDIUM),
        ("249", SmeClass.MEDIUM),
        ("249.9", SmeClass.MEDIUM),
        ("250", SmeClass.NOT_SME),
    ],
)
def test_staff_headcount_edges(staff, expected):
    assert classify(Figures(D(staff), **TINY)) is expected


@pytest.mark.parametrize(
    ("staff", "turnover", "balance_sheet", "expected"),
    [
        # Micro ceiling: turnover or balance sheet at most EUR 2 M.
        ("5", "2000000", "2000000", SmeClass.MICRO),
        ("5", "2000000.01", "2000000.01", SmeClass.SMALL),
        ("5", "2000000.01", "2000000", SmeClass.MICRO),  # the "or" rule
        ("5", "2000000", "2000000.01", SmeClass.MICRO),  # the "or" rule
        # Small ceiling: EUR 10 M.
        ("20", "10000000", "10000000", SmeClass.SMALL),
        ("20", "10000000.01", "10000000.01", SmeClass.MEDIUM),
        ("20", "10000000.01", "10000000", SmeClass.SMALL),
        ("20", "10000000", "10000000.01", SmeClass.SMALL),
        # Medium ceiling: turnover EUR 50 M, balance sheet EUR 43 M.
        ("100", "50000000", "43000000", SmeClass.MEDIUM),
        ("100", "50000000.01", "43000000.01", SmeClass.NOT_SME),
        ("100", "50000000.01", "43000000", SmeClass.MEDIUM),
        ("100", "50000000", "43000000.01", SmeClass.MEDIUM),
        ("100", "60000000", "43000000", SmeClass.MEDIUM),
        ("100", "50000000", "45000000", SmeClass.MEDIUM),
        # Few staff do not make a micro enterprise of a large one.
        ("1", "50000000.01", "43000000.01", SmeClass.NOT_SME),
        ("1", "10000000.01", "10000000.01", SmeClass.MEDIUM),
        # Staff decide even when the money is small.
        ("250", "1", "1", SmeClass.NOT_SME),
    ],
)
def test_financial_ceiling_edges(staff, turnover, balance_sheet, expected):
    assert classify(figures(staff, turnover, balance_sheet)) is expected


@pytest.mark.parametrize(
    ("share", "relation"),
    [
        ("0.01", Relation.AUTONOMOUS),
        ("24.99", Relation.AUTONOMOUS),
        ("25", Relation.PARTNER),
        ("25.00", Relation.PARTNER),
        ("50", Relation.PARTNER),
        ("50.00", Relation.PARTNER),
        ("50.01", Relation.LINKED),
        ("100", Relation.LINKED),
    ],
)
def test_relation_of_share(share, relation):
    assert relation_of(D(share)) is relation


OWN = figures("8", "1000000", "1000000")
OTHER = figures("40", "4000000", "8000000")


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        ("24.99", figures("8", "1000000", "1000000")),
        ("25", figures("18", "2000000", "3000000")),
        ("50", figures("28", "3000000", "5000000")),
        ("50.01", figures("48", "5000000", "9000000")),
    ],
)
def test_aggregate_adds_partners_in_proportion_and_linked_in_full(share, expected):
    assert aggregate(OWN, [Holding(D(share), OTHER)]) == expected


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        ("24.99", SmeClass.MICRO),  # ignored: 8 staff
        ("25", SmeClass.SMALL),  # 8 + 10 staff
        ("50", SmeClass.SMALL),  # 8 + 20 staff
        ("50.01", SmeClass.SMALL),  # 8 + 40 staff
    ],
)
def test_classification_follows_the_share_held(share, expected):
    assert classify_enterprise(OWN, [Holding(D(share), OTHER)]) is expected


def test_partner_share_can_push_a_micro_enterprise_over_the_staff_ceiling():
    own = figures("9", "500000", "500000")
    # 25 % of 4 staff is exactly 1: 10 staff in all, no longer micro.
    assert classify_enterprise(own, [Holding(D("25"), figures("4", "0", "0"))]) is SmeClass.SMALL
    assert classify_enterprise(own, [Holding(D("24.99"), figures("4", "0", "0"))]) is (
        SmeClass.MICRO
    )


def test_linked_enterprise_just_over_half_counts_in_full():
    own = figures("10", "1000000", "1000000")
    big = figures("240", "1000000", "1000000")
    assert classify_enterprise(own, [Holding(D("50"), big)]) is SmeClass.MEDIUM  # 10 + 120
    assert classify_enterprise(own, [Holding(D("50.01"), big)]) is SmeClass.NOT_SME  # 10 + 240


def test_several_holdings_are_combined():
    own = figures("5", "1000000", "500000")
    holdings = [
        Holding(D("10"), figures("1000", "900000000", "900000000")),  # autonomous: ignored
        Holding(D("30"), figures("20", "2000000", "1000000")),  # partner: 6, 600k, 300k
        Holding(D("40"), figures("10", "5000000", "2500000")),  # partner: 4, 2M, 1M
        Holding(D("75"), figures("3", "400000", "200000")),  # linked: 3, 400k, 200k
    ]
    total = aggregate(own, holdings)
    assert total == figures("18", "4000000", "2000000")
    assert classify(total) is SmeClass.SMALL
    assert classify_enterprise(own, holdings) is SmeClass.SMALL


def test_no_holdings_is_the_enterprise_alone():
    assert classify_enterprise(figures("9", "2000000", "2000000")) is SmeClass.MICRO


# --- through the Organisation model -------------------------------------------------------------


def related(organisation, share, staff, turnover, balance_sheet) -> RelatedEnterprise:
    return RelatedEnterprise.objects.create(
        organisation=organisation, name=f"Holding {share}", country="FR",
        share_percent=D(share), staff_headcount=D(staff), annual_turnover=D(turnover),
        balance_sheet_total=D(balance_sheet),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("share", "expected"),
    [
        ("24.99", SmeClass.MICRO),
        ("25.00", SmeClass.SMALL),
        ("50.00", SmeClass.SMALL),
        ("50.01", SmeClass.MEDIUM),
    ],
)
def test_organisation_sme_class_counts_its_related_enterprises(share, expected):
    organisation = OrganisationFactory(staff_headcount=D("8"), annual_turnover=D("1000000"),
                                       balance_sheet_total=D("1000000"))
    # 8 staff; with 25-50 % of 60 staff: 23 to 38 (small); in full: 68 (medium).
    related(organisation, share, "60", "3000000", "3000000")
    assert organisation.sme_class is expected


@pytest.mark.django_db
def test_organisation_without_related_enterprises_is_classified_on_its_own_figures():
    organisation = OrganisationFactory(staff_headcount=D("9"), annual_turnover=D("2000000.01"),
                                       balance_sheet_total=D("2000000"))
    assert organisation.sme_class is SmeClass.MICRO
    assert organisation.sme_label == "Micro enterprise"


@pytest.mark.django_db
def test_organisation_with_several_related_enterprises_over_the_ceiling_is_not_an_sme():
    organisation = OrganisationFactory(staff_headcount=D("100"), annual_turnover=D("20000000"),
                                       balance_sheet_total=D("20000000"))
    related(organisation, "30", "100", "10000000", "10000000")  # +30 staff
    related(organisation, "60", "120", "40000000", "30000000")  # +120 staff: 250 in all
    assert organisation.sme_class is SmeClass.NOT_SME
    assert organisation.sme_label == "Not an SME"
