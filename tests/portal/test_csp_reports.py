"""``/csp-report`` (portal.csp_reports): what browsers report of the content security policy."""

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/csp-report"
LEGACY = {"csp-report": {
    "document-uri": "https://portal.example.eu/applications/7/edit/?token=secret#part",
    "violated-directive": "script-src-elem", "effective-directive": "script-src-elem",
    "blocked-uri": "https://evil.example.com/x.js?session=abc", "original-policy": "..."}}


@pytest.fixture
def reports(caplog):
    caplog.set_level(logging.WARNING, logger="portal.csp_reports")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "portal.csp_reports"]


def post(client, body, content_type="application/csp-report"):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data, content_type=content_type)


def test_the_policy_names_the_endpoint(client):
    assert reverse("csp_report") == URL
    assert "report-uri /csp-report" in client.get("/")["Content-Security-Policy"]


def test_a_report_is_logged_without_query_strings_and_needs_no_csrf_token(reports):
    client = Client(enforce_csrf_checks=True)
    response = post(client, LEGACY)
    assert response.status_code == 204
    assert reports() == [
        "content security policy violation: script-src-elem blocked "
        "https://evil.example.com/x.js on https://portal.example.eu/applications/7/edit/"]


def test_the_reporting_api_format_is_read_too(client, reports):
    body = [{"type": "csp-violation", "url": "https://portal.example.eu/",
             "body": {"documentURL": "https://portal.example.eu/", "blockedURL": "inline",
                      "effectiveDirective": "style-src-attr"}},
            {"type": "deprecation", "body": {"id": "x"}}]
    assert post(client, body, "application/reports+json").status_code == 204
    assert reports() == ["content security policy violation: style-src-attr blocked inline on "
                         "https://portal.example.eu/"]


@pytest.mark.parametrize("body", [b"not json", b"", {"something": "else"}, [1, 2], "[]"])
def test_what_is_not_a_report_is_refused_and_not_logged(client, reports, body):
    assert post(client, body).status_code == 400
    assert reports() == []


def test_a_large_body_is_refused_unread(client, reports):
    big = {"csp-report": {**LEGACY["csp-report"], "original-policy": "x" * 20_000}}
    assert post(client, big).status_code == 413
    assert reports() == []


def test_one_request_logs_at_most_ten_reports(client, reports):
    body = [{"type": "csp-violation", "body": {"blockedURL": f"inline{n}",
                                                "effectiveDirective": "script-src"}}
            for n in range(25)]
    assert post(client, body, "application/reports+json").status_code == 204
    assert len(reports()) == 10


def test_only_post(client):
    assert client.get(URL).status_code == 405


@pytest.mark.usefixtures("time_stands_still")
def test_reports_are_rate_limited_per_client(client, settings, reports):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "csp_reports": "2/m"}
    assert [post(client, LEGACY).status_code for _ in range(3)] == [204, 204, 429]
    assert len(reports()) == 2
