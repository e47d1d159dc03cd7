"""Who may read and change a Eurocluster's activities: a table of every role at its edge."""

import pytest
from django.contrib.auth.models import AnonymousUser

from euroclusters.models import Membership
from tests.activities.factories import ActivityFactory
from tests.factories import EuroclusterFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

R = Membership.Role


@pytest.mark.parametrize(("who", "view", "manage"), [
    ("manager", True, True),
    ("observer", True, False),
    ("finance", False, False),
    ("other_manager", False, False),
    ("other_observer", False, False),
    ("plain user", False, False),
    ("anonymous", False, False),
    ("superuser", True, True),
])
def test_the_permissions_of_each_role(who, view, manage):
    activity = ActivityFactory()
    other = EuroclusterFactory()
    user = {
        "manager": lambda: MembershipFactory(eurocluster=activity.eurocluster,
                                             role=R.MANAGER).user,
        "observer": lambda: MembershipFactory(eurocluster=activity.eurocluster,
                                              role=R.OBSERVER).user,
        "finance": lambda: MembershipFactory(eurocluster=activity.eurocluster,
                                             role=R.FINANCE).user,
        "other_manager": lambda: MembershipFactory(eurocluster=other, role=R.MANAGER).user,
        "other_observer": lambda: MembershipFactory(eurocluster=other, role=R.OBSERVER).user,
        "plain user": lambda: UserFactory(),
        "anonymous": AnonymousUser,
        "superuser": lambda: UserFactory(is_superuser=True),
    }[who]()
    assert user.has_perm("activities.view_activity", activity) is view
    assert user.has_perm("activities.manage_activities", activity) is manage


@pytest.mark.parametrize(("role", "view", "manage"), [
    (R.MANAGER, True, True), (R.OBSERVER, True, False), (R.FINANCE, False, False),
])
def test_in_at_least_one_eurocluster(role, view, manage):
    user = MembershipFactory(role=role).user
    assert user.has_perm("activities.view_activity", None) is view
    assert user.has_perm("activities.manage_activities", None) is manage
