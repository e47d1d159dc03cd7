"""The KPI charts as small server-side SVG: a bullet bar (actual against the target, with the
value expected by today marked) and the trend at month ends. No JavaScript, no fonts, no library:
two shapes each; the figures go in a table next to each chart for screen readers."""

from datetime import date
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, BULLET_HEIGHT, TREND_HEIGHT = 240, 18, 48


def _x(value: Decimal, scale: Decimal) -> str:
    return f"{float(value * WIDTH / scale):.1f}" if scale else "0"


def bullet(*, actual: Decimal, target: int, expected: Decimal | None, label: str) -> SafeString:
    """A bar of ``actual`` over a band of ``target`` (the scale stretches when it is passed),
    a tick at ``expected``."""
    scale = max(Decimal(target), actual, Decimal(1))
    tick = "" if expected is None else format_html(
        '<line x1="{x}" x2="{x}" y1="0" y2="{h}" stroke="#212529" stroke-width="2"/>',
        x=_x(expected, scale), h=BULLET_HEIGHT)
    return format_html(
        '<svg class="kpi-bullet" role="img" aria-label="{label}" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">'
        '<rect width="{target_w}" height="{h}" fill="#dee2e6"/>'
        '<rect y="4" width="{actual_w}" height="{bar_h}" fill="#0d6efd"/>{tick}</svg>',
        label=label, w=WIDTH, h=BULLET_HEIGHT, target_w=_x(Decimal(target), scale),
        actual_w=_x(actual, scale), bar_h=BULLET_HEIGHT - 8, tick=tick)


def trend(points: list[tuple[date, Decimal]], *, target: int, label: str) -> SafeString:
    """A line of the values at ``points`` (ascending days), on the scale of the target."""
    scale = max([Decimal(target), Decimal(1), *(value for _day, value in points)])
    steps = max(len(points) - 1, 1)
    coordinates = [(f"{i * WIDTH / steps:.1f}",
                    f"{TREND_HEIGHT - 2 - float(value * (TREND_HEIGHT - 4) / scale):.1f}")
                   for i, (_day, value) in enumerate(points)]
    line = " ".join(f"{x},{y}" for x, y in coordinates)
    dots = format_html_join("", '<circle cx="{}" cy="{}" r="2" fill="#0d6efd"/>', coordinates)
    return format_html(
        '<svg class="kpi-trend" role="img" aria-label="{label}" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">'
        '<line x1="0" x2="{w}" y1="2" y2="2" stroke="#adb5bd" stroke-dasharray="4 3"/>'
        '<polyline points="{line}" fill="none" stroke="#0d6efd" stroke-width="2"/>{dots}</svg>',
        label=label, w=WIDTH, h=TREND_HEIGHT, line=line, dots=dots)
