"""A signed-in person's choice of interface language, kept on the account."""

from django.db import transaction

from accounts.models import User
from portal.languages import supported


@transaction.atomic
def account_language_set(*, user: User, language: str) -> User:
    """Store ``language`` (one of settings.LANGUAGES) as ``user``'s language."""
    code = supported(language)
    if code is None:
        raise ValueError(f"unsupported language {language!r}")
    if user.language != code:
        user.language = code
        user.save(update_fields=["language"])
    return user
