"""The EC reporting pack: one ZIP with an XLSX (one sheet per subject) and a PDF summary.

Built in memory in the request: the pack of one Eurocluster for one period is small. Text cells
go through the portal's formula guard (the exports' writers); the PDF is rendered by WeasyPrint
from a self-contained template, like the agreements (``payments.pdf.html_to_pdf``).
"""

import io
import zipfile

import xlsxwriter
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from euroclusters.models import Eurocluster
from payments.pdf import html_to_pdf
from reporting.dashboard.charts import Chart
from reporting.exports.definitions import reference
from reporting.exports.writers import (
    DATE,
    DATETIME,
    MONEY,
    NUMBER,
    Column,
    cell_formats,
    write_sheet,
)
from reporting.kpis.charts import overview_chart
from reporting.pack.selectors import Pack, Period, pack, payment_day


def _sheets(data: Pack) -> list[tuple[str, list[Column], list]]:
    ledger_note = _("Ledger figures as of %(today)s (the payments ledger today).") % {
        "today": data.today.isoformat()}
    period = _("Period %(start)s to %(end)s") % {"start": data.period.start.isoformat(),
                                                  "end": data.period.end.isoformat()}
    received = [(title.title, row) for title in data.received for row in title.rows]
    return [
        (_("Calls"), [
            Column(_("Reference"), lambda c: c.reference, width=22),
            Column(_("Title"), lambda c: c.title, width=40),
            Column(_("Opens (Brussels)"), lambda c: c.opens_at, DATETIME),
            Column(_("Deadline (Brussels)"), lambda c: c.closes_at, DATETIME),
            Column(_("Budget (EUR)"), lambda c: c.budget, MONEY),
            Column(_("Voucher types"), lambda c: ", ".join(v.name for v in c.voucher_types.all()),
                   width=40),
        ], data.calls),
        (_("Applications received"), [
            Column(_("Breakdown"), lambda r: r[0], width=20),
            Column(_("Value"), lambda r: r[1][0], width=30),
            Column(_("Applications submitted in the period"), lambda r: r[1][1], NUMBER),
            Column(_("Of which funded"), lambda r: r[1][2], NUMBER),
        ], received),
        (_("Evaluation results"), [
            Column(_("Reference"), lambda e: reference(e.application.call.reference,
                                                       e.application_id), width=22),
            Column(_("Acronym"), lambda e: e.application.acronym),
            Column(_("Enterprise"), lambda e: e.application.organisation.legal_name, width=30),
            Column(_("Weighted total"), lambda e: e.total, NUMBER),
            Column(_("Outcome"), lambda e: e.get_outcome_display(), width=24),
            Column(_("Rank"), lambda e: e.rank, NUMBER, width=6),
        ], data.results),
        (_("Third parties supported"), [
            Column(_("Enterprise"), lambda a: a.application.organisation.legal_name, width=30),
            Column(_("Country"), lambda a: str(a.application.organisation.country), width=8),
            Column(_("Registration number"),
                   lambda a: a.application.organisation.registration_number, width=20),
            Column(_("Call"), lambda a: a.application.call.reference, width=22),
            Column(_("Voucher type"), lambda a: a.application.voucher_type.name
                   if a.application.voucher_type else "", width=24),
            Column(_("Amount contracted (EUR)"), lambda a: a.amount, MONEY),
            Column(_("Amount paid in the period (EUR)"), lambda a: a.paid_in_period, MONEY),
            Column(_("Countersigned (Brussels)"), lambda a: a.countersigned_at, DATETIME),
            Column(_("Countersigned in the period"),
                   lambda a: _("yes") if a.in_period else _("no"), width=10),
        ], data.third_parties),
        (_("Payments"), [
            Column(_("Date"), payment_day, DATE),
            Column(_("Reference"), lambda p: reference(
                p.tranche.agreement.application.call.reference,
                p.tranche.agreement.application_id), width=22),
            Column(_("Enterprise"), lambda p: p.tranche.agreement.application.organisation
                   .legal_name, width=30),
            Column(_("Tranche"), lambda p: p.tranche.position, NUMBER, width=8),
            Column(_("Amount (EUR)"), lambda p: p.amount, MONEY),
            Column(_("Bank reference"), lambda p: p.bank_reference, width=24),
        ], data.payments),
        (_("KPIs"), [
            Column(_("Indicator"), lambda k: k.target.name, width=40),
            Column(_("Target"), lambda k: k.target.target, NUMBER),
            Column(_("Actual at the end of the period (or today)"), lambda k: k.actual, NUMBER),
            Column(_("Evidence"), _evidence, width=40),
        ], data.kpis),
        (_("Ledger"), [
            Column(_("Budget of"), lambda r: r[0], width=40),
            Column(_("Allocated (EUR)"), lambda r: r[1].allocated, MONEY),
            Column(_("Committed (EUR)"), lambda r: r[1].committed, MONEY),
            Column(_("Paid (EUR)"), lambda r: r[1].paid, MONEY),
            Column(_("Remaining (EUR)"), lambda r: r[1].remaining, MONEY),
        ], [*_ledger_rows(data), (ledger_note, _Blank()), (period, _Blank())]),
    ]


class _Blank:
    allocated = committed = paid = remaining = None


def _ledger_rows(data: Pack) -> list:
    return [(data.eurocluster.acronym, data.ledger),
            *((row.call.reference, row) for row in data.ledger.calls)]


def _evidence(kpi) -> str:
    if kpi.computation is not None:
        return _("Computed by the portal from its records.")
    value = kpi.last_reported
    if value is None:
        return _("Not reported yet.")
    return " · ".join(part for part in (value.measured_on.isoformat(), value.note,
                                        value.evidence_name) if part)


def pack_xlsx(data: Pack) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
    formats = cell_formats(workbook)
    for title, columns, rows in _sheets(data):
        write_sheet(workbook, title=title, columns=columns, rows=rows, formats=formats)
    workbook.close()
    return buffer.getvalue()


def budget_chart(data: Pack) -> Chart:
    """The dashboard's budget chart, of the pack's ledger."""
    rows = [[label, ledger.allocated, ledger.committed, ledger.paid, ledger.remaining]
            for label, ledger in _ledger_rows(data)]
    series = [_("Allocated"), _("Committed"), _("Paid"), _("Remaining")]
    return Chart("budget", _("Budget (EUR)"), "bar", [_("Budget of"), *series], rows, series,
                 money=True)


def pack_pdf(data: Pack) -> bytes:
    return html_to_pdf(render_to_string("reporting/pack/summary.html", {
        "pack": data, "chart": budget_chart(data),
        "kpi_chart": overview_chart(data.kpis) if data.kpis else None,
        "kpi_rows": [(k.target.name, k.target_text, k.actual_text, _evidence(k))
                     for k in data.kpis]}))


def file_stem(eurocluster: Eurocluster, period: Period) -> str:
    return (f"{eurocluster.acronym}-reporting-pack-{period.start.isoformat()}-"
            f"{period.end.isoformat()}").replace(" ", "-")


def reporting_pack(*, eurocluster: Eurocluster, period: Period) -> tuple[str, bytes]:
    """The ZIP's file name and bytes."""
    data = pack(eurocluster=eurocluster, period=period)
    stem = file_stem(eurocluster, period)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.xlsx", pack_xlsx(data))
        archive.writestr(f"{stem}.pdf", pack_pdf(data))
    return f"{stem}.zip", buffer.getvalue()
