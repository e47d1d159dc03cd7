"""Who may do what in a Eurocluster. Roles come from Membership rows, scoped per Eurocluster.

Objects that belong to a Eurocluster expose ``scope_eurocluster_id``; the predicates below accept
any such object, or ``None`` for "in at least one Eurocluster" (the admin asks that first).
"""

from collections.abc import Iterable

import rules

from euroclusters.models import Membership


def eurocluster_ids_with_role(user, *roles: str) -> frozenset[int]:
    """The Euroclusters where ``user`` holds one of ``roles``; cached on the user object."""
    if not user.is_authenticated:
        return frozenset()
    # getattr, not user.__dict__: request.user is a lazy proxy whose own __dict__ is not the user's.
    cache = getattr(user, "_eurocluster_roles", None)
    if cache is None:
        cache = remember_roles(user, memberships_of(user).values_list("eurocluster_id", "role"))
    return frozenset().union(*(cache.get(role, set()) for role in roles))


def memberships_of(user):
    """The user's memberships (``user`` may be an ``OuterRef``, as in the authentication
    backend's load)."""
    return Membership.objects.filter(user=user)


def remember_roles(user, pairs: Iterable[tuple[int, str]]) -> dict[str, set[int]]:
    """Cache the user's memberships, (eurocluster id, role) pairs, on the user object (the
    authentication backend brings them with the user's own row: ``euroclusters.backends``)."""
    cache: dict[str, set[int]] = {}
    for eurocluster_id, role in pairs:
        cache.setdefault(role, set()).add(eurocluster_id)
    user._eurocluster_roles = cache
    return cache


def eurocluster_ids_in_scope(user, *roles: str) -> frozenset[int] | None:
    """The Euroclusters whose data ``user`` reaches through one of ``roles``; None for a
    superuser, who reaches every one (callers filter only when they get a set)."""
    if user.is_authenticated and user.is_superuser:
        return None
    return eurocluster_ids_with_role(user, *roles)


def managed_eurocluster_ids(user) -> frozenset[int] | None:
    """The Euroclusters ``user`` manages; None for a superuser (all of them)."""
    return eurocluster_ids_in_scope(user, Membership.Role.MANAGER)


def _has_role(user, obj, *roles: str) -> bool:
    ids = eurocluster_ids_with_role(user, *roles)
    if obj is None:
        return bool(ids)
    return obj.scope_eurocluster_id in ids


@rules.predicate
def is_manager(user, obj=None) -> bool:
    return _has_role(user, obj, Membership.Role.MANAGER)


@rules.predicate
def is_finance(user, obj=None) -> bool:
    return _has_role(user, obj, Membership.Role.FINANCE)


@rules.predicate
def is_member(user, obj=None) -> bool:
    return _has_role(user, obj, *Membership.Role.values)


is_admin = rules.is_superuser

rules.add_perm("euroclusters.view_eurocluster", is_admin | is_member)
rules.add_perm("euroclusters.change_eurocluster", is_admin | is_manager)
rules.add_perm("euroclusters.add_eurocluster", is_admin)
rules.add_perm("euroclusters.delete_eurocluster", is_admin)
for _model in ("partner", "kpitarget", "membership"):
    rules.add_perm(f"euroclusters.view_{_model}", is_admin | is_member)
    rules.add_perm(f"euroclusters.add_{_model}", is_admin | is_manager)
    rules.add_perm(f"euroclusters.change_{_model}", is_admin | is_manager)
    rules.add_perm(f"euroclusters.delete_{_model}", is_admin | is_manager)
