import rules

from accounts.rules import has_verified_email
from euroclusters.rules import is_admin, is_manager


@rules.predicate
def is_applicant(user, application) -> bool:
    """The user owns the organisation that leads the application."""
    if application is None or not user.is_authenticated:
        return False
    return application.organisation.user_id == user.pk


@rules.predicate
def is_editable(user, application) -> bool:
    return application is not None and application.is_editable


can_apply = has_verified_email

rules.add_perm("applications.apply", has_verified_email)
rules.add_perm("applications.view_application", is_applicant | is_manager | is_admin)
rules.add_perm("applications.edit_application", is_applicant & is_editable & has_verified_email)
rules.add_perm("applications.withdraw_application", is_applicant)
# The applicant's own acts, also as plain rules: views ask these with ``rules.test_rule``,
# because Django answers every ``has_perm`` of a superuser with yes, and nobody (a superuser
# included) edits, submits or withdraws somebody else's application.
APPLICANT_ONLY = ("applications.edit_application", "applications.withdraw_application",
                  "applications.answer_clarification")
rules.add_rule("applications.edit_application", is_applicant & is_editable & has_verified_email)
rules.add_rule("applications.withdraw_application", is_applicant)
# Only the applicant answers a manager's clarification request (a superuser neither).
rules.add_perm("applications.answer_clarification", is_applicant)
rules.add_rule("applications.answer_clarification", is_applicant)
# Eligibility results of a call: counts, decisions on cases needing review, overrides, release.
rules.add_perm("applications.manage_eligibility", is_manager | is_admin)
# Clarification requests: ask, share with the evaluators, close (the application's Eurocluster).
rules.add_perm("applications.manage_clarifications", is_manager | is_admin)
# The admin is read-only for applications: managers look, services change.
rules.add_perm("applications.change_application", rules.always_deny)
rules.add_perm("applications.add_application", rules.always_deny)
rules.add_perm("applications.delete_application", rules.always_deny)
# Versions have their own admin page; the rest shows as inlines of the application.
for _model in ("applicationversion", "attachment", "budgetline", "consortiummember"):
    rules.add_perm(f"applications.view_{_model}", is_manager | is_admin)
