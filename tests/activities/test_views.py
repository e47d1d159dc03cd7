"""The manager area's activity pages: who may read and change what, and what each page does."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities.models import Activity, Participant, ParticipantImport
from euroclusters.models import Membership, Objective
from portal.audit import audit_trail
from tests.activities.factories import ActivityFactory, ParticipantFactory
from tests.factories import ApplicationFactory, MembershipFactory
from tests.scanning import MARKER, THREAT, refusal

pytestmark = pytest.mark.django_db

BE = "BE0403170701"


def member(eurocluster, role):
    return MembershipFactory(eurocluster=eurocluster, role=role).user


@pytest.fixture
def activity(eurocluster_a):
    return ActivityFactory(eurocluster=eurocluster_a, title="Eco-design training")


def form_data(eurocluster, **changes):
    return {"eurocluster": eurocluster.pk, "kind": Activity.Kind.TRAINING,
            "title": "Eco-design for electronics", "starts_on": "2026-03-10",
            "ends_on": "2026-03-11", "place": "Grenoble", "objective": Objective.TRAIN,
            "notes": "", "party-TOTAL_FORMS": "2", "party-INITIAL_FORMS": "0",
            "party-0-name": "", "party-0-country": "", "party-0-registration_number": "",
            "party-1-name": "", "party-1-country": "", "party-1-registration_number": "",
            **changes}


# --- the list ---------------------------------------------------------------------------------

def test_the_list_shows_the_managers_eurocluster_only_with_participant_counts(
        manager_client, eurocluster_a, eurocluster_b):
    mine = ActivityFactory(eurocluster=eurocluster_a, title="Mission to Mexico")
    ParticipantFactory.create_batch(3, activity=mine)
    ActivityFactory(eurocluster=eurocluster_b, title="Someone else's")
    response = manager_client.get(reverse("activities:list"))
    assert response.status_code == 200
    assert [(a.title, a.participant_count) for a in response.context["activities"]] == [
        ("Mission to Mexico", 3)]
    assert response.context["can_create"] is True


def test_the_list_filters_by_type_and_year(manager_client, eurocluster_a):
    ActivityFactory(eurocluster=eurocluster_a, title="T25", starts_on=date(2025, 5, 1))
    ActivityFactory(eurocluster=eurocluster_a, title="T26", starts_on=date(2026, 5, 1))
    ActivityFactory(eurocluster=eurocluster_a, title="M26", kind=Activity.Kind.MISSION,
                    starts_on=date(2026, 6, 1))
    url = reverse("activities:list")

    def titles(**query):
        return [a.title for a in manager_client.get(url, query).context["activities"]]

    assert titles() == ["M26", "T26", "T25"]
    assert titles(year="2026") == ["M26", "T26"]
    assert titles(kind="training") == ["T26", "T25"]
    assert titles(kind="training", year="2026") == ["T26"]
    assert titles(year="1999") == ["M26", "T26", "T25"]  # not a year with activities: ignored
    assert [c[0] for c in manager_client.get(url).context["form"].fields["year"].choices] == [
        "", 2026, 2025]


# The session; its user with her memberships and the bell's unread count
# (euroclusters.backends); the Euroclusters, the years, the page's count, the activities with their
# counts.
LIST_QUERIES = 6


@pytest.mark.parametrize("n", [1, 12])
def test_the_list_query_count_is_fixed(manager_client, eurocluster_a, django_assert_num_queries,
                                       n):
    for index in range(n):
        ParticipantFactory.create_batch(2, activity=ActivityFactory(
            eurocluster=eurocluster_a, starts_on=date(2020 + index % 5, 1, 1)))
    with django_assert_num_queries(LIST_QUERIES):
        response = manager_client.get(reverse("activities:list"), {"kind": "training"})
    assert len(response.context["activities"]) == n


def test_an_observer_reads_the_list_but_may_not_create(client, eurocluster_a, activity):
    client.force_login(member(eurocluster_a, Membership.Role.OBSERVER))
    response = client.get(reverse("activities:list"))
    assert [a.title for a in response.context["activities"]] == ["Eco-design training"]
    assert response.context["can_create"] is False
    assert client.get(reverse("activities:create")).status_code == 403


@pytest.mark.parametrize("role", [Membership.Role.FINANCE, None])
def test_finance_officers_and_applicants_are_refused_the_list(client, eurocluster_a, role):
    user = member(eurocluster_a, role) if role else ApplicationFactory().organisation.user
    client.force_login(user)
    assert client.get(reverse("activities:list")).status_code == 403


def test_anonymous_people_are_sent_to_log_in(client, activity):
    for url in (reverse("activities:list"), activity.get_absolute_url()):
        response = client.get(url)
        assert (response.status_code, response.url) == (
            302, f"{reverse('account_login')}?next={url}")


def test_the_manage_page_links_to_the_activities(manager_client):
    assert reverse("activities:list").encode() in manager_client.get(
        reverse("applications:manage_calls")).content


# --- recording and editing --------------------------------------------------------------------

def test_a_manager_records_a_business_agreement_with_its_two_parties(
        manager_client, manager_a, eurocluster_a):
    response = manager_client.post(reverse("activities:create"), form_data(
        eurocluster_a, kind=Activity.Kind.BUSINESS_AGREEMENT, title="Supply agreement",
        ends_on="", **{"party-0-name": "Acme SA", "party-0-country": "BE",
                       "party-0-registration_number": "0403.170.701",
                       "party-1-name": "Lumière SAS", "party-1-country": "FR",
                       "party-1-registration_number": "FR26185286333"}))
    activity = Activity.objects.get()
    assert response.status_code == 302 and response.url == activity.get_absolute_url()
    assert (activity.eurocluster, activity.created_by, activity.kind) == (
        eurocluster_a, manager_a.user, Activity.Kind.BUSINESS_AGREEMENT)
    assert sorted(activity.participants.values_list("registration_number", flat=True)) == [
        BE, "FR26185286333"]


def test_a_business_agreement_with_one_party_is_refused_on_the_form(manager_client,
                                                                     eurocluster_a):
    response = manager_client.post(reverse("activities:create"), form_data(
        eurocluster_a, kind=Activity.Kind.BUSINESS_AGREEMENT,
        **{"party-0-name": "Acme SA", "party-0-country": "BE",
           "party-0-registration_number": BE}))
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "A business agreement has at least two parties; 1 given. Give both parties of the "
        "agreement (more can be added afterwards)."]
    assert Activity.objects.count() == 0


def test_a_manager_cannot_record_an_activity_for_another_eurocluster(
        manager_client, eurocluster_b):
    response = manager_client.post(reverse("activities:create"), form_data(eurocluster_b))
    assert response.status_code == 400
    assert Activity.objects.count() == 0


def test_a_manager_edits_the_activity_and_the_change_is_audited(manager_client, activity):
    response = manager_client.post(reverse("activities:edit", args=[activity.pk]), form_data(
        activity.eurocluster, title="Eco-design, second edition", starts_on="2026-03-10",
        ends_on="", place="Brussels"))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Eco-design, second edition"
    assert audit_trail(activity).get().data == {
        "changed": {"title": ["Eco-design training", "Eco-design, second edition"]}}


def test_the_edit_form_refuses_an_end_before_the_start(manager_client, activity):
    response = manager_client.post(reverse("activities:edit", args=[activity.pk]), form_data(
        activity.eurocluster, ends_on="2026-03-01"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "The last day cannot be before the first day."]
    activity.refresh_from_db()
    assert activity.ends_on is None


def test_the_edit_form_shows_the_services_refusal(manager_client, activity):
    response = manager_client.post(reverse("activities:edit", args=[activity.pk]), form_data(
        activity.eurocluster, place="", online=""))
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "Give the place of the activity, or tick “online”."]


# --- refusals on one activity -----------------------------------------------------------------

def _urls(activity, participant):
    return [reverse("activities:edit", args=[activity.pk]),
            reverse("activities:participant_add", args=[activity.pk]),
            reverse("activities:participant_remove", args=[activity.pk, participant.pk]),
            reverse("activities:import", args=[activity.pk]),
            reverse("activities:delete", args=[activity.pk])]


@pytest.mark.parametrize(("who", "read", "write"), [
    ("other_manager", 404, 404),
    ("finance", 404, 404),
    ("applicant", 404, 404),
    ("observer", 200, 403),
])
def test_refused_people_change_nothing(client, activity, eurocluster_b, who, read, write):
    participant = ParticipantFactory(activity=activity, name="Kept SRL")
    user = {"other_manager": lambda: member(eurocluster_b, Membership.Role.MANAGER),
            "finance": lambda: member(activity.eurocluster, Membership.Role.FINANCE),
            "observer": lambda: member(activity.eurocluster, Membership.Role.OBSERVER),
            "applicant": lambda: ApplicationFactory(call__eurocluster=activity.eurocluster
                                                    ).organisation.user}[who]()
    client.force_login(user)
    assert client.get(activity.get_absolute_url()).status_code == read
    assert client.get(reverse("activities:delete", args=[activity.pk])).status_code == write
    post = {**form_data(activity.eurocluster, title="Taken over"), "name": "Intruder SA",
            "confirm": "on",
            "new-name": "Intruder SA", "new-country": "BE", "new-registration_number": BE,
            "file": SimpleUploadedFile("p.csv", b"name,country,registration_number\n")}
    for url in _urls(activity, participant):
        assert client.post(url, post).status_code == write, url
    activity.refresh_from_db()
    assert activity.title == "Eco-design training"
    assert list(activity.participants.values_list("name", flat=True)) == ["Kept SRL"]
    assert (ParticipantImport.objects.count(), audit_trail(activity).count()) == (0, 0)


def test_an_observer_sees_the_participants_without_the_forms(client, activity):
    ParticipantFactory(activity=activity, name="Seen SRL")
    client.force_login(member(activity.eurocluster, Membership.Role.OBSERVER))
    response = client.get(activity.get_absolute_url(), {"q": "seen"})
    assert [p.name for p in response.context["participants"]] == ["Seen SRL"]
    assert (response.context["can_manage"], response.context["found"]) == (False, [])
    assert b'id="participant-form"' not in response.content


# --- deleting ---------------------------------------------------------------------------------

def test_a_manager_confirms_then_deletes_an_activity_with_its_participants(manager_client,
                                                                          manager_a, activity):
    ParticipantFactory.create_batch(2, activity=activity)
    page = manager_client.get(activity.get_absolute_url()).content.decode()
    url = reverse("activities:delete", args=[activity.pk])
    assert f'href="{url}"' in page
    confirmation = manager_client.get(url)
    assert confirmation.status_code == 200
    text = " ".join(confirmation.content.decode().split())
    assert ("“Eco-design training” (10 March 2026) and its 2 participants will be deleted. "
            "The KPIs stop counting them.") in text
    assert Activity.objects.filter(pk=activity.pk).exists()  # a GET deletes nothing
    response = manager_client.post(url, {"confirm": "on", "reason": "Recorded twice."})
    assert (response.status_code, response.url) == (302, reverse("activities:list"))
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert Participant.objects.count() == 0
    entry = audit_trail(activity).get()
    assert (entry.action, entry.actor, entry.reason, len(entry.data["participants"])) == (
        "deleted", manager_a.user, "Recorded twice.", 2)


def test_deleting_without_ticking_the_box_is_refused_on_the_page(manager_client, activity):
    response = manager_client.post(reverse("activities:delete", args=[activity.pk]),
                                   {"reason": "Oops"})
    assert response.status_code == 400
    assert "Tick the box to confirm the deletion." in response.content.decode()
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert audit_trail(activity).count() == 0


def test_an_observer_sees_no_delete_button(client, activity):
    client.force_login(member(activity.eurocluster, Membership.Role.OBSERVER))
    assert b'id="delete-activity"' not in client.get(activity.get_absolute_url()).content


# --- participants -----------------------------------------------------------------------------

def test_a_manager_adds_an_organisation_entered_by_hand(manager_client, activity):
    response = manager_client.post(reverse("activities:participant_add", args=[activity.pk]), {
        "new-name": "Acme SA", "new-country": "BE", "new-registration_number": "0403 170 701"})
    assert response.status_code == 302
    assert list(activity.participants.values_list("name", "registration_number")) == [
        ("Acme SA", BE)]
    assert audit_trail(activity).get().action == "participant_added"


def test_an_invalid_number_is_refused_with_its_reason_on_the_page(manager_client, activity):
    response = manager_client.post(reverse("activities:participant_add", args=[activity.pk]), {
        "new-name": "Bad SA", "new-country": "BE", "new-registration_number": "BE0403170702"})
    assert response.status_code == 409
    assert response.context["party_form"].non_field_errors() == [
        "BE0403170702 is not a valid BE VAT number: check the digits."]
    assert activity.participants.count() == 0


def test_a_manager_finds_and_picks_a_known_enterprise(manager_client, activity):
    organisation = ApplicationFactory(call__eurocluster=activity.eurocluster,
                                      organisation__legal_name="Legno Vivo S.r.l."
                                      ).organisation
    response = manager_client.get(activity.get_absolute_url(), {"q": "legno"})
    assert response.context["found"] == [organisation]
    response = manager_client.post(reverse("activities:participant_add", args=[activity.pk]),
                                   {"organisation": organisation.pk})
    assert response.status_code == 302
    assert activity.participants.get().organisation == organisation


def test_an_enterprise_unknown_to_the_eurocluster_cannot_be_picked(manager_client, activity):
    stranger = ApplicationFactory().organisation
    response = manager_client.post(reverse("activities:participant_add", args=[activity.pk]),
                                   {"organisation": stranger.pk})
    assert response.status_code == 404
    assert activity.participants.count() == 0


def test_a_manager_removes_a_participant(manager_client, activity):
    participant = ParticipantFactory(activity=activity)
    response = manager_client.post(reverse("activities:participant_remove",
                                           args=[activity.pk, participant.pk]))
    assert response.status_code == 302
    assert activity.participants.count() == 0


def test_a_participant_of_another_activity_is_not_removed_through_this_one(manager_client,
                                                                            activity):
    elsewhere = ParticipantFactory()
    response = manager_client.post(reverse("activities:participant_remove",
                                           args=[activity.pk, elsewhere.pk]))
    assert response.status_code == 404
    assert Participant.objects.filter(pk=elsewhere.pk).exists()


# --- the CSV import ---------------------------------------------------------------------------

CSV = ("name;country;registration_number\n"
       "Acme SA;BE;0403.170.701\n"
       "Lumière SAS;France;FR26185286333\n"
       "Nowhere Ltd;Narnia;12345\n"
       "Acme again;BE;BE0403170701\n").encode()


def upload(client, activity, data=CSV, name="participants.csv"):
    return client.post(reverse("activities:import", args=[activity.pk]),
                       {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_the_import_previews_each_row_then_imports_the_accepted_ones(manager_client, activity):
    response = upload(manager_client, activity)
    staged = ParticipantImport.objects.get()
    assert response.url == reverse("activities:import_preview", args=[activity.pk, staged.pk])
    assert activity.participants.count() == 0
    preview = manager_client.get(response.url)
    assert [r["line"] for r in preview.context["accepted"]] == [2, 3]
    assert [(r["line"], r["error"]) for r in preview.context["refused"]] == [
        (4, "“Narnia” is not a country: give its two-letter code (e.g. BE) or its English "
            "name."),
        (5, "The same enterprise as line 2 (registration number BE0403170701).")]
    assert b"Import 2 rows" in preview.content
    response = manager_client.post(preview.request["PATH_INFO"])
    assert response.status_code == 302
    assert sorted(activity.participants.values_list("name", flat=True)) == [
        "Acme SA", "Lumière SAS"]
    assert ParticipantImport.objects.count() == 0
    assert audit_trail(activity).get().action == "participants_imported"


def test_someone_elses_preview_is_not_found(client, manager_client, activity):
    upload(manager_client, activity)
    staged = ParticipantImport.objects.get()
    client.force_login(member(activity.eurocluster, Membership.Role.MANAGER))
    url = reverse("activities:import_preview", args=[activity.pk, staged.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert activity.participants.count() == 0


def test_an_unreadable_file_is_refused_on_the_page(manager_client, activity):
    response = upload(manager_client, activity, data=b"\x89PNG\r\n\x1a\n\x00\x00", name="a.png")
    assert response.status_code == 400
    assert response.context["import_form"].errors["file"] == [
        "This is not a CSV text file. Save the sheet as “CSV UTF-8” and upload that."]
    assert ParticipantImport.objects.count() == 0


def test_a_file_over_one_megabyte_is_refused_before_it_is_read(manager_client, activity):
    response = upload(manager_client, activity, data=b"a" * (1024 * 1024 + 1))
    assert response.context["import_form"].errors["file"] == [
        "The file has 1,048,577 bytes; the limit is 1,048,576 bytes (1 MB). Split it into "
        "smaller files."]
    assert ParticipantImport.objects.count() == 0


def test_the_create_and_edit_forms_open_for_a_manager(manager_client, activity):
    assert manager_client.get(reverse("activities:create")).status_code == 200
    assert manager_client.get(reverse("activities:edit", args=[activity.pk])).status_code == 200


# The session; its user with her memberships and the bell's unread count
# (euroclusters.backends); the activity, its participants.
DETAIL_QUERIES = 4


@pytest.mark.parametrize("n", [1, 10])
def test_the_detail_query_count_is_fixed(manager_client, activity, django_assert_num_queries,
                                         n):
    ParticipantFactory.create_batch(n, activity=activity,
                                    organisation=ApplicationFactory().organisation)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = manager_client.get(activity.get_absolute_url())
    assert len(response.context["participants"]) == n


def test_the_preview_lists_a_thousand_rows_in_a_fixed_number_of_queries(
        manager_client, activity, django_assert_num_queries):
    rows = "".join(f"Firm {i},US,ABC{i:05d}\n" for i in range(1000))
    upload(manager_client, activity, data=f"name,country,registration_number\n{rows}".encode())
    staged = ParticipantImport.objects.get()
    # The session; its user with her memberships and the bell's unread count
    # (euroclusters.backends); the activity, the staged file.
    with django_assert_num_queries(4):
        response = manager_client.get(reverse("activities:import_preview",
                                              args=[activity.pk, staged.pk]))
    assert len(response.context["accepted"]) == 1000
    assert b"Import 1000 rows" in response.content


def test_picking_an_enterprise_twice_says_it_already_takes_part(manager_client, activity):
    organisation = ApplicationFactory(call__eurocluster=activity.eurocluster,
                                      organisation__legal_name="Legno Vivo S.r.l.",
                                      organisation__country="BE",
                                      organisation__registration_number=BE).organisation
    url = reverse("activities:participant_add", args=[activity.pk])
    manager_client.post(url, {"organisation": organisation.pk})
    response = manager_client.post(url, {"organisation": organisation.pk}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Legno Vivo S.r.l. is a participant.",
        "“Legno Vivo S.r.l.” (BE0403170701) is already a participant of this activity."]
    assert activity.participants.count() == 1


def test_removing_a_party_of_a_two_party_agreement_is_refused_with_why(manager_client,
                                                                      eurocluster_a):
    agreement = ActivityFactory(eurocluster=eurocluster_a, kind=Activity.Kind.BUSINESS_AGREEMENT)
    first, _second = ParticipantFactory.create_batch(2, activity=agreement)
    response = manager_client.post(reverse("activities:participant_remove",
                                           args=[agreement.pk, first.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"A business agreement keeps at least two parties: add the right party before removing "
        f"“{first.name}”."]
    assert agreement.participants.count() == 2


def test_an_infected_csv_is_refused_naming_the_threat_and_audited(manager_client, activity,
                                                                  fake_clamd):
    response = upload(manager_client, activity, data=CSV + MARKER + b"\n")
    assert response.status_code == 400
    assert response.context["import_form"].errors["file"] == [refusal("participants.csv")]
    assert not ParticipantImport.objects.exists()
    assert [(e.action, e.reason) for e in audit_trail(activity)] == [("upload_infected", THREAT)]


def test_a_csv_is_read_even_when_the_scanner_is_away_since_it_is_never_stored(
        manager_client, activity, fake_clamd):
    fake_clamd.down = True
    assert upload(manager_client, activity).status_code == 302
    assert ParticipantImport.objects.count() == 1
