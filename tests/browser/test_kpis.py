"""A cluster manager opens the KPI progress, opens a reported KPI and records a value with a PDF
as evidence, through the pages only."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from euroclusters.models import KpiTarget, Objective
from reporting.models import KpiValue
from tests.browser.actions import log_in
from tests.factories import MINIMAL_PDF, MembershipFactory

pytestmark = pytest.mark.browser

MANAGER_EMAIL = "claire.dubreuil@dream.example"


def test_manager_records_a_reported_kpi_with_evidence(page, tmp_path):
    manager = MembershipFactory(user__email=MANAGER_EMAIL, user__full_name="Claire Dubreuil")
    eurocluster = manager.eurocluster
    eurocluster.starts_on, eurocluster.ends_on = date(2026, 1, 1), date(2028, 6, 30)
    eurocluster.save()
    kpi = KpiTarget.objects.create(eurocluster=eurocluster, target=15, objective=Objective.TRAIN,
                                   name="Cluster staff trained")
    KpiTarget.objects.create(eurocluster=eurocluster, target=35, objective=Objective.AUTONOMY,
                             name="Innovation projects funded",
                             measure=KpiTarget.Measure.PROJECTS_FUNDED)
    evidence = tmp_path / "attendance.pdf"
    evidence.write_bytes(MINIMAL_PDF)

    log_in(page, MANAGER_EMAIL)
    page.get_by_role("navigation").first.get_by_role("link", name="KPIs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"KPI progress of {eurocluster.acronym}")
    expect(page.locator("#kpis")).to_contain_text("Projects funded")
    page.get_by_role("link", name="Cluster staff trained").click()
    expect(page).to_have_url(re.compile(rf"/manage/kpis/{kpi.pk}/$"))

    form = page.locator("#report-form")
    form.get_by_label("Value").fill("6")
    form.get_by_label("As of").fill("2026-06-30")
    form.get_by_label("Note").fill("Train-the-trainer course on industrial cybersecurity.")
    form.get_by_label("Evidence (PDF, optional)").set_input_files(str(evidence))
    form.get_by_role("button", name="Record the value").click()

    expect(page.locator("#history tbody")).to_contain_text("30 June 2026")
    expect(page.locator("#history tbody")).to_contain_text("attendance.pdf")
    expect(page.locator("#actual")).to_have_text("6 (40 %)")
    entry = KpiValue.objects.get()
    assert (entry.value, entry.evidence_name) == (6, "attendance.pdf")
