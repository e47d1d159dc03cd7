import rules
from allauth.account.models import EmailAddress


@rules.predicate
def has_verified_email(user) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_has_verified_email", None)
    if cached is None:
        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._has_verified_email = cached
    return cached
