"""The KPI charts, drawn by pygal like the dashboard's (``reporting.dashboard.charts``): server-side
SVG without JavaScript, the same drawing on the page and in the reporting pack's PDF, each with
its figures as a table (for screen readers) and the KPI's data to download as CSV.

- ``overview_chart``: every KPI of a Eurocluster, actual (and expected by today) as a percentage
  of its target, one scale for counts and euros alike (the list page and the pack's PDF);
- ``progress_chart`` and ``trend_chart``: one KPI, actual against target (and the value expected
  by today), and its value at each month end against the target line (a KPI's page);
- ``bullet`` and ``trend``: the same two as small drawings without axes (pygal sparklines) for
  each row of the list, whose table holds the figures.

The functions read a ``reporting.kpis.selectors.Kpi`` (target, actual, expected, trend, show).
"""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import pygal
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from pygal.style import Style

from portal.formats import brussels
from reporting.dashboard.charts import Chart, cleaned, unique_ids

SPARK_WIDTH, BULLET_HEIGHT, TREND_HEIGHT = 240, 28, 48
# Target in grey under the actual value in blue (the bullet), the actual line over the target's.
SPARK_STYLE = Style(background="transparent", plot_background="transparent",
                    colors=("#adb5bd", "#0d6efd"))
TREND_STYLE = Style(background="transparent", plot_background="transparent",
                    colors=("#0d6efd", "#adb5bd"))


def _percent(value: Decimal | None, target: int) -> Decimal:
    if value is None or not target:
        return Decimal(0)
    return (value * 100 / target).quantize(Decimal(1), ROUND_HALF_UP)


def _show_percent(value) -> str:
    return f"{value} %"


def overview_chart(kpis: list) -> Chart:
    """Actual, and expected by today when the grant's dates are known, as % of each target."""
    with_expected = any(kpi.expected is not None for kpi in kpis)
    # Not format strings: the "%" is a per cent sign (for xgettext too).
    # xgettext:no-python-format
    series = [_("Actual (% of target)")]
    if with_expected:
        # xgettext:no-python-format
        series.append(_("Expected by today (% of target)"))
    rows = []
    for kpi in kpis:
        row = [kpi.target.name, _percent(kpi.actual, kpi.target.target)]
        if with_expected:
            row.append(_percent(kpi.expected, kpi.target.target))
        rows.append(row)
    # xgettext:no-python-format
    return Chart("kpis", _("Progress of each KPI (% of its target)"), "hbar",
                 [_("Indicator"), *series], rows, series, height=120 + 34 * len(rows),
                 show=_show_percent)


def progress_chart(kpi) -> Chart:
    """The target, the value expected by today (when known) and the actual value."""
    rows = [[_("Target"), Decimal(kpi.target.target)]]
    if kpi.expected is not None:
        rows.append([_("Expected by today"), kpi.expected])
    rows.append([_("Actual"), kpi.actual])
    return Chart(f"kpi-{kpi.target.pk}-progress", _("Actual against target"), "hbar",
                 [_("Figure"), _("Value")], rows, [kpi.target.name], money=kpi.money,
                 height=220, show=kpi.show)


def trend_chart(kpi) -> Chart:
    """The value at each month end (the last: today) and the target."""
    target = Decimal(kpi.target.target)
    series = [_("Actual"), _("Target")]
    rows = [[brussels(day, date_only=True), value, target] for day, value in kpi.trend]
    return Chart(f"kpi-{kpi.target.pk}-trend", _("Trend at month ends"), "line",
                 [_("Day"), *series], rows, series, money=kpi.money, show=kpi.show)


@lru_cache(maxsize=1024)
def _sparkline(kind: str, series: tuple[tuple[float, ...], ...], top: float) -> tuple[str, str]:
    """A drawing without axes, labels or legend, on the scale 0 .. ``top``."""
    if kind == "bullet":
        chart = pygal.HorizontalBar(style=SPARK_STYLE, range=(0, top), js=[])
    else:
        chart = pygal.Line(style=TREND_STYLE, range=(0, top), js=[], show_dots=False,
                           stroke_style={"width": 2})
    for values in series:
        chart.add("", list(values))
    svg = chart.render_sparkline(width=SPARK_WIDTH,
                                 height=BULLET_HEIGHT if kind == "bullet" else TREND_HEIGHT,
                                 disable_xml_declaration=True, is_unicode=True)
    return cleaned(svg), chart.uuid


def _wrapped(css: str, label: str, kind: str, series, top: Decimal) -> SafeString:
    svg, uuid = _sparkline(kind, tuple(tuple(float(v) for v in values) for values in series),
                           float(top))
    # One image for assistive technology, named by its figures (the table has them all).
    return format_html('<span class="{} d-inline-block" role="img" aria-label="{}">{}</span>',
                       css, label, unique_ids(svg, uuid))


def bullet(kpi, *, label: str) -> SafeString:
    """The target as a grey bar under the actual value in blue (the scale stretches when the
    target is passed)."""
    target = Decimal(kpi.target.target)
    top = max(target, kpi.actual, Decimal(1))
    return _wrapped("kpi-bullet", label, "bullet", ([target], [kpi.actual]), top)


def trend(kpi, *, label: str) -> SafeString:
    """The value at each month end, under the target's line."""
    target = Decimal(kpi.target.target)
    values = [value for _day, value in kpi.trend]
    top = max([target, Decimal(1), *values])
    return _wrapped("kpi-trend", label, "trend", (values, [target] * len(values)), top)
