"""Django's authentication middleware, renaming a session's former backend to the portal's."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)

from euroclusters.backends import FORMER_PATHS, PATH


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """A session opened before ``euroclusters.backends`` names Django's ModelBackend or
    allauth's backend, which settings no longer list (Django would treat it as logged out): it
    is renamed to the portal's backend, a subclass of both, once (the session is saved)."""

    def process_request(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(BACKEND_SESSION_KEY) in FORMER_PATHS:
            session[BACKEND_SESSION_KEY] = PATH
        super().process_request(request)
