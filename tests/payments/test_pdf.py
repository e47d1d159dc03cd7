"""The agreement PDF read back: parties, project, amount, tranche schedule, obligations."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from applications.models import Application, ConsortiumMember
from euroclusters.models import Partner
from payments import pdf
from payments.selectors.agreements import eurocluster_title
from payments.services.agreements import agreement_generate
from portal.formats import BRUSSELS, brussels
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


# --- the granting party, dates and the verification link (issue 16, item 8 and 16) -----------


def link_targets(data: bytes) -> list[str]:
    """The URIs of the link annotations of every page (a link that wraps has one per line)."""
    targets = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


@pytest.mark.parametrize(("name", "title"), [
    ("Silicon Europe Eurocluster", "Silicon Europe Eurocluster"),
    ("RE-CENTRE EUROCLUSTER", "RE-CENTRE EUROCLUSTER"),
    ("DREAM – Digital Resilient Europe", "DREAM – Digital Resilient Europe Eurocluster"),
])
def test_eurocluster_title_adds_the_word_only_when_missing(name, title):
    assert eurocluster_title(name) == title


def test_the_granting_party_is_named_once_with_its_address_and_number(application):
    eurocluster = application.call.eurocluster
    eurocluster.name = "Silicon Europe Eurocluster"
    eurocluster.address = "Kapeldreef 75, 3001 Leuven, Belgium"
    eurocluster.registration_number = "BE 0712.345.618"
    eurocluster.save()
    Partner.objects.filter(eurocluster=eurocluster).update(is_coordinator=False)
    agreement = agreement_generate(application=application)
    text = flat(pdf.pdf_text(agreement.file.open("rb").read()))
    assert ("The granting party: the Silicon Europe Eurocluster consortium, Kapeldreef 75, "
            "3001 Leuven, Belgium; VAT or registration number BE 0712.345.618; hereinafter "
            "“the Eurocluster”.") in text
    assert "Eurocluster Eurocluster" not in text


def test_agreement_dates_have_no_leading_zero(application):
    Application.objects.filter(pk=application.pk).update(planned_start=date(2026, 3, 5),
                                                         duration_months=12)
    application.refresh_from_db()
    agreement = agreement_generate(application=application)
    text = flat(pdf.pdf_text(agreement.file.open("rb").read()))
    assert "Duration: 12 months, starting on 5 March 2026." in text
    issued = timezone.localtime(agreement.generated_at, BRUSSELS)
    assert f"Issued on {issued.day} {issued:%B %Y};" in text
    assert brussels(datetime(2026, 12, 5, 12, 0, tzinfo=UTC)) == "5 December 2026, 13:00"
    assert brussels(datetime(2026, 3, 5, 12, 0, tzinfo=UTC), date_only=True) == "5 March 2026"


def test_the_agreement_links_the_public_verification_page(application):
    agreement = agreement_generate(application=application)
    url = (f"{settings.PORTAL_SITE_URL}{reverse('payments:verify')}"
           f"?code={agreement.verification_code}")
    assert url.startswith("http")
    assert set(link_targets(agreement.file.open("rb").read())) == {url}


def test_the_signature_page_links_the_public_verification_page():
    url = "https://portal.example.eu/verify/?code=ABCD2345EFGH"
    page = pdf.signature_page_pdf(context={
        "doc": {"number": "X-1-GA", "revision": 1, "verification_code": "ABCD2345EFGH",
                "verify_url": url},
        "call": {"reference": "X-1"}, "signed_sha256": "0" * 64, "signatures": []})
    assert set(link_targets(page)) == {url}
    assert "Check this document on the portal's public verification page:" in flat(
        pdf.pdf_text(page))


def test_the_agreement_is_in_the_calls_language_with_a_courtesy_cover_for_the_beneficiary(
        application):
    from django.utils import translation  # noqa: PLC0415 -- test only
    from django.utils.translation import gettext  # noqa: PLC0415 -- test only
    application.created_by.language = "fr"
    application.created_by.save(update_fields=["language"])
    agreement = agreement_generate(application=application)
    reader = PdfReader(io.BytesIO(agreement.file.open("rb").read()))
    cover, agreement_first = flat(reader.pages[0].extract_text()), \
        flat(reader.pages[1].extract_text())
    with translation.override("fr"):
        french_title = gettext("Grant agreement for financial support to third parties")
        courtesy = gettext("Courtesy translation")
    assert french_title != "Grant agreement for financial support to third parties"
    assert courtesy in cover and french_title in cover
    assert "EUR 20\u202f000,01" in cover or "EUR 20 000,01" in cover.replace("\u202f", " ")
    # The agreement itself stays in the call's language (English), the amount written its way.
    assert agreement_first.startswith("Grant agreement for financial support to third parties")
    assert "lump sum of EUR 20,000.01" in flat(pdf.pdf_text(agreement.file.open("rb").read()))


def test_no_courtesy_cover_when_the_beneficiary_reads_the_calls_language(application):
    agreement = agreement_generate(application=application)
    reader = PdfReader(io.BytesIO(agreement.file.open("rb").read()))
    assert flat(reader.pages[0].extract_text()).startswith(
        "Grant agreement for financial support to third parties")


def test_the_worker_s_threads_render_one_pdf_at_a_time(monkeypatch):
    """The worker runs tasks in threads (settings.CELERY_WORKER_POOL): WeasyPrint renders one PDF
    at a time in a process, and each thread still gets its own PDF."""
    import threading  # noqa: PLC0415
    import time  # noqa: PLC0415

    from weasyprint import HTML  # noqa: PLC0415

    rendering, most = [0], [0]
    write_pdf = HTML.write_pdf

    def counted(self, *args, **kwargs):
        rendering[0] += 1
        most[0] = max(most[0], rendering[0])
        time.sleep(0.05)  # long enough for another thread to try
        try:
            return write_pdf(self, *args, **kwargs)
        finally:
            rendering[0] -= 1

    monkeypatch.setattr(HTML, "write_pdf", counted)
    made: dict[int, bytes] = {}

    def render(n: int) -> None:
        made[n] = pdf.html_to_pdf(f"<p>Agreement {n}</p>")

    threads = [threading.Thread(target=render, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
    for n in range(3):
        assert f"Agreement {n}" in PdfReader(io.BytesIO(made[n])).pages[0].extract_text()
