"""Who may do what with agreements and money (django-rules). Objects carry
``scope_eurocluster_id``; beneficiary predicates take the agreement (or its application).

DESIGN.md section 6: agreements, bank data and payments are seen by their own beneficiary, and by
the managers and finance officers of the call's Eurocluster; nobody else (evaluators included).
"""

import rules

from euroclusters.rules import is_admin, is_finance, is_manager
from payments.models import GrantAgreement


def _application(obj):
    if isinstance(obj, GrantAgreement):
        return obj.application
    return getattr(obj, "application", None) if not hasattr(obj, "organisation") else obj


@rules.predicate
def is_beneficiary(user, obj) -> bool:
    """The user owns the enterprise that leads the application of the agreement."""
    application = _application(obj)
    if application is None or not user.is_authenticated:
        return False
    return application.organisation.user_id == user.pk


# Beneficiary: read the agreement, sign it, give bank details, write reports, see payments.
rules.add_perm("payments.view_own_agreement", is_beneficiary)
rules.add_perm("payments.sign_agreement", is_beneficiary)
# Managers of the call's Eurocluster: countersign, review reports, see the ledger.
rules.add_perm("payments.manage_agreements", is_manager | is_admin)
# Finance officers of the Eurocluster: bank-detail approvals, tranches, batches, SEPA.
rules.add_perm("payments.manage_payments", is_finance | is_admin)
# Both may read agreements, tranches and the ledger of their Eurocluster.
rules.add_perm("payments.view_ledger", is_manager | is_finance | is_admin)

# The admin is read-only: services change, the admin shows.
for _model in ("thirdparty", "grantagreement", "signature", "bankaccount", "tranche",
               "progressreport", "reportattachment", "paymentbatch", "payment"):
    rules.add_perm(f"payments.view_{_model}", is_manager | is_finance | is_admin)
    for _verb in ("add", "change", "delete"):
        rules.add_perm(f"payments.{_verb}_{_model}", rules.always_deny)
