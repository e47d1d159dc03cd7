"""Finance pages: allowed and refused, actions, and fixed query counts."""

import pytest
from django.urls import reverse

from euroclusters.models import Membership
from payments.models import Payment, PaymentBatch, Tranche
from payments.services.finance import batch_export, batch_mark_sent
from tests.evaluation.factories import CallEvaluatorFactory
from tests.factories import MembershipFactory
from tests.payments.factories import results_call
from tests.payments.test_finance_services import filled_batch, finance_officer, funded

pytestmark = pytest.mark.django_db
T = Tranche.Status


@pytest.fixture
def call():
    return results_call()


@pytest.fixture
def officer(call):
    return finance_officer(call.eurocluster)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def batch(call, officer, django_capture_on_commit_callbacks):
    funded(call)
    return filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)


def other_finance_client(client):
    client.force_login(finance_officer(results_call().eurocluster))
    return client


# --- allowed ----------------------------------------------------------------------------------


def test_finance_page_lists_due_tranches_with_the_blocked_reason(officer_client, call):
    _ok, (payable, _rest) = funded(call, tranche_status=T.DUE)
    _blocked, (blocked, _more) = funded(call, tranche_status=T.DUE, account=False,
                                        acronym="NOACC")

    response = officer_client.get(reverse("payments:finance"))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-tranche="{payable.pk}"' in html
    assert f'data-tranche="{blocked.pk}"' in html
    assert "The beneficiary has not given bank details yet." in html
    assert reverse("payments:finance") in html  # the nav item "Finance"


def test_approve_button_approves(officer_client, call):
    _application, (first, _second) = funded(call, tranche_status=T.DUE)

    response = officer_client.post(reverse("payments:tranche_approve", args=[first.pk]))

    assert response.status_code == 302
    assert Tranche.objects.get(pk=first.pk).status == T.APPROVED


def test_create_batch_from_the_finance_page(officer_client, call,
                                            django_capture_on_commit_callbacks):
    funded(call)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("payments:batches"),
                                       {"eurocluster": call.eurocluster_id})

    batch = PaymentBatch.objects.get()
    assert response.url == batch.get_absolute_url()
    assert batch.payments.count() == 2


def test_batch_page_export_download_send_and_settle(officer_client, batch, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    url = batch.get_absolute_url()
    assert officer_client.get(url).status_code == 200

    officer_client.post(url, {"action": "export"})
    download = officer_client.get(reverse("payments:batch_sepa", args=[batch.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/xml"
    assert f'filename="{batch.reference}.xml"' in download["Content-Disposition"]
    assert b"<CtrlSum>20000.00</CtrlSum>" in b"".join(download.streaming_content)

    officer_client.post(url, {"action": "send"})
    first, second = batch.payments.order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(reverse("payments:payment_paid", args=[first.pk]),
                            {"bank_reference": "BANK-1"})
    officer_client.post(reverse("payments:payment_failed", args=[second.pk]),
                        {"reason": "AC04 account closed"})

    assert list(batch.payments.order_by("pk").values_list("status", flat=True)) == [
        Payment.Status.PAID, Payment.Status.FAILED]
    assert PaymentBatch.objects.get(pk=batch.pk).status == PaymentBatch.Status.CLOSED
    assert len(mailoutbox) == 1


def test_batch_page_shows_the_total_before_export(officer_client, batch):
    assert batch.status == PaymentBatch.Status.DRAFT
    page = officer_client.get(batch.get_absolute_url()).content.decode()
    assert '<div id="batch-total">Total: EUR 20,000.00 in 2 payments</div>' in page
    assert 'id="control-sum"' not in page  # the file's control sum comes with the export


def test_batch_page_total_counts_one_payment_in_the_singular(officer_client, batch):
    removed = batch.payments.order_by("pk").last()
    officer_client.post(reverse("payments:payment_remove", args=[removed.pk]))
    page = officer_client.get(batch.get_absolute_url()).content.decode()
    assert '<div id="batch-total">Total: EUR 10,000.00 in 1 payment</div>' in page


def test_export_refusal_is_shown(officer_client, batch, call):
    call.eurocluster.iban = "XX00"
    call.eurocluster.save(update_fields=["iban"])

    response = officer_client.post(batch.get_absolute_url(), {"action": "export"}, follow=True)

    assert "The paying account of" in response.content.decode()
    assert PaymentBatch.objects.get(pk=batch.pk).status == PaymentBatch.Status.DRAFT


def test_back_to_draft_needs_a_reason(officer_client, batch):
    url = batch.get_absolute_url()
    officer_client.post(url, {"action": "export"})

    response = officer_client.post(url, {"action": "reopen", "reason": ""}, follow=True)
    assert "only for a file that was never sent to the bank" in response.content.decode()
    assert PaymentBatch.objects.get(pk=batch.pk).status == PaymentBatch.Status.EXPORTED

    officer_client.post(url, {"action": "reopen",
                              "reason": "Wrong execution date; never uploaded to the bank."})
    assert PaymentBatch.objects.get(pk=batch.pk).status == PaymentBatch.Status.DRAFT


def test_sepa_download_before_export_is_not_found(officer_client, batch):
    assert officer_client.get(reverse("payments:batch_sepa", args=[batch.pk])).status_code == 404


# --- refused ----------------------------------------------------------------------------------


def test_finance_of_another_eurocluster_gets_404(client, batch, call):
    _application, (due, _rest) = funded(call, tranche_status=T.DUE, acronym="DUE")
    other = other_finance_client(client)
    payment = batch.payments.first()

    assert other.get(batch.get_absolute_url()).status_code == 404
    assert other.post(batch.get_absolute_url(), {"action": "export"}).status_code == 404
    assert other.get(reverse("payments:batch_sepa", args=[batch.pk])).status_code == 404
    assert other.post(reverse("payments:tranche_approve", args=[due.pk])).status_code == 404
    assert other.post(reverse("payments:payment_remove", args=[payment.pk])).status_code == 404
    assert other.post(reverse("payments:batches"),
                      {"eurocluster": call.eurocluster_id}).status_code == 404
    assert Tranche.objects.get(pk=due.pk).status == T.DUE
    assert PaymentBatch.objects.count() == 1
    assert f'data-tranche="{due.pk}"' not in other.get(reverse("payments:finance")).content.decode()


@pytest.mark.parametrize("who", ["manager", "beneficiary", "evaluator", "observer"])
def test_others_are_refused_on_every_finance_page(client, batch, call, who):
    application = batch.payments.first().tranche.agreement.application
    if who == "manager":
        user = MembershipFactory(eurocluster=call.eurocluster, role=Membership.Role.MANAGER).user
    elif who == "observer":
        user = MembershipFactory(eurocluster=call.eurocluster,
                                 role=Membership.Role.OBSERVER).user
    elif who == "beneficiary":
        user = application.organisation.user
    else:
        user = CallEvaluatorFactory(call=call).user
    client.force_login(user)
    payment = batch.payments.first()

    assert client.get(reverse("payments:finance")).status_code == 403
    assert client.get(reverse("payments:batches")).status_code == 403
    assert client.get(batch.get_absolute_url()).status_code == 404
    assert client.get(reverse("payments:batch_sepa", args=[batch.pk])).status_code == 404
    assert client.post(reverse("payments:tranche_approve",
                               args=[payment.tranche_id])).status_code == 404
    assert client.post(reverse("payments:payment_paid", args=[payment.pk]),
                       {"bank_reference": "X"}).status_code == 404
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PENDING


def test_anonymous_is_sent_to_log_in(client, batch):
    response = client.get(batch.get_absolute_url())
    assert response.status_code == 302
    assert reverse("account_login") in response.url


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 6])
def test_finance_page_query_count_does_not_grow(officer_client, call, count,
                                                django_assert_num_queries):
    for index in range(count):
        funded(call, tranche_status=T.DUE, acronym=f"D{index}")
        funded(call, tranche_status=T.APPROVED, acronym=f"A{index}", account=index % 2 == 0)
    # session; its user with her memberships and the bell's unread count (euroclusters.backends);
    # Euroclusters, due tranches, their bank accounts, approved tranches, their bank accounts
    with django_assert_num_queries(7):
        assert officer_client.get(reverse("payments:finance")).status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_batches_page_query_count_does_not_grow(officer_client, call, officer, count,
                                                django_assert_num_queries):
    for index in range(count):
        PaymentBatch.objects.create(eurocluster=call.eurocluster, reference=f"EC-Q-{index}",
                                    created_by=officer)
    # session; its user with her memberships and the bell's unread count (euroclusters.backends);
    # batches with their counts
    with django_assert_num_queries(3):
        assert officer_client.get(reverse("payments:batches")).status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_batch_page_query_count_does_not_grow(officer_client, call, officer, count,
                                              django_assert_num_queries,
                                              django_capture_on_commit_callbacks):
    for index in range(count):
        funded(call, acronym=f"B{index}")
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    batch_export(batch=batch, by=officer)
    batch_mark_sent(batch=batch, by=officer)
    # session; its user with her memberships and the bell's unread count (euroclusters.backends);
    # batch, payments with their accounts and applications
    with django_assert_num_queries(4):
        assert officer_client.get(batch.get_absolute_url()).status_code == 200
