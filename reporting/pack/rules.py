"""Who downloads a Eurocluster's reporting pack: its managers, and superusers (any)."""

import rules

from euroclusters.rules import is_admin, is_manager

PERMISSION = "reporting.download_pack"

if not rules.perm_exists(PERMISSION):
    rules.add_perm(PERMISSION, is_admin | is_manager)
