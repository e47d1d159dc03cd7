"""The exports of the KPI pages, for the Eurocluster's managers and observers (as the pages):

- ``kpi_progress``: each KPI target of one Eurocluster with its actual value computed as on the
  KPI page (``reporting.kpis.selectors.kpis_of``), its share of the target and whether it is on
  track. One Eurocluster, as the page: ``?eurocluster=<id>``, else the first the user reads.
- ``kpi_values``: the values managers reported, with who recorded them and whether a PDF backs
  them; ``?kpi=<id>`` for one KPI (its page), ``?eurocluster=<id>`` for one Eurocluster.
"""

from django.db.models import Subquery
from django.utils.translation import gettext_lazy as _

from euroclusters.models import Eurocluster, KpiTarget
from reporting.exports.definitions import _user
from reporting.exports.registry import Scope, identifier, reader_export
from reporting.exports.writers import DATE, DATETIME, NUMBER, Column, yes_no
from reporting.kpis.selectors import Kpi, kpis_of
from reporting.models import KpiValue


def kpi_export(name, title, *, rows, columns, **kwargs):
    return reader_export(name, title, rows=rows, columns=columns, per_call=False, **kwargs)


# --- progress against the targets ---------------------------------------------------------------

def _shown_euroclusters(scope: Scope):
    """The Eurocluster the KPI page shows first: the only one asked for, or the first by acronym
    of those the user reads."""
    euroclusters = Eurocluster.objects.order_by("acronym", "pk")
    if scope.eurocluster_ids is not None:
        euroclusters = euroclusters.filter(pk__in=scope.eurocluster_ids)
    return euroclusters


def kpi_progress_rows(scope: Scope) -> list[Kpi]:
    eurocluster = _shown_euroclusters(scope).first()
    return [] if eurocluster is None else kpis_of(eurocluster)


def kpi_progress_count(scope: Scope) -> int:
    # Counting the targets, not computing them: computing is what the export itself does.
    first = _shown_euroclusters(scope).values("pk")[:1]
    return KpiTarget.objects.filter(eurocluster_id=Subquery(first)).count()


kpi_export("kpi_progress", _("KPI progress"), rows=kpi_progress_rows,
           counter=kpi_progress_count, columns=[
    Column(_("Eurocluster"), lambda k: k.target.eurocluster.acronym),
    Column(_("Indicator"), lambda k: k.target.name, width=40),
    Column(_("Objective"), lambda k: k.target.get_objective_display(), width=24),
    Column(_("Measured as"), lambda k: k.computation.label if k.computation else _("Reported"),
           width=24),
    Column(_("Target"), lambda k: k.target.target, NUMBER, width=10),
    Column(_("Actual"), lambda k: k.actual, NUMBER, width=10),
    Column(_("Share of the target (%)"), lambda k: k.percent, NUMBER, width=10),
    Column(_("Expected by today"), lambda k: k.expected, NUMBER, width=10),
    Column(_("Status"), lambda k: k.status_badge[1], width=20),
    Column(_("Last reported value as of"),
           lambda k: k.last_reported.measured_on if k.last_reported else None, DATE),
])


# --- reported values ----------------------------------------------------------------------------

def kpi_value_rows(scope: Scope):
    rows = (KpiValue.objects.select_related("target__eurocluster", "recorded_by")
            .order_by("target__eurocluster__acronym", "target__name", "-measured_on", "-pk"))
    rows = scope.scoped(rows, "target__eurocluster_id")
    if "kpi" in scope.filters:
        rows = rows.filter(target_id=scope.filters["kpi"])
    return rows


kpi_export("kpi_values", _("Reported KPI values"), rows=kpi_value_rows,
           filters={"kpi": identifier}, columns=[
    Column(_("Eurocluster"), lambda v: v.target.eurocluster.acronym),
    Column(_("KPI"), lambda v: v.target.name, width=40),
    Column(_("As of"), lambda v: v.measured_on, DATE),
    Column(_("Value"), lambda v: v.value, NUMBER, width=10),
    Column(_("Note"), lambda v: v.note, width=40),
    Column(_("Evidence (PDF)"), lambda v: yes_no(bool(v.evidence))),
    Column(_("Recorded by"), lambda v: _user(v.recorded_by), width=24),
    Column(_("Recorded at (Brussels)"), lambda v: v.recorded_at, DATETIME),
])
