"""The applicant's and the manager's roles (accounts.roles), and the session flag that tells the
menu, without a query per page, that the user has described an enterprise."""


from accounts.roles import register_role
from applications.models import Organisation

SESSION_FLAG = "applicant"


def remember_applicant(sender, request, user, **kwargs) -> None:
    """At login: has the user described an enterprise? One query per login, none per page."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_FLAG] = Organisation.objects.filter(user=user).exists()


def register() -> None:
    # The manager test is the menu's own (the per-request role cache answers it).
    register_role(code="manager", priority=10, home="applications:manage_calls",
                  held=lambda request: request.user.has_perm("applications.manage_eligibility"))
    register_role(code="applicant", priority=90, home="applications:dashboard",
                  held=lambda request: bool(request.session.get(SESSION_FLAG)), default=True)
