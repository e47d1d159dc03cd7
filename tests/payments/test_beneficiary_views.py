"""Pages of the beneficiary's money side: allowed and refused, with fixed query counts."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from euroclusters.models import Membership
from payments.models import BankAccount, Payment, PaymentBatch, ProgressReport, Tranche
from payments.services.beneficiary import (
    bank_account_save,
    report_attach,
    report_save,
    report_submit,
    tranches_create,
    tranches_on_event,
)
from portal.audit import audit_trail
from portal.queue import registered_task
from tests.evaluation.factories import CallEvaluatorFactory
from tests.factories import MINIMAL_PDF, EuroclusterFactory, MembershipFactory, UserFactory
from tests.payments.factories import (
    BIC_BE,
    BIC_DE,
    IBAN_BE,
    IBAN_DE,
    agreement_row,
    results_call,
    selected_application,
)
from tests.scanning import INFECTED_PDF, THREAT, refusal

pytestmark = pytest.mark.django_db
TEXT = "We integrated the camera and trained the model on our welding seams. " * 4
SCHEDULE_3 = ((40, "agreement_countersigned"), (45, "interim_report_approved"),
              (15, "final_report_approved"))


def contracted(call=None):
    call = call or results_call(tranches=SCHEDULE_3)
    application = selected_application(call)
    agreement = agreement_row(application, status="countersigned")
    Application.objects.filter(pk=application.pk).update(status=Application.Status.CONTRACTED)
    tranches_create(agreement=agreement, by=None)
    tranches_on_event(agreement=agreement, event="agreement_countersigned", by=None)
    return agreement


def submitted_report(agreement, kind="interim"):
    user = agreement.application.organisation.user
    report = report_save(agreement=agreement, kind=kind, by=user, text=TEXT,
                         deliverables="Prototype")
    report_attach(report=report, by=user, uploaded=SimpleUploadedFile("r.pdf", MINIMAL_PDF))
    return report_submit(report=report, by=user)


@pytest.fixture
def agreement():
    return contracted()


@pytest.fixture
def beneficiary_client(client, agreement):
    client.force_login(agreement.application.organisation.user)
    return client


@pytest.fixture
def other_client(client):
    """The beneficiary of another application, with bank details of its own."""
    other = contracted()
    user = other.application.organisation.user
    bank_account_save(organisation=other.application.organisation, by=user, holder="Other SA",
                      iban=IBAN_DE, bic=BIC_DE)
    client.force_login(user)
    return client


def _manager_of(agreement):
    return MembershipFactory(role=Membership.Role.MANAGER,
                             eurocluster=agreement.application.call.eurocluster).user


def _finance_of(eurocluster):
    return MembershipFactory(role=Membership.Role.FINANCE, eurocluster=eurocluster).user


# --- bank ---------------------------------------------------------------------------------------


def test_bank_page_saves_and_shows_the_account_masked(beneficiary_client, agreement):
    url = reverse("payments:bank")
    response = beneficiary_client.post(url, {"holder": "Acme Robotics SRL",
                                             "iban": "BE68 5390 0754 7034", "bic": BIC_BE})
    assert response.status_code == 302
    account = BankAccount.objects.get(organisation=agreement.application.organisation)
    # The agreement is countersigned: the first account waits for finance too.
    assert (account.status, account.iban) == (BankAccount.Status.PENDING, IBAN_BE)
    page = beneficiary_client.get(url).content.decode()
    assert "****7034" in page
    assert IBAN_BE not in page
    assert "waiting for a finance officer" in page


def test_bank_page_shows_field_errors(beneficiary_client):
    response = beneficiary_client.post(reverse("payments:bank"), {
        "holder": "Acme", "iban": "BE68539007547035", "bic": BIC_DE})
    assert response.status_code == 400
    assert response.context["form"].errors == {"iban": [
        "This is not a valid IBAN (Invalid checksum digits). Please copy it from a bank "
        "statement."]}
    assert not BankAccount.objects.exists()


def test_bank_page_never_shows_another_beneficiarys_account(beneficiary_client, other_client,
                                                            agreement):
    beneficiary_client.force_login(agreement.application.organisation.user)
    page = beneficiary_client.get(reverse("payments:bank")).content.decode()
    assert "3000" not in page
    assert "Other SA" not in page
    assert "No bank account yet." in page


def test_bank_page_without_an_enterprise_asks_for_it_first(client):
    client.force_login(UserFactory())
    response = client.get(reverse("payments:bank"))
    assert response.status_code == 200
    assert response.context["organisation"] is None
    assert client.post(reverse("payments:bank"), {"holder": "A"}).status_code == 404


def test_bank_page_needs_a_login(client):
    response = client.get(reverse("payments:bank"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- reports (beneficiary) ----------------------------------------------------------------------


def test_reports_page_lists_the_expected_reports(beneficiary_client, agreement):
    response = beneficiary_client.get(reverse("payments:reports", args=[agreement.application_id]))
    assert response.status_code == 200
    assert [(r["kind"], r["report"], r["blocker"]) for r in response.context["rows"]] == [
        ("interim", None, None),
        ("final", None, "The final report opens once the interim report is approved.")]


def test_report_page_saves_submits_and_uploads(beneficiary_client, agreement):
    url = reverse("payments:report", args=[agreement.application_id, "interim"])
    assert beneficiary_client.post(url, {"text": TEXT, "deliverables": "Prototype",
                                         "action": "draft"}).status_code == 302
    upload = beneficiary_client.post(
        reverse("payments:report_attach", args=[agreement.application_id, "interim"]),
        {"file": SimpleUploadedFile("result.pdf", MINIMAL_PDF)})
    assert upload.status_code == 302
    report = ProgressReport.objects.get(agreement=agreement, kind="interim")
    attachment = report.attachments.get()
    download = beneficiary_client.get(reverse(
        "payments:report_attachment", args=[agreement.application_id, "interim", attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    response = beneficiary_client.post(url, {"text": TEXT, "deliverables": "Prototype",
                                             "action": "submit"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
    page = beneficiary_client.get(url)
    assert page.status_code == 200
    assert page.context["editable"] is False
    assert "report-form" not in page.content.decode()
    assert "result.pdf" in page.content.decode()


def test_report_page_says_what_the_submission_misses(beneficiary_client, agreement):
    url = reverse("payments:report", args=[agreement.application_id, "interim"])
    response = beneficiary_client.post(url, {"text": "Short.", "deliverables": "",
                                             "action": "submit"})
    assert response.status_code == 400
    assert response.context["refusal"].details == [
        "Describe the progress and results in at least 200 characters (now 6).",
        "List the deliverables produced so far."]
    assert ProgressReport.objects.get(agreement=agreement).status == ProgressReport.Status.DRAFT


def test_an_unknown_report_kind_is_404(beneficiary_client, agreement):
    url = reverse("payments:report", args=[agreement.application_id, "weekly"])
    assert beneficiary_client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["reports", "payments_timeline"])
def test_another_beneficiary_cannot_open_the_pages_of_an_application(other_client, agreement,
                                                                     name):
    assert other_client.get(reverse(f"payments:{name}",
                                    args=[agreement.application_id])).status_code == 404


def test_another_beneficiary_cannot_read_write_or_download_a_report(other_client, agreement):
    report = submitted_report(agreement)
    attachment = report.attachments.get()
    pk = agreement.application_id
    assert other_client.get(reverse("payments:report", args=[pk, "interim"])).status_code == 404
    assert other_client.post(reverse("payments:report", args=[pk, "interim"]),
                             {"text": "x", "deliverables": "y"}).status_code == 404
    assert other_client.get(reverse("payments:report_attachment",
                                    args=[pk, "interim", attachment.pk])).status_code == 404


def test_a_manager_has_no_beneficiary_report_page(client, agreement):
    client.force_login(_manager_of(agreement))
    url = reverse("payments:report", args=[agreement.application_id, "interim"])
    assert client.get(url).status_code == 404


# --- payments timeline --------------------------------------------------------------------------


def test_payments_timeline_shows_tranches_and_payments(beneficiary_client, agreement):
    organisation = agreement.application.organisation
    account = bank_account_save(organisation=organisation, by=organisation.user,
                                holder="Acme Robotics SRL", iban=IBAN_BE, bic=BIC_BE)
    BankAccount.objects.filter(pk=account.pk).update(status=BankAccount.Status.ACTIVE)
    first = Tranche.objects.get(agreement=agreement, position=1)
    Tranche.objects.filter(pk=first.pk).update(status=Tranche.Status.PAID)
    batch = PaymentBatch.objects.create(
        eurocluster=agreement.application.call.eurocluster, reference="B-2026-0001",
        created_by=organisation.user, status=PaymentBatch.Status.SENT, sent_at=timezone.now())
    Payment.objects.create(tranche=first, batch=batch, bank_account=account,
                           amount=first.amount, status=Payment.Status.PAID,
                           end_to_end_id="E2E-1", bank_reference="BNK-778899",
                           settled_at=timezone.now())
    response = beneficiary_client.get(reverse("payments:payments_timeline",
                                              args=[agreement.application_id]))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["tranche"].position, r["tranche"].amount, r["tranche"].status) for r in rows] == [
        (1, Decimal("8000.00"), "paid"), (2, Decimal("9000.00"), "planned"),
        (3, Decimal("3000.00"), "planned")]
    assert [(p["payment"].bank_reference, p["iban"]) for p in rows[0]["payments"]] == [
        ("BNK-778899", "****7034")]
    page = response.content.decode()
    assert "BNK-778899" in page
    assert IBAN_BE not in page
    assert response.context["paid"] == Decimal("8000.00")


def test_payments_timeline_names_the_event_that_triggers_each_tranche(beneficiary_client,
                                                                       agreement):
    response = beneficiary_client.get(reverse("payments:payments_timeline",
                                              args=[agreement.application_id]))
    page = response.content.decode()
    assert "<th>Triggered by</th>" in page
    assert "Paid when" not in page
    assert page.count("Interim report approved") == 1


def test_payments_timeline_without_agreement(client):
    application = selected_application(results_call())
    client.force_login(application.organisation.user)
    response = client.get(reverse("payments:payments_timeline", args=[application.pk]))
    assert response.status_code == 200
    assert response.context["rows"] == []


# --- manager ------------------------------------------------------------------------------------


def test_manage_reports_lists_the_waiting_reports(client, agreement):
    report = submitted_report(agreement)
    client.force_login(_manager_of(agreement))
    response = client.get(reverse("payments:manage_reports",
                                  args=[agreement.application.call_id]))
    assert response.status_code == 200
    assert response.context["reports"] == [report]
    assert response.context["waiting"] == 1


@pytest.mark.parametrize("count", [1, 6])
def test_manage_reports_query_count_is_fixed(client, django_assert_num_queries, count):
    call = results_call(tranches=SCHEDULE_3)
    agreements = [contracted(call) for _ in range(count)]
    for agreement in agreements:
        submitted_report(agreement)
    client.force_login(_manager_of(agreements[0]))
    url = reverse("payments:manage_reports", args=[call.pk])
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["reports"]) == count


def test_manager_reviews_a_report_and_downloads_its_document(client, agreement):
    report = submitted_report(agreement)
    client.force_login(_manager_of(agreement))
    attachment = report.attachments.get()
    download = client.get(reverse("payments:manage_report_attachment",
                                  args=[report.pk, attachment.pk]))
    assert download.status_code == 200
    url = reverse("payments:manage_report", args=[report.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"decision": "changes", "comment": "Short."})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {"comment": [
        "Please tell the beneficiary what to change, in at least 20 characters."]}
    response = client.post(url, {"decision": "approve", "comment": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.APPROVED
    assert Tranche.objects.get(agreement=agreement, position=2).status == Tranche.Status.DUE


def test_a_manager_of_another_eurocluster_gets_404(client, agreement, manager_a):
    report = submitted_report(agreement)
    attachment = report.attachments.get()
    client.force_login(manager_a.user)  # manager of eurocluster_a, not the call's
    assert client.get(reverse("payments:manage_reports",
                              args=[agreement.application.call_id])).status_code == 404
    assert client.get(reverse("payments:manage_report", args=[report.pk])).status_code == 404
    assert client.post(reverse("payments:manage_report", args=[report.pk]),
                       {"decision": "approve"}).status_code == 404
    assert client.get(reverse("payments:manage_report_attachment",
                              args=[report.pk, attachment.pk])).status_code == 404
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED


def test_an_evaluator_of_the_call_gets_404(client, agreement):
    report = submitted_report(agreement)
    evaluator = CallEvaluatorFactory(call=agreement.application.call).user
    client.force_login(evaluator)
    assert client.get(reverse("payments:manage_reports",
                              args=[agreement.application.call_id])).status_code == 404
    assert client.get(reverse("payments:manage_report", args=[report.pk])).status_code == 404
    assert client.get(reverse("payments:report", args=[agreement.application_id,
                                                       "interim"])).status_code == 404
    assert client.get(reverse("payments:finance_bank_changes")).status_code == 403


def test_the_beneficiary_cannot_review_its_own_report(beneficiary_client, agreement):
    report = submitted_report(agreement)
    assert beneficiary_client.post(reverse("payments:manage_report", args=[report.pk]),
                                   {"decision": "approve"}).status_code == 404


# --- finance ------------------------------------------------------------------------------------


def _pending_change(agreement):
    organisation = agreement.application.organisation
    return bank_account_save(organisation=organisation, by=organisation.user, holder="Acme NV",
                             iban=IBAN_DE, bic=BIC_DE)


def test_finance_lists_and_approves_a_bank_change(client, agreement):
    pending = _pending_change(agreement)
    client.force_login(_finance_of(agreement.application.call.eurocluster))
    response = client.get(reverse("payments:finance_bank_changes"))
    assert response.status_code == 200
    assert [r["account"] for r in response.context["rows"]] == [pending]
    assert response.context["rows"][0]["calls"] == [agreement.application.call.reference]
    decided = client.post(reverse("payments:finance_bank_decide", args=[pending.pk]),
                          {f"a{pending.pk}-decision": "approve", f"a{pending.pk}-note": ""})
    assert decided.status_code == 302
    pending.refresh_from_db()
    assert pending.status == BankAccount.Status.ACTIVE


def test_finance_rejects_only_with_a_note(client, agreement):
    pending = _pending_change(agreement)
    client.force_login(_finance_of(agreement.application.call.eurocluster))
    url = reverse("payments:finance_bank_decide", args=[pending.pk])
    client.post(url, {f"a{pending.pk}-decision": "reject", f"a{pending.pk}-note": ""})
    pending.refresh_from_db()
    assert pending.status == BankAccount.Status.PENDING
    client.post(url, {f"a{pending.pk}-decision": "reject",
                      f"a{pending.pk}-note": "Not the company's account."})
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note) == (BankAccount.Status.REJECTED,
                                                       "Not the company's account.")


def test_finance_of_another_eurocluster_does_not_see_nor_decide_the_change(client, agreement):
    pending = _pending_change(agreement)
    client.force_login(_finance_of(EuroclusterFactory()))
    response = client.get(reverse("payments:finance_bank_changes"))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert client.post(reverse("payments:finance_bank_decide", args=[pending.pk]),
                       {f"a{pending.pk}-decision": "approve"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == BankAccount.Status.PENDING


@pytest.mark.parametrize("who", ["manager", "beneficiary"])
def test_finance_pages_refuse_people_without_the_finance_role(client, agreement, who):
    pending = _pending_change(agreement)
    user = (_manager_of(agreement) if who == "manager"
            else agreement.application.organisation.user)
    client.force_login(user)
    assert client.get(reverse("payments:finance_bank_changes")).status_code == 403
    assert client.post(reverse("payments:finance_bank_decide", args=[pending.pk]),
                       {f"a{pending.pk}-decision": "approve"}).status_code == 403


@pytest.mark.parametrize("count", [1, 6])
def test_finance_bank_changes_query_count_is_fixed(client, django_assert_num_queries, count):
    call = results_call(tranches=SCHEDULE_3)
    agreements = [contracted(call) for _ in range(count)]
    for agreement in agreements:
        organisation = agreement.application.organisation
        account = bank_account_save(organisation=organisation, by=organisation.user,
                                    holder="Acme SRL", iban=IBAN_BE, bic=BIC_BE)
        BankAccount.objects.filter(pk=account.pk).update(status=BankAccount.Status.ACTIVE)
        _pending_change(agreement)
    client.force_login(_finance_of(call.eurocluster))
    with django_assert_num_queries(5):
        response = client.get(reverse("payments:finance_bank_changes"))
    assert len(response.context["rows"]) == count
    assert all(r["current_iban"] == "****7034" for r in response.context["rows"])


# --- virus scanning -----------------------------------------------------------------------------


def test_an_infected_report_document_is_refused_naming_the_threat(beneficiary_client, agreement,
                                                                  fake_clamd):
    response = beneficiary_client.post(
        reverse("payments:report_attach", args=[agreement.application_id, "interim"]),
        {"file": SimpleUploadedFile("result.pdf", INFECTED_PDF)})
    assert response.status_code == 400
    assert refusal("result.pdf") in response.content.decode()
    report = ProgressReport.objects.get(agreement=agreement, kind="interim")
    assert not report.attachments.exists()
    assert [(e.action, e.reason) for e in audit_trail(report)] == [
        ("upload_infected", THREAT), ("report_started", "")]


def test_a_report_document_waiting_for_its_scan_is_neither_served_nor_counted(
        client, beneficiary_client, agreement, fake_clamd):
    fake_clamd.down = True
    response = beneficiary_client.post(
        reverse("payments:report_attach", args=[agreement.application_id, "interim"]),
        {"file": SimpleUploadedFile("result.pdf", MINIMAL_PDF)}, follow=True)
    html = response.content.decode()
    assert ("The document is kept aside until its virus scan: it is attached once scanned "
            "(usually within minutes).") in html
    assert "scan pending" in html
    report = ProgressReport.objects.get(agreement=agreement, kind="interim")
    attachment = report.attachments.get()
    own = reverse("payments:report_attachment",
                  args=[agreement.application_id, "interim", attachment.pk])
    assert f'href="{own}"' not in html
    assert beneficiary_client.get(own).status_code == 404

    user = agreement.application.organisation.user
    report_save(agreement=agreement, kind="interim", by=user, text=TEXT, deliverables="P.",
                submit=True)
    client.force_login(_manager_of(agreement))
    listing = client.get(reverse("payments:manage_reports", args=[agreement.application.call_id]))
    assert [r.attachment_count for r in listing.context["reports"]] == [0]
    managed = reverse("payments:manage_report_attachment", args=[report.pk, attachment.pk])
    assert client.get(managed).status_code == 404
    assert "scan pending" in client.get(
        reverse("payments:manage_report", args=[report.pk])).content.decode()

    fake_clamd.down = False
    registered_task("portal.scan_pending").apply()
    listing = client.get(reverse("payments:manage_reports", args=[agreement.application.call_id]))
    assert [r.attachment_count for r in listing.context["reports"]] == [1]
    assert client.get(managed).status_code == 200
