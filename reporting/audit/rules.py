"""Who reads the audit trail: a Eurocluster's managers (its entries), superusers (every entry,
those of no one Eurocluster too). Finance officers, observers, evaluators and applicants none."""

import rules

from euroclusters.rules import is_admin, is_manager

PERMISSION = "reporting.view_audit"

if not rules.perm_exists(PERMISSION):
    rules.add_perm(PERMISSION, is_admin | is_manager)
