"""The permission predicates of a Eurocluster, case by case, each with the users it refuses.

"own" is the Eurocluster where the user holds the role, "other" one where they hold nothing,
except for ``manager+observer``, who manages "own" and only observes "other".
"""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from euroclusters.models import Membership
from euroclusters.rules import (
    eurocluster_ids_with_role,
    is_admin,
    is_finance,
    is_manager,
    is_member,
)
from tests.factories import EuroclusterFactory, MembershipFactory, OpenCallFactory, UserFactory

pytestmark = pytest.mark.django_db


ROLES = ["manager", "finance", "observer", "manager+observer", "outsider", "superuser",
         "anonymous"]


@pytest.fixture
def world():
    own, other = EuroclusterFactory(), EuroclusterFactory()
    return {"own": own, "other": other,
            "own_call": OpenCallFactory(eurocluster=own),
            "other_call": OpenCallFactory(eurocluster=other)}


def make_user(role: str, world):
    if role == "anonymous":
        return AnonymousUser()
    if role == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(is_staff=role != "outsider")
    if role == "manager+observer":
        MembershipFactory(user=user, eurocluster=world["own"], role=Membership.Role.MANAGER)
        MembershipFactory(user=user, eurocluster=world["other"], role=Membership.Role.OBSERVER)
    elif role != "outsider":
        MembershipFactory(user=user, eurocluster=world["own"], role=role)
    return user


def table(rows: dict[str, set[str]], targets=("own", "other", None)):
    """Expand {target: roles allowed} into (role, target, expected) for every role."""
    return [(role, target, role in rows.get(target, set()))
            for target in targets for role in ROLES]


# --- the predicates ----------------------------------------------------------------------------

PREDICATES = {
    is_manager: {"own": {"manager", "manager+observer"},
                 None: {"manager", "manager+observer"}},
    is_finance: {"own": {"finance"}, None: {"finance"}},
    is_member: {"own": {"manager", "finance", "observer", "manager+observer"},
                "other": {"manager+observer"},
                None: {"manager", "finance", "observer", "manager+observer"}},
    is_admin: {"own": {"superuser"}, "other": {"superuser"}, None: {"superuser"}},
}


@pytest.mark.parametrize(("predicate", "role", "target", "expected"), [
    (predicate, *case) for predicate, rows in PREDICATES.items() for case in table(rows)
], ids=lambda v: getattr(v, "name", None) or str(v))
def test_predicate(world, predicate, role, target, expected):
    user = make_user(role, world)
    obj = world[target] if target else None
    assert predicate.test(user, obj) is expected


def test_a_superuser_is_no_manager_without_a_membership(world):
    # Superusers get in through ``is_admin``; the role predicates stay about memberships.
    user = make_user("superuser", world)
    assert not is_manager.test(user, world["own"])
    assert not is_member.test(user, None)


def test_roles_are_read_once_per_user_object(world, django_assert_num_queries):
    user = make_user("manager+observer", world)
    with django_assert_num_queries(1):
        for _ in range(3):
            assert eurocluster_ids_with_role(user, "manager") == {world["own"].pk}
            assert eurocluster_ids_with_role(user, *Membership.Role.values) == {
                world["own"].pk, world["other"].pk}


# --- the permissions built on them -------------------------------------------------------------

MEMBERS = {"manager", "finance", "observer", "manager+observer", "superuser"}
MANAGERS = {"manager", "manager+observer", "superuser"}
SUPERUSER = {"superuser"}

PERMISSIONS = {
    # permission: (object kind, {target: roles allowed})
    "euroclusters.view_eurocluster": ("", {"own": MEMBERS, "other": {"manager+observer",
                                                                     "superuser"}}),
    "euroclusters.change_eurocluster": ("", {"own": MANAGERS, "other": SUPERUSER}),
    "euroclusters.add_eurocluster": ("", {"own": SUPERUSER, "other": SUPERUSER}),
    "euroclusters.delete_eurocluster": ("", {"own": SUPERUSER, "other": SUPERUSER}),
    "euroclusters.view_membership": ("", {"own": MEMBERS, "other": {"manager+observer",
                                                                    "superuser"}}),
    "euroclusters.add_membership": ("", {"own": MANAGERS, "other": SUPERUSER}),
    "euroclusters.delete_membership": ("", {"own": MANAGERS, "other": SUPERUSER}),
    "euroclusters.change_partner": ("", {"own": MANAGERS, "other": SUPERUSER}),
    "euroclusters.change_kpitarget": ("", {"own": MANAGERS, "other": SUPERUSER}),
    "calls.view_opencall": ("_call", {"own": MEMBERS, "other": {"manager+observer",
                                                                "superuser"}}),
    "calls.add_opencall": ("_call", {"own": MANAGERS, "other": SUPERUSER}),
    "calls.change_opencall": ("_call", {"own": MANAGERS, "other": SUPERUSER}),
    "calls.delete_opencall": ("_call", {"own": MANAGERS, "other": SUPERUSER}),
    "calls.change_tranchestep": ("_call", {"own": MANAGERS, "other": SUPERUSER}),
    "calls.add_calldocument": ("_call", {"own": MANAGERS, "other": SUPERUSER}),
    "calls.view_criterion": ("_call", {"own": MEMBERS, "other": {"manager+observer",
                                                                 "superuser"}}),
}


@pytest.mark.parametrize(("perm", "role", "target", "expected"), [
    (perm, *case) for perm, (_kind, rows) in PERMISSIONS.items()
    for case in table(rows, targets=("own", "other"))
])
def test_permission(world, perm, role, target, expected):
    kind, _rows = PERMISSIONS[perm]
    user = make_user(role, world)
    # The rule itself, not user.has_perm: Django lets an active superuser through before asking.
    assert rules.has_perm(perm, user, world[f"{target}{kind}"]) is expected


@pytest.mark.parametrize("role", ROLES)
def test_every_calls_permission_is_defined(world, role):
    user = make_user(role, world)
    for model in ("opencall", "vouchertype", "criterion", "requireddocument", "calldocument",
                  "tranchestep"):
        for action in ("view", "add", "change", "delete"):
            assert rules.perm_exists(f"calls.{action}_{model}")
            allowed = rules.has_perm(f"calls.{action}_{model}", user, world["own_call"])
            assert allowed is (role in (MEMBERS if action == "view" else MANAGERS))
