"""Issue 13, item 4: the security headers on a page of each area, pages without inline script or
style, the nonce of the dashboard's charts, and the system checks that refuse a loosened policy."""

import re

import pytest
from django.core.checks import Error
from django.urls import reverse

from accounts.models import User
from applications.models import Application
from euroclusters.models import Membership
from portal.checks import check_content_security_policy
from reporting.dashboard.charts import Chart
from tests.evaluation.factories import (
    AssignmentFactory,
    CallEvaluatorFactory,
    closed_call,
    eligible_application,
)
from tests.factories import ApplicationFactory, MembershipFactory, OpenCallFactory, UserFactory
from tests.portal.test_settings import run_python

POLICY = {"default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
          "img-src": ["'self'", "data:"], "object-src": ["'none'"], "base-uri": ["'self'"],
          "form-action": ["'self'"], "frame-ancestors": ["'none'"]}
PERMISSIONS = ("accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
               "gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), "
               "serial=(), usb=()")
# A <script> element without src runs inline code (a JSON data block does not run).
INLINE_SCRIPT = re.compile(r'<script(?![^>]*\ssrc=)(?![^>]*type="application/json")[^>]*>')
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle=")
STYLE_ELEMENT = re.compile(r"<style\b[^>]*>")
NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")


def policy(header: str) -> dict[str, list[str]]:
    """The directives of a policy (django-csp writes them in no fixed order)."""
    directives = [part.split() for part in header.split(";")]
    return {name: sources for name, *sources in directives}


def assert_headers(response, *, style_src: tuple[str, ...] = ("'self'",)) -> None:
    assert response.status_code == 200
    assert policy(response["Content-Security-Policy"]) == {**POLICY, "style-src": [*style_src]}
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == PERMISSIONS
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def assert_nothing_inline(response) -> None:
    page = response.content.decode()
    assert INLINE_SCRIPT.findall(page) == []
    assert STYLE_ATTRIBUTE.findall(page) == []
    assert STYLE_ELEMENT.findall(page) == []
    assert not re.search(r"\son[a-z]+=", page)  # no onclick= and the like


def manager_of(eurocluster=None, role=Membership.Role.MANAGER) -> User:
    kwargs = {"role": role} if eurocluster is None else {"role": role, "eurocluster": eurocluster}
    return MembershipFactory(**kwargs).user


# --- a page of each area ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_public_page_carries_the_headers(client):
    call = OpenCallFactory()

    for url in (reverse("calls:home"), call.get_absolute_url()):
        response = client.get(url)
        assert_headers(response)
        assert_nothing_inline(response)


@pytest.mark.django_db
def test_an_applicants_pages_carry_the_headers(client):
    application = ApplicationFactory()
    client.force_login(application.created_by)

    for url in (reverse("applications:dashboard"),
                reverse("applications:edit", args=[application.pk])):
        response = client.get(url)
        assert_headers(response)
        assert_nothing_inline(response)
    # The partner SMEs' script is the form's static file now, not inline.
    assert b"js/application_form.js" in response.content


@pytest.mark.django_db
def test_an_evaluators_queue_carries_the_headers(client):
    call = closed_call()
    entry = CallEvaluatorFactory(call=call)
    for _ in range(3):
        AssignmentFactory(application=eligible_application(call), evaluator=entry)
    client.force_login(entry.user)

    response = client.get(reverse("evaluation:queue"))

    assert_headers(response)
    assert_nothing_inline(response)
    # The progress bar's width is a class (nothing scored yet) instead of a style attribute.
    assert b'class="progress-bar pct-0"' in response.content


@pytest.mark.django_db
def test_the_managers_dashboard_lets_the_charts_styles_in_by_the_nonce(client):
    call = OpenCallFactory(status="open")
    eligible_application(call, status=Application.Status.SUBMITTED)
    client.force_login(manager_of(call.eurocluster))

    response = client.get(reverse("reporting:dashboard"))

    [nonce] = NONCE.findall(response["Content-Security-Policy"])
    assert_headers(response, style_src=("'self'", f"'nonce-{nonce}'"))
    page = response.content.decode()
    styles = STYLE_ELEMENT.findall(page)
    assert page.count("<svg") >= 3
    assert len(styles) == page.count("<svg")  # pygal's one <style> per drawing
    assert set(styles) == {f'<style nonce="{nonce}" type="text/css">'}
    assert INLINE_SCRIPT.findall(page) == []
    assert STYLE_ATTRIBUTE.findall(page) == []
    # Each response has a nonce of its own.
    again = client.get(reverse("reporting:dashboard"))
    assert NONCE.findall(again["Content-Security-Policy"]) != [nonce]


@pytest.mark.django_db
def test_a_page_without_charts_has_no_nonce(client):
    client.force_login(manager_of())

    response = client.get(reverse("applications:manage_calls"))

    assert_headers(response)
    assert "nonce" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_finance_area_carries_the_headers(client):
    client.force_login(manager_of(role=Membership.Role.FINANCE))

    response = client.get(reverse("payments:finance"))

    assert_headers(response)
    assert_nothing_inline(response)


@pytest.mark.django_db
def test_the_admin_carries_the_headers_and_the_description_needs_no_style(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    application = eligible_application(closed_call(), status=Application.Status.SUBMITTED)
    application.sections = {"problem": "First line\nsecond line"}
    application.save(update_fields=["sections"])
    client.force_login(superuser)

    for url in (reverse("admin:index"), reverse("admin:applications_application_changelist")):
        response = client.get(url)
        assert_headers(response)
        assert_nothing_inline(response)
    response = client.get(reverse("admin:applications_application_change",
                                  args=[application.pk]))
    assert_headers(response)
    assert_nothing_inline(response)
    assert b'<p class="pre-wrap">First line\nsecond line</p>' in response.content
    assert b"css/admin.css" in response.content


def test_a_page_a_visitor_may_not_see_still_carries_the_policy(client):
    response = client.get(reverse("applications:dashboard"))

    assert response.status_code == 302
    assert policy(response["Content-Security-Policy"]) == POLICY


# --- the checks that refuse a loosened policy ----------------------------------------------------


def _directives(settings, **changes) -> None:
    directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], **changes}
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}


def _ids(errors: list[Error]) -> list[str]:
    return [error.id for error in errors]


def test_the_policy_as_configured_passes_the_checks():
    assert check_content_security_policy(None) == []


def test_without_the_middleware_the_check_fails(settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if "csp" not in name]

    assert _ids(check_content_security_policy(None)) == ["portal.E001"]


def test_without_a_policy_the_check_fails(settings):
    settings.CONTENT_SECURITY_POLICY = None

    assert _ids(check_content_security_policy(None)) == ["portal.E002"]


@pytest.mark.parametrize(("production", "expected"), [(False, []), (True, ["portal.E002"])])
def test_a_report_only_policy_passes_only_in_development(settings, production, expected):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    settings.PRODUCTION = production

    assert _ids(check_content_security_policy(None)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"style-src": ["'self'", "'unsafe-inline'"]}, ["portal.E004"]),
        ({"script-src": ["'self'", "'unsafe-eval'"]}, ["portal.E004"]),
        ({"script-src": ["'self'", "https://cdn.example.com"]}, ["portal.E004"]),
        ({"img-src": ["'self'", "data:", "*"]}, ["portal.E004"]),
        ({"connect-src": ["'self'", "https:"]}, ["portal.E004"]),
        ({"font-src": ["'self'"]}, []),
        ({"frame-ancestors": ["'self'"]}, ["portal.E003"]),
        ({"form-action": ["'self'", "https://evil.example.com"]}, ["portal.E003"]),
        ({"default-src": ["*"]}, ["portal.E003"]),
        ({"object-src": None}, ["portal.E003"]),
        ({"base-uri": None, "style-src": ["'unsafe-inline'"]}, ["portal.E003", "portal.E004"]),
    ],
)
def test_a_loosened_policy_fails_the_check(settings, changes, expected):
    _directives(settings, **changes)

    assert _ids(check_content_security_policy(None)) == expected


# --- the settings, in a fresh interpreter -------------------------------------------------------


def test_in_development_the_policy_can_be_report_only():
    result = run_python("-c", (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CONTENT_SECURITY_POLICY, "
        "sorted(settings.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES'])]))"),
        PORTAL_CSP_REPORT_ONLY="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '[null, ["base-uri", "default-src", "form-action", "frame-ancestors", "img-src", '
        '"object-src", "script-src", "style-src"]]')


def test_the_system_checks_run_before_the_web_starts_and_pass():
    """`migrate` (the web container's first step) runs the checks: `check` shows the same."""
    result = run_python("manage.py", "check", "--tag", "security", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_charts_keep_no_style_attribute():
    chart = Chart("x", "X", "bar", ["Of", "A"], [["one", 1], ["two", 2]], ["A"])
    svg = chart.svg()
    assert STYLE_ATTRIBUTE.findall(svg) == []
    assert ' opacity="0" class="tooltip"' in svg
    assert STYLE_ELEMENT.findall(svg) == ['<style type="text/css">']  # a PDF needs no nonce
    assert STYLE_ELEMENT.findall(chart.svg(nonce="abc+/=")) == [
        '<style nonce="abc+/=" type="text/css">']
