"""The KPI pages: the list and a KPI's page for each role, reported values with their evidence
(audited; a file that is not a PDF or too large refused), the query counts of the list at 1 and
25 KPIs, and the new products declared in a final report."""

import datetime
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from euroclusters.models import KpiTarget, Membership, Objective
from payments.models import ProgressReport
from portal.audit import audit_trail
from portal.queue import registered_task
from reporting.kpis import services
from reporting.models import KpiValue
from tests.factories import MINIMAL_PDF, MembershipFactory, UserFactory
from tests.payments.test_reports import TEXT, contracted
from tests.scanning import INFECTED_PDF, THREAT, refusal

pytestmark = pytest.mark.django_db
M = KpiTarget.Measure
LIST = reverse("reporting:kpis")


def target(eurocluster, name="Staff trained", measure=M.REPORTED, value=15) -> KpiTarget:
    return KpiTarget.objects.create(eurocluster=eurocluster, name=name, target=value,
                                    objective=Objective.TRAIN, measure=measure)


@pytest.fixture
def reported(eurocluster_a):
    eurocluster_a.starts_on, eurocluster_a.ends_on = date(2026, 1, 1), date(2027, 12, 31)
    eurocluster_a.save()
    return target(eurocluster_a)


@pytest.fixture
def manager(manager_a):
    return manager_a.user


def login(client, user):
    client.force_login(user)
    return client


def detail(kpi) -> str:
    return reverse("reporting:kpi", args=[kpi.pk])


def post_value(client, kpi, **extra):
    data = {"value": "7", "measured_on": "2026-06-30", "note": "Two courses, lists attached.",
            **extra}
    return client.post(detail(kpi), data)


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_target_actual_share_chart_and_status(client, manager, reported):
    KpiValue.objects.create(target=reported, value=6, measured_on=date(2026, 3, 31),
                            recorded_by=manager)
    response = login(client, manager).get(LIST)
    assert response.status_code == 200
    [kpi] = response.context["kpis"]
    assert (kpi.actual, kpi.percent, kpi.target_text) == (6, 40, "15")
    html = response.content.decode()
    assert ('class="kpi-bullet d-inline-block" role="img" aria-label="6 of a target of 15">'
            '<svg') in html
    assert f'id="trend-{reported.pk}"' in html  # the figures as a table
    assert "eurocluster-switcher" not in html  # one Eurocluster: no switcher


def test_a_person_with_several_euroclusters_switches(client, manager_a, reported, eurocluster_b):
    MembershipFactory(user=manager_a.user, eurocluster=eurocluster_b)
    target(eurocluster_b, name="Webinars")
    client = login(client, manager_a.user)
    first, second = sorted([manager_a.eurocluster, eurocluster_b], key=lambda e: e.acronym)
    assert client.get(LIST).context["eurocluster"] == first
    response = client.get(LIST, {"eurocluster": second.slug})
    assert response.context["eurocluster"] == second
    assert 'id="eurocluster-switcher"' in response.content.decode()
    assert client.get(LIST, {"eurocluster": "nowhere"}).status_code == 404


@pytest.mark.parametrize("rows", [1, 25])
def test_the_list_query_count_does_not_grow_with_the_kpis(client, manager, eurocluster_a, rows,
                                                        django_assert_num_queries):
    measures = list(M.values)
    for number in range(rows):
        kpi = target(eurocluster_a, name=f"KPI {number}", measure=measures[number % len(measures)])
        if kpi.measure == M.REPORTED:
            KpiValue.objects.create(target=kpi, value=number, measured_on=date(2026, 1, 31),
                                    recorded_by=manager)
    client = login(client, manager)
    # session, user with her memberships and the bell's unread count (euroclusters.backends),
    # Euroclusters, targets, reported values; then one read per computation used (two for those
    # that join funded SMEs with activities' participants).
    expected = 5 if rows == 1 else 5 + 11
    with django_assert_num_queries(expected):
        assert client.get(LIST).status_code == 200


# --- refusals ---------------------------------------------------------------------------------


def test_another_euroclusters_manager_gets_404(client, reported, eurocluster_b):
    other = MembershipFactory(eurocluster=eurocluster_b).user
    client = login(client, other)
    assert client.get(detail(reported)).status_code == 404
    assert post_value(client, reported).status_code == 404
    assert client.get(LIST, {"eurocluster": reported.eurocluster.slug}).status_code == 404
    assert not KpiValue.objects.exists()


@pytest.mark.parametrize("role", ["applicant", "finance"])
def test_applicants_and_finance_officers_get_403(client, reported, role):
    user = (UserFactory() if role == "applicant" else MembershipFactory(
        eurocluster=reported.eurocluster, role=Membership.Role.FINANCE).user)
    client = login(client, user)
    assert client.get(LIST).status_code == 403
    assert client.get(detail(reported)).status_code == 403
    assert post_value(client, reported).status_code == 403


def test_anonymous_visitors_go_to_the_login_page(client, reported):
    for url in (LIST, detail(reported)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_an_observer_reads_but_does_not_report(client, reported):
    observer = MembershipFactory(eurocluster=reported.eurocluster,
                                 role=Membership.Role.OBSERVER).user
    client = login(client, observer)
    assert client.get(LIST).status_code == 200
    response = client.get(detail(reported))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert post_value(client, reported).status_code == 403
    assert not KpiValue.objects.exists()


# --- reported values --------------------------------------------------------------------------


def test_a_manager_records_a_value_audited_and_shown_in_the_history(client, manager, reported):
    client = login(client, manager)
    response = post_value(client, reported)
    assert response.status_code == 302
    entry = KpiValue.objects.get()
    assert (entry.target, entry.value, entry.measured_on, entry.note, entry.recorded_by) == (
        reported, 7, date(2026, 6, 30), "Two courses, lists attached.", manager)
    [audit] = audit_trail(reported)
    assert (audit.action, audit.actor, audit.data) == ("kpi_value_recorded", manager, {
        "value_id": entry.pk, "value": 7, "measured_on": "2026-06-30",
        "note": "Two courses, lists attached.", "evidence": "", "sha256": ""})
    page = client.get(detail(reported))
    assert [e.pk for e in page.context["history"]] == [entry.pk]
    assert page.context["kpi"].actual == 7
    assert f'data-value="{entry.pk}"' in page.content.decode()


def test_the_latest_value_by_date_is_the_actual(client, manager, reported):
    client = login(client, manager)
    post_value(client, reported, value="9", measured_on="2026-09-30")
    post_value(client, reported, value="4", measured_on="2026-03-31")  # entered late
    assert client.get(detail(reported)).context["kpi"].actual == 9
    assert len(audit_trail(reported)) == 2


def test_a_pdf_is_kept_as_evidence_and_served_to_the_eurocluster_only(client, manager, reported,
                                                                       eurocluster_b):
    client = login(client, manager)
    response = post_value(client, reported,
                          evidence=SimpleUploadedFile("lists.pdf", MINIMAL_PDF))
    assert response.status_code == 302
    entry = KpiValue.objects.get()
    assert (entry.evidence_name, entry.evidence_size) == ("lists.pdf", len(MINIMAL_PDF))
    assert audit_trail(reported)[0].data["evidence"] == "lists.pdf"
    url = reverse("reporting:kpi_evidence", args=[entry.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    assert login(client, MembershipFactory(eurocluster=eurocluster_b).user).get(
        url).status_code == 404
    assert login(client, UserFactory()).get(url).status_code == 403


def test_evidence_that_is_not_a_pdf_is_refused(client, manager, reported):
    response = post_value(login(client, manager), reported,
                          evidence=SimpleUploadedFile("lists.pdf", b"PK\x03\x04 a zip file"))
    assert response.status_code == 409
    assert "is not a PDF document" in response.content.decode()
    assert not KpiValue.objects.exists()
    assert not audit_trail(reported).exists()


def test_evidence_over_the_limit_is_refused(client, manager, reported, monkeypatch):
    monkeypatch.setattr(services, "EVIDENCE_MAX_MB", 0.0001)  # 104 bytes
    big = MINIMAL_PDF[:-6] + b" " * 200 + b"%%EOF\n"
    response = post_value(login(client, manager), reported,
                          evidence=SimpleUploadedFile("big.pdf", big))
    assert response.status_code == 409
    assert "the limit is" in response.content.decode()
    assert not KpiValue.objects.exists()


def test_a_computed_kpi_takes_no_reported_value(client, manager, eurocluster_a):
    computed = target(eurocluster_a, name="Projects", measure=M.PROJECTS_FUNDED)
    client = login(client, manager)
    page = client.get(detail(computed))
    assert page.context["form"] is None
    assert "The grant agreements countersigned" in page.content.decode()
    assert post_value(client, computed).status_code == 409
    assert not KpiValue.objects.exists()


def test_a_value_in_the_future_or_negative_is_refused(client, manager, reported):
    client = login(client, manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert post_value(client, reported, measured_on=tomorrow.isoformat()).status_code == 400
    assert post_value(client, reported, value="-1").status_code == 400
    assert not KpiValue.objects.exists()


# --- new products declared in the final report ------------------------------------------------


def test_the_final_report_declares_new_products(client):
    agreement = contracted(tranches=((50, "agreement_countersigned"),
                                     (50, "final_report_approved")))
    client = login(client, agreement.application.organisation.user)
    url = reverse("payments:report", args=[agreement.application_id, "final"])
    assert "new_products" in client.get(url).context["form"].fields
    data = {"text": TEXT, "deliverables": "Prototype", "action": "draft"}
    assert client.post(url, {**data, "new_products": "-1"}).status_code == 400
    assert client.post(url, {**data, "new_products": "4"}).status_code == 302
    assert ProgressReport.objects.get(agreement=agreement, kind="final").new_products == 4


def test_the_interim_report_asks_for_no_new_products(client):
    agreement = contracted()
    client = login(client, agreement.application.organisation.user)
    url = reverse("payments:report", args=[agreement.application_id, "interim"])
    assert "new_products" not in client.get(url).context["form"].fields


@pytest.mark.parametrize("rows", [1, 12])
def test_a_kpis_page_query_count_does_not_grow_with_its_history(client, manager, reported, rows,
                                                                django_assert_num_queries):
    for month in range(1, rows + 1):
        KpiValue.objects.create(target=reported, value=month, measured_on=date(2026, month, 1),
                                recorded_by=manager)
    client = login(client, manager)
    # session, user with her memberships and the bell's unread count (euroclusters.backends), the
    # target, its values for the figures, the history with authors.
    with django_assert_num_queries(5):
        response = client.get(detail(reported))
    assert len(response.context["history"]) == rows


# --- charts (pygal, as the dashboard's) --------------------------------------------------------


def test_the_list_draws_every_kpi_with_pygal(client, manager, reported, monkeypatch):
    """One overview chart (% of target, with its table and the list's CSV), and two sparklines
    per KPI; no hand-built drawing and no script."""
    monkeypatch.setattr(timezone, "localdate", lambda: date(2026, 3, 15))
    KpiValue.objects.create(target=reported, value=6, measured_on=date(2026, 2, 10),
                            recorded_by=manager)
    target(reported.eurocluster, name="Amount paid", measure=M.AMOUNT_PAID, value=1000)
    response = login(client, manager).get(LIST)
    overview = response.context["overview"]
    # 73 of 729 days: 1.5 of 15 (10 %) and 100.1 of 1,000 (10 %) expected by 15 March 2026.
    assert (overview.header, overview.rows, overview.cells()) == (
        ["Indicator", "Actual (% of target)", "Expected by today (% of target)"],
        [["Amount paid", 0, 10], ["Staff trained", 40, 10]],
        [["Amount paid", "0 %", "10 %"], ["Staff trained", "40 %", "10 %"]])
    html = response.content.decode()
    assert html.count('class="pygal-chart pygal-sparkline"') == 4  # a bullet and a trend each
    assert html.count("<svg") == 5
    assert 'id="chart-kpis"' in html and "<script type" not in html
    assert 'href="/manage/kpis.csv?eurocluster=' + reported.eurocluster.slug + '"' in html
    assert "<polyline" not in html  # the old hand-made trend


def test_without_grant_dates_the_overview_has_no_expected_series(client, manager, reported):
    reported.eurocluster.starts_on = reported.eurocluster.ends_on = None
    reported.eurocluster.save()
    overview = login(client, manager).get(LIST).context["overview"]
    assert (overview.series, overview.rows) == (["Actual (% of target)"],
                                                [["Staff trained", 0]])


def test_a_kpis_page_draws_actual_against_target_and_the_trend(client, manager, reported,
                                                               monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: date(2026, 3, 15))
    KpiValue.objects.create(target=reported, value=6, measured_on=date(2026, 2, 10),
                            recorded_by=manager)
    response = login(client, manager).get(detail(reported))
    html = response.content.decode()
    kpi = response.context["kpi"]
    assert kpi.progress_chart.cells() == [["Target", "15"], ["Expected by today", "1.5"],
                                          ["Actual", "6"]]
    assert kpi.trend_chart.cells() == [["31 January 2026", "0", "15"],
                                       ["28 February 2026", "6", "15"],
                                       ["15 March 2026", "6", "15"]]
    assert html.count("<svg") == 2
    for slug in (f"kpi-{reported.pk}-progress", f"kpi-{reported.pk}-trend"):
        assert f'id="chart-{slug}"' in html
    # Both "download data" links give the KPI's figures (day, value, target).
    assert html.count(f'href="{reverse("reporting:kpi_csv", args=[reported.pk])}"') == 3


def test_a_money_kpi_shows_euros_in_its_chart_tables(client, manager, reported):
    paid = target(reported.eurocluster, name="Amount paid", measure=M.AMOUNT_PAID, value=1000)
    kpi = login(client, manager).get(detail(paid)).context["kpi"]
    assert kpi.progress_chart.cells()[0] == ["Target", "EUR 1,000.00"]


def test_the_same_drawing_twice_on_a_page_keeps_ids_of_its_own(client, manager, reported):
    target(reported.eurocluster, name="Staff trained again")  # the same figures
    html = login(client, manager).get(LIST).content.decode()
    ids = re.findall(r'<svg[^>]* id="chart-([0-9a-f]{32})"', html)
    assert len(ids) == len(set(ids)) == 5


# --- download data ----------------------------------------------------------------------------


def csv_of(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode()


def test_the_list_and_a_kpis_trend_download_as_csv(client, manager, reported, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: date(2026, 3, 15))
    KpiValue.objects.create(target=reported, value=6, measured_on=date(2026, 2, 10),
                            recorded_by=manager)
    target(reported.eurocluster, name="=HYPERLINK(1)", measure=M.AMOUNT_PAID, value=1000)
    client = login(client, manager)
    # 73 of 729 days: 1.5 of 15 and 100.1 of 1,000 expected by 15 March 2026.
    assert csv_of(client.get(reverse("reporting:kpis_csv"))).splitlines() == [
        "Indicator,Objective,Measured as,Target,Actual,Share of the target (%),"
        "Expected by today,Status",
        "'=HYPERLINK(1),Train,Amount paid (EUR),1000,0,0,100.1,Behind",
        "Staff trained,Train,Reported,15,6,40,1.5,On track"]
    assert csv_of(client.get(reverse("reporting:kpi_csv", args=[reported.pk]))).splitlines() == [
        "Day,Value,Target", "2026-01-31,0,15", "2026-02-28,6,15", "2026-03-15,6,15"]


def test_the_downloads_are_refused_outside_the_eurocluster(client, reported, eurocluster_b):
    client = login(client, MembershipFactory(eurocluster=eurocluster_b).user)
    assert client.get(reverse("reporting:kpi_csv", args=[reported.pk])).status_code == 404
    assert client.get(reverse("reporting:kpis_csv"),
                      {"eurocluster": reported.eurocluster.slug}).status_code == 404
    client = login(client, UserFactory())
    assert client.get(reverse("reporting:kpi_csv", args=[reported.pk])).status_code == 403
    assert client.get(reverse("reporting:kpis_csv")).status_code == 403


# --- virus scanning -----------------------------------------------------------------------------


def test_infected_evidence_is_refused_naming_the_threat_and_audited(client, manager, reported,
                                                                    fake_clamd):
    response = post_value(login(client, manager), reported,
                          evidence=SimpleUploadedFile("lists.pdf", INFECTED_PDF))
    assert response.status_code == 409
    assert refusal("lists.pdf") in response.content.decode()
    assert not KpiValue.objects.exists()
    assert [(e.action, e.actor, e.reason) for e in audit_trail(reported)] == [
        ("upload_infected", manager, THREAT)]


def test_evidence_waiting_for_its_scan_is_listed_pending_and_not_served(client, manager, reported,
                                                                        fake_clamd):
    fake_clamd.down = True
    client = login(client, manager)
    assert post_value(client, reported, evidence=SimpleUploadedFile(
        "lists.pdf", MINIMAL_PDF)).status_code == 302
    entry = KpiValue.objects.get()
    url = reverse("reporting:kpi_evidence", args=[entry.pk])
    html = client.get(detail(reported)).content.decode()
    assert "scan pending" in html and f'href="{url}"' not in html
    assert client.get(url).status_code == 404
    fake_clamd.down = False
    registered_task("portal.scan_pending").apply()
    assert f'href="{url}"' in client.get(detail(reported)).content.decode()
    assert client.get(url).status_code == 200
