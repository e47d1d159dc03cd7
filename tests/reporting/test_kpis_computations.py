"""Each KPI computation against a hand-counted fixture of one Eurocluster (and a neighbour whose
rows must never count). The same SME funded in two calls and taking part in activities counts
once."""

import datetime
from datetime import date
from decimal import Decimal

import pytest

from activities.models import Activity
from activities.selectors import supported_identity_keys
from applications.identifiers import identity_key
from euroclusters.models import KpiTarget, Objective
from payments.models import GrantAgreement, ProgressReport, Signature
from payments.selectors.finance import call_ledgers
from payments.services.finance import payment_mark_paid
from reporting.kpis import computations as c
from reporting.kpis.selectors import kpis_of, trend_days
from tests.activities.factories import ActivityFactory, ParticipantFactory
from tests.factories import MembershipFactory, OrganisationFactory, VoucherTypeFactory
from tests.payments.factories import agreement_row, results_call, selected_application
from tests.payments.test_finance_services import finance_officer, funded, sent_batch

pytestmark = pytest.mark.django_db


def at(day: date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 10, 0, tzinfo=datetime.UTC)


def beneficiary(call, *, legal_name: str, country: str, organisation=None,
                countersigned_at=None, status=GrantAgreement.Status.COUNTERSIGNED,
                amount=Decimal("20000.00"), voucher_type=None) -> GrantAgreement:
    """An agreement of a new selected application of ``organisation`` (a new one named
    ``legal_name`` in ``country`` when None), countersigned at ``countersigned_at``."""
    if organisation is None:
        organisation = OrganisationFactory(legal_name=legal_name, country=country)
    application = selected_application(call, organisation=organisation, voucher_type=voucher_type,
                                       requested_amount=amount)
    agreement = agreement_row(application, status=status, amount=amount)
    if countersigned_at is not None:
        Signature.objects.create(agreement=agreement, role=Signature.Role.COUNTERSIGNATORY,
                                 signer=MembershipFactory(eurocluster=call.eurocluster).user,
                                 typed_name="Marie Manager", signed_at=countersigned_at,
                                 document_sha256="0" * 64)
    return agreement


def key_of(organisation) -> str:
    return identity_key(organisation.registration_number, str(organisation.country))


@pytest.fixture
def world(eurocluster_a, eurocluster_b):
    """Eurocluster A, by hand:

    - SME X (BE) funded in call 1 (countersigned 10 March, 20,000) and in call 2 (countersigned
      10 May, 15,000), also at the training (14 April) and the mission (12 October);
    - SME Y (PT) funded in call 2 under an internationalisation voucher (1 June, 5,000);
    - SME Z (CL) only at the mission; SME W (DE) and V (ES) parties to a business agreement
      (2 September); a training participant U (BE) with X;
    - an agreement only generated and one declined (SME N, FR): never counted;
    - an approved final report declaring 3 new products (X, reviewed 1 July), a submitted one
      declaring 5 (not counted).
    Eurocluster B funds SME X too and holds a business agreement: never counted in A.
    """
    call1 = results_call(eurocluster=eurocluster_a, reference="A-1", slug="a-1")
    call2 = results_call(eurocluster=eurocluster_a, reference="A-2", slug="a-2")
    international = VoucherTypeFactory(call=call2, name="Export voucher",
                                       internationalisation=True)
    x1 = beneficiary(call1, legal_name="X BV", country="BE", countersigned_at=at(date(2026, 3, 10)),
                     amount=Decimal("20000.00"))
    sme_x = x1.application.organisation
    x2 = beneficiary(call2, legal_name="X BV", country="BE", organisation=sme_x,
                     countersigned_at=at(date(2026, 5, 10)), amount=Decimal("15000.00"))
    y = beneficiary(call2, legal_name="Y Lda", country="PT", voucher_type=international,
                    countersigned_at=at(date(2026, 6, 1)), amount=Decimal("5000.00"))
    beneficiary(call1, legal_name="N SAS", country="FR", status=GrantAgreement.Status.GENERATED)
    beneficiary(call1, legal_name="N2 SAS", country="FR", status=GrantAgreement.Status.DECLINED)
    training = ActivityFactory(eurocluster=eurocluster_a, starts_on=date(2026, 4, 14))
    ParticipantFactory(activity=training, name="X BV", country="BE",
                       registration_number=sme_x.registration_number,
                       identity_key=key_of(sme_x))
    ParticipantFactory(activity=training, name="U NV", country="BE")
    mission = ActivityFactory(eurocluster=eurocluster_a, kind=Activity.Kind.MISSION,
                              objective=Objective.INTERNATIONAL, starts_on=date(2026, 10, 12))
    ParticipantFactory(activity=mission, name="X BV", country="BE",
                       registration_number=sme_x.registration_number,
                       identity_key=key_of(sme_x))
    ParticipantFactory(activity=mission, name="Z SpA", country="CL",
                       registration_number="76123456-7", identity_key="CL761234567")
    agreement = ActivityFactory(eurocluster=eurocluster_a, kind=Activity.Kind.BUSINESS_AGREEMENT,
                                objective=Objective.RESILIENCE, starts_on=date(2026, 9, 2))
    ParticipantFactory(activity=agreement, name="W GmbH", country="DE")
    ParticipantFactory(activity=agreement, name="V SL", country="ES")
    ProgressReport.objects.create(agreement=x1, kind=ProgressReport.Kind.FINAL,
                                  status=ProgressReport.Status.APPROVED, new_products=3,
                                  reviewed_at=at(date(2026, 7, 1)))
    ProgressReport.objects.create(agreement=y, kind=ProgressReport.Kind.FINAL,
                                  status=ProgressReport.Status.SUBMITTED, new_products=5)
    # Eurocluster B: the same SME X funded, a business agreement, a mission with Z.
    other = results_call(eurocluster=eurocluster_b, reference="B-1", slug="b-1")
    beneficiary(other, legal_name="X BV", country="BE", organisation=sme_x)
    ActivityFactory(eurocluster=eurocluster_b, kind=Activity.Kind.BUSINESS_AGREEMENT)
    ParticipantFactory(activity=ActivityFactory(eurocluster=eurocluster_b,
                                                kind=Activity.Kind.MISSION),
                       name="Q Oy", country="FI")
    return {"eurocluster": eurocluster_a, "x2": x2, "y": y}


def test_projects_funded_counts_countersigned_agreements(world):
    e = world["eurocluster"]
    assert c.projects_funded(e) == 3  # X twice, Y; generated and declined not
    assert c.projects_funded(e, date(2026, 3, 9)) == 0
    assert c.projects_funded(e, date(2026, 3, 10)) == 1
    assert c.projects_funded(e, date(2026, 5, 31)) == 2


def test_closed_agreements_still_count(world):
    GrantAgreement.objects.filter(pk=world["x2"].pk).update(status=GrantAgreement.Status.CLOSED)
    assert c.projects_funded(world["eurocluster"]) == 3


def test_smes_supported_counts_each_sme_once_across_calls_and_activities(world):
    e = world["eurocluster"]
    # X (two calls, two activities), Y, U, Z, W, V.
    assert c.smes_supported(e) == 6
    assert c.smes_supported(e, date(2026, 3, 10)) == 1  # X
    assert c.smes_supported(e, date(2026, 4, 14)) == 2  # + U (X already counted)
    assert c.smes_supported(e, date(2026, 6, 1)) == 3  # + Y
    assert c.smes_supported(e, date(2026, 9, 2)) == 5  # + W, V
    assert c.smes_supported(e, date(2026, 10, 12)) == 6  # + Z


def test_smes_supported_agrees_with_the_activities_selector(world):
    e = world["eurocluster"]
    funded_keys = set(GrantAgreement.objects.filter(
        application__call__eurocluster=e, status__in=c.FUNDED)
        .values_list("third_party__identity_key", flat=True))
    assert c.smes_supported(e) == len(funded_keys | set(supported_identity_keys(eurocluster=e)))


def test_smes_internationalised_counts_vouchers_and_missions(world):
    e = world["eurocluster"]
    # Y (internationalisation voucher), X and Z (the mission); W and V's agreement is not.
    assert c.smes_internationalised(e) == 3
    assert c.smes_internationalised(e, date(2026, 10, 11)) == 1


def test_an_activity_to_go_international_internationalises(world):
    e = world["eurocluster"]
    consultancy = ActivityFactory(eurocluster=e, kind=Activity.Kind.CONSULTANCY,
                                  objective=Objective.INTERNATIONAL, starts_on=date(2026, 11, 2))
    ParticipantFactory(activity=consultancy, name="U2 NV", country="BE")
    assert c.smes_internationalised(e) == 4


def test_amount_contracted_sums_countersigned_agreements(world):
    e = world["eurocluster"]
    assert c.amount_contracted(e) == Decimal("40000.00")
    assert c.amount_contracted(e, date(2026, 5, 10)) == Decimal("35000.00")


def test_countries_reached(world):
    e = world["eurocluster"]
    # BE (X, U), PT (Y), CL (Z), DE (W), ES (V); FR only generated or declined.
    assert c.countries_reached(e) == 5
    assert c.countries_reached(e, date(2026, 6, 30)) == 2


def test_new_products_add_up_approved_final_reports(world):
    e = world["eurocluster"]
    assert c.new_products(e) == 3
    assert c.new_products(e, date(2026, 6, 30)) == 0


def test_business_agreements_count_the_agreement_activities(world):
    e = world["eurocluster"]
    assert c.business_agreements(e) == 1
    assert c.business_agreements(e, date(2026, 9, 1)) == 0


def test_amount_paid_is_the_ledgers_paid(django_capture_on_commit_callbacks):
    call = results_call()
    officer = finance_officer(call.eurocluster)
    _application, (first, _second) = funded(call, amount="20000")
    funded(call, amount="15000.50", acronym="SECOND", tranche_status="due")
    batch = sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    payment_mark_paid(payment=batch.payments.get(tranche=first), by=officer,
                      bank_reference="B-1")
    assert c.amount_paid(call.eurocluster) == Decimal("10000.00")
    assert c.amount_paid(call.eurocluster) == call_ledgers([call])[0].paid
    assert c.amount_paid(call.eurocluster, date(2020, 1, 1)) == 0


def test_the_trend_folds_the_same_events_at_month_ends(world):
    e = world["eurocluster"]
    e.starts_on, e.ends_on = date(2026, 1, 1), date(2027, 12, 31)
    e.save()
    target = KpiTarget.objects.create(eurocluster=e, name="SMEs", objective=Objective.OUTREACH,
                                      target=30, measure=KpiTarget.Measure.SMES_SUPPORTED)
    [kpi] = kpis_of(e, targets=[target], today=date(2026, 12, 5))
    assert trend_days(e, date(2026, 12, 5))[-2:] == [date(2026, 11, 30), date(2026, 12, 5)]
    # Jan-Feb none; March X; April U; May X again; June Y; September W, V; October Z.
    assert [int(v) for _day, v in kpi.trend] == [0, 0, 1, 2, 2, 3, 3, 3, 5, 6, 6, 6]
    assert kpi.actual == 6
    assert kpi.percent == 20
    # 338 of 729 days: 13.9 expected; 6 is behind.
    assert kpi.expected == Decimal("13.9")
    assert kpi.status == "behind"


def test_every_measure_but_reported_has_a_computation():
    assert set(c.COMPUTATIONS) == set(KpiTarget.Measure.values) - {"reported"}


@pytest.mark.parametrize(("today", "actual", "expected", "status"), [
    (date(2025, 12, 31), 0, Decimal("0.0"), "on_track"),  # before the grant: nothing expected
    (date(2026, 1, 1), 0, Decimal("0.0"), "on_track"),
    (date(2026, 12, 31), 15, Decimal("15.0"), "on_track"),  # half-way: half the target
    (date(2026, 12, 31), 14, Decimal("15.0"), "behind"),
    (date(2028, 3, 1), 30, Decimal("30.0"), "reached"),  # after the end: the whole target
    (date(2027, 12, 31), 31, Decimal("30.0"), "reached"),
])
def test_on_track_follows_a_straight_line_to_the_end_date(eurocluster_a, today, actual,
                                                          expected, status):
    eurocluster_a.starts_on, eurocluster_a.ends_on = date(2026, 1, 1), date(2027, 12, 31)
    target = KpiTarget.objects.create(eurocluster=eurocluster_a, name="Trained",
                                      objective=Objective.TRAIN, target=30)
    target.values.create(value=actual, measured_on=date(2025, 12, 31),
                         recorded_by=MembershipFactory(eurocluster=eurocluster_a).user)
    [kpi] = kpis_of(eurocluster_a, targets=[target], today=today)
    assert (kpi.actual, kpi.expected, kpi.status) == (actual, expected, status)


def test_without_grant_dates_on_track_is_unknown(eurocluster_a):
    target = KpiTarget.objects.create(eurocluster=eurocluster_a, name="Trained",
                                      objective=Objective.TRAIN, target=30)
    [kpi] = kpis_of(eurocluster_a, targets=[target], today=date(2026, 12, 5))
    assert (kpi.actual, kpi.expected, kpi.status) == (0, None, "unknown")
    assert len(kpi.trend) == 12  # a year back without a first day
