"""seed_demo_kpis: the demo's 25 KPI targets measured, reported values recorded and audited, the
grant's dates set; a second run changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from calls.models import VoucherType
from euroclusters.models import Eurocluster, KpiTarget
from portal.models import AuditEntry
from reporting.kpis.demo import MEASURES, REPORTED
from reporting.kpis.selectors import kpis_of
from reporting.models import KpiValue

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo_kpis", stdout=out)
    return out.getvalue()


def test_the_demo_measures_every_kpi_and_runs_twice_with_identical_counts():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_activities", stdout=StringIO())
    assert KpiTarget.objects.count() == len(MEASURES) == 25
    first = seed()
    assert first.splitlines()[0] == (
        "KPIs demo loaded: grant dates set ×4, internationalisation voucher type flagged ×4, "
        "measure set ×15, value reported ×10")
    assert KpiValue.objects.count() == len(REPORTED) == 10
    assert AuditEntry.objects.filter(action="kpi_value_recorded").count() == 10
    assert sorted(VoucherType.objects.filter(internationalisation=True)
                  .values_list("name", flat=True)) == [
        "Internationalisation consultancy voucher", "Internationalisation consultancy voucher",
        "Internationalisation voucher (Mexico and Chile)",
        "Internationalisation voucher (third countries)"]
    assert {(t.eurocluster.acronym, t.name): t.measure
            for t in KpiTarget.objects.select_related("eurocluster")} == MEASURES
    second = seed()
    assert second.splitlines()[0] == "Nothing to change: the KPIs demo is already in place."
    assert KpiValue.objects.count() == 10
    # Real progress from the demo's activities: RE-CENTRE's mission to Mexico and Chile.
    recentre = Eurocluster.objects.get(acronym="RE-CENTRE")
    actual = {k.target.name: k.actual for k in kpis_of(recentre)}
    assert actual["SMEs exploring Mexico and Chile"] == 5
    assert actual["Cluster and SME staff trained"] == 31
