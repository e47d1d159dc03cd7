"""``{% load portal_format %}``: the portal's one format for money, scores and moments.

    {{ amount|eur }}             EUR 20,000.00
    {{ amount|amount }}          20,000.00 (under a column headed "Amount (EUR)")
    {{ score|score:call.score_step }}   3.5 / 4.0
    {{ moment|brussels }}        5 December 2026, 13:06
    {{ moment|brussels:"date" }} 5 December 2026
    {{ moment|brussels:"seconds" }} 5 December 2026, 13:06:05

The functions behind them are in ``portal.formats``, for the texts that services compose.
"""

from datetime import date

from django import template

from portal import formats

register = template.Library()

MOMENT_VARIANTS = {"": {}, "date": {"date_only": True}, "seconds": {"seconds": True}}


@register.filter
def eur(value) -> str:
    return formats.eur(value)


@register.filter
def amount(value) -> str:
    return formats.amount(value)


@register.filter
def score(value, step=None) -> str:
    return formats.score(value, step)


@register.filter
def brussels(value, variant: str = "") -> str:
    if variant not in MOMENT_VARIANTS:
        raise template.TemplateSyntaxError(
            f"brussels takes no argument, 'date' or 'seconds', not {variant!r}")
    if not isinstance(value, date):  # no value, or a missing variable: nothing, as |date does
        return ""
    return formats.brussels(value, **MOMENT_VARIANTS[variant])
