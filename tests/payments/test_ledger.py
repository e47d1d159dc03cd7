"""The budget ledger per call and per Eurocluster: exact figures, access, query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Application
from euroclusters.models import Membership
from payments.models import GrantAgreement, Payment
from payments.selectors.finance import call_ledger, eurocluster_ledgers
from payments.services.finance import payment_mark_paid
from tests.evaluation.factories import CallEvaluatorFactory
from tests.factories import MembershipFactory
from tests.payments.factories import agreement_row, results_call, selected_application
from tests.payments.test_finance_services import finance_officer, funded, sent_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return results_call(budget=Decimal("100000.00"))


@pytest.fixture
def officer(call):
    return finance_officer(call.eurocluster)


def money_in(call, officer, django_capture_on_commit_callbacks):
    """Two contracted (20,000 and 15,000.50, the first tranche of the first paid), one selected
    without an agreement (20,000), one declined agreement (20,000) and one rejected."""
    _first, (paid_tranche, _rest) = funded(call, amount="20000")
    funded(call, amount="15000.50", acronym="SECOND", tranche_status="due")
    selected_application(call)
    declined = selected_application(call)
    agreement_row(declined, status=GrantAgreement.Status.DECLINED)
    Application.objects.filter(pk=declined.pk).update(status=Application.Status.WITHDRAWN)
    rejected = selected_application(call)
    Application.objects.filter(pk=rejected.pk).update(status=Application.Status.REJECTED)
    batch = sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    payment_mark_paid(payment=batch.payments.get(tranche=paid_tranche), by=officer,
                      bank_reference="B-1")


def test_call_ledger_is_exact(call, officer, django_capture_on_commit_callbacks):
    money_in(call, officer, django_capture_on_commit_callbacks)

    ledger = call_ledger(call)

    assert ledger.allocated == Decimal("100000.00")
    assert ledger.committed == Decimal("55000.50")  # 20,000 + 15,000.50 + 20,000 selected
    assert ledger.paid == Decimal("10000.00")
    assert ledger.remaining == Decimal("44999.50")
    assert ledger.to_pay == Decimal("45000.50")


def test_failed_and_pending_payments_are_not_paid(call, officer,
                                                  django_capture_on_commit_callbacks):
    funded(call)
    sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)

    assert Payment.objects.filter(status="pending").count() == 2
    assert call_ledger(call).paid == Decimal("0.00")


def test_eurocluster_ledger_sums_its_calls(call, officer, django_capture_on_commit_callbacks):
    money_in(call, officer, django_capture_on_commit_callbacks)
    second = results_call(eurocluster=call.eurocluster, budget=Decimal("50000"))
    funded(second, amount="12345.67", tranche_status="due")
    results_call()  # another Eurocluster: not in the officer's ledger

    [ledger] = eurocluster_ledgers(officer)

    assert ledger.eurocluster == call.eurocluster
    assert ledger.allocated == call.eurocluster.cascade_budget == Decimal("1050000")
    assert [c.call for c in ledger.calls] == sorted([call, second], key=lambda c: c.reference)
    assert ledger.committed == Decimal("67346.17")
    assert ledger.paid == Decimal("10000.00")
    assert ledger.remaining == Decimal("982653.83")
    assert ledger.allocated_to_calls == Decimal("150000.00")


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Membership.Role.MANAGER, Membership.Role.FINANCE])
def test_call_ledger_page_for_managers_and_finance(client, call, role):
    funded(call)
    client.force_login(MembershipFactory(eurocluster=call.eurocluster, role=role).user)

    response = client.get(reverse("payments:call_ledger", args=[call.pk]))

    assert response.status_code == 200
    assert 'data-figure="committed">EUR 20,000.00' in response.content.decode()


@pytest.mark.parametrize("who", ["other_manager", "other_finance", "evaluator", "beneficiary",
                                 "observer"])
def test_call_ledger_refused(client, call, who):
    application, _tranches = funded(call)
    other = results_call().eurocluster
    user = {
        "other_manager": lambda: MembershipFactory(eurocluster=other).user,
        "other_finance": lambda: finance_officer(other),
        "evaluator": lambda: CallEvaluatorFactory(call=call).user,
        "beneficiary": lambda: application.organisation.user,
        "observer": lambda: MembershipFactory(eurocluster=call.eurocluster,
                                              role=Membership.Role.OBSERVER).user,
    }[who]()
    client.force_login(user)

    assert client.get(reverse("payments:call_ledger", args=[call.pk])).status_code == 404


def test_eurocluster_ledger_page_refused_without_a_role(client, call):
    client.force_login(CallEvaluatorFactory(call=call).user)
    assert client.get(reverse("payments:eurocluster_ledger")).status_code == 403


def test_eurocluster_ledger_page_shows_only_own_euroclusters(client, call, officer):
    other = results_call()
    client.force_login(officer)

    html = client.get(reverse("payments:eurocluster_ledger")).content.decode()

    assert f'data-eurocluster="{call.eurocluster_id}"' in html
    assert f'data-eurocluster="{other.eurocluster_id}"' not in html
    assert f'data-call="{call.pk}"' in html


@pytest.mark.parametrize("count", [1, 5])
def test_ledger_pages_query_counts_do_not_grow(client, call, officer, count,
                                               django_assert_num_queries):
    for index in range(count):
        extra = results_call(eurocluster=call.eurocluster)
        funded(extra, acronym=f"L{index}")
        selected_application(extra)
    client.force_login(officer)
    # session, user with her memberships and the bell (euroclusters.backends), Euroclusters,
    # calls, agreements, selected, paid
    with django_assert_num_queries(7):
        assert client.get(reverse("payments:eurocluster_ledger")).status_code == 200
    # session, user with her memberships and the bell (euroclusters.backends), call, agreements,
    # selected, paid
    with django_assert_num_queries(6):
        assert client.get(reverse("payments:call_ledger", args=[call.pk])).status_code == 200
