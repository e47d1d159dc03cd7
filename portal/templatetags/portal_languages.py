"""``{% switcher_choices as languages %}``: the language switcher's (code, own name) pairs."""

from django import template

from portal.languages import switcher_choices as choices

register = template.Library()


@register.simple_tag
def switcher_choices() -> tuple[tuple[str, str], ...]:
    return choices()
