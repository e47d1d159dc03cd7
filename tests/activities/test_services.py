"""The writes of support activities: each change checked, recorded and audited."""

from datetime import date

import pytest
from django.db import IntegrityError

from activities.models import Activity, Participant, ParticipantImport
from activities.services import (
    ActivityRefused,
    NewParticipant,
    ParticipantRefused,
    activity_create,
    activity_delete,
    activity_update,
    participant_add,
    participant_remove,
    participants_import_check,
    participants_import_confirm,
)
from euroclusters.models import Objective
from portal.audit import audit_trail
from tests.activities.factories import ActivityFactory, ParticipantFactory
from tests.factories import EuroclusterFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

BE, FR = "BE0403170701", "FR26185286333"
ACME = NewParticipant(name="Acme SA", country="BE", registration_number="0403.170.701")
LUMIERE = NewParticipant(name="Lumière SAS", country="FR", registration_number="FR26185286333")


def data(**changes):
    return {"kind": Activity.Kind.TRAINING, "title": "Eco-design for electronics",
            "starts_on": date(2026, 3, 10), "ends_on": date(2026, 3, 11), "place": "Grenoble",
            "online": False, "objective": Objective.TRAIN, "notes": "", **changes}


def actions(activity) -> list[tuple[str, dict]]:
    return [(entry.action, entry.data) for entry in audit_trail(activity).order_by("pk")]


def test_create_records_the_activity_and_its_first_participants_with_audit_lines():
    eurocluster, manager = EuroclusterFactory(), UserFactory()
    activity = activity_create(eurocluster=eurocluster, by=manager, data=data(),
                               parties=[ACME])
    assert (activity.eurocluster, activity.title, activity.ends_on, activity.created_by) == (
        eurocluster, "Eco-design for electronics", date(2026, 3, 11), manager)
    participant = activity.participants.get()
    assert (participant.name, participant.country.code, participant.registration_number,
            participant.identity_key, participant.organisation) == ("Acme SA", "BE", BE, BE, None)
    assert actions(activity) == [
        ("created", {"kind": "training", "title": "Eco-design for electronics",
                     "starts_on": "2026-03-10"}),
        ("participant_added", {"participant": participant.pk, "name": "Acme SA",
                               "country": "BE", "identity_key": BE, "organisation": None}),
    ]
    assert audit_trail(activity).get(action="created").actor == manager


@pytest.mark.parametrize(("changes", "message"), [
    ({"ends_on": date(2026, 3, 9)}, "The last day (2026-03-09) is before the first day "
                                    "(2026-03-10)."),
    ({"place": " ", "online": False}, "Give the place of the activity, or tick “online”."),
    ({"title": ""}, "Give the activity a title."),
])
def test_inconsistent_fields_are_refused_and_nothing_is_recorded(changes, message):
    with pytest.raises(ActivityRefused) as refused:
        activity_create(eurocluster=EuroclusterFactory(), by=UserFactory(),
                        data=data(**changes))
    assert refused.value.message == message
    assert Activity.objects.count() == 0


def test_online_without_a_place_and_a_one_day_activity_are_fine():
    activity = activity_create(eurocluster=EuroclusterFactory(), by=UserFactory(),
                               data=data(place="", online=True, ends_on=None))
    assert (activity.place, activity.online, activity.ends_on) == ("", True, None)


def test_the_database_refuses_an_end_before_the_start_too():
    with pytest.raises(IntegrityError):
        ActivityFactory(starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 9))


@pytest.mark.parametrize("parties", [[], [ACME]])
def test_a_business_agreement_with_fewer_than_two_parties_is_refused(parties):
    with pytest.raises(ActivityRefused) as refused:
        activity_create(eurocluster=EuroclusterFactory(), by=UserFactory(),
                        data=data(kind=Activity.Kind.BUSINESS_AGREEMENT), parties=parties)
    assert refused.value.message == (
        f"A business agreement has at least two parties; {len(parties)} given. Give both "
        "parties of the agreement (more can be added afterwards).")
    assert (Activity.objects.count(), Participant.objects.count()) == (0, 0)


def test_a_business_agreement_records_its_parties_and_date():
    organisation = OrganisationFactory(country="RO")
    activity = activity_create(eurocluster=EuroclusterFactory(), by=UserFactory(),
                               data=data(kind=Activity.Kind.BUSINESS_AGREEMENT, ends_on=None),
                               parties=[ACME, organisation])
    assert activity.starts_on == date(2026, 3, 10)
    assert sorted(activity.participants.values_list("name", "organisation")) == [
        (organisation.legal_name, organisation.pk), ("Acme SA", None)]


def test_the_same_party_twice_refuses_the_whole_agreement():
    twice = NewParticipant(name="Acme bis", country="BE", registration_number="BE 0403170701")
    with pytest.raises(ParticipantRefused) as refused:
        activity_create(eurocluster=EuroclusterFactory(), by=UserFactory(),
                        data=data(kind=Activity.Kind.BUSINESS_AGREEMENT), parties=[ACME, twice])
    assert refused.value.message == (
        "“Acme SA” (BE0403170701) is already a participant of this activity.")
    assert Activity.objects.count() == 0


def test_update_audits_each_changed_field_with_old_and_new_values():
    activity = ActivityFactory(title="Old title", starts_on=date(2026, 3, 10))
    manager = UserFactory()
    activity_update(activity=activity, by=manager,
                    data=data(title="New title", starts_on=date(2026, 3, 10), ends_on=None,
                              place="Brussels", online=True))
    activity.refresh_from_db()
    assert (activity.title, activity.online) == ("New title", True)
    assert actions(activity) == [("updated", {"changed": {"title": ["Old title", "New title"],
                                                          "online": [False, True]}})]


def test_update_without_change_writes_no_audit_line():
    activity = ActivityFactory(title="Same", place="Brussels", starts_on=date(2026, 3, 10))
    activity_update(activity=activity, by=UserFactory(),
                    data=data(title="Same", place="Brussels", ends_on=None))
    assert actions(activity) == []


def test_becoming_a_business_agreement_needs_two_participants_first():
    activity = ActivityFactory()
    ParticipantFactory(activity=activity)
    with pytest.raises(ActivityRefused) as refused:
        activity_update(activity=activity, by=UserFactory(),
                        data=data(kind=Activity.Kind.BUSINESS_AGREEMENT))
    assert refused.value.message == (
        "This activity has 1 participant(s); a business agreement has at least two parties. "
        "Add its parties as participants first, then change the type.")
    activity.refresh_from_db()
    assert activity.kind == Activity.Kind.TRAINING
    ParticipantFactory(activity=activity)
    activity_update(activity=activity, by=UserFactory(),
                    data=data(kind=Activity.Kind.BUSINESS_AGREEMENT))
    activity.refresh_from_db()
    assert activity.kind == Activity.Kind.BUSINESS_AGREEMENT


def test_an_invalid_number_is_refused_with_the_identifiers_reason():
    activity = ActivityFactory()
    with pytest.raises(ParticipantRefused) as refused:
        participant_add(activity=activity, by=UserFactory(), party=NewParticipant(
            name="Bad Digits SA", country="BE", registration_number="BE0403170702"))
    assert refused.value.message == "BE0403170702 is not a valid BE VAT number: check the digits."
    assert (Participant.objects.count(), actions(activity)) == (0, [])


@pytest.mark.parametrize(("party", "message"), [
    (NewParticipant(name=" ", country="BE", registration_number=BE),
     "Give the name of the organisation."),
    (NewParticipant(name="Acme", country="", registration_number=BE),
     "Choose the country of the organisation."),
])
def test_a_party_without_name_or_country_is_refused(party, message):
    with pytest.raises(ParticipantRefused) as refused:
        participant_add(activity=ActivityFactory(), by=UserFactory(), party=party)
    assert refused.value.message == message


def test_an_enterprise_entered_by_its_number_is_linked_to_the_portals_record():
    organisation = OrganisationFactory(country="FR", registration_number=FR)
    participant = participant_add(activity=ActivityFactory(), by=UserFactory(), party=LUMIERE)
    assert (participant.organisation, participant.name, participant.identity_key) == (
        organisation, "Lumière SAS", FR)


def test_a_picked_organisation_already_taking_part_is_refused():
    organisation = OrganisationFactory(country="BE", registration_number=BE)
    activity = ActivityFactory()
    participant_add(activity=activity, by=UserFactory(), party=ACME)
    with pytest.raises(ParticipantRefused) as refused:
        participant_add(activity=activity, by=UserFactory(), party=organisation)
    assert refused.value.message == (
        "“Acme SA” (BE0403170701) is already a participant of this activity.")
    assert activity.participants.count() == 1


def test_remove_deletes_the_participant_and_audits_it():
    activity = ActivityFactory()
    participant = participant_add(activity=activity, by=UserFactory(), party=ACME)
    manager = UserFactory()
    participant_remove(participant=participant, by=manager)
    assert activity.participants.count() == 0
    entry = audit_trail(activity).first()
    assert (entry.action, entry.actor, entry.data) == (
        "participant_removed", manager,
        {"participant": participant.pk, "name": "Acme SA", "country": "BE", "identity_key": BE})


def test_a_business_agreement_never_drops_below_two_parties():
    activity = ActivityFactory(kind=Activity.Kind.BUSINESS_AGREEMENT)
    first, _second = ParticipantFactory.create_batch(2, activity=activity)
    with pytest.raises(ParticipantRefused) as refused:
        participant_remove(participant=first, by=UserFactory())
    assert refused.value.message == (
        f"A business agreement keeps at least two parties: add the right party before removing "
        f"“{first.name}”.")
    ParticipantFactory(activity=activity)
    participant_remove(participant=first, by=UserFactory())
    assert activity.participants.count() == 2


CSV = ("name;country;registration_number\n"
       "Acme SA;BE;0403.170.701\n"
       "Lumière SAS;FR;FR26185286333\n"
       "Bad Digits SA;BE;BE0403170702\n").encode()


def test_the_import_check_keeps_every_row_and_adds_nobody():
    activity, manager = ActivityFactory(), UserFactory()
    staged = participants_import_check(activity=activity, by=manager, filename="../list.csv",
                                       data=CSV)
    assert staged.filename == "list.csv"
    assert [(r["line"], r["name"], r["error"]) for r in staged.rows] == [
        (2, "Acme SA", ""), (3, "Lumière SAS", ""),
        (4, "Bad Digits SA", "BE0403170702 is not a valid BE VAT number: check the digits.")]
    assert activity.participants.count() == 0


def test_a_new_check_replaces_the_earlier_one_of_the_same_person():
    activity, manager = ActivityFactory(), UserFactory()
    participants_import_check(activity=activity, by=manager, filename="a.csv", data=CSV)
    other = participants_import_check(activity=activity, by=UserFactory(), filename="b.csv",
                                      data=CSV)
    latest = participants_import_check(activity=activity, by=manager, filename="c.csv", data=CSV)
    assert set(ParticipantImport.objects.all()) == {other, latest}


def test_an_unreadable_file_is_refused_and_nothing_is_kept():
    with pytest.raises(ParticipantRefused) as refused:
        participants_import_check(activity=ActivityFactory(), by=UserFactory(),
                                  filename="x.csv", data=b"")
    assert refused.value.message == "The file is empty."
    assert ParticipantImport.objects.count() == 0


def test_confirm_adds_the_accepted_rows_skips_those_added_since_and_audits_once():
    organisation = OrganisationFactory(country="FR", registration_number=FR)
    activity, manager = ActivityFactory(), UserFactory()
    staged = participants_import_check(activity=activity, by=manager, filename="list.csv",
                                       data=CSV)
    participant_add(activity=activity, by=manager, party=ACME)  # by hand, meanwhile
    result = participants_import_confirm(staged=staged, by=manager)
    assert (result.added, result.skipped_lines) == (1, [2])
    assert sorted(activity.participants.values_list("name", "identity_key", "organisation")) == [
        ("Acme SA", BE, None), ("Lumière SAS", FR, organisation.pk)]
    assert ParticipantImport.objects.count() == 0
    entry = audit_trail(activity).first()
    assert (entry.action, entry.actor, entry.data) == ("participants_imported", manager, {
        "file": "list.csv", "added": 1, "refused": 1, "skipped_lines": [2],
        "identity_keys": [FR]})


def test_deleting_an_activity_takes_its_participants_and_imports_and_is_audited():
    activity = ActivityFactory(title="Mission to Chile", starts_on=date(2026, 4, 2),
                               place="Santiago")
    first = ParticipantFactory(activity=activity, name="Andes SpA", country="BE",
                               registration_number=BE, identity_key="BE:0403170701")
    ParticipantImport.objects.create(activity=activity, created_by=activity.created_by,
                                     filename="p.csv", rows=[])
    kept = ParticipantFactory(name="Elsewhere SRL")  # another activity's participant
    by = UserFactory()
    activity_delete(activity=activity, by=by, reason="Recorded twice.")
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert list(Participant.objects.values_list("pk", flat=True)) == [kept.pk]
    assert ParticipantImport.objects.count() == 0
    entry = audit_trail(activity).get()
    assert (entry.action, entry.actor, entry.reason) == ("deleted", by, "Recorded twice.")
    assert entry.data == {
        "eurocluster": activity.eurocluster_id, "kind": "training", "title": "Mission to Chile",
        "starts_on": "2026-04-02", "ends_on": None, "place": "Santiago", "online": False,
        "objective": "train", "notes": "",
        "participants": [{"participant": first.pk, "name": "Andes SpA", "country": "BE",
                          "identity_key": "BE:0403170701"}]}
