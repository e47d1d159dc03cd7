"""The hard exclusions of evaluators and the affinity of a pair (evaluation/conflicts.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ConsortiumMember
from evaluation.conflicts import (
    affinity,
    call_exclusions,
    exclusion_reasons,
    normalise_name,
)
from evaluation.models import Assignment
from tests.evaluation.factories import (
    AssignmentFactory,
    CallEvaluatorFactory,
    EvaluatorProfileFactory,
    closed_call,
    eligible_application,
)
from tests.factories import OrganisationFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def evaluator(call, **profile):
    """An accepted pool member of ``call`` with the given profile fields."""
    defaults = {"country": "DE", "organisation": "Independent Expert Office",
                "organisation_number": ""}
    user = EvaluatorProfileFactory(**{**defaults, **profile}).user
    return CallEvaluatorFactory(call=call, user=user)


def member(application, **kwargs):
    defaults = {"legal_name": "Partner Mechatronics GmbH", "registration_number": "DE136695976",
                "country": "DE", "contact_email": "m@example.org", "staff_headcount": 10,
                "annual_turnover": 1, "balance_sheet_total": 1}
    return ConsortiumMember.objects.create(application=application, **{**defaults, **kwargs})


@pytest.fixture
def call():
    return closed_call()


@pytest.fixture
def application(call):
    organisation = OrganisationFactory(legal_name="Acme Robotics SRL", country="BE",
                                       registration_number="BE0403170701")
    return eligible_application(call, organisation=organisation)


def test_an_independent_evaluator_is_allowed(call, application):
    entry = evaluator(call, organisation="Fraunhofer IPA", organisation_number="")
    assert exclusion_reasons(application=application, call_evaluator=entry) == []


def test_same_organisation_number_as_the_applicant_is_refused(call, application):
    # Written without the prefix and with dots: the same Belgian enterprise.
    entry = evaluator(call, organisation="Acme", organisation_number="0403.170.701")
    name = entry.user.full_name
    assert exclusion_reasons(application=application, call_evaluator=entry) == [
        f"{name} works for the applicant, Acme Robotics SRL."]


def test_a_different_number_with_the_same_name_is_allowed(call, application):
    entry = evaluator(call, organisation="Acme Robotics SRL",
                      organisation_number="BE0477472701")
    assert exclusion_reasons(application=application, call_evaluator=entry) == []


def test_same_organisation_name_without_a_number_is_refused(call, application):
    entry = evaluator(call, organisation="ACME Robotics s.r.l.", organisation_number="")
    name = entry.user.full_name
    assert exclusion_reasons(application=application, call_evaluator=entry) == [
        f"{name} works for the applicant, Acme Robotics SRL."]


def test_consortium_member_staff_is_refused(call, application):
    member(application)
    entry = evaluator(call, organisation="PM", organisation_number="DE 136 695 976")
    name = entry.user.full_name
    assert exclusion_reasons(application=application, call_evaluator=entry) == [
        f"{name} works for Partner Mechatronics GmbH, a member of the consortium."]


def test_partner_staff_of_the_eurocluster_is_refused(call, application):
    partner = PartnerFactory(eurocluster=call.eurocluster, name="Pôle SCS", country="FR")
    entry = evaluator(call, organisation="Other name",
                      organisation_number=partner.registration_number)
    name = entry.user.full_name
    assert exclusion_reasons(application=application, call_evaluator=entry) == [
        f"{name} works for Pôle SCS, a partner of the Eurocluster."]


def test_partner_staff_matched_by_name_when_the_partner_has_no_number(call, application):
    PartnerFactory(eurocluster=call.eurocluster, name="Pôle SCS", country="FR",
                   registration_number="")
    entry = evaluator(call, organisation="Pole SCS", organisation_number="")
    assert len(exclusion_reasons(application=application, call_evaluator=entry)) == 1


def test_partner_of_another_eurocluster_is_allowed(call, application):
    partner = PartnerFactory(name="Pôle SCS", country="FR")
    entry = evaluator(call, organisation="Pôle SCS",
                      organisation_number=partner.registration_number)
    assert exclusion_reasons(application=application, call_evaluator=entry) == []


def test_same_country_is_refused_only_when_the_call_says_so(call, application):
    member(application, country="FR", registration_number="FR40303265045")
    entry = evaluator(call, country="FR")
    assert exclusion_reasons(application=application, call_evaluator=entry) == []
    call.exclude_same_country = True
    call.save()
    application.refresh_from_db()
    name = entry.user.full_name
    assert exclusion_reasons(application=application, call_evaluator=entry) == [
        f"{name} lives in FR, like Partner Mechatronics GmbH, and this call excludes evaluators "
        f"from the applicants' countries."]


def test_declared_conflict_is_refused(call, application):
    entry = evaluator(call)
    AssignmentFactory(application=application, evaluator=entry,
                      status=Assignment.Status.CONFLICT)
    name = entry.user.full_name
    assert exclusion_reasons(application=application, call_evaluator=entry) == [
        f"{name} declared a conflict of interest with this proposal."]


def test_evaluator_of_another_call_is_refused(call, application):
    entry = evaluator(closed_call())
    assert exclusion_reasons(application=application, call_evaluator=entry) == [
        "This evaluator is not in the pool of the proposal's call."]


def test_bulk_exclusions_match_the_single_answers_in_fixed_queries(call, application):
    other = eligible_application(call, organisation=OrganisationFactory(country="FR"))
    member(other, registration_number="DE136695976")
    PartnerFactory(eurocluster=call.eurocluster, name="Pôle SCS", country="FR",
                   registration_number="")
    same_org = evaluator(call, organisation="x", organisation_number="BE0403170701")
    member_staff = evaluator(call, organisation="x", organisation_number="DE136695976")
    partner_staff = evaluator(call, organisation="Pole SCS")
    declared = evaluator(call)
    AssignmentFactory(application=other, evaluator=declared, status=Assignment.Status.CONFLICT)
    free = evaluator(call)
    with CaptureQueriesContext(connection) as queries:
        result = call_exclusions(call=call)
    assert len(queries) == 5
    assert result.excluded == {
        (application.pk, same_org.pk), (other.pk, member_staff.pk),
        (application.pk, partner_staff.pk), (other.pk, partner_staff.pk),
        (other.pk, declared.pk),
    }
    for app in (application, other):
        for entry in (same_org, member_staff, partner_staff, declared, free):
            single = exclusion_reasons(application=app, call_evaluator=entry)
            assert bool(single) == ((app.pk, entry.pk) in result.excluded)


@pytest.mark.parametrize(("topics", "expertise", "expected"), [
    (["Robotics", "AI"], ["robotics", " ai "], 2),
    (["Robotics"], ["Textiles"], 0),
    ([], ["Robotics"], 0),
    (["Robotics", "robotics"], ["ROBOTICS"], 1),
])
def test_affinity_is_the_number_of_shared_topics(topics, expertise, expected):
    assert affinity(topics, expertise) == expected


@pytest.mark.parametrize(("name", "key"), [
    ("Pôle SCS S.A.S.", "pole scs"),
    ("ACME Robotics s.r.l.", "acme robotics"),
    ("", ""),
])
def test_normalise_name(name, key):
    assert normalise_name(name) == key
