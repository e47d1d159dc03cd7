"""Who may download which export: the managers of a Eurocluster its manager lists (and the
finance ones), its finance officers the finance lists only; the KPI and support-activity lists its
managers and observers, as those pages; the changes of bank details its finance officers only, as
their page. Superusers all; applicants and evaluators none. Objects carry
``scope_eurocluster_id`` (a call), or None: "anywhere"."""

import rules

from activities.rules import is_observer
from euroclusters.rules import is_admin, is_finance, is_manager

MANAGER_EXPORT = "reporting.export_manager_list"
FINANCE_EXPORT = "reporting.export_finance_list"
READER_EXPORT = "reporting.export_reader_list"
FINANCE_OFFICER_EXPORT = "reporting.export_finance_officer_list"

rules.add_perm(MANAGER_EXPORT, is_manager | is_admin)
rules.add_perm(FINANCE_EXPORT, is_manager | is_finance | is_admin)
rules.add_perm(READER_EXPORT, is_manager | is_observer | is_admin)
rules.add_perm(FINANCE_OFFICER_EXPORT, is_finance | is_admin)

# The admin of exports is read-only and for superusers: it lists who asked for what, and never
# offers a file (that is for the person who asked, on /manage/exports/).
rules.add_perm("reporting.view_export", is_admin)
for _verb in ("add", "change", "delete"):
    rules.add_perm(f"reporting.{_verb}_export", rules.always_deny)
