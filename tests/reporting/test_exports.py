"""Exports of the manager's and finance officer's lists: content, scoping, the formula guard,
the large exports built by a task, and query counts."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Participant
from applications.models import Application, ApplicationVersion
from applications.submission import snapshot
from euroclusters.models import Membership
from reporting.exports.services import exports_remove_expired
from reporting.models import Export
from tests.evaluation.factories import closed_call, eligible_application
from tests.factories import MembershipFactory, UserFactory
from tests.payments.factories import agreement_row, results_call, selected_application

pytestmark = pytest.mark.django_db
OBJECTIVE = Activity._meta.get_field("objective").choices[0]
SUBMITTED = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=datetime.UTC)  # 10:30 in Brussels


def submitted(call, **kwargs) -> Application:
    """An application of ``call`` with one submitted version (what the export reads)."""
    application = eligible_application(call, **kwargs)
    ApplicationVersion.objects.create(
        application=application, number=1, submitted_at=SUBMITTED,
        submitted_by=application.created_by, content=snapshot(application, []),
        sha256="0" * 64, receipt_code=f"R-{application.pk}")
    return application


def url(name: str, fmt: str = "csv", **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("reporting:export", kwargs={"name": name, "file_format": fmt}) + "?" + query


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


def manager_of(call):
    return MembershipFactory(eurocluster=call.eurocluster).user


@pytest.fixture
def call():
    return closed_call(reference="DREAM-2026-01")


@pytest.fixture
def application(call):
    return submitted(call, title="=HYPERLINK(\"http://evil\",\"x\")", acronym="SWELD")


# --- content -------------------------------------------------------------------------------


def test_applications_csv_has_the_latest_versions_fields_and_neutralises_formulas(
        client, call, application):
    client.force_login(manager_of(call))
    response = client.get(url("applications", call=call.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="DREAM-2026-01-applications.csv"')
    organisation = application.organisation
    assert csv_rows(response) == [
        ["Reference", "Acronym", "Project title", "Enterprise", "Country", "SME class",
         "Voucher type", "Requested amount (EUR)", "Status", "Version",
         "Submitted at (Brussels)"],
        [f"DREAM-2026-01-{application.pk:06d}", "SWELD", "'=HYPERLINK(\"http://evil\",\"x\")",
         organisation.legal_name, str(organisation.country), organisation.sme_label,
         application.voucher_type.name, "20000.00", "Eligible", "1", "2026-03-10 10:30"],
    ]


def test_applications_xlsx_types_amounts_and_dates_and_keeps_formulas_as_text(
        client, call, application):
    client.force_login(manager_of(call))
    response = client.get(url("applications", "xlsx", call=call.pk))
    assert response.status_code == 200
    header, row = xlsx_rows(response)
    assert header[0] == "Reference"
    assert row[2] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert row[7] == 20000
    assert row[10] == datetime.datetime(2026, 3, 10, 10, 30)
    book = openpyxl.load_workbook(io.BytesIO(
        b"".join(client.get(url("applications", "xlsx", call=call.pk)).streaming_content)))
    cell = book.active.cell(row=2, column=8)
    assert (cell.data_type, cell.number_format) == ("n", "#,##0.00")
    assert book.active.cell(row=2, column=3).data_type == "s"


def test_applications_filter_by_status_as_on_screen(client, call, application):
    submitted(call, status=Application.Status.INELIGIBLE, acronym="OTHER")
    client.force_login(manager_of(call))
    rows = csv_rows(client.get(url("applications", call=call.pk, status="ineligible")))
    assert [row[1] for row in rows[1:]] == ["OTHER"]
    assert client.get(url("applications", call=call.pk, status="nonsense")).status_code == 400


def test_ranking_agreements_and_ledger_content(client):
    call = results_call(reference="RC-1", budget=Decimal("100000"))
    application = selected_application(call, acronym="SEL", requested_amount=Decimal("12345.67"))
    agreement_row(application)
    from evaluation.models import Ranking, RankingEntry  # noqa: PLC0415

    ranking = Ranking.objects.create(call=call)
    RankingEntry.objects.create(ranking=ranking, application=application, rank=1,
                                total=Decimal("13.5"), amount=Decimal("12345.67"),
                                outcome=RankingEntry.Outcome.SELECTED)
    client.force_login(manager_of(call))
    ranking_rows = csv_rows(client.get(url("ranking", call=call.pk)))
    assert ranking_rows[1][:3] == ["1", f"RC-1-{application.pk:06d}", "SEL"]
    assert ranking_rows[1][6:9] == ["13.50", "12345.67", "Selected for funding"]
    agreements = csv_rows(client.get(url("agreements", call=call.pk)))
    assert agreements[1][5:7] == ["12345.67", "Ready to sign"]
    ledger = xlsx_rows(client.get(url("ledger", "xlsx")))
    assert ledger[1][:2] == (call.eurocluster.acronym, "RC-1")
    assert ledger[1][3:] == (100000, 12345.67, 0, 87654.33, 12345.67)


def test_activities_and_participants_content_and_filters(client, call):
    manager = manager_of(call)
    activity = Activity.objects.create(
        eurocluster=call.eurocluster, kind=Activity.Kind.MISSION, title="-Mission to Chile",
        starts_on=datetime.date(2026, 4, 2), objective=OBJECTIVE[0],
        place="Santiago", created_by=manager)
    Participant.objects.create(activity=activity, name="Andes SpA", country="CL",
                               registration_number="76.123.456-7", identity_key="CL:761234567",
                               added_by=manager)
    client.force_login(manager)
    rows = csv_rows(client.get(url("activities")))
    assert rows[1] == [call.eurocluster.acronym, "Internationalisation mission",
                       "'-Mission to Chile", "2026-04-02", "", "Santiago",
                       str(OBJECTIVE[1]), "1"]
    participants = csv_rows(client.get(url("participants", kind="mission")))
    assert participants[1][4:8] == ["Andes SpA", "CL", "76.123.456-7", "no"]
    assert csv_rows(client.get(url("participants", year="2025"))) == participants[:1]


def test_an_observer_exports_the_activities_of_their_eurocluster_only(client, call):
    """Observers read the activities page, so they download it too; another Eurocluster's
    observer gets no row of it, and a finance officer no activity list at all."""
    manager = manager_of(call)
    Activity.objects.create(eurocluster=call.eurocluster, kind=Activity.Kind.MISSION,
                            title="Mission to Chile", starts_on=datetime.date(2026, 4, 2),
                            objective=OBJECTIVE[0], place="Santiago", created_by=manager)
    observer = MembershipFactory(eurocluster=call.eurocluster,
                                 role=Membership.Role.OBSERVER).user
    client.force_login(observer)
    assert [r[2] for r in csv_rows(client.get(url("activities")))[1:]] == ["Mission to Chile"]
    stranger = MembershipFactory(eurocluster=closed_call(reference="OTHER-9").eurocluster,
                                 role=Membership.Role.OBSERVER).user
    client.force_login(stranger)
    assert csv_rows(client.get(url("activities")))[1:] == []
    finance = MembershipFactory(eurocluster=call.eurocluster, role=Membership.Role.FINANCE).user
    client.force_login(finance)
    assert client.get(url("activities")).status_code == 403


# --- scoping and refusals --------------------------------------------------------------------


def test_another_euroclusters_rows_never_appear(client, call, application):
    other = closed_call(reference="OTHER-1")
    submitted(other, acronym="THEIRS")
    manager = manager_of(call)
    client.force_login(manager)
    rows = csv_rows(client.get(url("applications", call=call.pk)))
    assert [row[1] for row in rows[1:]] == ["SWELD"]
    assert client.get(url("applications", call=other.pk)).status_code == 404
    assert [row[1] for row in csv_rows(client.get(url("applications")))[1:]] == ["SWELD"]
    assert client.get(url("ledger", eurocluster=other.eurocluster_id)).status_code == 404
    ledger = csv_rows(client.get(url("ledger")))
    assert [row[1] for row in ledger[1:]] == ["DREAM-2026-01"]


@pytest.mark.parametrize("role", [Membership.Role.FINANCE, Membership.Role.OBSERVER])
def test_finance_and_observers_get_no_manager_export(client, call, application, role):
    user = MembershipFactory(eurocluster=call.eurocluster, role=role).user
    client.force_login(user)
    assert client.get(url("applications", call=call.pk)).status_code == 403
    assert client.get(url("reviews", call=call.pk)).status_code == 403
    expected = 200 if role == Membership.Role.FINANCE else 403
    assert client.get(url("ledger")).status_code == expected
    assert client.get(url("payments")).status_code == expected


def test_applicant_is_refused_and_anonymous_goes_to_login(client, call, application):
    client.force_login(application.created_by)
    assert client.get(url("applications", call=call.pk)).status_code == 403
    client.logout()
    response = client.get(url("applications", call=call.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_export_format_or_missing_call_is_404(client, call):
    client.force_login(manager_of(call))
    assert client.get(url("nothing")).status_code == 404
    assert client.get(url("applications", "pdf", call=call.pk)).status_code == 404
    assert client.get(url("reviews")).status_code == 404


def test_superuser_exports_every_call(client, call, application):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert len(csv_rows(client.get(url("applications", call=call.pk)))) == 2


# --- large exports by a task -------------------------------------------------------------------


def test_large_export_is_built_by_a_task_for_the_requester_only(
        client, settings, call, application, django_capture_on_commit_callbacks):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    manager = manager_of(call)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url("applications", "xlsx", call=call.pk, status="eligible"))
    assert response.status_code == 302 and response["Location"] == reverse("reporting:exports")
    export = Export.objects.get()
    assert (export.status, export.rows, export.progress, export.params) == (
        Export.Status.READY, 1, 100, {"call": str(call.pk), "status": "eligible"})
    assert abs(export.expires_at - export.created_at - datetime.timedelta(days=7)) < (
        datetime.timedelta(seconds=1))
    page = client.get(reverse("reporting:exports")).content.decode()
    assert reverse("reporting:export_file", args=[export.pk]) in page
    assert "<td>Applications (XLSX) · DREAM-2026-01</td>" in page
    response = client.get(reverse("reporting:export_file", args=[export.pk]))
    # The name of the file sent at once: which call it is of is not lost.
    assert response["Content-Disposition"] == (
        'attachment; filename="DREAM-2026-01-applications.xlsx"')
    header, row = xlsx_rows(response)
    assert row[1] == "SWELD"
    other_manager = manager_of(call)
    client.force_login(other_manager)
    assert client.get(reverse("reporting:export_file", args=[export.pk])).status_code == 404
    assert reverse("reporting:export_file", args=[export.pk]) not in client.get(
        reverse("reporting:exports")).content.decode()


def test_building_twice_changes_nothing_and_expiry_removes_the_file(
        client, settings, call, application, django_capture_on_commit_callbacks):
    from reporting.exports.services import export_build  # noqa: PLC0415

    settings.EXPORT_SYNC_MAX_ROWS = 0
    client.force_login(manager_of(call))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url("applications", call=call.pk))
    export = Export.objects.get()
    name = export.file.name
    assert default_storage.exists(name)
    export_build(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.file.name) == (Export.Status.READY, name)
    assert exports_remove_expired(now=timezone.now()) == 0
    assert exports_remove_expired(now=export.expires_at) == 1
    export.refresh_from_db()
    assert (export.status, export.file.name) == (Export.Status.EXPIRED, "")
    assert not default_storage.exists(name)
    assert exports_remove_expired(now=export.expires_at) == 0
    assert client.get(reverse("reporting:export_file", args=[export.pk])).status_code == 404


def test_every_export_status_is_in_the_transitions_table():
    assert set(Export.TRANSITIONS) == set(Export.Status.values)


def test_a_running_export_refreshes_the_page(client, call):
    manager = manager_of(call)
    Export.objects.create(requested_by=manager, name="applications", file_format="csv",
                          status=Export.Status.RUNNING, progress=40,
                          expires_at=timezone.now() + datetime.timedelta(days=7))
    client.force_login(manager)
    body = client.get(reverse("reporting:exports")).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in body and "40 %" in body


# --- query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 11])
def test_applications_export_queries_do_not_grow_with_rows(client, django_assert_num_queries,
                                                           call, application, extra):
    for n in range(extra):
        submitted(call, acronym=f"A{n}")
    client.force_login(manager_of(call))
    # session, user with her memberships (euroclusters.backends), call, count, rows
    with django_assert_num_queries(5):
        rows = csv_rows(client.get(url("applications", call=call.pk)))
    assert len(rows) == 2 + extra


@pytest.mark.parametrize("extra", [0, 11])
def test_exports_page_queries_do_not_grow_with_rows(client, django_assert_num_queries, call,
                                                    extra):
    manager = manager_of(call)
    other = closed_call(eurocluster=call.eurocluster, reference="DREAM-2026-02")
    for n in range(extra + 1):
        Export.objects.create(requested_by=manager, name="applications", file_format="csv",
                              params={"call": str((call, other)[n % 2].pk)},
                              expires_at=timezone.now())
    client.force_login(manager)
    # session, user with her memberships (the menu's roles) and the bell's unread count
    # (euroclusters.backends), exports, their calls' references
    with django_assert_num_queries(4):
        page = client.get(reverse("reporting:exports")).content.decode()
    assert page.count("<td>Applications (CSV) · DREAM-2026-01</td>") == extra // 2 + 1
    assert page.count("<td>Applications (CSV) · DREAM-2026-02</td>") == (extra + 1) // 2


def test_an_export_of_no_call_keeps_its_plain_name(client, settings, call,
                                                   django_capture_on_commit_callbacks):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    manager = manager_of(call)
    Activity.objects.create(eurocluster=call.eurocluster, kind=Activity.Kind.MISSION,
                            title="Mission to Chile", starts_on=datetime.date(2026, 5, 4),
                            objective=OBJECTIVE[0], place="Santiago", created_by=manager)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url("activities"))
    export = Export.objects.get()
    assert "<td>Support activities (CSV)</td>" in client.get(
        reverse("reporting:exports")).content.decode()
    response = client.get(reverse("reporting:export_file", args=[export.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="activities.csv"'


def test_the_tasks_run_twice_change_nothing_more_and_beat_removes_expired_files(
        settings, call, application):
    from portal.queue import registered_task  # noqa: PLC0415
    from reporting.exports.services import export_request  # noqa: PLC0415

    export = export_request(user=manager_of(call), name="applications", file_format="csv",
                            params={"call": str(call.pk)})
    registered_task("reporting.build_export").apply(kwargs={"export_id": export.pk}).get()
    registered_task("reporting.build_export").apply(kwargs={"export_id": export.pk}).get()
    export.refresh_from_db()
    assert (export.status, export.rows) == (Export.Status.READY, 1)
    assert default_storage.open(export.file.name).read().decode("utf-8").startswith(
        "\ufeffReference,")
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    registered_task("reporting.remove_expired_exports").apply().get()
    registered_task("reporting.remove_expired_exports").apply().get()
    export.refresh_from_db()
    assert export.status == Export.Status.EXPIRED
    assert settings.CELERY_BEAT_SCHEDULE["reporting-remove-expired-exports"]["task"] == (
        "reporting.remove_expired_exports")


def test_an_export_the_requester_may_no_longer_see_fails(call, application):
    from reporting.exports.services import export_build, export_request  # noqa: PLC0415

    manager = manager_of(call)
    export = export_request(user=manager, name="applications", file_format="xlsx",
                            params={"call": str(call.pk)})
    Membership.objects.filter(user=manager).delete()
    manager = type(manager).objects.get(pk=manager.pk)
    export = export_build(export_id=export.pk)
    assert (export.status, export.file.name) == (Export.Status.FAILED, "")


def test_the_benchmarks_measure_gives_rows_seconds_and_peak(call, application):
    from reporting.bench import measure_export  # noqa: PLC0415

    figures = measure_export(user=UserFactory(is_superuser=True), log=lambda line: None)
    assert figures["export_rows"] == 1
    assert set(figures) == {"export_rows", "export_seconds", "export_peak_mb", "export_file_mb"}
