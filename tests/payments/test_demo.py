from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import User
from applications import demo_data
from applications.models import Application
from calls.models import OpenCall
from euroclusters.models import Eurocluster
from evaluation import demo as evaluation_demo
from evaluation.models import Consensus, Ranking, Review
from payments import demo
from payments.models import (
    BankAccount,
    GrantAgreement,
    Payment,
    PaymentBatch,
    ProgressReport,
    Signature,
    Tranche,
)
from payments.pdf import pdf_text
from payments.services.finance import batch_create, batch_export, tranche_approve
from portal.models import AuditEntry, Notification
from tests.logins import log_in, reauthenticate

COUNTED = (Application, Review, Consensus, Ranking, GrantAgreement, Signature, BankAccount,
           Tranche, ProgressReport, PaymentBatch, Payment, AuditEntry)
BENEFICIARIES = {"GREENSENS": "ines@minho-sensores.example.eu",
                 "LENSLOOP": "lotte@brabant-vision.example.eu",
                 "CLEANROOM-E": "jonas@elbtal-mikro.example.eu",
                 "SILVERBACK": "eva@drau-elektronik.example.eu"}


def seed_payments() -> str:
    out = StringIO()
    call_command("seed_demo_payments", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO())
    return seed_payments()


@pytest.fixture
def call(seeded):
    return OpenCall.objects.select_related("eurocluster").get(reference=demo.CALL)


def agreements() -> dict[str, GrantAgreement]:
    return {a.application.acronym: a for a in GrantAgreement.objects.select_related(
        "application__organisation")}


def login(client, email: str) -> None:
    response = log_in(client, email, demo_data.DEMO_PASSWORD)  # and the demo's second factor
    assert response.status_code == 302, email


def test_first_run_takes_every_step_through_the_services(seeded):
    # In tests the eligibility checks queued by seed_demo never run (no commit): the command
    # runs them itself, as a worker would.
    assert seeded.splitlines()[0] == (
        "Payments demo loaded: eligibility checked ×4, eligibility released ×1, "
        "expert invited ×2, invitation accepted ×2, call declaration accepted ×2, "
        "expert assigned ×8, no conflict declared ×8, review submitted ×8, "
        "consensus recorded ×4, ranking computed ×1, ranking approved ×1, "
        "results published ×1, agreement generated ×4, bank details given ×3, "
        "agreement signed by the beneficiary ×3, bank change waiting for finance ×1, "
        "agreement countersigned ×2, tranche approved ×1, payment batch created ×1, "
        "SEPA file exported ×1, batch sent to the bank ×1, payment marked paid ×1, "
        "interim report written ×1, interim report submitted ×1, notification read ×8")
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["ranking_published"] == 1
    assert actions["agreement_generated"] == 4
    assert actions["agreement_signed"] == 3
    assert actions["agreement_countersigned"] == 2
    assert actions["bank_details_changed"] == 4


def test_the_demo_beneficiaries_have_read_and_unread_notifications(seeded):
    for acronym in demo.AGREEMENTS:
        application = Application.objects.select_related("organisation__user").get(
            acronym=acronym, call__reference=demo.CALL)
        mine = Notification.objects.filter(recipient=application.organisation.user)
        read = set(mine.filter(read_at__isnull=False).values_list("kind", flat=True))
        unread = set(mine.filter(read_at__isnull=True).values_list("kind", flat=True))
        assert read == {"applications.submission_receipt", "applications.eligibility_result"}
        assert {"evaluation.result", "payments.agreement_ready"} <= unread, acronym


def test_second_run_changes_nothing(seeded):
    first = counts()
    rows = {model: list(model.objects.values_list("pk", "status").order_by("pk"))
            for model in (GrantAgreement, BankAccount, Tranche, ProgressReport, PaymentBatch,
                          Payment)}

    output = seed_payments()

    assert output.splitlines()[0] == "Nothing to change: the payments demo is already in place."
    assert counts() == first
    for model, before in rows.items():
        assert list(model.objects.values_list("pk", "status").order_by("pk")) == before, model


def test_results_are_published_and_every_proposal_selected(call):
    assert call.status == OpenCall.Status.RESULTS
    ranking = Ranking.objects.get(call=call)
    assert ranking.status == Ranking.Status.PUBLISHED
    outcomes = dict(ranking.entries.values_list("application__acronym", "outcome"))
    assert outcomes == dict.fromkeys(demo.AGREEMENTS, "selected")
    assert Consensus.objects.filter(application__call=call, status="final").count() == 4
    assert Review.objects.filter(assignment__application__call=call,
                                 status="submitted").count() == 8
    assert dict(call.applications.values_list("acronym", "status")) == {
        "GREENSENS": "selected", "LENSLOOP": "selected", "CLEANROOM-E": "contracted",
        "SILVERBACK": "in_progress"}


def test_agreements_at_every_stage(call):
    found = agreements()
    assert {acronym: a.status for acronym, a in found.items()} == {
        "GREENSENS": "generated", "LENSLOOP": "signed_by_beneficiary",
        "CLEANROOM-E": "countersigned", "SILVERBACK": "countersigned"}
    assert Counter(a.status for a in found.values()) == {
        "generated": 1, "signed_by_beneficiary": 1, "countersigned": 2}
    for agreement in found.values():
        assert agreement.amount == Decimal("3600.00")
        assert len(agreement.sha256) == 64
    signatures = Counter(Signature.objects.values_list("role", flat=True))
    assert signatures == {"beneficiary": 3, "countersignatory": 2}
    signature = Signature.objects.get(agreement=found["LENSLOOP"])
    assert (signature.signer.email, signature.ip_address, signature.user_agent,
            signature.document_sha256) == (
        BENEFICIARIES["LENSLOOP"], demo.IP_ADDRESS, demo.USER_AGENT, found["LENSLOOP"].sha256)
    assert len(found["CLEANROOM-E"].final_sha256) == 64


def test_the_demo_agreements_name_the_granting_party_once_with_its_address(call):
    agreement = agreements()["GREENSENS"]
    text = " ".join(pdf_text(agreement.file.open("rb").read()).split())
    assert ("the Silicon Europe Eurocluster consortium, Kapeldreef 75, 3001 Leuven, Belgium; "
            "VAT or registration number BE 0712.345.618;") in text
    assert "Eurocluster Eurocluster" not in text
    assert {e.acronym: bool(e.address and e.registration_number)
            for e in Eurocluster.objects.all()} == {
        "DESIRE": True, "DREAM": True, "RE-CENTRE": True, "Silicon Europe": True}


def test_tranches_a_paid_payment_and_a_submitted_interim_report(call):
    found = agreements()

    def tranches(acronym):
        return list(found[acronym].tranches.order_by("position")
                    .values_list("position", "amount", "status"))

    assert tranches("CLEANROOM-E") == [(1, Decimal("1440.00"), "due"),
                                       (2, Decimal("1620.00"), "planned"),
                                       (3, Decimal("540.00"), "planned")]
    assert tranches("SILVERBACK") == [(1, Decimal("1440.00"), "paid"),
                                      (2, Decimal("1620.00"), "planned"),
                                      (3, Decimal("540.00"), "planned")]
    assert not Tranche.objects.filter(agreement__in=[found["GREENSENS"], found["LENSLOOP"]])
    payment = Payment.objects.select_related("batch", "bank_account").get()
    assert (payment.status, payment.amount, payment.bank_reference,
            payment.bank_account.iban) == (
        "paid", Decimal("1440.00"), "GKCC-2026-004417", "AT522070600412345678")
    batch = payment.batch
    assert (batch.status, batch.control_sum, len(batch.sepa_sha256)) == (
        "closed", Decimal("1440.00"), 64)
    report = ProgressReport.objects.get()
    assert (report.agreement, report.kind, report.status) == (
        found["SILVERBACK"], "interim", "submitted")


def test_bank_details_and_the_pending_change(call):
    accounts = {(a.organisation.user.email, a.iban): a.status
                for a in BankAccount.objects.select_related("organisation__user")}
    assert accounts == {
        (BENEFICIARIES["LENSLOOP"], "BE73735012345660"): "active",
        (BENEFICIARIES["LENSLOOP"], "BE91001098765476"): "pending",
        (BENEFICIARIES["CLEANROOM-E"], "DE24850503003120456789"): "active",
        (BENEFICIARIES["SILVERBACK"], "AT522070600412345678"): "active",
    }


def test_finance_can_approve_the_due_tranche_and_export_a_batch(
        call, django_capture_on_commit_callbacks):
    finance = User.objects.get(email=demo.FINANCE)
    tranche = agreements()["CLEANROOM-E"].tranches.get(position=1)

    tranche_approve(tranche=tranche, by=finance)
    with django_capture_on_commit_callbacks(execute=True):  # the fill task, eager in tests
        batch = batch_create(eurocluster=call.eurocluster, by=finance)
    batch = batch_export(batch=batch, by=finance)

    assert (batch.status, batch.control_sum) == ("exported", Decimal("1440.00"))


def test_every_demo_person_sees_their_pages(call, client):
    found = agreements()
    for acronym, email in BENEFICIARIES.items():
        client.logout()
        login(client, email)
        pk = found[acronym].application_id
        for name in ("agreement", "agreement_download", "reports", "payments_timeline"):
            assert client.get(reverse(f"payments:{name}", args=[pk])).status_code == 200, (
                acronym, name)
        assert client.get(reverse("payments:bank")).status_code == 200, acronym
    report = ProgressReport.objects.get()
    assert client.get(reverse("payments:report", args=[report.agreement.application_id,
                                                       "interim"])).status_code == 200

    client.logout()
    login(client, demo.MANAGER)
    for name in ("manage_agreements", "manage_reports", "call_ledger"):
        assert client.get(reverse(f"payments:{name}", args=[call.pk])).status_code == 200, name
    countersign = reverse("payments:countersign", args=[found["LENSLOOP"].pk])
    assert client.get(countersign)["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client, demo_data.DEMO_PASSWORD)
    assert client.get(countersign).status_code == 200
    assert client.get(reverse("payments:manage_report", args=[report.pk])).status_code == 200

    client.logout()
    login(client, demo.FINANCE)
    reauthenticate(client, demo_data.DEMO_PASSWORD)  # the SEPA file asks for it
    batch = PaymentBatch.objects.get()
    for url in (reverse("payments:finance"), reverse("payments:batches"),
                reverse("payments:batch", args=[batch.pk]),
                reverse("payments:batch_sepa", args=[batch.pk]),
                reverse("payments:finance_bank_changes"), reverse("payments:eurocluster_ledger")):
        assert client.get(url).status_code == 200, url
    assert "Brabant Vision Systems BV" in client.get(
        reverse("payments:finance_bank_changes")).content.decode()


def test_the_evaluation_demo_is_left_alone(seeded):
    call_command("seed_demo_evaluation", stdout=StringIO())
    dream = OpenCall.objects.get(reference=evaluation_demo.CALL)
    assert dream.status == OpenCall.Status.EVALUATION
    first = counts()

    assert seed_payments().splitlines()[0] == (
        "Nothing to change: the payments demo is already in place.")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Nothing to change: the demo data is already in place." in out.getvalue()
    assert counts() == first
    assert OpenCall.objects.get(reference=demo.CALL).status == OpenCall.Status.RESULTS


def test_refused_without_seed_demo(db):
    with pytest.raises(CommandError, match="run manage.py seed_demo first"):
        seed_payments()


def test_refused_in_production_without_the_flag(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        seed_payments()


def test_the_tables_name_what_seed_demo_makes():
    accounts = dict(demo_data.EVALUATORS)
    assert set(demo.EVALUATORS) <= set(accounts)
    staff = {email: (acronym, role) for email, _name, acronym, role in demo_data.STAFF}
    assert staff[demo.MANAGER] == ("Silicon Europe", "manager")
    assert staff[demo.FINANCE] == ("Silicon Europe", "finance")
    proposals = {spec["fields"]["acronym"] for spec in demo_data.APPLICATIONS
                 if spec["call"] == demo.CALL}
    assert set(demo.AGREEMENTS) == set(demo.REVIEWS) == proposals
    criteria = {name for name, _description in demo_data.CRITERIA}
    for reviews in demo.REVIEWS.values():
        assert set(reviews) - {"overall"} == criteria
    for spec in demo.AGREEMENTS.values():
        assert spec["stage"] in demo.STAGES
