"""The answer when the database cannot be reached: a 503 page that says to try again.

A PostgreSQL restart, a failover or a saturated connection limit makes every query raise
``OperationalError`` (or ``InterfaceError`` on a connection that died) for a moment. The person
then gets a page in words with ``Retry-After``, never a traceback or a bare 500; nothing of the
request was committed (its transaction was rolled back with the connection) and the draft is as
last saved. Django reconnects by itself on the next request (``CONN_HEALTH_CHECKS``): the page
is rendered without the request's context processors, which would query the database again.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 60


def database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 page (JSON for the autosave's requests), with Retry-After; logs a warning."""
    # With its traceback: SQLite reports some programming errors (a missing column) as
    # OperationalError too, and those must stay findable in the log.
    logger.warning("database unavailable for %s %s: %s", request.method, request.path,
                   str(error).strip().splitlines()[0] if str(error).strip() else repr(error),
                   exc_info=error)
    message = _("The portal cannot reach its database for a moment; your draft is safe, please "
                "try again in a minute.")
    if request.headers.get("Accept", "").startswith("application/json") or \
            request.path.endswith("/autosave/"):
        response = JsonResponse({"status": "unavailable", "message": message,
                                 "retry_after": RETRY_AFTER_SECONDS}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"message": message}),
                                status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database error raised by a view into the 503 page."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database error raised outside the view (a middleware loading or saving the
    session) gets the 503 page too; anything else Django's own 500 page."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return database_unavailable(request, error)
    return defaults.server_error(request)
