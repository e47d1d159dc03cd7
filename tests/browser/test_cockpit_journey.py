"""Issue 10 end to end, on the demo data of `make demo`: the Silicon Europe manager opens the
dashboard, follows an item of the action queue, records a reported KPI value with a PDF as
evidence, downloads an XLSX export and the reporting pack (both opened and their figures checked
against the database), and a visitor finds the demo's contracted SMEs on the public list.

Every expected figure is read from the database the demo seeded, never copied from the demo's
tables: the test checks that the pages and the files tell the same story as the database.
"""

import hashlib
import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Sum
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from applications import demo_data
from calls.models import OpenCall
from euroclusters.models import Eurocluster, KpiTarget
from payments import demo as payments_demo
from payments.models import GrantAgreement, Payment
from payments.selectors.finance import call_ledgers
from portal.formats import amount, eur
from portal.models import AuditEntry
from reporting.models import KpiValue
from reporting.selectors import PUBLISHED_STATUSES
from tests.browser.actions import log_in

pytestmark = pytest.mark.browser

# The order of the Makefile's demo target.
DEMO_COMMANDS = ("seed_demo", "seed_demo_evaluation", "seed_demo_payments",
                 "seed_demo_activities", "seed_demo_kpis")
MANAGER = payments_demo.MANAGER  # manages Silicon Europe, whose call has agreements and payments
EVIDENCE = demo_data.demo_pdf("Green advice sessions - attendance lists")


@pytest.fixture
def demo(transactional_db):
    for command in DEMO_COMMANDS:
        call_command(command, stdout=StringIO())
    return Eurocluster.objects.get(calls__reference=payments_demo.CALL)


def _money(value) -> Decimal:
    """An amount cell of a spreadsheet (a float) as the cents it shows."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _sheet_rows(sheet) -> tuple[list[str], list[dict]]:
    """The header and the rows of a sheet, each row a dict by header."""
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    return header, [dict(zip(header, row, strict=True)) for row in values[1:]]


def _follow_the_queue(page, call: OpenCall) -> None:
    """The dashboard's queue says how many agreements wait for the countersignature; the line
    leads to the call's agreements, where exactly those have the Countersign button."""
    waiting = list(GrantAgreement.objects.filter(
        application__call=call, status=GrantAgreement.Status.SIGNED_BY_BENEFICIARY)
        .select_related("application__organisation").order_by("application_id"))
    assert waiting, "the demo has an agreement waiting for the manager's countersignature"

    page.get_by_role("navigation").first.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/manage/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{call.eurocluster.acronym} dashboard")
    line = page.locator("#action-queue li[data-action=countersign]")
    expect(line).to_have_count(1)
    noun = "agreement to countersign" if len(waiting) == 1 else "agreements to countersign"
    expect(line).to_have_text(re.compile(rf"^\s*{len(waiting)}\s+{noun}\s+{call.reference}\s*$"))

    line.get_by_role("link", name=noun).click()
    expect(page).to_have_url(re.compile(rf"/manage/calls/{call.pk}/agreements/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Grant agreements")
    rows = page.locator("#agreements tbody tr")
    expect(rows).to_have_count(call.applications.filter(agreement__isnull=False).count())
    to_countersign = rows.filter(has=page.get_by_role("link", name="Countersign"))
    expect(to_countersign).to_have_count(len(waiting))
    for row, agreement in zip(to_countersign.all(), waiting, strict=True):
        expect(row).to_have_attribute("data-application", str(agreement.application_id))
        expect(row).to_contain_text(agreement.application.organisation.legal_name)
        expect(row).to_contain_text("Signed by the beneficiary")


def _open_xlsx(download, tmp_path, name: str) -> tuple[list[str], list[dict]]:
    """The one sheet of a downloaded export: its header and rows."""
    path = tmp_path / name
    download.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Grant agreements"]
    header, rows = _sheet_rows(workbook["Grant agreements"])
    workbook.close()
    return header, rows


def _download_agreements_xlsx(page, call: OpenCall, tmp_path) -> list[dict]:
    """The call's agreements as XLSX, at once: one row per agreement, the grants adding up."""
    agreements = GrantAgreement.objects.filter(application__call=call)
    with page.expect_download() as info:
        page.locator(".export-links[data-export=agreements]").get_by_role(
            "link", name="Download XLSX").click()
    download = info.value
    assert download.suggested_filename == f"{call.reference}-agreements.xlsx"
    header, rows = _open_xlsx(download, tmp_path, "now.xlsx")
    assert header[:3] == ["Reference", "Acronym", "Enterprise"]
    assert len(rows) == agreements.count() > 0
    assert sum(_money(row["Grant (EUR)"]) for row in rows) == agreements.aggregate(
        total=Sum("amount"))["total"]
    by_acronym = {row["Acronym"]: row for row in rows}
    for agreement in agreements.select_related("application__organisation"):
        row = by_acronym[agreement.application.acronym]
        assert (row["Enterprise"], _money(row["Grant (EUR)"]), row["Status"]) == (
            agreement.application.organisation.legal_name, agreement.amount,
            agreement.get_status_display())
        assert row["Reference"] == f"{call.reference}-{agreement.application_id:06d}"
    return rows


def _download_a_large_export(page, settings, call: OpenCall, tmp_path, rows: list[dict]) -> None:
    """Above EXPORT_SYNC_MAX_ROWS the same link asks for the file instead: a task builds it (at
    once here: Celery is eager) and "My exports" offers it, with the same rows and name."""
    settings.EXPORT_SYNC_MAX_ROWS = len(rows) - 1
    page.locator(".export-links[data-export=agreements]").get_by_role(
        "link", name="Download XLSX").click()
    expect(page).to_have_url(re.compile(r"/manage/exports/$"))
    expect(page.get_by_role("alert").filter(has_text="This export is large")).to_be_visible()
    line = page.locator("#exports tbody tr")
    expect(line).to_have_count(1)
    expect(line.locator("td").nth(0)).to_have_text(f"Grant agreements (XLSX) · {call.reference}")
    expect(line.locator("td").nth(2)).to_have_text("Ready")
    expect(line.locator("td").nth(3)).to_have_text(str(len(rows)))
    with page.expect_download() as info:
        line.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == f"{call.reference}-agreements.xlsx"
    _header, built = _open_xlsx(download, tmp_path, "built.xlsx")
    assert built == rows


def _record_a_reported_kpi(page, eurocluster: Eurocluster, manager, tmp_path) -> KpiValue:
    """A reported KPI of the Eurocluster gets a value as of today, with a note and a PDF."""
    kpi = (KpiTarget.objects.filter(eurocluster=eurocluster, measure=KpiTarget.Measure.REPORTED)
           .order_by("name").first())
    assert kpi is not None, "the demo has a reported KPI"
    before = KpiValue.objects.filter(target=kpi).count()
    value = 12
    today = timezone.localdate()
    note = "Twelve SMEs advised under the green vouchers, attendance lists signed."
    evidence = tmp_path / "green-advice-attendance.pdf"
    evidence.write_bytes(EVIDENCE)

    page.get_by_role("navigation").first.get_by_role("link", name="KPIs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"KPI progress of {eurocluster.acronym}")
    page.get_by_role("link", name=kpi.name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/manage/kpis/{kpi.pk}/$"))
    expect(page.locator("#history tbody tr[data-value]")).to_have_count(before)

    form = page.locator("#report-form")
    form.get_by_label("Value").fill(str(value))
    form.get_by_label("As of").fill(today.isoformat())
    form.get_by_label("Note").fill(note)
    form.get_by_label("Evidence (PDF, optional)").set_input_files(str(evidence))
    form.get_by_role("button", name="Record the value").click()

    expect(page.get_by_role("alert").filter(has_text="The value is recorded.")).to_be_visible()
    history = page.locator("#history tbody tr[data-value]")
    expect(history).to_have_count(before + 1)
    entry = KpiValue.objects.filter(target=kpi).latest("pk")
    newest = history.first  # latest first: today's value comes before the demo's
    expect(newest).to_have_attribute("data-value", str(entry.pk))
    expect(newest.locator("td").nth(0)).to_have_text(date_filter(today, "j F Y"))
    expect(newest.locator("td").nth(1)).to_have_text(str(value))
    expect(newest.locator("td").nth(2)).to_have_text(note)
    expect(newest.get_by_role("link", name="green-advice-attendance.pdf")).to_have_attribute(
        "href", f"/manage/kpis/values/{entry.pk}/evidence/")
    with page.expect_download() as info:
        newest.get_by_role("link", name="green-advice-attendance.pdf").click()
    assert info.value.suggested_filename == "green-advice-attendance.pdf"
    assert Path(info.value.path()).read_bytes() == EVIDENCE
    percent = (Decimal(value * 100) / kpi.target).quantize(Decimal(1))
    expect(page.locator("#actual")).to_have_text(f"{value} ({percent} %)")

    assert (entry.value, entry.measured_on, entry.note, entry.recorded_by) == (
        value, today, note, manager)
    assert (entry.evidence_name, entry.evidence_size, entry.evidence_sha256) == (
        "green-advice-attendance.pdf", len(EVIDENCE), hashlib.sha256(EVIDENCE).hexdigest())
    with entry.evidence.open("rb") as stored:
        assert stored.read() == EVIDENCE
    audit = AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(KpiTarget),
                                   object_id=kpi.pk, action="kpi_value_recorded",
                                   data__value_id=entry.pk)
    assert audit.actor == manager
    assert audit.data == {"value_id": entry.pk, "value": value,
                          "measured_on": today.isoformat(), "note": note,
                          "evidence": "green-advice-attendance.pdf",
                          "sha256": entry.evidence_sha256}
    return entry


def _download_the_reporting_pack(page, eurocluster: Eurocluster, entry: KpiValue,
                                 tmp_path) -> None:
    """The pack of the grant's period to today: the payments paid in it add up to the ledger's
    paid figure, which is the database's; the KPI just recorded is in it; the PDF is a PDF."""
    today = timezone.localdate()
    start = min(eurocluster.starts_on, today - timedelta(days=1))
    paid = Payment.objects.filter(status=Payment.Status.PAID,
                                  tranche__agreement__application__call__eurocluster=eurocluster)
    paid_total = paid.aggregate(total=Sum("amount"))["total"]
    assert paid.count() > 0 and paid_total > 0, "the demo has paid a tranche"
    ledgers = call_ledgers(list(OpenCall.objects.filter(eurocluster=eurocluster)))
    assert sum(ledger.paid for ledger in ledgers) == paid_total
    committed = sum(ledger.committed for ledger in ledgers)
    countersigned = GrantAgreement.objects.filter(
        application__call__eurocluster=eurocluster, status__in=PUBLISHED_STATUSES)

    page.get_by_role("navigation").first.get_by_role("link", name="Dashboard").click()
    page.locator("#reporting-pack-link").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{eurocluster.acronym} reporting pack")
    page.get_by_label("From").fill(start.isoformat())
    page.get_by_label("To").fill(today.isoformat())
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the reporting pack (ZIP)").click()
    download = info.value
    stem = (f"{eurocluster.acronym}-reporting-pack-{start.isoformat()}-{today.isoformat()}"
            .replace(" ", "-"))
    assert download.suggested_filename == f"{stem}.zip"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [f"{stem}.pdf", f"{stem}.xlsx"]
        pdf = archive.read(f"{stem}.pdf")
        workbook = openpyxl.load_workbook(io.BytesIO(archive.read(f"{stem}.xlsx")),
                                          read_only=True)
    assert pdf.startswith(b"%PDF-")
    text = " ".join(" ".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)
                    .split())
    assert f"Period: {start.isoformat()} to {today.isoformat()}" in text
    assert f"Amount paid {eur(paid_total)}" in text
    assert f"Agreements countersigned {countersigned.count()}" in text
    assert entry.target.name in text
    assert workbook.sheetnames == ["Calls", "Applications received", "Evaluation results",
                                   "Third parties supported", "Payments", "KPIs", "Ledger"]

    _header, payments = _sheet_rows(workbook["Payments"])
    assert len(payments) == paid.count()
    assert sum(_money(row["Amount (EUR)"]) for row in payments) == paid_total
    assert sorted(row["Bank reference"] for row in payments) == sorted(
        paid.values_list("bank_reference", flat=True))

    _header, ledger = _sheet_rows(workbook["Ledger"])
    whole = ledger[0]
    assert whole["Budget of"] == eurocluster.acronym
    assert (_money(whole["Allocated (EUR)"]), _money(whole["Committed (EUR)"]),
            _money(whole["Paid (EUR)"])) == (eurocluster.cascade_budget, committed, paid_total)
    calls = [row for row in ledger if row["Paid (EUR)"] is not None][1:]
    assert sum(_money(row["Paid (EUR)"]) for row in calls) == paid_total

    _header, third_parties = _sheet_rows(workbook["Third parties supported"])
    assert sorted(row["Enterprise"] for row in third_parties) == sorted(
        countersigned.values_list("application__organisation__legal_name", flat=True))

    _header, kpis = _sheet_rows(workbook["KPIs"])
    row = next(row for row in kpis if row["Indicator"] == entry.target.name)
    assert (row["Target"], row["Actual at the end of the period (or today)"]) == (
        entry.target.target, entry.value)
    assert row["Evidence"] == " · ".join((entry.measured_on.isoformat(), entry.note,
                                          entry.evidence_name))
    workbook.close()


def _the_public_list(page) -> None:
    """A visitor sees every contracted SME of the demo (countersigned, none withheld, none a
    natural person), and no SME whose agreement is not countersigned yet."""
    agreements = GrantAgreement.objects.select_related("application__organisation")
    contracted = agreements.filter(status__in=PUBLISHED_STATUSES)
    assert not contracted.filter(publication_withholding__isnull=False).exists()
    assert not contracted.filter(application__organisation__is_natural_person=True).exists()
    expected = sorted(a.application.organisation.legal_name for a in contracted)
    assert len(expected) > 0
    others = [a.application.organisation.legal_name
              for a in agreements.exclude(status__in=PUBLISHED_STATUSES)]
    assert others, "the demo has agreements not countersigned yet"

    page.context.clear_cookies()
    page.goto("/")
    page.locator("footer").get_by_role("link", name="Beneficiaries").click()
    expect(page).to_have_url(re.compile(r"/beneficiaries/$"))
    noun = "beneficiary" if len(expected) == 1 else "beneficiaries"
    expect(page.locator("#beneficiary-count")).to_have_text(f"{len(expected)} {noun}")
    rows = page.locator("#beneficiaries tbody tr")
    expect(rows).to_have_count(len(expected))
    assert sorted(rows.locator("td:first-child").all_inner_texts()) == expected
    for agreement in contracted.select_related("application__call"):
        row = rows.filter(has_text=agreement.application.organisation.legal_name)
        expect(row.locator("td").nth(3)).to_have_text(agreement.application.call.reference)
        expect(row.locator("td").nth(5)).to_contain_text(f"({agreement.application.acronym})")
        expect(row.locator("td").nth(6)).to_have_text(amount(agreement.amount))
    table = page.locator("#beneficiaries")
    for name in others:
        expect(table).not_to_contain_text(name)


def test_a_manager_runs_the_cockpit_on_the_demo_and_the_public_sees_the_beneficiaries(
        page, demo, settings, tmp_path):
    eurocluster = demo
    call = OpenCall.objects.get(reference=payments_demo.CALL)
    log_in(page, MANAGER, demo_data.DEMO_PASSWORD)
    manager = call.eurocluster.memberships.get(user__email=MANAGER).user

    _follow_the_queue(page, call)
    rows = _download_agreements_xlsx(page, call, tmp_path)
    _download_a_large_export(page, settings, call, tmp_path, rows)
    entry = _record_a_reported_kpi(page, eurocluster, manager, tmp_path)
    _download_the_reporting_pack(page, eurocluster, entry, tmp_path)
    _the_public_list(page)
