import rules
from allauth.account.models import EmailAddress


def verified_addresses(user):
    """The user's verified e-mail addresses (``user`` may be an ``OuterRef``, as in the
    authentication backend's load)."""
    return EmailAddress.objects.filter(user=user, verified=True)


@rules.predicate
def has_verified_email(user) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_has_verified_email", None)
    if cached is None:
        cached = verified_addresses(user).exists()
        user._has_verified_email = cached
    return cached
