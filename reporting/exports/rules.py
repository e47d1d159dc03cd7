"""Who may download which export: the managers of a Eurocluster its manager lists (and the
finance ones), its finance officers the finance lists only; superusers all. Observers and
applicants none. Objects carry ``scope_eurocluster_id`` (a call), or None: "anywhere"."""

import rules

from euroclusters.rules import is_admin, is_finance, is_manager

MANAGER_EXPORT = "reporting.export_manager_list"
FINANCE_EXPORT = "reporting.export_finance_list"

rules.add_perm(MANAGER_EXPORT, is_manager | is_admin)
rules.add_perm(FINANCE_EXPORT, is_manager | is_finance | is_admin)
