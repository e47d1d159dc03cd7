"""The reads the KPIs and the participant search use."""

from datetime import date

import pytest

from activities.models import Activity
from activities.selectors import (
    organisation_search,
    supported_identity_keys,
    supported_organisations_by_kind,
    supported_organisations_count,
)
from tests.activities.factories import ActivityFactory, ParticipantFactory
from tests.factories import ApplicationFactory, EuroclusterFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

K = Activity.Kind


@pytest.fixture
def figures():
    """Eurocluster A: the same SME (key SME1) in a training (March) and a mission (June), SME2
    in the mission only, SME3 in an agreement (September) with SME1; Eurocluster B: SME4."""
    a, b = EuroclusterFactory(), EuroclusterFactory()
    training = ActivityFactory(eurocluster=a, kind=K.TRAINING, starts_on=date(2026, 3, 10))
    mission = ActivityFactory(eurocluster=a, kind=K.MISSION, starts_on=date(2026, 6, 1),
                              ends_on=date(2026, 6, 8))
    agreement = ActivityFactory(eurocluster=a, kind=K.BUSINESS_AGREEMENT,
                                starts_on=date(2026, 9, 30))
    other = ActivityFactory(eurocluster=b, kind=K.TRAINING, starts_on=date(2026, 3, 10))
    for activity, keys in ((training, ["SME1"]), (mission, ["SME1", "SME2"]),
                           (agreement, ["SME1", "SME3"]), (other, ["SME4"])):
        for key in keys:
            ParticipantFactory(activity=activity, identity_key=key)
    return a, b


def test_the_same_sme_in_several_activities_counts_once(figures):
    a, b = figures
    assert supported_organisations_count(eurocluster=a) == 3
    assert sorted(supported_identity_keys(eurocluster=a)) == ["SME1", "SME2", "SME3"]
    assert supported_organisations_count(eurocluster=b) == 1


@pytest.mark.parametrize(("kinds", "date_from", "date_to", "expected"), [
    ([K.TRAINING], None, None, 1),
    ([K.TRAINING, K.MISSION], None, None, 2),
    ([K.BUSINESS_AGREEMENT], None, None, 2),
    ([K.CONSULTANCY], None, None, 0),
    (None, date(2026, 3, 11), None, 3),          # the mission and the agreement
    (None, None, date(2026, 6, 1), 2),           # the training and the mission (first day)
    (None, date(2026, 6, 2), date(2026, 9, 29), 0),
    (None, date(2026, 3, 10), date(2026, 3, 10), 1),
])
def test_the_count_by_type_and_date_range(figures, kinds, date_from, date_to, expected):
    a, _b = figures
    assert supported_organisations_count(eurocluster=a, kinds=kinds, date_from=date_from,
                                         date_to=date_to) == expected


def test_the_count_per_type_names_every_type(figures, django_assert_num_queries):
    a, _b = figures
    with django_assert_num_queries(1):
        counts = supported_organisations_by_kind(eurocluster=a)
    assert counts == {"training": 1, "b2b_meeting": 0, "mission": 2, "consultancy": 0,
                      "business_agreement": 2, "other": 0}
    assert supported_organisations_by_kind(eurocluster=a, date_from=date(2026, 6, 1),
                                           date_to=date(2026, 6, 30))["mission"] == 2


def test_the_search_finds_by_words_of_the_name_or_by_number_among_known_enterprises():
    eurocluster = EuroclusterFactory()
    applicant = ApplicationFactory(call__eurocluster=eurocluster,
                                   organisation__legal_name="Legno Vivo Arredamenti S.r.l.",
                                   organisation__country="IT",
                                   organisation__registration_number="IT74689300379"
                                   ).organisation
    participant = OrganisationFactory(legal_name="Levante Digital S.L.")
    ParticipantFactory(activity__eurocluster=eurocluster, organisation=participant)
    # An applicant of another Eurocluster only.
    ApplicationFactory(organisation__legal_name="Legno Lontano S.p.A.")
    assert organisation_search(eurocluster, "legno") == [applicant]
    assert organisation_search(eurocluster, "vivo legno") == [applicant]
    assert organisation_search(eurocluster, "IT 7468 9300") == [applicant]
    assert organisation_search(eurocluster, "le") == [applicant, participant]  # by name
    assert organisation_search(eurocluster, "lontano") == []
    assert organisation_search(eurocluster, "  ") == []
