"""The EC reporting pack: the ZIP's XLSX and PDF against a hand-built fixture, the reconciliation
with the ledger to the cent, the period semantics, scoping, refused roles and the formula guard."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from applications.models import Application
from euroclusters.models import KpiTarget, Membership
from evaluation.models import Ranking, RankingEntry
from payments.models import BankAccount, GrantAgreement, Payment, PaymentBatch, Signature, Tranche
from payments.selectors.finance import call_ledgers
from tests.factories import MembershipFactory, UserFactory
from tests.payments.factories import (
    IBAN_BE,
    agreement_row,
    results_call,
    selected_application,
    tranche_rows,
)

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
OPENS = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CLOSES = datetime.datetime(2026, 2, 27, 16, 0, tzinfo=UTC)
SUBMITTED = datetime.datetime(2026, 2, 10, 9, 30, tzinfo=UTC)
COUNTERSIGNED = datetime.datetime(2026, 4, 15, 8, 0, tzinfo=UTC)
PAID = datetime.datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
START, END = "2026-01-01", "2026-06-30"
QUERIES = 18  # the download, whatever the number of rows


def url(eurocluster=None, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    if eurocluster is not None:
        query = f"eurocluster={eurocluster.acronym}&{query}"
    return reverse("reporting:reporting_pack") + "?" + query


def funded(call, acronym: str, amount: str, *, rank: int, ranking, manager,
           countersigned=COUNTERSIGNED, paid=PAID, pay=True) -> GrantAgreement:
    """A selected application submitted, ranked, countersigned, its first tranche paid."""
    application = selected_application(call, acronym=acronym, requested_amount=Decimal(amount))
    Application.objects.filter(pk=application.pk).update(submitted_at=SUBMITTED,
                                                         status=Application.Status.CONTRACTED)
    RankingEntry.objects.create(ranking=ranking, application=application, rank=rank,
                                total=Decimal("12.50") + rank, amount=Decimal(amount),
                                outcome=RankingEntry.Outcome.SELECTED)
    agreement = agreement_row(application, status=GrantAgreement.Status.COUNTERSIGNED)
    Signature.objects.create(agreement=agreement, role=Signature.Role.COUNTERSIGNATORY,
                             signer=manager, typed_name="M", signed_at=countersigned,
                             document_sha256="0" * 64)
    first, _second = tranche_rows(agreement)
    if pay:
        account = BankAccount.objects.create(
            organisation=application.organisation, status=BankAccount.Status.ACTIVE,
            holder="Holder", iban=IBAN_BE, bic="GKCCBEBB", created_by=manager)
        batch = PaymentBatch.objects.create(eurocluster=call.eurocluster, created_by=manager,
                                            reference=f"B-{acronym}",
                                            execution_date=paid.date())
        Tranche.objects.filter(pk=first.pk).update(status=Tranche.Status.PAID)
        Payment.objects.create(tranche=first, batch=batch, bank_account=account,
                               amount=first.amount, status=Payment.Status.PAID,
                               end_to_end_id=f"E2E-{acronym}", bank_reference=f"BANK-{acronym}",
                               settled_at=paid)
    return agreement


@pytest.fixture
def world():
    call = results_call(reference="PK-2026-01", title='=HYPERLINK("http://evil","x")',
                        budget=Decimal("100000.00"), opens_at=OPENS, closes_at=CLOSES)
    manager = MembershipFactory(eurocluster=call.eurocluster).user
    ranking = Ranking.objects.create(call=call)
    agreements = [funded(call, "ALPHA", "12345.67", rank=1, ranking=ranking, manager=manager),
                  funded(call, "BETA", "7654.33", rank=2, ranking=ranking, manager=manager)]
    KpiTarget.objects.create(eurocluster=call.eurocluster, name="SMEs supported",
                             objective=KpiTarget._meta.get_field("objective").choices[0][0],
                             target=10, measure=KpiTarget.Measure.SMES_SUPPORTED)
    other = results_call(reference="OTHER-2026-01", budget=Decimal("50000.00"), opens_at=OPENS,
                         closes_at=CLOSES)
    other_manager = MembershipFactory(eurocluster=other.eurocluster).user
    funded(other, "GAMMA", "9999.99", rank=1, ranking=Ranking.objects.create(call=other),
           manager=other_manager)
    return {"call": call, "manager": manager, "agreements": agreements,
            "other": other, "other_manager": other_manager}


def download(client, world, start=START, end=END):
    client.force_login(world["manager"])
    response = client.get(url(world["call"].eurocluster, start=start, end=end))
    assert response.status_code == 200, response.content[:500]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return response, archive


def sheets(archive) -> dict[str, list[tuple]]:
    name = next(n for n in archive.namelist() if n.endswith(".xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(archive.read(name)))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def pdf_text(archive) -> str:
    name = next(n for n in archive.namelist() if n.endswith(".pdf"))
    reader = PdfReader(io.BytesIO(archive.read(name)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_zip_holds_an_xlsx_and_a_pdf_named_after_the_eurocluster_and_period(client, world):
    response, archive = download(client, world)
    stem = f"{world['call'].eurocluster.acronym}-reporting-pack-2026-01-01-2026-06-30"
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{stem}.zip"'
    assert sorted(archive.namelist()) == [f"{stem}.pdf", f"{stem}.xlsx"]
    assert list(sheets(archive)) == ["Calls", "Applications received", "Evaluation results",
                                     "Third parties supported", "Payments", "KPIs", "Ledger"]


def test_every_sheet_has_the_hand_counted_figures(client, world):
    _response, archive = download(client, world)
    book = sheets(archive)
    alpha, beta = world["agreements"]
    calls = book["Calls"]
    assert calls[0][:5] == ("Reference", "Title", "Opens (Brussels)", "Deadline (Brussels)",
                            "Budget (EUR)")
    # The formula guard: a title starting with "=" is text, not a formula.
    assert calls[1:] == [("PK-2026-01", "'=HYPERLINK(\"http://evil\",\"x\")",
                          datetime.datetime(2026, 1, 5, 10, 0),
                          datetime.datetime(2026, 2, 27, 17, 0), 100000,
                          "Innovation voucher, Innovation voucher")]
    received = book["Applications received"]
    assert received[1:] == [("By country", "Belgium", 2, 2),
                            ("By SME class", "Small enterprise", 2, 2),
                            ("By voucher type", "Innovation voucher", 2, 2),
                            ("By Eurocluster objective", "No objective", 2, 2)]
    results = book["Evaluation results"]
    assert [row[1:] for row in results[1:]] == [("ALPHA", alpha.application.organisation.legal_name,
                                                 13.5, "Selected for funding", 1),
                                                ("BETA", beta.application.organisation.legal_name,
                                                 14.5, "Selected for funding", 2)]
    parties = book["Third parties supported"]
    organisation = alpha.application.organisation
    assert parties[1][:7] == (organisation.legal_name, str(organisation.country),
                              organisation.registration_number, "PK-2026-01", "Innovation voucher",
                              12345.67, 6172.84)
    assert parties[1][7:] == (datetime.datetime(2026, 4, 15, 10, 0), "yes")
    assert [row[5:7] for row in parties[1:]] == [(12345.67, 6172.84), (7654.33, 3827.16)]
    payments = book["Payments"]
    assert [(row[0], row[3], row[4], row[5]) for row in payments[1:]] == [
        (datetime.datetime(2026, 5, 4), 1, 6172.84, "BANK-ALPHA"),
        (datetime.datetime(2026, 5, 4), 1, 3827.16, "BANK-BETA")]
    assert book["KPIs"][1][:3] == ("SMEs supported", 10, 2)
    ledger = book["Ledger"]
    acronym = world["call"].eurocluster.acronym
    assert ledger[1] == (acronym, 1050000, 20000, 10000, 1030000)
    assert ledger[2] == ("PK-2026-01", 100000, 20000, 10000, 80000)
    assert ledger[3][0].startswith("Ledger figures as of ")


def test_the_amounts_reconcile_with_the_ledger_to_the_cent(client, world):
    _response, archive = download(client, world)
    book = sheets(archive)
    paid_parties = sum(Decimal(str(row[6])) for row in book["Third parties supported"][1:])
    paid_payments = sum(Decimal(str(row[4])) for row in book["Payments"][1:])
    contracted = sum(Decimal(str(row[5])) for row in book["Third parties supported"][1:])
    (ledger,) = call_ledgers([world["call"]])
    assert paid_parties == paid_payments == ledger.paid == Decimal("10000.00")
    assert contracted == ledger.committed == Decimal("20000.00")
    text = pdf_text(archive)
    assert "EUR 20,000.00" in text and "EUR 10,000.00" in text
    assert "EUR 1,030,000.00" in text  # the Eurocluster's remaining budget


def test_the_pdf_gives_the_period_the_figures_and_the_kpis(client, world):
    _response, archive = download(client, world)
    text = pdf_text(archive)
    assert "Period: 2026-01-01 to 2026-06-30" in text
    assert "Applications received 2" in text
    assert "Agreements countersigned 2" in text
    assert "Amount paid EUR 10,000.00" in text
    assert "The payments ledger as of" in text
    assert "SMEs supported" in text
    assert "Actual values as of 2026-06-30." in text
    assert "OTHER-2026-01" not in text


def test_the_pdf_draws_the_kpi_chart_of_the_kpi_page(client, world):
    """The KPI list's overview chart (pygal), the same drawing in the PDF: its title, and the
    legend and labels drawn in the SVG come out as text of the PDF."""
    _response, archive = download(client, world)
    text = pdf_text(archive)
    assert "Progress of each KPI (% of its target)" in text
    assert "Actual (% of target)" in text
    assert text.count("SMEs supported") == 2  # the KPI table, and the chart's label


def test_the_period_counts_what_happened_in_it_only(client, world):
    _response, archive = download(client, world, start="2026-03-01", end="2026-04-30")
    book = sheets(archive)
    # Countersigned in April: on the sheet; paid in May: not; submitted in February: not.
    assert [row[5:7] for row in book["Third parties supported"][1:]] == [(12345.67, 0),
                                                                       (7654.33, 0)]
    assert book["Payments"][1:] == []
    assert book["Evaluation results"][1:] == []
    assert book["Applications received"][1:] == []
    _response, archive = download(client, world, start="2026-05-04", end="2026-05-04")
    book = sheets(archive)
    parties = book["Third parties supported"][1:]
    assert [(row[5], row[6], row[8]) for row in parties] == [(12345.67, 6172.84, "no"),
                                                             (7654.33, 3827.16, "no")]
    assert len(book["Payments"]) == 3


def test_the_kpis_of_a_period_ending_later_are_those_of_today(client, world):
    _response, archive = download(client, world, end="2099-12-31")
    today = timezone.localdate().isoformat()
    assert f"Actual values as of {today}." in pdf_text(archive)
    assert sheets(archive)["KPIs"][1][:3] == ("SMEs supported", 10, 2)


def test_another_euroclusters_rows_never_appear(client, world):
    _response, archive = download(client, world)
    for title, rows in sheets(archive).items():
        text = repr(rows)
        assert "OTHER-2026-01" not in text, title
        assert "GAMMA" not in text, title
        assert "9999.99" not in text and "5000" not in text.replace("50000", ""), title


def test_a_bad_period_gets_a_message_not_a_500(client, world):
    client.force_login(world["manager"])
    response = client.get(url(world["call"].eurocluster, start="2026-06-30", end="2026-01-01"))
    assert response.status_code == 400
    assert "The period must start on or before its last day." in response.content.decode()
    response = client.get(url(world["call"].eurocluster, start="30/06/2026", end=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the first day as YYYY-MM-DD." in page
    assert "Give the last day of the period." in page
    response = client.get(url(world["call"].eurocluster))
    assert response.status_code == 200
    assert "reporting pack" in response.content.decode()


def test_refused_roles(client, world):
    eurocluster = world["call"].eurocluster
    client.force_login(world["other_manager"])
    assert client.get(url(eurocluster, start=START, end=END)).status_code == 404
    finance = MembershipFactory(eurocluster=eurocluster, role=Membership.Role.FINANCE).user
    client.force_login(finance)
    assert client.get(url(eurocluster, start=START, end=END)).status_code == 403
    client.force_login(UserFactory())
    assert client.get(url(eurocluster, start=START, end=END)).status_code == 403
    client.logout()
    response = client.get(url(eurocluster, start=START, end=END))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_superuser_picks_any_eurocluster(client, world):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(url(world["other"].eurocluster, start=START, end=END))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert [row[0] for row in sheets(archive)["Payments"][1:]] == [datetime.datetime(2026, 5, 4)]


def test_the_dashboard_links_to_the_pack_for_managers_only(client, world):
    client.force_login(world["manager"])
    page = client.get(reverse("reporting:dashboard")).content.decode()
    assert 'id="reporting-pack-link"' in page
    finance = MembershipFactory(eurocluster=world["call"].eurocluster,
                                role=Membership.Role.FINANCE).user
    client.force_login(finance)
    page = client.get(reverse("reporting:dashboard")).content.decode()
    assert 'id="reporting-pack-link"' not in page


def test_the_page_queries_are_fixed(client, world, django_assert_num_queries):
    client.force_login(world["manager"])
    client.get(url(world["call"].eurocluster))
    with django_assert_num_queries(3):
        client.get(url(world["call"].eurocluster))


def test_the_download_queries_do_not_grow_with_rows(client, world):
    client.force_login(world["manager"])
    address = url(world["call"].eurocluster, start=START, end=END)
    client.get(address)
    with CaptureQueriesContext(connection) as two:
        client.get(address)
    ranking = Ranking.objects.get(call=world["call"])
    for number in range(3):
        funded(world["call"], f"MORE{number}", "1000.00", rank=3 + number, ranking=ranking,
               manager=world["manager"])
    with CaptureQueriesContext(connection) as five:
        assert client.get(address).status_code == 200
    assert len(two.captured_queries) == len(five.captured_queries) == QUERIES
