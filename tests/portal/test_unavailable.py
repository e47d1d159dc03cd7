"""The 503 "try again" answer to a database that cannot be reached (portal.unavailable)."""

import json
import logging

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from portal.unavailable import DatabaseUnavailableMiddleware, server_error

MESSAGE = ("The portal cannot reach its database for a moment; your draft is safe, please try "
           "again in a minute.")


def _middleware():
    return DatabaseUnavailableMiddleware(lambda request: None)


@pytest.mark.parametrize("error", [OperationalError("connection refused"),
                                   InterfaceError("connection already closed")])
def test_a_database_error_in_a_view_gives_the_503_page(error, caplog):
    caplog.set_level(logging.WARNING, logger="portal.unavailable")
    request = RequestFactory().post("/applications/7/submit/")

    response = _middleware().process_exception(request, error)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert MESSAGE in html
    assert "Please try again in a minute" in html
    assert "Traceback" not in html
    assert [r.getMessage() for r in caplog.records] == [
        f"database unavailable for POST /applications/7/submit/: {error}"]


def test_the_autosave_gets_the_503_as_json():
    request = RequestFactory().post("/applications/7/autosave/")

    response = _middleware().process_exception(request, OperationalError("gone"))

    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "message": MESSAGE,
                                            "retry_after": 60}


def test_other_errors_are_left_to_django():
    request = RequestFactory().get("/")

    assert _middleware().process_exception(request, ValueError("a bug")) is None


def test_a_database_error_outside_the_view_gives_the_503_too():
    request = RequestFactory().get("/dashboard/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert (response.status_code, response["Retry-After"]) == (503, "60")
    assert MESSAGE in response.content.decode()


def test_any_other_error_outside_the_view_is_a_500():
    request = RequestFactory().get("/dashboard/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
