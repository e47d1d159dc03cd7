"""The due dates of the reports that pay tranches: set by the cluster manager
(``payments:manage_report_dates``, ``tranche_report_dates_set``), shown to the beneficiary on her
reports and payments pages."""

from datetime import date, datetime

import pytest
from django.urls import reverse

from euroclusters.models import Membership
from payments.models import GrantAgreement, Tranche
from payments.services.beneficiary import ReportDatesRefused, tranche_report_dates_set
from portal.formats import BRUSSELS
from portal.models import AuditEntry
from tests.applications.test_walk_next_actions import bank, dashboard, step_of
from tests.evaluation.factories import CallEvaluatorFactory
from tests.factories import MembershipFactory
from tests.payments.factories import results_call
from tests.payments.test_beneficiary_views import SCHEDULE_3, contracted

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    return contracted(results_call(tranches=SCHEDULE_3))


def manager_of(agreement, role=Membership.Role.MANAGER):
    return MembershipFactory(role=role, eurocluster=agreement.application.call.eurocluster).user


def report_tranches(agreement):
    return (agreement.tranches.get(event="interim_report_approved"),
            agreement.tranches.get(event="final_report_approved"))


def url(agreement):
    return reverse("payments:manage_report_dates", args=[agreement.pk])


def test_the_manager_sets_the_dates_and_the_beneficiary_sees_them(client, agreement):
    interim, final = report_tranches(agreement)
    client.force_login(manager_of(agreement))
    page = client.get(url(agreement))
    assert page.status_code == 200
    assert list(page.context["form"].fields) == [f"tranche_{interim.pk}", f"tranche_{final.pk}"]
    response = client.post(url(agreement), {f"tranche_{interim.pk}": "2027-06-30",
                                            f"tranche_{final.pk}": "2027-12-31"})
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:manage_agreements",
                                           args=[agreement.application.call_id])
    assert list(agreement.tranches.order_by("position").values_list("report_due_on", flat=True)) \
        == [None, date(2027, 6, 30), date(2027, 12, 31)]
    entry = AuditEntry.objects.get(action="report_dates_set")
    assert entry.data == {"tranches": [
        {"position": 2, "event": "interim_report_approved", "from": None, "to": "2027-06-30"},
        {"position": 3, "event": "final_report_approved", "from": None, "to": "2027-12-31"}]}

    client.force_login(agreement.application.organisation.user)
    reports = client.get(reverse("payments:reports", args=[agreement.application_id]))
    assert [(r["kind"], r["due_on"]) for r in reports.context["rows"]] == [
        ("interim", date(2027, 6, 30)), ("final", date(2027, 12, 31))]
    assert "30 June 2027" in reports.content.decode()
    timeline = client.get(reverse("payments:payments_timeline", args=[agreement.application_id]))
    assert "report due by 31 December 2027" in timeline.content.decode()


def test_the_same_dates_again_change_and_audit_nothing(agreement):
    interim, final = report_tranches(agreement)
    dates = {interim.pk: date(2027, 6, 30), final.pk: date(2027, 12, 31)}
    assert len(tranche_report_dates_set(agreement=agreement, dates=dates, by=None)) == 2
    assert tranche_report_dates_set(agreement=agreement, dates=dates, by=None) == []
    assert AuditEntry.objects.filter(action="report_dates_set").count() == 1


def test_a_missing_date_is_refused_and_saves_nothing(client, agreement):
    interim, final = report_tranches(agreement)
    client.force_login(manager_of(agreement))
    response = client.post(url(agreement), {f"tranche_{interim.pk}": "2027-06-30"})
    assert response.status_code == 400
    assert not Tranche.objects.filter(report_due_on__isnull=False).exists()


def test_a_tranche_paid_on_no_report_or_of_another_agreement_is_refused(agreement):
    other = contracted(results_call(tranches=SCHEDULE_3))
    countersigned = agreement.tranches.get(event="agreement_countersigned")
    for tranche in (countersigned, report_tranches(other)[0]):
        with pytest.raises(ReportDatesRefused):
            tranche_report_dates_set(agreement=agreement, dates={tranche.pk: date(2027, 1, 1)},
                                     by=None)
    assert not Tranche.objects.filter(report_due_on__isnull=False).exists()


def test_a_closed_agreement_keeps_its_dates(client, agreement):
    interim, final = report_tranches(agreement)
    GrantAgreement.objects.filter(pk=agreement.pk).update(status=GrantAgreement.Status.CLOSED)
    client.force_login(manager_of(agreement))
    response = client.post(url(agreement), {f"tranche_{interim.pk}": "2027-06-30",
                                            f"tranche_{final.pk}": "2027-12-31"})
    assert response.status_code == 409
    assert not Tranche.objects.filter(report_due_on__isnull=False).exists()


@pytest.mark.parametrize("who", ["beneficiary", "finance", "evaluator", "other_manager"])
def test_other_roles_can_neither_see_nor_set_the_dates(client, agreement, who):
    interim, final = report_tranches(agreement)
    user = {
        "beneficiary": lambda: agreement.application.organisation.user,
        "finance": lambda: manager_of(agreement, Membership.Role.FINANCE),
        "evaluator": lambda: CallEvaluatorFactory(call=agreement.application.call).user,
        "other_manager": lambda: MembershipFactory(role=Membership.Role.MANAGER).user,
    }[who]()
    client.force_login(user)
    assert client.get(url(agreement)).status_code == 404
    assert client.post(url(agreement), {f"tranche_{interim.pk}": "2027-06-30",
                                        f"tranche_{final.pk}": "2027-12-31"}).status_code == 404
    assert not Tranche.objects.filter(report_due_on__isnull=False).exists()


def test_anonymous_visitors_go_to_the_login_page(client, agreement):
    response = client.get(url(agreement))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_manager_s_agreements_list_links_to_the_dates_of_countersigned_ones(client, agreement):
    client.force_login(manager_of(agreement))
    page = client.get(reverse("payments:manage_agreements", args=[agreement.application.call_id]))
    assert url(agreement) in page.content.decode()


def test_the_beneficiary_s_next_step_carries_the_report_s_due_date(client, agreement):
    interim, final = report_tranches(agreement)
    bank(agreement.application.organisation)
    application = agreement.application
    interim_url = reverse("payments:report", kwargs={"pk": application.pk, "kind": "interim"})
    assert step_of(client, application) == ("Submit the interim report", interim_url, None)
    tranche_report_dates_set(agreement=agreement, dates={interim.pk: date(2027, 6, 30)}, by=None)
    assert step_of(client, application) == (
        "Submit the interim report", interim_url,
        datetime(2027, 6, 30, 23, 59, 59, tzinfo=BRUSSELS))
    assert "Due by" in dashboard(client, application.organisation).content.decode()
