"""The exports of the KPI pages: progress against the targets (actuals as the KPI page computes
them) and the reported values, for the Eurocluster's managers and observers only; their links
on the KPI pages; their query counts at one and at many rows."""

import datetime
from datetime import date

import pytest
from django.urls import reverse

from euroclusters.models import KpiTarget, Membership, Objective
from reporting.models import Export, KpiValue
from tests.evaluation.factories import CallEvaluatorFactory
from tests.factories import EuroclusterFactory, MembershipFactory, UserFactory
from tests.payments.factories import results_call
from tests.reporting.conftest import beneficiary
from tests.reporting.test_exports import csv_rows, url, xlsx_rows

pytestmark = pytest.mark.django_db
M = KpiTarget.Measure
RECORDED = datetime.datetime(2026, 7, 1, 8, 15, tzinfo=datetime.UTC)  # 10:15 in Brussels


def target(eurocluster, name, *, measure=M.REPORTED, value=15,
           objective=Objective.TRAIN) -> KpiTarget:
    return KpiTarget.objects.create(eurocluster=eurocluster, name=name, target=value,
                                    objective=objective, measure=measure)


def value(kpi, amount, day, by, **kwargs) -> KpiValue:
    entry = KpiValue.objects.create(target=kpi, value=amount, measured_on=day, recorded_by=by,
                                    **kwargs)
    KpiValue.objects.filter(pk=entry.pk).update(recorded_at=RECORDED)
    return entry


@pytest.fixture
def manager(manager_a):
    user = manager_a.user
    user.full_name = "Marie Manager"
    user.save(update_fields=["full_name"])
    return user


@pytest.fixture
def kpis(eurocluster_a, manager):
    """A reported KPI (two values, the first with evidence) and a computed one (one agreement
    countersigned), in a grant that ended: each KPI is expected at its whole target."""
    eurocluster_a.starts_on, eurocluster_a.ends_on = date(2024, 1, 1), date(2025, 12, 31)
    eurocluster_a.save()
    trained = target(eurocluster_a, "Staff trained", value=15)
    value(trained, 6, date(2026, 3, 31), manager, note="=1+2 courses",
          evidence="kpis/1/minutes.pdf", evidence_name="minutes.pdf")
    value(trained, 9, date(2026, 6, 30), manager, note="Two more courses.")
    funded = target(eurocluster_a, "Innovation projects", measure=M.PROJECTS_FUNDED, value=35,
                    objective=Objective.AUTONOMY)
    beneficiary(results_call(eurocluster=eurocluster_a, reference="KPI-1"))
    return trained, funded


@pytest.fixture
def theirs(eurocluster_b):
    """Another Eurocluster's KPI with a value: it never appears in A's exports."""
    kpi = target(eurocluster_b, "Their webinars")
    value(kpi, 4, date(2026, 5, 1), MembershipFactory(eurocluster=eurocluster_b).user)
    return kpi


# --- content ------------------------------------------------------------------------------------


def test_kpi_progress_has_the_actuals_of_the_kpi_page(client, manager, kpis, eurocluster_a):
    client.force_login(manager)
    rows = csv_rows(client.get(url("kpi_progress")))
    assert rows == [
        ["Eurocluster", "Indicator", "Objective", "Measured as", "Target", "Actual",
         "Share of the target (%)", "Expected by today", "Status", "Last reported value as of"],
        # The page's order: by objective ("autonomy" before "train"), then name.
        [eurocluster_a.acronym, "Innovation projects", "Innovate for strategic autonomy",
         "Projects funded", "35", "1", "3", "35.0", "Behind", ""],
        [eurocluster_a.acronym, "Staff trained", "Train", "Reported", "15", "9", "60", "15.0",
         "Behind", "2026-06-30"],
    ]
    page = client.get(reverse("reporting:kpis"))
    assert [(k.target.name, k.actual) for k in page.context["kpis"]] == [
        ("Innovation projects", 1), ("Staff trained", 9)]


def test_kpi_progress_xlsx_types_the_figures_and_says_a_reached_target(client, manager, kpis):
    trained, _funded = kpis
    value(trained, 15, date(2026, 9, 30), manager)
    client.force_login(manager)
    header, _innovation, staff = xlsx_rows(client.get(url("kpi_progress", "xlsx")))
    assert header[4:9] == ("Target", "Actual", "Share of the target (%)", "Expected by today",
                           "Status")
    assert staff[1] == "Staff trained"
    assert staff[4:10] == (15, 15, 100, 15, "Target reached", datetime.datetime(2026, 9, 30))


def test_kpi_values_list_every_reported_value_latest_first_and_neutralise_formulas(
        client, manager, kpis, eurocluster_a):
    client.force_login(manager)
    rows = csv_rows(client.get(url("kpi_values")))
    assert rows == [
        ["Eurocluster", "KPI", "As of", "Value", "Note", "Evidence (PDF)", "Recorded by",
         "Recorded at (Brussels)"],
        [eurocluster_a.acronym, "Staff trained", "2026-06-30", "9", "Two more courses.", "no",
         "Marie Manager", "2026-07-01 10:15"],
        [eurocluster_a.acronym, "Staff trained", "2026-03-31", "6", "'=1+2 courses", "yes",
         "Marie Manager", "2026-07-01 10:15"],
    ]


def test_kpi_values_of_one_kpi_as_on_its_page(client, manager, kpis, eurocluster_a):
    trained, _funded = kpis
    other = target(eurocluster_a, "Webinars held")
    value(other, 2, date(2026, 2, 1), manager)
    client.force_login(manager)
    assert len(csv_rows(client.get(url("kpi_values")))) == 4
    rows = csv_rows(client.get(url("kpi_values", kpi=trained.pk)))
    assert [(r[1], r[3]) for r in rows[1:]] == [("Staff trained", "9"), ("Staff trained", "6")]
    assert client.get(url("kpi_values", kpi="one")).status_code == 400


def test_a_person_with_several_euroclusters_gets_the_first_or_the_one_asked(
        client, manager, kpis, eurocluster_a):
    second = EuroclusterFactory(acronym="ZZZ-LAST")
    target(second, "Missions")
    MembershipFactory(user=manager, eurocluster=second, role=Membership.Role.OBSERVER)
    client.force_login(manager)
    first = csv_rows(client.get(url("kpi_progress")))
    assert {r[0] for r in first[1:]} == {eurocluster_a.acronym}
    asked = csv_rows(client.get(url("kpi_progress", eurocluster=second.pk)))
    assert [(r[0], r[1]) for r in asked[1:]] == [("ZZZ-LAST", "Missions")]


# --- scoping and roles --------------------------------------------------------------------------


def test_another_euroclusters_kpis_never_appear(client, manager, kpis, theirs):
    client.force_login(manager)
    assert {r[1] for r in csv_rows(client.get(url("kpi_values")))[1:]} == {"Staff trained"}
    assert {r[1] for r in csv_rows(client.get(url("kpi_progress")))[1:]} == {
        "Staff trained", "Innovation projects"}
    assert client.get(url("kpi_progress", eurocluster=theirs.eurocluster_id)).status_code == 404
    assert client.get(url("kpi_values", eurocluster=theirs.eurocluster_id)).status_code == 404
    assert csv_rows(client.get(url("kpi_values", kpi=theirs.pk)))[1:] == []


def test_an_observer_exports_the_kpis_as_they_read_them(client, kpis, eurocluster_a, theirs):
    observer = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER).user
    client.force_login(observer)
    assert len(csv_rows(client.get(url("kpi_progress")))) == 3
    assert [r[3] for r in csv_rows(client.get(url("kpi_values")))[1:]] == ["9", "6"]
    # ... the support activities they read too, and no manager list.
    assert client.get(url("activities")).status_code == 200
    assert client.get(url("participants", "xlsx")).status_code == 200
    assert client.get(url("applications")).status_code == 403
    assert client.get(url("agreements")).status_code == 403


@pytest.mark.parametrize("who", ["finance", "applicant", "evaluator"])
def test_finance_officers_applicants_and_evaluators_are_refused(client, kpis, eurocluster_a,
                                                                who):
    if who == "finance":
        user = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.FINANCE).user
    elif who == "applicant":
        user = UserFactory()
    else:
        user = CallEvaluatorFactory(call=results_call(eurocluster=eurocluster_a)).user
    client.force_login(user)
    for name in ("kpi_progress", "kpi_values"):
        assert client.get(url(name)).status_code == 403
        assert client.get(url(name, "xlsx")).status_code == 403


def test_a_superuser_exports_every_euroclusters_values(client, kpis, theirs):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert {r[1] for r in csv_rows(client.get(url("kpi_values")))[1:]} == {
        "Staff trained", "Their webinars"}


# --- the links on the KPI pages -----------------------------------------------------------------


def test_the_kpi_pages_offer_their_exports(client, manager, kpis, eurocluster_a):
    trained, funded = kpis
    client.force_login(manager)
    body = client.get(reverse("reporting:kpis"),
                      {"eurocluster": eurocluster_a.slug}).content.decode()
    for name in ("kpi_progress", "kpi_values"):
        assert f'data-export="{name}"' in body
        for fmt in ("csv", "xlsx"):
            link = reverse("reporting:export", kwargs={"name": name, "file_format": fmt})
            assert f'href="{link}?eurocluster={eurocluster_a.pk}"' in body
    body = client.get(reverse("reporting:kpi", args=[trained.pk])).content.decode()
    link = reverse("reporting:export", kwargs={"name": "kpi_values", "file_format": "csv"})
    assert f'href="{link}?eurocluster={eurocluster_a.pk}&amp;kpi={trained.pk}"' in body
    # A computed KPI has no reported values to export.
    body = client.get(reverse("reporting:kpi", args=[funded.pk])).content.decode()
    assert 'data-export="kpi_values"' not in body


# --- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("many", [False, True])
def test_kpi_values_queries_do_not_grow_with_rows(client, django_assert_num_queries, manager,
                                                  eurocluster_a, many):
    for number in range(12 if many else 1):
        kpi = target(eurocluster_a, f"KPI {number}")
        value(kpi, number, date(2026, 1, 31), manager, evidence="kpis/x.pdf")
        value(kpi, number + 1, date(2026, 2, 28), manager)
    client.force_login(manager)
    # session, user with her memberships (euroclusters.backends), count, rows
    with django_assert_num_queries(4):
        rows = xlsx_rows(client.get(url("kpi_values", "xlsx")))
    assert len(rows) == 1 + (24 if many else 2)
    with django_assert_num_queries(4):
        assert len(csv_rows(client.get(url("kpi_values")))) == len(rows)


@pytest.mark.parametrize("many", [False, True])
def test_kpi_progress_queries_do_not_grow_with_rows(client, django_assert_num_queries, manager,
                                                    eurocluster_a, many):
    for number in range(10 if many else 1):
        reported = target(eurocluster_a, f"Reported {number}")
        value(reported, number, date(2026, 1, 31), manager)
        target(eurocluster_a, f"Funded {number}", measure=M.PROJECTS_FUNDED)
    client.force_login(manager)
    # session, user with her memberships (euroclusters.backends), count (one query), the
    # Eurocluster, its targets, the reported values, the events of "projects funded" (read once
    # for all its KPIs)
    with django_assert_num_queries(7):
        rows = csv_rows(client.get(url("kpi_progress")))
    assert len(rows) == 1 + (20 if many else 2)


def test_a_large_kpi_export_is_built_by_the_task_with_the_page_filters(
        client, settings, manager, kpis, eurocluster_a, django_capture_on_commit_callbacks):
    trained, _funded = kpis
    settings.EXPORT_SYNC_MAX_ROWS = 0
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url("kpi_progress", "xlsx", eurocluster=eurocluster_a.pk)
                          ).status_code == 302
        assert client.get(url("kpi_values", kpi=trained.pk)).status_code == 302
    progress, values = Export.objects.order_by("pk")
    assert (progress.status, progress.rows, progress.params) == (
        Export.Status.READY, 2, {"eurocluster": str(eurocluster_a.pk)})
    assert (values.status, values.rows, values.params) == (
        Export.Status.READY, 2, {"kpi": str(trained.pk)})
    header, first, second = xlsx_rows(client.get(reverse("reporting:export_file",
                                                         args=[progress.pk])))
    assert (first[1], first[5], second[1], second[5]) == ("Innovation projects", 1,
                                                          "Staff trained", 9)
