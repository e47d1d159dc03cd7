"""Issue 13, item 4: the security headers on a page of each area, pages without inline script or
style, the nonce of the dashboard's charts, and the system checks that refuse a loosened policy."""

import re
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from applications.models import Application
from euroclusters.models import KpiTarget, Membership, Objective
from evaluation import demo as evaluation_demo
from payments import demo as payments_demo
from payments.models import GrantAgreement
from portal.checks import check_content_security_policy
from reporting.dashboard.charts import Chart
from tests.evaluation.factories import (
    AssignmentFactory,
    CallEvaluatorFactory,
    closed_call,
    eligible_application,
)
from tests.factories import ApplicationFactory, MembershipFactory, OpenCallFactory, UserFactory
from tests.portal.test_settings import production_variables, run_python

POLICY = {"default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
          "img-src": ["'self'", "data:"], "object-src": ["'none'"], "base-uri": ["'self'"],
          "form-action": ["'self'"], "frame-ancestors": ["'none'"],
          "report-uri": ["/csp-report"]}
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


def assert_styles_carry_the_nonce(response) -> None:
    [nonce] = NONCE.findall(response["Content-Security-Policy"])
    assert_headers(response, style_src=("'self'", f"'nonce-{nonce}'"))
    page = response.content.decode()
    assert page.count("<svg") >= 2
    assert STYLE_ELEMENT.findall(page) == [f'<style nonce="{nonce}" type="text/css">'] * (
        page.count("<svg"))
    assert INLINE_SCRIPT.findall(page) == []
    assert STYLE_ATTRIBUTE.findall(page) == []


@pytest.mark.django_db
def test_the_kpi_pages_let_the_sparklines_and_charts_styles_in_by_the_nonce(client):
    user = manager_of()
    eurocluster = user.memberships.get().eurocluster
    eurocluster.starts_on, eurocluster.ends_on = date(2026, 1, 1), date(2027, 12, 31)
    eurocluster.save()
    kpi = KpiTarget.objects.create(eurocluster=eurocluster, name="Staff trained", target=15,
                                   objective=Objective.TRAIN, measure=KpiTarget.Measure.REPORTED)
    client.force_login(user)

    # The list: each KPI's bullet and trend sparklines (pygal), and the overview chart.
    assert_styles_carry_the_nonce(client.get(reverse("reporting:kpis")))
    # A KPI's page: its progress and trend charts.
    assert_styles_carry_the_nonce(client.get(reverse("reporting:kpi", args=[kpi.pk])))


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

    assert _ids(check_content_security_policy(None)) == ["portal.E011"]


def test_without_a_policy_the_check_fails(settings):
    settings.CONTENT_SECURITY_POLICY = None

    assert _ids(check_content_security_policy(None)) == ["portal.E012"]


@pytest.mark.parametrize(("production", "expected"), [(False, []), (True, ["portal.E012"])])
def test_a_report_only_policy_passes_only_in_development(settings, production, expected):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    settings.PRODUCTION = production

    assert _ids(check_content_security_policy(None)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"style-src": ["'self'", "'unsafe-inline'"]}, ["portal.E014"]),
        ({"script-src": ["'self'", "'unsafe-eval'"]}, ["portal.E014"]),
        ({"script-src": ["'self'", "https://cdn.example.com"]}, ["portal.E014"]),
        ({"img-src": ["'self'", "data:", "*"]}, ["portal.E014"]),
        ({"connect-src": ["'self'", "https:"]}, ["portal.E014"]),
        ({"font-src": ["'self'"]}, []),
        ({"frame-ancestors": ["'self'"]}, ["portal.E013"]),
        ({"form-action": ["'self'", "https://evil.example.com"]}, ["portal.E013"]),
        ({"default-src": ["*"]}, ["portal.E013"]),
        ({"object-src": None}, ["portal.E013"]),
        ({"base-uri": None, "style-src": ["'unsafe-inline'"]}, ["portal.E013", "portal.E014"]),
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
        '"object-src", "report-uri", "script-src", "style-src"]]')


def test_production_refuses_to_start_with_a_report_only_policy():
    result = run_python("-c", "import django; django.setup()",
                        **production_variables(PORTAL_CSP_REPORT_ONLY="1"))

    assert result.returncode != 0
    assert ("PORTAL_CSP_REPORT_ONLY is for development: production enforces the content "
            "security policy.") in result.stderr
    # The same variables without it start (the refusal is the policy's, not another setting's).
    assert run_python("-c", "import django; django.setup()",
                      **production_variables()).returncode == 0


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


# --- every template and every page of the demo -------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# Rendered to PDF by WeasyPrint, never served as a page: their <style> is the document's own.
PDF_TEMPLATES = ("payments/agreement/", "reporting/pack/summary.html")
HANDLER = re.compile(r"<[^>]+\son[a-z]+=")


def test_no_page_template_has_inline_script_style_or_handler():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        if name.startswith(PDF_TEMPLATES) or name.startswith("email/"):
            continue
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, STYLE_ELEMENT, HANDLER):
            offenders += [f"{name}: {found}" for found in pattern.findall(text)]
    assert offenders == []
    assert len(list((ROOT / "templates").rglob("*.html"))) > 80  # the scan saw the templates


def test_no_python_module_writes_an_inline_style_or_script():
    offenders = [
        str(path.relative_to(ROOT)) for app in APPS for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
        and re.search(r"""\sstyle=\\?["']|<script>|\son(click|load|change|submit|input)=""",
                      path.read_text())
    ]
    # The charts take pygal's one style attribute out (test_the_charts_keep_no_style_attribute).
    assert offenders == ["reporting/dashboard/charts.py"]


APPS = ("portal", "accounts", "euroclusters", "calls", "applications", "activities",
        "evaluation", "payments", "reporting")
HREF = re.compile(r'href="(/[^"#]*)"')
# Leaving, downloads and exports (not pages), and the admin (walked apart, below).
NOT_WALKED = re.compile(r"^/(accounts/logout|admin/)|/(csv|xlsx|ics|pdf|download|file)\b|"
                        r"\.(csv|xlsx|pdf|ics|json|xml|zip)$|^/static/")


def walk(client, start: str, limit: int) -> tuple[int, list[str]]:
    """Follow the links of the site from ``start``, breadth first, up to ``limit`` pages; every
    HTML page must carry the policy and have nothing inline except chart styles with its nonce."""
    seen, queue, problems, pages = {start}, [start], [], 0
    while queue and pages < limit:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        pages += 1
        page = response.content.decode()
        header = policy(response["Content-Security-Policy"])
        nonces = [source for source in header.get("style-src", []) if "nonce-" in source]
        if {**header, "style-src": ["'self'"]} != POLICY:
            problems.append(f"{url}: policy {header}")
        styles = STYLE_ELEMENT.findall(page)
        allowed = {f'<style nonce="{nonces[0][7:-1]}" type="text/css">'} if nonces else set()
        problems += [f"{url}: {found}" for found in
                     INLINE_SCRIPT.findall(page) + STYLE_ATTRIBUTE.findall(page)
                     + HANDLER.findall(page) + [s for s in styles if s not in allowed]]
        for link in HREF.findall(page):
            link = link.replace("&amp;", "&")
            if link not in seen and not NOT_WALKED.search(link):
                seen.add(link)
                queue.append(link)
    return pages, problems


@pytest.fixture
def demo(db):
    for command in ("seed_demo", "seed_demo_evaluation", "seed_demo_payments"):
        call_command(command, stdout=StringIO())


def test_every_page_a_demo_person_reaches_keeps_to_the_policy(client, demo):
    """The demo's managers of two calls, a finance officer, an evaluator and an applicant with a
    grant agreement (one seeding of the demo for all five: it is the slow part)."""
    applicant = GrantAgreement.objects.filter(
        application__call__reference=payments_demo.CALL).select_related(
        "application__created_by").first().application.created_by
    people = [User.objects.get(email=email) for email in (
        payments_demo.MANAGER, payments_demo.FINANCE, payments_demo.MOREAU,
        evaluation_demo.MANAGER)] + [applicant]
    walked, problems = {}, []
    for person in people:
        client.force_login(person)
        walked[person.email], found = walk(client, "/", limit=150)
        problems += found

    assert problems == []
    # Each walk reached the pages of its role (at the time of writing: 80, 24, 20, 87, 25).
    assert min(walked.values()) >= 15, walked
    assert max(walked.values()) < 150, walked  # and ended on its own, not at the limit


def test_every_admin_list_and_a_change_page_of_each_keep_to_the_policy(client, demo):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    index = client.get(reverse("admin:index")).content.decode()
    lists = sorted(set(re.findall(r'href="(/admin/[a-z_]+/[a-z_]+/)"', index)))
    urls = [*lists]
    for url in lists:
        change = re.search(r'href="(' + re.escape(url) + r'\d+/change/)', client.get(url)
                           .content.decode())
        if change:
            urls.append(change.group(1))
        urls.append(url + "add/")
    problems = []
    for url in urls:
        response = client.get(url)
        if response.status_code == 403:  # a read-only model has no add page
            continue
        assert response.status_code == 200, url
        assert policy(response["Content-Security-Policy"]) == POLICY, url
        page = response.content.decode()
        problems += [f"{url}: {found}" for found in INLINE_SCRIPT.findall(page)
                     + STYLE_ATTRIBUTE.findall(page) + STYLE_ELEMENT.findall(page)
                     + HANDLER.findall(page)]
    assert problems == []
    assert len(lists) >= 20
