"""The interface languages: which one to write to a person in (pages, e-mails, documents).

A person's stored choice (``accounts.User.language``, set with the switcher) comes first, then the
portal's default. Pages add the cookie and the browser's Accept-Language for visitors
(``accounts.language``).
"""

from functools import lru_cache

from django.conf import settings
from django.utils import translation


def supported(code: str | None) -> str | None:
    """The portal's code for ``code`` ("fr", "pt-pt"; "pt" and "pt-PT" -> "pt-pt"), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_of(person) -> str:
    """The language to write to ``person`` in (an e-mail, a receipt, a report): her stored one,
    else the portal's default. ``person`` may be None (the default) or anything with a
    ``language``."""
    return supported(getattr(person, "language", "")) or settings.LANGUAGE_CODE


@lru_cache(maxsize=1)
def switcher_choices() -> tuple[tuple[str, str], ...]:
    """The switcher's languages: ``(code, name in that language)``, computed once (every page
    shows them)."""
    names = ((code, translation.get_language_info(code)["name_local"])
             for code, _name in settings.LANGUAGES)
    return tuple((code, name[:1].upper() + name[1:]) for code, name in names)
