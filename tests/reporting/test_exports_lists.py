"""The exports of eligibility, reviews, consensus, tranches and payments, and the download
links on the pages they come from."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import EligibilityResult
from euroclusters.models import Membership
from evaluation.models import CallEvaluator
from payments.models import BankAccount, Payment, PaymentBatch, Tranche
from tests.evaluation.factories import (
    AssignmentFactory,
    final_consensus,
    submitted_review,
)
from tests.factories import MembershipFactory, UserFactory
from tests.payments.factories import agreement_row, results_call, selected_application
from tests.reporting.test_exports import call, csv_rows, manager_of, submitted, url, xlsx_rows

pytestmark = pytest.mark.django_db
__all__ = ["call"]  # the fixture


def result(application, outcome, checks, failed=()):
    return EligibilityResult.objects.create(
        version=application.versions.get(), outcome=outcome, automatic_outcome=outcome,
        checks=[{"rule": rule, "outcome": value, "message": ""} for rule, value in checks],
        failed_rules=list(failed), checked_at=timezone.now())


def test_eligibility_export_has_one_column_per_rule_and_the_pages_filters(client, call):
    call.eligibility_rules = ["country", "sme"]
    call.save(update_fields=["eligibility_rules"])
    passed = submitted(call, acronym="PASS")
    result(passed, "eligible", [("country", "pass"), ("sme", "pass")])
    review = submitted(call, acronym="CHECK")
    result(review, "needs_review", [("country", "pass"), ("sme", "review")])
    client.force_login(manager_of(call))
    rows = csv_rows(client.get(url("eligibility", call=call.pk)))
    assert rows[0][:7] == ["Reference", "Acronym", "Enterprise", "Outcome", "Automatic outcome",
                           "Legal establishment in an eligible country",
                           "SME status (Recommendation 2003/361/EC)"]
    assert [(r[1], r[3], r[5], r[6]) for r in rows[1:]] == [
        ("PASS", "Eligible", "pass", "pass"),
        ("CHECK", "Needs review by a manager", "pass", "review")]
    only = csv_rows(client.get(url("eligibility", call=call.pk, outcome="needs_review")))
    assert [r[1] for r in only[1:]] == ["CHECK"]
    by_rule = csv_rows(client.get(url("eligibility", call=call.pk, rule="sme")))
    assert [r[1] for r in by_rule[1:]] == ["CHECK"]


def test_reviews_export_shows_the_evaluator_and_a_score_per_criterion(client, call):
    application = submitted(call, acronym="REV")
    evaluator = UserFactory(full_name="Ada Evaluator")
    assignment = AssignmentFactory(
        application=application, evaluator=CallEvaluator.objects.create(
            call=call, user=evaluator, invited_by=manager_of(call),
            status=CallEvaluator.Status.ACCEPTED))
    submitted_review(assignment, [4, "3.5", 5])
    final_consensus(application, [4, 4, "4.5"])
    client.force_login(manager_of(call))
    header, row = xlsx_rows(client.get(url("reviews", "xlsx", call=call.pk)))
    assert header[3:9] == ("Evaluator", "Review status", "Excellence", "Impact",
                           "Implementation", "Weighted total")
    assert row[1] == "REV" and row[3:9] == ("Ada Evaluator", "Submitted", 4, 3.5, 5, 12.5)
    header, row = xlsx_rows(client.get(url("consensus", "xlsx", call=call.pk)))
    assert row[4:8] == (4, 4, 4.5, 12.5)


def test_tranches_and_payments_exports_for_finance(client):
    call = results_call(reference="PAY-1")
    application = selected_application(call, requested_amount=Decimal("10000.00"))
    agreement = agreement_row(application)
    first = Tranche.objects.create(agreement=agreement, position=1, percentage=Decimal("50"),
                                   event="agreement_countersigned", amount=Decimal("5000.00"),
                                   status=Tranche.Status.PAID)
    finance = MembershipFactory(eurocluster=call.eurocluster, role=Membership.Role.FINANCE).user
    account = BankAccount.objects.create(
        organisation=application.organisation, status=BankAccount.Status.ACTIVE,
        holder="Holder", iban="BE71096123456769", bic="GKCCBEBB", created_by=finance)
    batch = PaymentBatch.objects.create(eurocluster=call.eurocluster, reference="B-2026-001",
                                        created_by=finance,
                                        execution_date=datetime.date(2026, 5, 4))
    Payment.objects.create(tranche=first, batch=batch, bank_account=account,
                           amount=Decimal("5000.00"), status=Payment.Status.PAID,
                           end_to_end_id="E2E-1", bank_reference="+BANK-REF")
    client.force_login(finance)
    tranches = csv_rows(client.get(url("tranches", call=call.pk)))
    assert tranches[1][2:7] == ["1", "50.00", str(first.get_event_display()), "5000.00", "Paid"]
    assert csv_rows(client.get(url("tranches", status="due")))[1:] == []
    payments = xlsx_rows(client.get(url("payments", "xlsx")))
    assert payments[1][:3] == ("B-2026-001", datetime.datetime(2026, 5, 4),
                               f"PAY-1-{application.pk:06d}")
    assert payments[1][5:9] == (5000, "Paid", "E2E-1", "'+BANK-REF")
    assert csv_rows(client.get(url("payments", status="failed")))[1:] == []
    assert client.get(url("agreements", call=call.pk)).status_code == 403


def test_the_pages_offer_their_exports(client, call):
    manager = manager_of(call)
    client.force_login(manager)
    pages = {
        reverse("applications:manage_call_eligibility", args=[call.pk]): [
            "applications", "eligibility"],
        reverse("evaluation:manage_reviews", args=[call.pk]): ["reviews", "consensus"],
        reverse("evaluation:manage_ranking", args=[call.pk]): ["ranking"],
        reverse("payments:manage_agreements", args=[call.pk]): ["agreements"],
        reverse("payments:eurocluster_ledger"): ["ledger"],
        reverse("activities:list") + "?kind=mission": ["activities", "participants"],
    }
    for page, exports in pages.items():
        body = client.get(page).content.decode()
        for name in exports:
            assert f'data-export="{name}"' in body, (page, name)
    body = client.get(reverse("applications:manage_call_eligibility", args=[call.pk])
                      + "?outcome=eligible").content.decode()
    assert (reverse("reporting:export", kwargs={"name": "eligibility", "file_format": "xlsx"})
            + f"?call={call.pk}&amp;outcome=eligible") in body
    finance = MembershipFactory(eurocluster=call.eurocluster, role=Membership.Role.FINANCE).user
    client.force_login(finance)
    assert 'data-export="tranches"' in client.get(reverse("payments:finance")).content.decode()
    assert 'data-export="payments"' in client.get(reverse("payments:batches")).content.decode()
