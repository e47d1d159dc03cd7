"""Issue 16, item 3: each row of the applicant's dashboard shows the next thing to do, as a
button with its deadline (providers registered by applications, evaluation and payments)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from calls.models import OpenCall
from evaluation.models import Ranking, RedressRequest
from payments.models import BankAccount, GrantAgreement, ProgressReport
from tests.evaluation.factories import closed_call, eligible_application
from tests.factories import ApplicationFactory, OrganisationFactory
from tests.payments.factories import (
    BIC_BE,
    IBAN_BE,
    agreement_row,
    results_call,
    selected_application,
    tranche_rows,
)

pytestmark = pytest.mark.django_db
S = Application.Status
INTERIM = ((50, "agreement_countersigned"), (30, "interim_report_approved"),
           (20, "final_report_approved"))


def dashboard(client, organisation):
    client.force_login(organisation.user)
    response = client.get(reverse("applications:dashboard"))
    assert response.status_code == 200
    return response


def step_of(client, application):
    rows = dashboard(client, application.organisation).context["applications"]
    action = next(a for a in rows if a.pk == application.pk).next_action
    return None if action is None else (str(action.label), action.url, action.deadline)


def bank(organisation, status=BankAccount.Status.ACTIVE):
    return BankAccount.objects.create(organisation=organisation, status=status,
                                      holder=organisation.legal_name, iban=IBAN_BE, bic=BIC_BE,
                                      created_by=organisation.user)


def publish(call: OpenCall, at=None) -> Ranking:
    return Ranking.objects.create(call=call, status=Ranking.Status.PUBLISHED,
                                  published_at=at or timezone.now())


def test_a_draft_of_an_open_call_is_to_be_finished_by_the_deadline(client):
    draft = ApplicationFactory()
    assert step_of(client, draft) == ("Finish and submit",
                                      reverse("applications:edit", kwargs={"pk": draft.pk}),
                                      draft.call.closes_at)


def test_a_draft_of_a_closed_call_has_nothing_left_to_do(client):
    draft = ApplicationFactory(call=closed_call())
    assert step_of(client, draft) is None


def test_a_selected_sme_is_told_to_sign_the_agreement_by_its_deadline(client):
    application = selected_application()
    agreement = agreement_row(application)
    assert step_of(client, application) == (
        "Sign the grant agreement", reverse("payments:agreement", kwargs={"pk": application.pk}),
        agreement.signing_deadline)
    page = dashboard(client, application.organisation).content.decode()
    assert (f'<a class="btn btn-sm btn-primary" href="/applications/{application.pk}/agreement/"'
            f' data-next-action>Sign the grant agreement</a>') in page
    assert "Sign by <span class=\"deadline\">" in page


def test_once_signed_without_bank_details_she_is_asked_for_them(client):
    application = selected_application()
    agreement_row(application, status=GrantAgreement.Status.SIGNED_BY_BENEFICIARY)
    assert step_of(client, application) == ("Add bank details", reverse("payments:bank"), None)
    bank(application.organisation, BankAccount.Status.PENDING)
    assert step_of(client, application) is None


def test_the_reports_come_one_after_the_other(client):
    application = eligible_application(results_call(tranches=INTERIM), status=S.CONTRACTED)
    agreement = agreement_row(application, status=GrantAgreement.Status.COUNTERSIGNED)
    tranche_rows(agreement)
    bank(application.organisation)
    interim_url = reverse("payments:report", kwargs={"pk": application.pk, "kind": "interim"})
    assert step_of(client, application) == ("Submit the interim report", interim_url, None)
    report = ProgressReport.objects.create(agreement=agreement, kind="interim",
                                           status=ProgressReport.Status.SUBMITTED)
    assert step_of(client, application) is None  # waiting for the manager
    ProgressReport.objects.filter(pk=report.pk).update(
        status=ProgressReport.Status.CHANGES_REQUESTED)
    assert step_of(client, application) == ("Revise the interim report", interim_url, None)
    ProgressReport.objects.filter(pk=report.pk).update(status=ProgressReport.Status.APPROVED)
    assert step_of(client, application) == (
        "Submit the final report",
        reverse("payments:report", kwargs={"pk": application.pk, "kind": "final"}), None)


def test_a_rejected_applicant_reads_the_results_while_a_redress_is_possible(client):
    call = closed_call(status=OpenCall.Status.RESULTS)
    application = eligible_application(call, status=S.REJECTED)
    ranking = publish(call)
    label, url, deadline = step_of(client, application)
    assert (label, url) == ("Read the results",
                            reverse("evaluation:esr", kwargs={"pk": application.pk}))
    assert deadline > ranking.published_at + timedelta(days=call.redress_days)
    RedressRequest.objects.create(application=application, filed_by=application.created_by,
                                  reasons="x" * 60)
    assert step_of(client, application) == (
        "Read the evaluation summary", reverse("evaluation:esr", kwargs={"pk": application.pk}),
        None)


def test_after_the_redress_window_the_summary_is_still_there_to_read(client):
    call = closed_call(status=OpenCall.Status.RESULTS)
    application = eligible_application(call, status=S.REJECTED)
    publish(call, at=timezone.now() - timedelta(days=40))
    assert step_of(client, application)[0] == "Read the evaluation summary"


def test_an_ineligible_applicant_may_request_a_redress_once_results_are_released(client):
    call = closed_call(eligibility_released_at=timezone.now())
    application = eligible_application(call, status=S.INELIGIBLE)
    label, url, _deadline = step_of(client, application)
    assert (label, url) == ("Request a redress",
                            reverse("evaluation:redress_file", kwargs={"pk": application.pk}))


def _queries(client, organisation) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("applications:dashboard")).status_code == 200
    return len(captured)


def _one_of_each(organisation):
    ApplicationFactory(organisation=organisation)
    selected = selected_application(organisation=organisation)
    agreement_row(selected)
    countersigned = eligible_application(results_call(tranches=INTERIM),
                                         organisation=organisation, status=S.CONTRACTED)
    tranche_rows(agreement_row(countersigned, status=GrantAgreement.Status.COUNTERSIGNED))
    rejected_call = closed_call(status=OpenCall.Status.RESULTS)
    eligible_application(rejected_call, organisation=organisation, status=S.REJECTED)
    publish(rejected_call)


@pytest.mark.parametrize("rows", [1, 4])
def test_the_dashboard_query_count_is_fixed_at_one_and_many_rows(client, rows):
    organisation = OrganisationFactory()
    client.force_login(organisation.user)
    for _ in range(rows):
        _one_of_each(organisation)
    assert len(dashboard(client, organisation).context["applications"]) == 4 * rows
    # session; its user with her memberships (the menu) and the bell's unread count
    # (euroclusters.backends); organisation, applications; evaluation: rankings, redress requests;
    # payments: agreements, bank accounts, interim tranches, reports; open calls and their
    # voucher types; a signature of hers (the invitation to set up a second factor)
    assert _queries(client, organisation) == 13
