"""The eligibility rules (applications.eligibility) at their edges. Pure: no database.

``facts()`` gives a single-applicant proposal that passes every rule; each case changes one thing.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from applications.eligibility import (
    RULES,
    CallSettings,
    Check,
    Enterprise,
    Facts,
    Grant,
    OtherProposal,
    Outcome,
    Overall,
    PartnerRecord,
    VoucherBounds,
    check_amount,
    check_consortium,
    check_country,
    check_de_minimis,
    check_declarations,
    check_documents,
    check_not_partner,
    check_one_proposal,
    check_sme,
    check_third_party_cap,
    eur,
    overall,
    run,
    share_of,
)
from applications.sme import Figures, Holding
from calls.models import EligibilityRule

PASS, FAIL, REVIEW = Outcome.PASS, Outcome.FAIL, Outcome.REVIEW

# --- builders -----------------------------------------------------------------------------------

SUBMITTED_ON = date(2025, 6, 15)
SUBMITTED_AT = datetime(2025, 6, 15, 10, 0, tzinfo=UTC)


def figures(staff="20", turnover="3000000", balance_sheet="2000000") -> Figures:
    """A small enterprise by default: 20 staff, EUR 3 M turnover, EUR 2 M balance sheet."""
    return Figures(D(staff), D(turnover), D(balance_sheet))


LEAD = Enterprise(name="Acme GmbH", identifier="DE123456789", country="DE",
                  country_name="Germany", figures=figures())
BETA = Enterprise(name="Beta Srl", identifier="IT00743110157", country="IT",
                  country_name="Italy", figures=figures())
GAMMA = Enterprise(name="Gamma SAS", identifier="FR40303265045", country="FR",
                   country_name="France", figures=figures())
DELTA = Enterprise(name="Delta BV", identifier="NL004495445B01", country="NL",
                   country_name="Netherlands", figures=figures())
SINGLE = VoucherBounds(name="Innovation voucher", min_amount=D("10000"), max_amount=D("60000"),
                       min_size=1, max_size=3, min_countries=1)
# At least 2 SMEs from at least 2 countries, at most 4 SMEs.
COLLABORATION = VoucherBounds(name="Collaboration voucher", min_amount=D("20000"),
                              max_amount=D("100000"), min_size=2, max_size=4, min_countries=2)


def lead(**overrides) -> Enterprise:
    return replace(LEAD, **overrides)


def call(**overrides) -> CallSettings:
    values = {
        "rules": frozenset(RULES),
        "eligible_countries": frozenset({"DE", "FR", "IT", "NL", "NO"}),
        "de_minimis_ceiling": D("300000"),
        "third_party_cap": D("60000"),
    }
    return CallSettings(**(values | overrides))


def submitted(day: date) -> dict:
    """The two submission fields for a submission at 10:00 UTC on ``day``."""
    return {"submitted_on": day,
            "submitted_at": datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)}


def facts(**overrides) -> Facts:
    """A proposal every rule passes, with ``overrides`` applied."""
    baseline = Facts(
        call=call(),
        lead=LEAD,
        submitted_at=SUBMITTED_AT,
        submitted_on=SUBMITTED_ON,
        voucher=SINGLE,
        requested_amount=D("50000"),
        required_documents={1: "Budget table", 2: "Company register extract"},
        attached_documents=frozenset({1, 2}),
        required_declarations=("no_double_funding", "not_in_difficulty"),
        ticked_declarations=frozenset({"no_double_funding", "not_in_difficulty"}),
        partners=(PartnerRecord(name="Cluster Partner AG", identifier="DE811111111"),),
    )
    return replace(baseline, **overrides)


def grants(*amounts: str, reference: str = "FSTP1-0001") -> tuple[Grant, ...]:
    return tuple(Grant(reference=reference, amount=D(amount)) for amount in amounts)


def other(reference: str, *, minutes: int, lead: str = LEAD.identifier,
          members: tuple[str, ...] = ()) -> OtherProposal:
    """Another proposal of the call, submitted ``minutes`` after this one (negative: before)."""
    return OtherProposal(reference=reference, version_id=99,
                         submitted_at=SUBMITTED_AT + timedelta(minutes=minutes),
                         lead_identifier=lead, member_identifiers=frozenset(members))


def only(checks: list[Check]) -> Check:
    assert len(checks) == 1, checks
    return checks[0]


def about(checks: list[Check], subject: str) -> Check:
    """The one check about ``subject``."""
    return only([check for check in checks if check.subject == subject])


def test_baseline_passes_every_rule():
    checks = run(facts())

    assert [(check.rule, check.outcome) for check in checks] == [(code, PASS) for code in RULES]
    assert overall(checks) is Overall.ELIGIBLE


# --- helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        pytest.param("12345.5", "12,345.50", id="thousands-and-cents"),
        pytest.param("0.005", "0.01", id="half-cent-rounds-up"),
        pytest.param("1000000", "1,000,000.00", id="million"),
    ],
)
def test_eur(amount, expected):
    assert eur(D(amount)) == expected


@pytest.mark.parametrize(
    ("amount", "size", "expected"),
    [
        pytest.param("50000", 1, "50000.00", id="alone"),
        pytest.param("100000.01", 2, "50000.01", id="odd-cent-halved-rounds-up"),
        pytest.param("100000", 3, "33333.33", id="third-rounds-down"),
        pytest.param("100000.02", 3, "33333.34", id="third-rounds-up"),
    ],
)
def test_share_of(amount, size, expected):
    assert share_of(D(amount), size) == D(expected)


# --- country ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "subject", "outcome"),
    [
        pytest.param(facts(), "Acme GmbH", PASS, id="eu-member-state"),
        pytest.param(facts(lead=lead(country="NO", country_name="Norway")), "Acme GmbH", PASS,
                     id="associated-country"),
        pytest.param(facts(lead=lead(country="US", country_name="United States")), "Acme GmbH",
                     FAIL, id="not-eligible"),
        pytest.param(facts(call=call(eligible_countries=frozenset({"FR", "IT"}))), "Acme GmbH",
                     FAIL, id="call-narrows-the-list"),
        pytest.param(facts(members=(replace(BETA, country="CH", country_name="Switzerland"),)),
                     "Beta Srl", FAIL, id="member-not-eligible"),
        pytest.param(facts(members=(replace(BETA, country="CH", country_name="Switzerland"),)),
                     "Acme GmbH", PASS, id="lead-passes-beside-failing-member"),
    ],
)
def test_country(case, subject, outcome):
    checks = check_country(case)

    assert len(checks) == case.consortium_size
    check = about(checks, subject)
    assert (check.rule, check.outcome) == ("country", outcome)


@pytest.mark.parametrize(
    ("case", "subject", "outcome", "text"),
    [
        pytest.param(facts(), "Acme GmbH", PASS,
                     "Acme GmbH is established in Germany, an eligible country.", id="pass"),
        pytest.param(facts(members=(replace(BETA, country="CH", country_name="Switzerland"),)),
                     "Beta Srl", FAIL,
                     "Beta Srl is established in Switzerland, which is not among the countries "
                     "eligible for this call.", id="fail"),
    ],
)
def test_country_reasons(case, subject, outcome, text):
    check = about(check_country(case), subject)

    assert (check.rule, check.outcome, check.subject, check.text) == (
        "country", outcome, subject, text)


# --- SME ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enterprise", "outcome"),
    [
        # Staff: fewer than 250 annual work units.
        pytest.param(lead(figures=figures("249", "40000000", "30000000")), PASS, id="249-staff"),
        pytest.param(lead(figures=figures("249.9", "40000000", "30000000")), PASS,
                     id="249.9-staff"),
        pytest.param(lead(figures=figures("250", "40000000", "30000000")), FAIL, id="250-staff"),
        # Turnover at most EUR 50 M or balance sheet at most EUR 43 M.
        pytest.param(lead(figures=figures("100", "50000000", "45000000")), PASS,
                     id="turnover-at-50M-balance-above"),
        pytest.param(lead(figures=figures("100", "60000000", "43000000")), PASS,
                     id="balance-at-43M-turnover-above"),
        pytest.param(lead(figures=figures("100", "50000000.01", "43000000.01")), FAIL,
                     id="both-one-cent-above"),
        # A partner enterprise (25 % to 50 %) is added in proportion, a linked one (above 50 %)
        # in full, one held below 25 % not at all.
        pytest.param(lead(figures=figures("200"), holdings=(Holding(D("24.99"),
                                                                    figures("200")),)),
                     PASS, id="holding-24.99-percent-not-added"),
        pytest.param(lead(figures=figures("200"), holdings=(Holding(D("25"), figures("200")),)),
                     FAIL, id="partner-25-percent-added-in-proportion"),
        pytest.param(lead(figures=figures("150"), holdings=(Holding(D("50"), figures("190")),)),
                     PASS, id="partner-50-percent-half-added"),
        pytest.param(lead(figures=figures("150"), holdings=(Holding(D("50.01"),
                                                                    figures("190")),)),
                     FAIL, id="linked-50.01-percent-added-in-full"),
        # Turnover per annual work unit above EUR 2 M goes to a person.
        pytest.param(lead(figures=figures("10", "20000000", "5000000")), PASS,
                     id="2M-per-awu"),
        pytest.param(lead(figures=figures("10", "20000000.10", "5000000")), REVIEW,
                     id="one-cent-above-2M-per-awu"),
        pytest.param(lead(figures=figures("0", "2000000", "100000")), PASS,
                     id="no-staff-counts-as-1-awu"),
        pytest.param(lead(figures=figures("0", "2000000.01", "100000")), REVIEW,
                     id="no-staff-one-cent-above-2M"),
        pytest.param(lead(figures=figures("0.5", "1500000", "100000")), PASS,
                     id="half-awu-counts-as-1-awu"),
        # Not an SME is a fail, whatever the ratio.
        pytest.param(lead(figures=figures("250", "900000000", "900000000")), FAIL,
                     id="not-sme-wins-over-review"),
    ],
)
def test_sme(enterprise, outcome):
    check = only(check_sme(facts(lead=enterprise)))

    assert (check.rule, check.outcome, check.subject) == ("sme", outcome, "Acme GmbH")


@pytest.mark.parametrize(
    ("enterprise", "outcome", "text"),
    [
        pytest.param(LEAD, PASS,
                     "Acme GmbH is an SME (small): 20 staff, turnover EUR 3,000,000.00, "
                     "balance-sheet total EUR 2,000,000.00, with partner and linked enterprises.",
                     id="pass"),
        pytest.param(lead(figures=figures("250", "40000000", "30000000")), FAIL,
                     "Acme GmbH is not an SME: 250 staff (annual work units, with partner and "
                     "linked enterprises) reach the limit of 250.", id="fail-staff"),
        pytest.param(lead(figures=figures("200"), holdings=(Holding(D("25"), figures("200")),)),
                     FAIL,
                     "Acme GmbH is not an SME: 250.00 staff (annual work units, with partner and "
                     "linked enterprises) reach the limit of 250.", id="fail-staff-with-partner"),
        pytest.param(lead(figures=figures("100", "50000000.01", "43000000.01")), FAIL,
                     "Acme GmbH is not an SME: turnover EUR 50,000,000.01 is above EUR "
                     "50,000,000.00 and balance-sheet total EUR 43,000,000.01 is above EUR "
                     "43,000,000.00 (with partner and linked enterprises).", id="fail-finance"),
        pytest.param(lead(figures=figures("0", "2000000.01", "100000")), REVIEW,
                     "The figures of Acme GmbH look inconsistent: turnover EUR 2,000,000.01 with "
                     "0 staff is EUR 2,000,000.01 per annual work unit. Please check them against "
                     "the annual accounts.", id="review"),
    ],
)
def test_sme_reasons(enterprise, outcome, text):
    check = only(check_sme(facts(lead=enterprise)))

    assert (check.rule, check.outcome, check.subject, check.text) == (
        "sme", outcome, "Acme GmbH", text)


def test_sme_checks_every_member():
    big = replace(BETA, figures=figures("250"))

    checks = check_sme(facts(members=(big, GAMMA)))

    assert [(check.subject, check.outcome) for check in checks] == [
        ("Acme GmbH", PASS), ("Beta Srl", FAIL), ("Gamma SAS", PASS)]


# --- de minimis ---------------------------------------------------------------------------------


def aid(*rows: tuple[date, str]) -> tuple[tuple[date, D], ...]:
    return tuple((granted, D(amount)) for granted, amount in rows)


@pytest.mark.parametrize(
    ("case", "outcome"),
    [
        # Earlier aid plus the request of EUR 50,000, against EUR 300,000.
        pytest.param(facts(de_minimis_aid=aid((date(2024, 1, 1), "250000"))), PASS,
                     id="exactly-at-ceiling"),
        pytest.param(facts(de_minimis_aid=aid((date(2024, 1, 1), "250000.01"))), FAIL,
                     id="one-cent-above-ceiling"),
        pytest.param(facts(de_minimis_aid=aid((date(2023, 1, 1), "100000"),
                                              (date(2024, 1, 1), "150000.01"))), FAIL,
                     id="several-aids-added"),
        pytest.param(facts(de_minimis_aid=aid((date(2024, 1, 1), "300000")),
                           requested_amount=None), PASS, id="no-amount-counts-as-zero"),
        # The 3 years before the submission date, both ends included.
        pytest.param(facts(de_minimis_aid=aid((date(2022, 6, 15), "250000.01"))), FAIL,
                     id="aid-exactly-3-years-before-counts"),
        pytest.param(facts(de_minimis_aid=aid((date(2022, 6, 14), "250000.01"))), PASS,
                     id="aid-a-day-earlier-does-not-count"),
        pytest.param(facts(de_minimis_aid=aid((date(2025, 6, 15), "250000.01"))), FAIL,
                     id="aid-on-submission-day-counts"),
        pytest.param(facts(**submitted(date(2024, 2, 29)),
                           de_minimis_aid=aid((date(2021, 2, 28), "250000.01"))), FAIL,
                     id="29-february-window-starts-28-february"),
        pytest.param(facts(**submitted(date(2024, 2, 29)),
                           de_minimis_aid=aid((date(2021, 2, 27), "250000.01"))), PASS,
                     id="29-february-day-before-window"),
        # Aid dated after the submission is not counted but goes to a manager.
        pytest.param(facts(de_minimis_aid=aid((date(2025, 6, 16), "1000"))), REVIEW,
                     id="aid-after-submission"),
        pytest.param(facts(de_minimis_aid=aid((date(2024, 1, 1), "250000.01"),
                                              (date(2025, 6, 16), "1000"))), FAIL,
                     id="over-ceiling-wins-over-aid-after-submission"),
        # Each call may set its own ceiling.
        pytest.param(facts(call=call(de_minimis_ceiling=D("200000")),
                           de_minimis_aid=aid((date(2024, 1, 1), "150000"))), PASS,
                     id="call-ceiling-exactly"),
        pytest.param(facts(call=call(de_minimis_ceiling=D("200000")),
                           de_minimis_aid=aid((date(2024, 1, 1), "150000.01"))), FAIL,
                     id="call-ceiling-one-cent-above"),
    ],
)
def test_de_minimis(case, outcome):
    check = only(check_de_minimis(case))

    assert (check.rule, check.outcome, check.subject) == ("de_minimis", outcome, "Acme GmbH")


@pytest.mark.parametrize(
    ("case", "outcome", "text"),
    [
        pytest.param(facts(de_minimis_aid=aid((date(2024, 1, 1), "250000"))), PASS,
                     "De minimis aid of Acme GmbH since 2022-06-15 (EUR 250,000.00) plus this "
                     "request (EUR 50,000.00) makes EUR 300,000.00, within the ceiling of EUR "
                     "300,000.00.", id="pass"),
        pytest.param(facts(de_minimis_aid=aid((date(2024, 1, 1), "250000.01"))), FAIL,
                     "De minimis aid of Acme GmbH since 2022-06-15 (EUR 250,000.01) plus this "
                     "request (EUR 50,000.00) makes EUR 300,000.01, above the ceiling of EUR "
                     "300,000.00.", id="fail"),
        pytest.param(facts(**submitted(date(2024, 2, 29)),
                           call=call(de_minimis_ceiling=D("200000")),
                           de_minimis_aid=aid((date(2021, 2, 28), "150000.01"))), FAIL,
                     "De minimis aid of Acme GmbH since 2021-02-28 (EUR 150,000.01) plus this "
                     "request (EUR 50,000.00) makes EUR 200,000.01, above the ceiling of EUR "
                     "200,000.00.", id="fail-29-february-call-ceiling"),
        pytest.param(facts(de_minimis_aid=aid((date(2025, 7, 1), "1000"),
                                              (date(2025, 6, 16), "1000"))), REVIEW,
                     "Acme GmbH declared de minimis aid granted on 2025-06-16, after the "
                     "submission; a manager must check the date.", id="review-names-first-date"),
    ],
)
def test_de_minimis_reasons(case, outcome, text):
    check = only(check_de_minimis(case))

    assert (check.rule, check.outcome, check.subject, check.text) == (
        "de_minimis", outcome, "Acme GmbH", text)


def test_de_minimis_checks_only_the_lead():
    checks = check_de_minimis(facts(members=(BETA, GAMMA)))

    assert [check.subject for check in checks] == ["Acme GmbH"]


# --- maximum support per third party ------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "subject", "outcome"),
    [
        # Earlier grants plus the request of EUR 50,000, against EUR 60,000.
        pytest.param(facts(earlier_grants={LEAD.identifier: grants("10000")}), "Acme GmbH",
                     PASS, id="exactly-at-cap"),
        pytest.param(facts(earlier_grants={LEAD.identifier: grants("10000.01")}), "Acme GmbH",
                     FAIL, id="one-cent-above-cap"),
        pytest.param(facts(earlier_grants={BETA.identifier: grants("60000")}), "Acme GmbH",
                     PASS, id="grants-of-another-enterprise-ignored"),
        pytest.param(facts(earlier_grants={LEAD.identifier: (
            Grant(reference="FSTP1-0001", amount=D("6000")),
            Grant(reference="FSTP2-0007", amount=D("4000.01")))}), "Acme GmbH", FAIL,
                     id="grants-from-two-calls-added"),
        # A consortium of 2 shares EUR 100,000.01: EUR 50,000.01 each (rounded to the cent).
        pytest.param(facts(members=(BETA,), requested_amount=D("100000.01"),
                           earlier_grants={LEAD.identifier: grants("9999.99")}),
                     "Acme GmbH", PASS, id="consortium-share-exactly-at-cap"),
        pytest.param(facts(members=(BETA,), requested_amount=D("100000.01"),
                           earlier_grants={LEAD.identifier: grants("10000")}),
                     "Acme GmbH", FAIL, id="consortium-share-one-cent-above-cap"),
        # Members are checked as well as the lead.
        pytest.param(facts(members=(BETA,), requested_amount=D("100000"),
                           earlier_grants={BETA.identifier: grants("10000.01")}),
                     "Beta Srl", FAIL, id="member-above-cap"),
        pytest.param(facts(members=(BETA,), requested_amount=D("100000"),
                           earlier_grants={BETA.identifier: grants("10000.01")}),
                     "Acme GmbH", PASS, id="lead-passes-beside-failing-member"),
        # Each call may set its own cap.
        pytest.param(facts(call=call(third_party_cap=D("100000")),
                           earlier_grants={LEAD.identifier: grants("50000")}), "Acme GmbH",
                     PASS, id="call-cap-exactly"),
        pytest.param(facts(call=call(third_party_cap=D("100000")),
                           earlier_grants={LEAD.identifier: grants("50000.01")}), "Acme GmbH",
                     FAIL, id="call-cap-one-cent-above"),
    ],
)
def test_third_party_cap(case, subject, outcome):
    checks = check_third_party_cap(case)

    assert len(checks) == case.consortium_size
    check = about(checks, subject)
    assert (check.rule, check.outcome) == ("third_party_cap", outcome)


@pytest.mark.parametrize(
    ("case", "subject", "outcome", "text"),
    [
        pytest.param(facts(), "Acme GmbH", PASS,
                     "Acme GmbH: EUR 0.00 already selected or contracted plus EUR 50,000.00 from "
                     "this request makes EUR 50,000.00, within the maximum of EUR 60,000.00 per "
                     "third party.", id="pass"),
        pytest.param(facts(members=(BETA,), requested_amount=D("100000.01"),
                           earlier_grants={BETA.identifier: (
                               Grant(reference="FSTP1-0001", amount=D("6000")),
                               Grant(reference="FSTP2-0007", amount=D("4000")))}),
                     "Beta Srl", FAIL,
                     "Beta Srl already has EUR 10,000.00 selected or contracted (FSTP1-0001, "
                     "FSTP2-0007); with EUR 50,000.01 from this request that makes EUR "
                     "60,000.01, above the maximum of EUR 60,000.00 per third party.",
                     id="fail-member-two-calls-odd-cent-share"),
    ],
)
def test_third_party_cap_reasons(case, subject, outcome, text):
    check = about(check_third_party_cap(case), subject)

    assert (check.rule, check.outcome, check.subject, check.text) == (
        "third_party_cap", outcome, subject, text)


# --- not a partner of the Eurocluster -----------------------------------------------------------


def partners(*rows: tuple[str, str]) -> tuple[PartnerRecord, ...]:
    return tuple(PartnerRecord(name=name, identifier=identifier) for name, identifier in rows)


@pytest.mark.parametrize(
    ("case", "subject", "outcome"),
    [
        pytest.param(facts(), "Acme GmbH", PASS, id="no-match"),
        pytest.param(facts(partners=partners(("Acme Holding AG", LEAD.identifier))),
                     "Acme GmbH", FAIL, id="same-identifier"),
        pytest.param(facts(partners=partners(("ACME GmbH", LEAD.identifier))),
                     "Acme GmbH", FAIL, id="same-identifier-and-name-is-fail"),
        pytest.param(facts(partners=partners(("ACME g.m.b.h.", "DE999999999"))),
                     "Acme GmbH", REVIEW, id="same-name-ignoring-case-and-punctuation"),
        pytest.param(facts(partners=partners(("Acme GmbH & Co. KG", "DE999999999"))),
                     "Acme GmbH", PASS, id="similar-name-is-not-same-name"),
        pytest.param(facts(lead=lead(identifier=""), partners=partners(("Cluster AG", ""))),
                     "Acme GmbH", PASS, id="empty-identifier-never-matches"),
        pytest.param(facts(partners=partners(("Acme GmbH", ""))), "Acme GmbH", REVIEW,
                     id="empty-identifier-still-matches-by-name"),
        pytest.param(facts(members=(BETA,), partners=partners(("Beta", BETA.identifier))),
                     "Beta Srl", FAIL, id="member-is-partner"),
        pytest.param(facts(members=(BETA,), partners=partners(("Beta", BETA.identifier))),
                     "Acme GmbH", PASS, id="lead-passes-beside-partner-member"),
    ],
)
def test_not_partner(case, subject, outcome):
    checks = check_not_partner(case)

    assert len(checks) == case.consortium_size
    check = about(checks, subject)
    assert (check.rule, check.outcome) == ("not_partner", outcome)


@pytest.mark.parametrize(
    ("case", "subject", "outcome", "text"),
    [
        pytest.param(facts(), "Acme GmbH", PASS,
                     "Acme GmbH is not a partner of the Eurocluster running this call.",
                     id="pass"),
        pytest.param(facts(members=(BETA,), partners=partners(("Beta", BETA.identifier))),
                     "Beta Srl", FAIL,
                     "Beta Srl has the registration number of Beta, a partner of the Eurocluster "
                     "running this call; partners cannot receive its support.", id="fail"),
        pytest.param(facts(partners=partners(("ACME g.m.b.h.", "DE999999999"))),
                     "Acme GmbH", REVIEW,
                     "Acme GmbH has the name of ACME g.m.b.h., a partner of the Eurocluster, but "
                     "another registration number; a manager must check whether they are the "
                     "same.", id="review"),
    ],
)
def test_not_partner_reasons(case, subject, outcome, text):
    check = about(check_not_partner(case), subject)

    assert (check.rule, check.outcome, check.subject, check.text) == (
        "not_partner", outcome, subject, text)


# --- one proposal per enterprise ----------------------------------------------------------------

ALLOW_SEVERAL = call(allow_partner_in_several_proposals=True)


@pytest.mark.parametrize(
    ("case", "subject", "outcome"),
    [
        pytest.param(facts(), "Acme GmbH", PASS, id="no-other-proposal"),
        pytest.param(facts(other_proposals=(other("FSTP1-0042", minutes=30),)),
                     "Acme GmbH", FAIL, id="later-proposal-same-lead"),
        pytest.param(facts(other_proposals=(other("FSTP1-0041", minutes=-30),)),
                     "Acme GmbH", PASS, id="earlier-proposal-same-lead"),
        pytest.param(facts(other_proposals=(
            other("FSTP1-0050", minutes=30, lead=GAMMA.identifier, members=(LEAD.identifier,)),)),
                     "Acme GmbH", REVIEW, id="lead-is-member-of-another"),
        pytest.param(facts(members=(BETA,), other_proposals=(
            other("FSTP1-0051", minutes=-30, lead=BETA.identifier),)),
                     "Beta Srl", REVIEW, id="member-leads-another"),
        # Taking part as a member of two consortia is not checked.
        pytest.param(facts(members=(BETA,), other_proposals=(
            other("FSTP1-0052", minutes=30, lead=GAMMA.identifier, members=(BETA.identifier,)),)),
                     "Acme GmbH", PASS, id="member-is-member-of-another"),
        pytest.param(facts(call=ALLOW_SEVERAL, other_proposals=(
            other("FSTP1-0050", minutes=30, lead=GAMMA.identifier, members=(LEAD.identifier,)),)),
                     "Acme GmbH", PASS, id="allowed-lead-is-member-of-another"),
        pytest.param(facts(call=ALLOW_SEVERAL, members=(BETA,), other_proposals=(
            other("FSTP1-0051", minutes=-30, lead=BETA.identifier),)),
                     "Acme GmbH", PASS, id="allowed-member-leads-another"),
        pytest.param(facts(call=ALLOW_SEVERAL, other_proposals=(other("FSTP1-0042", minutes=30),)),
                     "Acme GmbH", FAIL, id="allowed-still-one-proposal-per-lead"),
    ],
)
def test_one_proposal(case, subject, outcome):
    check = only(check_one_proposal(case))

    assert (check.rule, check.outcome, check.subject) == ("one_proposal", outcome, subject)


@pytest.mark.parametrize(
    ("case", "subject", "outcome", "text"),
    [
        pytest.param(facts(other_proposals=(other("FSTP1-0041", minutes=-30),)),
                     "Acme GmbH", PASS,
                     "This is the only proposal of Acme GmbH in this call.", id="pass"),
        pytest.param(facts(other_proposals=(other("FSTP1-0043", minutes=60),
                                            other("FSTP1-0042", minutes=30))),
                     "Acme GmbH", FAIL,
                     "Acme GmbH submitted a later proposal to this call (FSTP1-0043); only the "
                     "last one submitted counts.", id="fail-names-the-last"),
        pytest.param(facts(other_proposals=(
            other("FSTP1-0050", minutes=30, lead=GAMMA.identifier, members=(LEAD.identifier,)),)),
                     "Acme GmbH", REVIEW,
                     "Acme GmbH leads this proposal and is also a consortium member of FSTP1-0050 "
                     "in the same call; a manager must decide which proposal stands.",
                     id="review-lead"),
        pytest.param(facts(members=(BETA,), other_proposals=(
            other("FSTP1-0051", minutes=-30, lead=BETA.identifier),)),
                     "Beta Srl", REVIEW,
                     "Beta Srl is a consortium member of this proposal and also leads FSTP1-0051 "
                     "in the same call; a manager must decide which proposal stands.",
                     id="review-member"),
    ],
)
def test_one_proposal_reasons(case, subject, outcome, text):
    check = only(check_one_proposal(case))

    assert (check.rule, check.outcome, check.subject, check.text) == (
        "one_proposal", outcome, subject, text)


# --- documents ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "outcome", "text"),
    [
        pytest.param(facts(), PASS, "All 2 required documents are attached.", id="all-attached"),
        pytest.param(facts(attached_documents=frozenset({1, 2, 7})), PASS,
                     "All 2 required documents are attached.", id="extra-attachment"),
        pytest.param(facts(attached_documents=frozenset({1})), FAIL,
                     "Required documents are missing: Company register extract.",
                     id="one-missing"),
        pytest.param(facts(attached_documents=frozenset({7})), FAIL,
                     "Required documents are missing: Budget table; Company register extract.",
                     id="all-missing"),
    ],
)
def test_documents(case, outcome, text):
    check = only(check_documents(case))

    assert (check.rule, check.outcome, check.subject, check.text) == (
        "documents", outcome, "", text)


# --- declarations of honour ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "outcome", "text"),
    [
        pytest.param(facts(), PASS, "All declarations of honour are ticked.", id="all-ticked"),
        pytest.param(facts(ticked_declarations=frozenset({"not_in_difficulty"})), FAIL,
                     "1 declaration(s) of honour were not ticked.", id="one-missing"),
        pytest.param(facts(ticked_declarations=frozenset()), FAIL,
                     "2 declaration(s) of honour were not ticked.", id="none-ticked"),
    ],
)
def test_declarations(case, outcome, text):
    check = only(check_declarations(case))

    assert (check.rule, check.outcome, check.subject, check.text) == (
        "declarations", outcome, "", text)


# --- requested amount ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "outcome", "text"),
    [
        pytest.param(facts(requested_amount=D("10000")), PASS,
                     "The request of EUR 10,000.00 is within the range of Innovation voucher "
                     "(EUR 10,000.00 to EUR 60,000.00).", id="at-minimum"),
        pytest.param(facts(requested_amount=D("9999.99")), FAIL,
                     "The request of EUR 9,999.99 is outside the range of Innovation voucher "
                     "(EUR 10,000.00 to EUR 60,000.00).", id="one-cent-below-minimum"),
        pytest.param(facts(requested_amount=D("60000")), PASS,
                     "The request of EUR 60,000.00 is within the range of Innovation voucher "
                     "(EUR 10,000.00 to EUR 60,000.00).", id="at-maximum"),
        pytest.param(facts(requested_amount=D("60000.01")), FAIL,
                     "The request of EUR 60,000.01 is outside the range of Innovation voucher "
                     "(EUR 10,000.00 to EUR 60,000.00).", id="one-cent-above-maximum"),
        pytest.param(facts(requested_amount=None), FAIL,
                     "No voucher type or no requested amount was given.", id="no-amount"),
        pytest.param(facts(voucher=None), FAIL,
                     "No voucher type or no requested amount was given.", id="no-voucher"),
    ],
)
def test_amount(case, outcome, text):
    check = only(check_amount(case))

    assert (check.rule, check.outcome, check.subject, check.text) == ("amount", outcome, "", text)


# --- consortium ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "outcome", "text"),
    [
        pytest.param(facts(), PASS,
                     "1 SME(s) from 1 country(ies), within the bounds of Innovation voucher.",
                     id="single-applicant"),
        pytest.param(facts(voucher=COLLABORATION), FAIL,
                     "Collaboration voucher is for 2 to 4 SMEs; this proposal has 1.",
                     id="below-minimum-size"),
        pytest.param(facts(voucher=COLLABORATION, members=(BETA,)), PASS,
                     "2 SME(s) from 2 country(ies), within the bounds of Collaboration voucher.",
                     id="at-minimum-size-and-countries"),
        pytest.param(facts(voucher=COLLABORATION, members=(BETA, GAMMA, DELTA)), PASS,
                     "4 SME(s) from 4 country(ies), within the bounds of Collaboration voucher.",
                     id="at-maximum-size"),
        pytest.param(facts(voucher=COLLABORATION,
                           members=(BETA, GAMMA, DELTA, replace(BETA, identifier="IT1"))), FAIL,
                     "Collaboration voucher is for 2 to 4 SMEs; this proposal has 5.",
                     id="above-maximum-size"),
        pytest.param(facts(voucher=COLLABORATION,
                           members=(replace(BETA, country="DE", country_name="Germany"),)), FAIL,
                     "Collaboration voucher needs SMEs from at least 2 countries; this proposal "
                     "has 1.", id="below-minimum-countries"),
        pytest.param(facts(voucher=None), FAIL, "No voucher type was chosen.", id="no-voucher"),
    ],
)
def test_consortium(case, outcome, text):
    check = only(check_consortium(case))

    assert (check.rule, check.outcome, check.subject, check.text) == (
        "consortium", outcome, "", text)


# --- run and overall ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        pytest.param(set(), [], id="none"),
        pytest.param({"consortium", "amount", "country"}, ["country", "amount", "consortium"],
                     id="chosen-in-rules-order"),
        pytest.param({"declarations", "retired_rule"}, ["declarations"], id="unknown-ignored"),
        pytest.param(set(RULES), list(RULES), id="all"),
    ],
)
def test_run_applies_only_the_chosen_rules_in_rules_order(rules, expected):
    checks = run(facts(call=call(rules=frozenset(rules))))

    assert [check.rule for check in checks] == expected


def test_run_gives_one_check_per_enterprise_for_enterprise_rules():
    checks = run(facts(members=(BETA,), voucher=COLLABORATION,
                       call=call(rules=frozenset({"consortium", "not_partner", "one_proposal"}))))

    assert [(check.rule, check.subject) for check in checks] == [
        ("not_partner", "Acme GmbH"), ("not_partner", "Beta Srl"),
        ("one_proposal", "Acme GmbH"), ("consortium", "")]


def test_run_of_a_failing_rule_the_call_does_not_apply_is_eligible():
    case = facts(lead=lead(country="US", country_name="United States"),
                 call=call(rules=frozenset(RULES) - {"country"}))

    assert overall(run(case)) is Overall.ELIGIBLE


def verdict(*outcomes: Outcome) -> list[Check]:
    return [Check("country", outcome, "m") for outcome in outcomes]


@pytest.mark.parametrize(
    ("checks", "expected"),
    [
        pytest.param([], Overall.ELIGIBLE, id="no-checks"),
        pytest.param(verdict(PASS, PASS), Overall.ELIGIBLE, id="all-pass"),
        pytest.param(verdict(PASS, REVIEW, PASS), Overall.NEEDS_REVIEW, id="review"),
        pytest.param(verdict(PASS, FAIL), Overall.INELIGIBLE, id="fail"),
        pytest.param(verdict(REVIEW, FAIL, PASS), Overall.INELIGIBLE, id="fail-over-review"),
    ],
)
def test_overall(checks, expected):
    assert overall(checks) is expected


def test_rules_are_the_rules_a_call_can_choose():
    assert set(RULES) == set(EligibilityRule.values)


def test_check_as_dict_is_plain_data():
    check = only(check_amount(facts(requested_amount=D("9999.99"))))

    assert check.as_dict() == {
        "rule": "amount", "outcome": "fail",
        "message": "The request of EUR %(amount)s is outside the range of %(voucher)s (EUR "
                   "%(min)s to EUR %(max)s).",
        "params": {"amount": "9,999.99", "min": "10,000.00", "max": "60,000.00",
                   "voucher": "Innovation voucher"},
        "subject": "",
    }
