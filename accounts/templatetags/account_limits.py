"""The limits of the account pages, for their texts."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def confirmation_cooldown_minutes() -> int:
    """Minutes before a confirmation e-mail is sent again to the same address."""
    return settings.PORTAL_CONFIRM_EMAIL_COOLDOWN_MINUTES


@register.filter
def has_unverified(email_addresses) -> bool:
    """Whether any of the user's e-mail addresses is still unconfirmed."""
    return any(not address.verified for address in email_addresses)
