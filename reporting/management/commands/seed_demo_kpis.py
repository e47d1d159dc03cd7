"""``manage.py seed_demo_kpis``: how the demo's KPI targets are measured, and a few reported
values (``reporting.kpis.demo``).

Runs after ``seed_demo`` and ``seed_demo_activities``. Sets the grant's first and last days of
each demo Eurocluster that has none, flags the demo's internationalisation voucher types, gives
each demo KPI target its measure while it still has the default (reported), and records the demo's
reported values (through ``kpi_value_record``, by the Eurocluster's manager) that are missing. A
second run changes nothing (and says so).
"""

from collections import Counter
from datetime import timedelta

from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from applications import demo_data
from calls.models import VoucherType
from euroclusters.models import Eurocluster, KpiTarget, Membership
from portal.demo import SITE, DemoCommand, seed_quietly
from reporting.kpis import demo
from reporting.kpis.selectors import kpis_of
from reporting.kpis.services import kpi_value_record


class KpisSeeder:
    def __init__(self) -> None:
        self.done: Counter[str] = Counter()
        self.euroclusters = {e.acronym: e for e in Eurocluster.objects.all()}
        missing = {acronym for acronym, _name in demo.MEASURES} - set(self.euroclusters)
        if missing:
            raise CommandError(f"The Eurocluster {sorted(missing)[0]} does not exist: run "
                               "manage.py seed_demo first.")
        self.managers = {}
        for email, _name, acronym, role in demo_data.STAFF:
            if role == Membership.Role.MANAGER:
                membership = (Membership.objects.select_related("user")
                              .filter(user__email=email, eurocluster__acronym=acronym).first())
                if membership is None:
                    raise CommandError(f"{email} does not manage {acronym}: run manage.py "
                                       "seed_demo first.")
                self.managers[acronym] = membership.user

    def run(self) -> None:
        for eurocluster in self.euroclusters.values():
            if eurocluster.acronym in self.managers and eurocluster.starts_on is None:
                eurocluster.starts_on, eurocluster.ends_on = demo.STARTS_ON, demo.ENDS_ON
                eurocluster.save(update_fields=["starts_on", "ends_on"])
                self.done["grant dates set"] += 1
        flagged = (VoucherType.objects
                   .filter(name__icontains=demo.INTERNATIONALISATION_WORD,
                           call__eurocluster__acronym__in=list(self.managers),
                           internationalisation=False)
                   .update(internationalisation=True))
        if flagged:
            self.done["internationalisation voucher type flagged"] += flagged
        targets = {(t.eurocluster.acronym, t.name): t
                   for t in KpiTarget.objects.select_related("eurocluster")}
        for key, measure in demo.MEASURES.items():
            target = targets.get(key)
            if target is None:
                raise CommandError(f"The KPI target {key[1]!r} of {key[0]} does not exist: run "
                                   "manage.py seed_demo first.")
            if target.measure == KpiTarget.Measure.REPORTED and measure != target.measure:
                target.measure = measure
                target.save(update_fields=["measure"])
                self.done["measure set"] += 1
        today = timezone.localdate()
        for acronym, name, days_ago, value, note in demo.REPORTED:
            target = targets[(acronym, name)]
            if target.measure != KpiTarget.Measure.REPORTED:
                continue
            if target.values.filter(note=note).exists():
                continue
            kpi_value_record(target=target, by=self.managers[acronym], value=value,
                             measured_on=today - timedelta(days=days_ago), note=note)
            self.done["value reported"] += 1


class Command(DemoCommand):
    help = ("Measure the demo's KPI targets (computed from the portal's data, or reported) and "
            "record a few reported values. Run after seed_demo and seed_demo_activities; safe "
            "to run again: it changes nothing the second time.")

    refused_what = "the KPIs demo"

    def seed(self) -> None:
        seeder = KpisSeeder()
        seed_quietly(seeder.run)
        if seeder.done:
            self.stdout.write(self.style.SUCCESS(
                "KPIs demo loaded: " + ", ".join(
                    f"{step} ×{count}" for step, count in seeder.done.items())))
        else:
            self.stdout.write(self.style.SUCCESS(
                "Nothing to change: the KPIs demo is already in place."))
        self.stdout.write("")
        rows = []
        for eurocluster in Eurocluster.objects.order_by("acronym"):
            for kpi in kpis_of(eurocluster):
                rows.append((eurocluster.acronym, kpi.target.name[:48],
                             kpi.computation.label if kpi.computation else "Reported",
                             kpi.actual_text, kpi.target_text, kpi.status))
        self.table(("Eurocluster", "KPI", "Measured as", "Actual", "Target", "Status"), rows)
        self.stdout.write("")
        self.stdout.write(f"Managers (e.g. manager.silicon@example.eu): "
                          f"{SITE}{reverse('reporting:kpis')}    "
                          f"Password for every account: {demo_data.DEMO_PASSWORD}")
