"""The session flag that tells the menu (accounts.roles), without a query per page, that the
user has described an enterprise."""

from applications.models import Organisation

SESSION_FLAG = "applicant"


def remember_applicant(sender, request, user, **kwargs) -> None:
    """At login: has the user described an enterprise? One query per login, none per page."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_FLAG] = Organisation.objects.filter(user=user).exists()
