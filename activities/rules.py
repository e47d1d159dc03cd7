"""Who may do what with support activities (django-rules). Objects carry
``scope_eurocluster_id``; ``None`` asks "in at least one Eurocluster" (list pages ask that first).

The Eurocluster's managers record and change its activities; its observers read them (the
read-only role); finance officers have no business here (their part is the money), nor has
another Eurocluster's staff. Superusers may do everything.
"""

import rules

from euroclusters.models import Membership
from euroclusters.rules import eurocluster_ids_with_role, is_admin, is_manager


@rules.predicate
def is_observer(user, obj=None) -> bool:
    ids = eurocluster_ids_with_role(user, Membership.Role.OBSERVER)
    return bool(ids) if obj is None else obj.scope_eurocluster_id in ids


rules.add_perm("activities.view_activity", is_admin | is_manager | is_observer)
rules.add_perm("activities.manage_activities", is_admin | is_manager)
