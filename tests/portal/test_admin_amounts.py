"""The admin writes money and scores as the portal's pages do: "EUR 3,600.00", "12.5"."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation.models import Ranking, RankingEntry
from payments.models import PaymentBatch
from tests.evaluation.factories import AssignmentFactory, submitted_review
from tests.factories import UserFactory
from tests.payments.factories import agreement_row, selected_application, tranche_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _page(client, name, *args, **params) -> str:
    response = client.get(reverse(f"admin:{name}", args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_change_lists_write_amounts_in_euros(admin_client):
    application = selected_application(requested_amount=Decimal("3600"))
    call = application.call
    call.budget = Decimal("100000")
    call.save(update_fields=["budget"])
    agreement = agreement_row(application)
    PaymentBatch.objects.create(eurocluster=call.eurocluster, reference="EC-B-1",
                                control_sum=Decimal("1234567.5"), created_by=UserFactory())

    page = _page(admin_client, "calls_opencall_changelist")
    assert "EUR 100,000.00" in page and "100000.00" not in page
    page = _page(admin_client, "applications_application_changelist")
    assert "EUR 3,600.00" in page and "3600.00" not in page
    page = _page(admin_client, "payments_grantagreement_changelist")
    assert "EUR 3,600.00" in page and "3600.00" not in page
    page = _page(admin_client, "payments_paymentbatch_changelist")
    assert "EUR 1,234,567.50" in page and "1234567.50" not in page

    tranche_rows(agreement)  # 1,800.00 and 1,800.00
    page = _page(admin_client, "payments_grantagreement_change", agreement.pk)
    assert page.count("EUR 1,800.00") == 2 and "1800.00" not in page


def test_the_change_lists_keep_sorting_by_the_amount(admin_client):
    call = selected_application(requested_amount=Decimal("9000")).call
    selected_application(call, requested_amount=Decimal("20000"))
    # The "requested amount" column (the 6th) sorts by the field, not by the text shown.
    page = _page(admin_client, "applications_application_changelist", o="6")
    assert page.index("EUR 9,000.00") < page.index("EUR 20,000.00")
    page = _page(admin_client, "applications_application_changelist", o="-6")
    assert page.index("EUR 20,000.00") < page.index("EUR 9,000.00")


def test_review_totals_and_ranking_rows_read_as_on_the_pages(admin_client):
    assignment = AssignmentFactory()
    review = submitted_review(assignment, [4, "3.5", 5])  # weighted total 12.50
    application = assignment.application
    ranking = Ranking.objects.create(call=application.call)
    RankingEntry.objects.create(ranking=ranking, application=application, rank=1,
                                total=review.total, amount=Decimal("20000"),
                                outcome=RankingEntry.Outcome.SELECTED)

    page = _page(admin_client, "evaluation_review_changelist")
    assert '<td class="field-review_total">12.5</td>' in page
    page = _page(admin_client, "evaluation_ranking_change", ranking.pk)
    assert "EUR 20,000.00" in page and "20000.00" not in page
    cells = re.sub(r"\s+", "", page)
    assert '<tdclass="field-entry_total"><p>12.5</p></td>' in cells
