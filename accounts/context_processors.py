from django.utils.functional import SimpleLazyObject

from accounts.roles import roles_of


def roles(request) -> dict:
    """``portal_roles``: the codes of the user's roles, for the menu; worked out only when a
    template asks (from the session and the per-request role cache, no query of its own)."""
    return {"portal_roles": SimpleLazyObject(
        lambda: frozenset(role.code for role in roles_of(request)))}
