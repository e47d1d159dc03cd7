"""Who may do what in reporting (django-rules). The public list and the feeds need no permission.

Withholding a beneficiary's publication, and publishing it again, is for the managers of the
agreement's Eurocluster (and superusers); objects carry ``scope_eurocluster_id``.
"""

import rules

from activities.rules import is_observer
from euroclusters.rules import is_admin, is_manager

rules.add_perm("reporting.withhold_publication", is_manager | is_admin)

# The admin is read-only and for superusers: managers have their own page, and its audit trail.
rules.add_perm("reporting.view_publicationwithholding", is_admin)
for _verb in ("add", "change", "delete"):
    rules.add_perm(f"reporting.{_verb}_publicationwithholding", rules.always_deny)

# KPI progress: the Eurocluster's managers and observers read it, its managers report values.
rules.add_perm("reporting.view_kpis", is_manager | is_observer | is_admin)
rules.add_perm("reporting.report_kpi", is_manager | is_admin)
rules.add_perm("reporting.view_kpivalue", is_admin)
for _verb in ("add", "change", "delete"):
    rules.add_perm(f"reporting.{_verb}_kpivalue", rules.always_deny)
