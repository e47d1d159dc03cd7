"""Reads of the KPI pages: the Euroclusters a person reads the KPIs of, and each KPI with its
actual value, its share of the target, its trend at month ends and whether it is on track for the
end of the grant.

A page reads each computation's events once (however many KPIs use it) and the reported values
of all its KPIs in one query: its number of queries does not grow with the number of KPIs.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from euroclusters.models import Eurocluster, KpiTarget, Membership
from euroclusters.rules import eurocluster_ids_in_scope
from portal.formats import brussels, eur, score
from reporting.dashboard.charts import Chart
from reporting.kpis import charts
from reporting.kpis.computations import Computation, computation, fold_series
from reporting.models import KpiValue

# How each status shows: a badge's colour and words.
STATUS_BADGES = {
    "reached": ("success", gettext_lazy("Target reached")),
    "on_track": ("primary", gettext_lazy("On track")),
    "behind": ("warning", gettext_lazy("Behind")),
    "unknown": ("secondary", gettext_lazy("No grant end date")),
}

# The trend shows at most this many month ends (two years), the last being today.
MAX_POINTS = 24


def readable_eurocluster_ids(user) -> frozenset[int] | None:
    """The Euroclusters whose KPIs ``user`` reads (manager or observer); None: all."""
    return eurocluster_ids_in_scope(user, Membership.Role.MANAGER, Membership.Role.OBSERVER)


def kpi_euroclusters(user) -> QuerySet[Eurocluster]:
    ids = readable_eurocluster_ids(user)
    queryset = Eurocluster.objects.order_by("acronym")
    return queryset if ids is None else queryset.filter(pk__in=ids)


def kpi_targets_readable_by(user) -> QuerySet[KpiTarget]:
    ids = readable_eurocluster_ids(user)
    queryset = KpiTarget.objects.select_related("eurocluster")
    return queryset if ids is None else queryset.filter(eurocluster_id__in=ids)


def kpi_values_readable_by(user) -> QuerySet[KpiValue]:
    ids = readable_eurocluster_ids(user)
    queryset = KpiValue.objects.select_related("target__eurocluster")
    return queryset if ids is None else queryset.filter(target__eurocluster_id__in=ids)


def history(target: KpiTarget) -> list[KpiValue]:
    """The reported values of ``target``, latest first, with who recorded them."""
    return list(target.values.select_related("recorded_by").order_by("-measured_on", "-pk"))


# --- dates ------------------------------------------------------------------------------------


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def trend_days(eurocluster: Eurocluster, today: date) -> list[date]:
    """The month ends from the grant's first month (or 11 months back without one) before
    ``today``, then ``today``: at most ``MAX_POINTS`` days, ascending."""
    start = eurocluster.starts_on
    if start is None:
        months_back = today.year * 12 + today.month - 1 - (MAX_POINTS // 2 - 1)
        start = date(months_back // 12, months_back % 12 + 1, 1)
    days, month_end = [], _month_end(start)
    while month_end < today:
        days.append(month_end)
        month_end = _month_end(month_end + timedelta(days=1))
    days.append(today)
    return days[-MAX_POINTS:]


# --- the KPIs ---------------------------------------------------------------------------------


@dataclass
class Kpi:
    target: KpiTarget
    computation: Computation | None
    actual: Decimal
    trend: list[tuple[date, Decimal]]
    # The value expected by today on a straight line from 0 at the grant's first day to the
    # target at its last; None without both days.
    expected: Decimal | None = None
    last_reported: KpiValue | None = None

    @property
    def reported(self) -> bool:
        return self.computation is None

    @property
    def money(self) -> bool:
        return bool(self.computation and self.computation.money)

    @property
    def percent(self) -> Decimal | None:
        if not self.target.target:
            return None
        return (self.actual * 100 / self.target.target).quantize(Decimal(1), ROUND_HALF_UP)

    def show(self, value: Decimal | int | None) -> str:
        """A figure of this KPI as people read it: euros, or a count."""
        if value is None:
            return ""
        return eur(value) if self.money else score(value, 1)

    @property
    def actual_text(self) -> str:
        return self.show(self.actual)

    @property
    def target_text(self) -> str:
        return self.show(self.target.target)

    @property
    def expected_text(self) -> str:
        return self.show(self.expected)

    @property
    def trend_rows(self) -> list[tuple[date, str]]:
        return [(day, self.show(value)) for day, value in self.trend]

    @property
    def bullet_svg(self) -> str:
        label = _("%(actual)s of a target of %(target)s") % {"actual": self.actual_text,
                                                            "target": self.target_text}
        return charts.bullet(self, label=label)

    @property
    def trend_svg(self) -> str:
        first, last = self.trend[0], self.trend[-1]
        label = _("From %(first)s on %(from)s to %(last)s on %(to)s") % {
            "first": self.show(first[1]), "from": brussels(first[0]),
            "last": self.show(last[1]), "to": brussels(last[0])}
        return charts.trend(self, label=label)

    @property
    def progress_chart(self) -> Chart:
        return charts.progress_chart(self)

    @property
    def trend_chart(self) -> Chart:
        return charts.trend_chart(self)

    @property
    def status_badge(self) -> tuple[str, str]:
        return STATUS_BADGES[self.status]

    @property
    def status(self) -> str:
        """reached / on_track / behind / unknown (no grant dates)."""
        if self.actual >= self.target.target:
            return "reached"
        if self.expected is None:
            return "unknown"
        return "on_track" if self.actual >= self.expected else "behind"


def expected_by(eurocluster: Eurocluster, target: int, today: date) -> Decimal | None:
    start, end = eurocluster.starts_on, eurocluster.ends_on
    if start is None or end is None or end <= start:
        return None
    share = Decimal(min(max((today - start).days, 0), (end - start).days)) / (end - start).days
    return (target * share).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _reported_series(values: list[KpiValue], days: list[date]) -> list[Decimal]:
    """The latest value reported on or before each of ``days`` (0 before the first)."""
    ordered = sorted(values, key=lambda v: (v.measured_on, v.pk))
    result, current, index = [], Decimal(0), 0
    for day in days:
        while index < len(ordered) and ordered[index].measured_on <= day:
            current = Decimal(ordered[index].value)
            index += 1
        result.append(current)
    return result


def kpis_of(eurocluster: Eurocluster, *, targets: list[KpiTarget] | None = None,
            today: date | None = None) -> list[Kpi]:
    """Each KPI target of ``eurocluster`` (or ``targets``) with its figures, as of ``today``."""
    today = today or timezone.localdate()
    if targets is None:
        targets = list(eurocluster.kpi_targets.order_by("objective", "name", "pk"))
    days = trend_days(eurocluster, today)
    reported_ids = [t.pk for t in targets if computation(t.measure) is None]
    values: dict[int, list[KpiValue]] = {pk: [] for pk in reported_ids}
    if reported_ids:
        for value in (KpiValue.objects.filter(target_id__in=reported_ids, measured_on__lte=today)
                      .order_by("-measured_on", "-pk")):
            values[value.target_id].append(value)
    series_of: dict[str, list[Decimal]] = {}
    kpis = []
    for target in targets:
        found = computation(target.measure)
        if found is None:
            series = _reported_series(values[target.pk], days)
        else:
            if found.measure not in series_of:
                series_of[found.measure] = fold_series(found.events(eurocluster), days,
                                                       distinct=found.distinct)
            series = series_of[found.measure]
        reported = values.get(target.pk)
        kpis.append(Kpi(target=target, computation=found, actual=series[-1],
                        trend=list(zip(days, series, strict=True)),
                        expected=expected_by(eurocluster, target.target, today),
                        last_reported=reported[0] if reported else None))
    return kpis
