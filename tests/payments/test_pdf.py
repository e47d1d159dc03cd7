"""The agreement PDF read back: parties, project, amount, tranche schedule, obligations."""

from decimal import Decimal

import pytest

from applications.models import ConsortiumMember
from payments import pdf
from payments.services.agreements import agreement_generate
from tests.factories import PartnerFactory
from tests.payments.factories import results_call, selected_application

pytestmark = pytest.mark.django_db


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def application(eurocluster_a):
    call = results_call(eurocluster=eurocluster_a,
                        tranches=((40, "agreement_countersigned"), (45, "interim_report_approved"),
                                  (15, "final_report_approved")))
    PartnerFactory(eurocluster=eurocluster_a, name="Pôle SCS", country="FR", is_coordinator=True)
    PartnerFactory(eurocluster=eurocluster_a, name="Cluj IT Cluster", country="RO")
    application = selected_application(call)
    application.__class__.objects.filter(pk=application.pk).update(
        requested_amount=Decimal("20000.01"))
    application.refresh_from_db()
    ConsortiumMember.objects.create(
        application=application, legal_name="Vision Partner GmbH",
        registration_number="DE129273398", country="DE", contact_email="c@vision.example.org",
        staff_headcount=Decimal("8"), annual_turnover=Decimal("900000"),
        balance_sheet_total=Decimal("500000"), role="Camera integration")
    return application


def test_pdf_holds_parties_project_amount_and_schedule(application):
    agreement = agreement_generate(application=application)
    text = flat(pdf.pdf_text(agreement.file.open("rb").read()))
    organisation = application.organisation
    call = application.call
    for expected in (
        "Pôle SCS (France), coordinator of the", call.eurocluster.name,
        organisation.legal_name, "Rue de la Loi 16, 1000 Brussels, Belgium",
        organisation.registration_number,
        "Vision Partner GmbH", "Germany", "DE129273398", "Camera integration",
        call.reference, "Smart welding cell", "(SWELD)", "A vision-guided welding cell.",
        "lump sum of EUR 20,000.01",
        # 40 / 45 / 15: each rounded to the cent, the last takes the remainder.
        "1 40 % EUR 8,000.00 Agreement countersigned",
        "2 45 % EUR 9,000.00 Interim report approved",
        "3 15 % EUR 3,000.01 Final report approved",
        "Total EUR 20,000.01",
        "Funded by the European Union", "European Anti-Fraud Office (OLAF)",
        "European Court of Auditors", "European Public Prosecutor's Office (EPPO)",
        "European Commission", "for 5 years",
        "For the beneficiary", "For the Eurocluster",
        agreement.verification_code,
    ):
        assert expected in text, expected
    assert "Cluj IT Cluster" not in text  # only the coordinator is a party


def test_a_call_template_renders_with_the_same_data(application):
    call = application.call
    call.agreement_template = (
        "<h1>{{ call.reference }} agreement</h1><p>{{ beneficiary.legal_name }} receives "
        "{{ amount_text }}.</p>{% for t in tranches %}<p>T{{ t.number }}: {{ t.amount_text }} "
        "when {{ t.event_label }}</p>{% endfor %}")
    call.save(update_fields=["agreement_template"])
    agreement = agreement_generate(application=application)
    text = flat(pdf.pdf_text(agreement.file.open("rb").read()))
    assert (f"{call.reference} agreement {application.organisation.legal_name} receives "
            "EUR 20,000.01. T1: EUR 8,000.00 when Agreement countersigned T2: EUR 9,000.00 "
            "when Interim report approved T3: EUR 3,000.01 when Final report approved") in text


def test_a_template_cannot_load_anything_from_outside():
    data = pdf.html_to_pdf('<p>x</p><img src="http://example.org/logo.png">'
                           '<img src="file:///etc/hostname">')
    assert data.startswith(b"%PDF-")  # WeasyPrint skips the refused images


def test_append_pages_keeps_the_signed_bytes_first():
    signed = pdf.html_to_pdf("<p>Agreement</p>")
    final = pdf.append_pages(signed, pdf.html_to_pdf("<p>Signatures</p>"))
    assert final.startswith(signed)
    assert flat(pdf.pdf_text(final)) == "Agreement Signatures"


def test_euro_formats_thousands_and_cents():
    assert [pdf.euro(v) for v in (Decimal("0"), Decimal("1234567.5"), "60000")] == [
        "EUR 0.00", "EUR 1,234,567.50", "EUR 60,000.00"]
