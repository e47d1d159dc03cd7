"""Who reads the dashboard: the managers and the finance officers of a Eurocluster (each its
own), and superusers (all, with a portal-wide summary). Objects carry ``scope_eurocluster_id``;
``None`` asks "in at least one Eurocluster"."""

import rules

from euroclusters.rules import is_admin, is_finance, is_manager

PERMISSION = "reporting.view_dashboard"

if not rules.perm_exists(PERMISSION):
    rules.add_perm(PERMISSION, is_admin | is_manager | is_finance)
