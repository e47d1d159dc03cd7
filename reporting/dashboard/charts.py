"""The dashboard's charts: server-side SVG drawn by pygal, inlined in the page (no JavaScript, no
CDN), each with its figures as a table (for screen readers and for the CSV download).

A ``Chart`` holds the series once; ``svg`` draws it, ``header`` and ``rows`` are the table and the
CSV. The figures in the table are exact (Decimal); the drawing uses floats.

The content security policy allows no inline style: pygal's own <style> (scoped to the drawing's
id) carries the request's nonce in a page (``with_nonce``; the ``chart_svg`` and ``svg_nonce``
template tags), and the one style attribute pygal writes (on its tooltip, which needs its script)
becomes an SVG attribute (``cleaned``). A PDF (the reporting pack) needs no nonce.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from uuid import uuid4

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from portal.formats import amount, brussels, eur
from reporting.dashboard.selectors import Dashboard

STYLE = Style(background="transparent", plot_background="transparent", font_family="inherit",
              colors=("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997"),
              label_font_size=13, major_label_font_size=13, legend_font_size=13,
              value_font_size=12, title_font_size=15)
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
TOOLTIP_STYLE = ' style="opacity: 0"'
CONFIG = {"style": STYLE, "js": [], "disable_xml_declaration": True, "width": 720,
          "height": 320, "legend_at_bottom": True, "print_values": False,
          "truncate_legend": -1, "truncate_label": -1}


@dataclass
class Chart:
    slug: str
    title: str
    kind: str  # bar, hbar, line, pie
    header: list[str]
    rows: list[list]  # first column: the label; then one value per series
    series: list[str]
    money: bool = False
    note: str = ""
    height: int = 320
    # How the table writes a value (a KPI's counts and euros); money and counts by default.
    show: Callable | None = None

    def cells(self) -> list[list[str]]:
        """The rows as the table shows them (money and counts in the portal's format)."""
        return [[row[0], *(self._cell(v) for v in row[1:])] for row in self.rows]

    def _cell(self, value) -> str:
        if self.show is not None:
            return self.show(value)
        if isinstance(value, Decimal):
            return amount(value)
        return str(value)

    def svg(self, nonce: str = "") -> str:
        """The drawing; with ``nonce`` (the request's CSP nonce) its <style> applies in a page."""
        # The same series draw the same picture: a warm page redraws only the charts whose
        # figures (or language) changed since.
        svg, uuid = _draw(self.kind, tuple(self.series), tuple(tuple(row) for row in self.rows),
                          self.height)
        return with_nonce(unique_ids(svg, uuid), nonce)


def unique_ids(svg: str, uuid: str) -> str:
    # Each drawing on a page keeps ids (and the style scoped to them) of its own.
    return mark_safe(svg.replace(uuid, uuid4().hex))  # noqa: S308


def cleaned(svg: str) -> str:
    """pygal's SVG as a page may hold it under the content security policy."""
    # pygal always embeds its tooltips' configuration as a script; the page needs none. The
    # tooltip stays hidden then: an SVG attribute says so, not a style attribute.
    return SCRIPT.sub("", svg).replace(TOOLTIP_STYLE, ' opacity="0"')


def with_nonce(svg: SafeString, nonce: str) -> SafeString:
    """``svg`` (drawn by pygal, already safe) with ``nonce`` on each of its <style> elements."""
    if not isinstance(svg, SafeString):
        raise TypeError("with_nonce takes the safe SVG of a drawing, not text to escape")
    if nonce:
        svg = svg.replace("<style ", f'<style nonce="{escape(nonce)}" ')
    return mark_safe(svg)  # noqa: S308


@lru_cache(maxsize=512)
def _draw(kind: str, series: tuple[str, ...], rows: tuple[tuple, ...],
          height: int = 320) -> tuple[str, str]:
    """The SVG of a chart: pygal builds it with an XML tree, which escapes every label."""
    chart = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "line": pygal.Line,
             "pie": pygal.Pie}[kind](**{**CONFIG, "height": height})
    if kind == "pie":
        for row in rows:
            chart.add(str(row[0]), [float(row[1])])
    else:
        chart.x_labels = [str(row[0]) for row in rows]
        for index, name in enumerate(series, start=1):
            chart.add(name, [float(row[index]) for row in rows])
        if kind == "line":
            chart.show_dots = len(rows) < 40
            chart.x_label_rotation = 30
            chart.include_x_axis = True  # a count starts at zero
            chart.show_minor_y_labels = False
    return cleaned(chart.render(is_unicode=True)), chart.uuid


def budget_chart(board: Dashboard) -> Chart:
    """Allocated, committed, paid and remaining: the Eurocluster and each call."""
    rows = [[label, ledger.allocated, ledger.committed, ledger.paid, ledger.remaining]
            for label, ledger in board.ledger_rows]
    series = [_("Allocated"), _("Committed"), _("Paid"), _("Remaining")]
    return Chart("budget", _("Budget (EUR)"), "bar", [_("Budget of"), *series], rows, series,
                 money=True)


def share_chart(board: Dashboard) -> Chart:
    """The share of the Eurocluster's budget that goes to SMEs: its cascade budget (committed
    and not yet committed) against the rest of the grant's total. Without a total on record,
    the cascade budget alone, and a note that says so."""
    ledger, total = board.ledger, board.eurocluster.total_budget
    free = max(ledger.allocated - ledger.committed, Decimal("0.00"))
    rows = [[_("Cascade budget committed to SMEs"), ledger.committed],
            [_("Cascade budget not yet committed"), free]]
    header = [_("Part"), _("Amount (EUR)")]
    if total is None:
        return Chart("share", _("Cascade budget to SMEs: committed and not yet committed (EUR)"),
                     "pie", header, rows, [_("Amount (EUR)")], money=True,
                     note=_("The total budget of the grant is not recorded, so the share of it "
                            "that goes to SMEs is unknown: the chart shows the cascade budget "
                            "only."))
    rest = max(total - ledger.allocated, Decimal("0.00"))
    rows.append([_("Rest of the grant (not for SMEs)"), rest])
    return Chart("share", _("Share of the Eurocluster's budget that goes to SMEs (EUR)"), "pie",
                 header, rows, [_("Amount (EUR)")], money=True,
                 note=_("%(share)s %% of the grant's total budget of %(total)s is cascade "
                        "funding for SMEs.") % {"share": board.eurocluster.cascade_share,
                                                "total": eur(total)})


def curve_chart(figures) -> Chart:
    rows = [[brussels(day, date_only=True), started, submitted]
            for day, started, submitted in figures.curve]
    series = [_("Drafts started"), _("Submitted")]
    return Chart(f"curve-{figures.call.pk}",
                 _("Applications to %(call)s so far, cumulated") % {
                     "call": figures.call.reference},
                 "line", [_("Day"), *series], rows, series)


def funnel_chart(figures, slug: str, title: str, stages=None) -> Chart:
    stages = figures.funnel if stages is None else stages
    rows = [[stage.label, stage.count, stage.amount] for stage in stages]
    return Chart(slug, title, "hbar", [_("Stage"), _("Applications"), _("Amount (EUR)")], rows,
                 [_("Applications")])


def who_charts(board: Dashboard) -> list[Chart]:
    series = [_("Applications"), _("Selected")]
    return [Chart(f"who-{b.code}", b.title, "hbar", [b.title, *series],
                  [list(row) for row in b.rows], series) for b in board.who]


def all_charts(board: Dashboard) -> dict[str, Chart]:
    """Every chart of a dashboard by slug (the page and the CSV download use the same ones)."""
    charts = [budget_chart(board), *who_charts(board)]
    if not board.partial:
        charts.insert(1, share_chart(board))
    for figures in board.calls:
        charts.append(funnel_chart(figures, f"funnel-{figures.call.pk}",
                                   _("Pipeline of %(call)s") % {"call": figures.call.reference}))
        if figures.is_open:
            charts.append(curve_chart(figures))
    return {chart.slug: chart for chart in charts}
