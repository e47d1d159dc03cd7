"""The portal's own rate limits (portal.ratelimits): the public /verify/ page, every upload and the
application form's autosave. Each limit bites on the request past it (a 429 that says when to try
again, and the view does not run) and lets requests through again once its window has passed
(the ``clock`` fixture moves time on; nothing clears the cache). Counted per user, or per client
address for someone not logged in."""

import ast
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.core.checks import Error
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from activities.models import ParticipantImport
from payments.models import ProgressReport
from portal.checks import rate_limit_cache
from portal.ratelimits import wait_text
from reporting.models import KpiValue
from tests.activities.factories import ActivityFactory
from tests.applications.test_views import _draft_post
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    RequiredDocumentFactory,
    UserFactory,
)
from tests.payments.test_reports import contracted
from tests.portal.test_import_graph import LAYERS, modules_of
from tests.portal.test_settings import production_variables, run_python
from tests.reporting.test_kpis_views import target

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("time_stands_still")]

WINDOW = 61  # a minute and a second: every "N/m" window has ended by then
CSV = b"name;country;registration_number\nAcme SA;BE;0403.170.701\n"


def assert_throttled(response, *, autosave: bool = False) -> int:
    """A 429 whose message says when to try again, the same time as its Retry-After header."""
    assert response.status_code == 429
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 60
    if autosave:
        assert response.json() == {
            "status": "throttled", "retry_after": seconds,
            "message": f"Autosave is paused: too many saves in a short time. It saves again in "
                       f"{wait_text(seconds)}; keep this page open."}
    else:
        page = response.content.decode()
        expected = f"Too many attempts in a short time. Please try again in {wait_text(seconds)}."
        assert f'<p class="rate-limit-message">{expected}</p>' in page
    return seconds


@pytest.mark.parametrize(("seconds", "text"), [
    (-1, "1 second"), (1, "1 second"), (59, "59 seconds"), (60, "1 minute"),
    (61, "2 minutes"), (300, "5 minutes")])
def test_the_wait_is_said_in_seconds_under_a_minute_then_in_whole_minutes(seconds, text):
    assert wait_text(seconds) == text


def test_the_limits_are_the_documented_ones(settings):
    assert settings.PORTAL_RATE_LIMITS == {"verify": "30/m", "upload": "20/m",
                                           "autosave": "120/m", "call_alerts": "10/h",
                                           "questions": "10/h", "csp_reports": "60/m"}
    assert settings.RATELIMIT_IP_META_KEY == "portal.ratelimits.client_ip"
    assert settings.RATELIMIT_FAIL_OPEN is False


# --- /verify/ ---------------------------------------------------------------------------------


def test_verify_bites_on_the_31st_look_up_from_one_address_and_resets_after_the_window(client,
                                                                                      clock):
    url = reverse("payments:verify")
    for _ in range(30):
        response = client.get(url, {"code": "ABCD-EFGH-JKLM"})
        assert response.status_code == 200
        assert 'data-found="no"' in response.content.decode()
    assert_throttled(client.get(url, {"code": "ABCD-EFGH-JKLM"}))
    # Another address is counted on its own.
    assert client.get(url, {"code": "ABCD-EFGH-JKLM"}, REMOTE_ADDR="192.0.2.9").status_code == 200
    clock(WINDOW)
    assert client.get(url, {"code": "ABCD-EFGH-JKLM"}).status_code == 200


def test_verify_counts_a_logged_in_person_by_account_not_by_address(client, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "verify": "2/m"}
    url = reverse("payments:verify")
    client.force_login(UserFactory())
    client.get(url)
    client.get(url)
    assert client.get(url).status_code == 429
    # The same address, another account: its own count.
    other = Client()
    other.force_login(UserFactory())
    assert other.get(url).status_code == 200


def test_behind_the_trusted_proxy_each_forwarded_address_counts_alone(client, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "verify": "1/m"}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    url = reverse("payments:verify")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The proxy appends the client's address: the last one counts, what the client sent before
    # it does not.
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 200
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.7",
                      **proxy).status_code == 429
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy).status_code == 200


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(client, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "verify": "1/m"}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    url = reverse("payments:verify")
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 429


# --- uploads ----------------------------------------------------------------------------------


@dataclass
class Upload:
    client: Client
    post: object  # () -> response: one valid upload
    stored: object  # () -> what the uploads stored so far (changes with each one)
    ok: int = 302


def application_document(client, eurocluster_a, manager_a) -> Upload:
    application = ApplicationFactory()
    document = RequiredDocumentFactory(call=application.call)
    client.force_login(application.created_by)
    url = reverse("applications:upload", kwargs={"pk": application.pk})
    return Upload(client, lambda: client.post(url, {
        "required_document": document.pk,
        "file": SimpleUploadedFile("declaration.pdf", MINIMAL_PDF, "application/pdf")}),
        lambda: application.attachments.count())


def report_document(client, eurocluster_a, manager_a) -> Upload:
    agreement = contracted()
    client.force_login(agreement.application.organisation.user)
    url = reverse("payments:report_attach", args=[agreement.application_id, "interim"])
    def stored():
        report = ProgressReport.objects.filter(agreement=agreement).first()
        return report.attachments.count() if report else 0

    return Upload(client, lambda: client.post(url, {
        "file": SimpleUploadedFile("result.pdf", MINIMAL_PDF)}), stored)


def kpi_evidence(client, eurocluster_a, manager_a) -> Upload:
    eurocluster_a.starts_on, eurocluster_a.ends_on = date(2026, 1, 1), date(2027, 12, 31)
    eurocluster_a.save()
    kpi = target(eurocluster_a)
    client.force_login(manager_a.user)
    url = reverse("reporting:kpi", args=[kpi.pk])
    return Upload(client, lambda: client.post(url, {
        "value": "7", "measured_on": "2026-06-30", "note": "Two courses.",
        "evidence": SimpleUploadedFile("lists.pdf", MINIMAL_PDF)}),
        lambda: KpiValue.objects.filter(target=kpi).count())


def participant_import(client, eurocluster_a, manager_a) -> Upload:
    activity = ActivityFactory(eurocluster=eurocluster_a)
    client.force_login(manager_a.user)
    url = reverse("activities:import", args=[activity.pk])
    return Upload(client, lambda: client.post(url, {
        "file": SimpleUploadedFile("participants.csv", CSV, content_type="text/csv")}),
        # A new file replaces the one staged before: the staged import's id tells them apart.
        lambda: list(ParticipantImport.objects.filter(activity=activity).values_list("pk")))


UPLOADS = [application_document, report_document, kpi_evidence, participant_import]


@pytest.mark.parametrize("make", UPLOADS, ids=lambda make: make.__name__)
def test_an_upload_past_the_limit_is_refused_and_stores_nothing_until_the_window_ends(
        make, client, eurocluster_a, manager_a, settings, clock):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "upload": "2/m"}
    upload = make(client, eurocluster_a, manager_a)
    before = upload.stored()
    assert upload.post().status_code == upload.ok
    first = upload.stored()
    assert upload.post().status_code == upload.ok
    second = upload.stored()
    assert before != first != second
    assert_throttled(upload.post())
    assert upload.stored() == second
    clock(WINDOW)
    assert upload.post().status_code == upload.ok
    assert upload.stored() != second


def test_every_upload_counts_against_one_limit_of_20_a_minute(client, eurocluster_a, manager_a):
    agreement = contracted()
    beneficiary = agreement.application.organisation.user
    application = ApplicationFactory(created_by=beneficiary,
                                     organisation=agreement.application.organisation)
    client.force_login(beneficiary)
    documents = reverse("applications:upload", kwargs={"pk": application.pk})
    for _ in range(20):
        # A post without a file: refused by the form, counted all the same.
        assert client.post(documents, {}).status_code == 302
    response = client.post(
        reverse("payments:report_attach", args=[agreement.application_id, "interim"]),
        {"file": SimpleUploadedFile("result.pdf", MINIMAL_PDF)})
    assert_throttled(response)
    assert not agreement.reports.exists()


def test_one_persons_uploads_do_not_throttle_another(client, eurocluster_a, manager_a, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "upload": "1/m"}
    first = application_document(client, eurocluster_a, manager_a)
    first.post()
    assert first.post().status_code == 429
    second = application_document(Client(), eurocluster_a, manager_a)
    assert second.post().status_code == 302


def test_an_anonymous_upload_still_goes_to_the_login_page(client, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "upload": "1/m"}
    application = ApplicationFactory()
    url = reverse("applications:upload", kwargs={"pk": application.pk})
    responses = [client.post(url, {}) for _ in range(3)]
    # The login check runs first: no count, no 429, for someone who may not upload at all.
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert all(r["Location"].startswith(reverse("account_login")) for r in responses)


# --- autosave ---------------------------------------------------------------------------------


def autosave_post(application, title):
    return _draft_post(voucher_type=application.voucher_type_id, title=title)


def test_autosave_bites_with_json_the_script_shows_and_saves_again_after_the_window(
        client, settings, clock):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "autosave": "3/m"}
    application = ApplicationFactory()
    client.force_login(application.created_by)
    url = reverse("applications:autosave", kwargs={"pk": application.pk})
    for n in range(3):
        response = client.post(url, autosave_post(application, f"Title {n}"))
        assert response.status_code == 200
        assert response.json()["status"] == "saved"
    assert_throttled(client.post(url, autosave_post(application, "Too soon")), autosave=True)
    application.refresh_from_db()
    assert application.title == "Title 2"
    clock(WINDOW)
    assert client.post(url, autosave_post(application, "Later")).json()["status"] == "saved"
    application.refresh_from_db()
    assert application.title == "Later"


def test_with_the_cache_down_autosave_still_saves_and_the_failure_is_logged(
        client, settings, caplog):
    """Fail open: Redis unreachable (a port nothing listens on) must not stop an SME saving."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/1",
                                   "OPTIONS": {"socket_connect_timeout": 0.2}}}
    application = ApplicationFactory()
    client.force_login(application.created_by)
    url = reverse("applications:autosave", kwargs={"pk": application.pk})
    response = client.post(url, autosave_post(application, "Saved while Redis is down"))
    assert response.status_code == 200
    assert response.json()["status"] == "saved"
    application.refresh_from_db()
    assert application.title == "Saved while Redis is down"
    assert "Rate limit autosave not counted: the cache cannot be reached" in caplog.text


def test_the_autosave_script_waits_for_the_pause_the_server_gives():
    script = (Path(__file__).resolve().parents[2] / "static" / "js" /
              "application_form.js").read_text()
    assert "result.status === 429" in script
    assert re.search(r"pausedUntil = Date\.now\(\) \+ \(data\.retry_after \|\| 60\) \* 1000",
                     script)


# --- the cache they count in --------------------------------------------------------------------


def test_production_refuses_a_cache_that_is_not_shared(settings):
    settings.PRODUCTION = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    [error] = rate_limit_cache(None)
    assert isinstance(error, Error)
    assert error.id == "portal.E001"


def test_production_accepts_redis_and_development_its_own_memory(settings):
    settings.PRODUCTION = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/1"}}
    assert rate_limit_cache(None) == []
    settings.PRODUCTION = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert rate_limit_cache(None) == []


# --- settings from the environment ----------------------------------------------------------------

PRINT_LIMITS = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "CACHE": [settings.CACHES["default"]["BACKEND"], settings.CACHES["default"]["LOCATION"]],
    "PROXIES": settings.ALLAUTH_TRUSTED_PROXY_COUNT,
    "PORTAL": settings.PORTAL_RATE_LIMITS,
    "LOGIN_FAILED": settings.ACCOUNT_RATE_LIMITS["login_failed"],
    "CONFIRM_EMAIL": settings.ACCOUNT_RATE_LIMITS["confirm_email"],
}))
"""


def limits(**variables):
    result = run_python("-c", PRINT_LIMITS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_counts_in_redis_database_1_behind_one_proxy():
    found = limits(**production_variables())
    assert found["CACHE"] == ["django.core.cache.backends.redis.RedisCache",
                              "redis://127.0.0.1:6379/1"]
    assert found["PROXIES"] == 1
    found = limits(**production_variables(REDIS_CACHE_URL="redis://cache.internal:6379/4",
                                          PORTAL_TRUSTED_PROXY_COUNT="2"))
    assert found["CACHE"] == ["django.core.cache.backends.redis.RedisCache",
                              "redis://cache.internal:6379/4"]
    assert found["PROXIES"] == 2


def test_development_counts_in_its_own_memory_with_no_proxy():
    found = limits()
    assert found["CACHE"] == ["django.core.cache.backends.locmem.LocMemCache", "portal"]
    assert found["PROXIES"] == 0


def test_the_limits_are_read_from_the_environment():
    found = limits(PORTAL_RATE_LIMIT_VERIFY="5/m", PORTAL_RATE_LIMIT_UPLOAD="100/h",
                   PORTAL_RATE_LIMIT_AUTOSAVE="60/m", PORTAL_RATE_LIMIT_CALL_ALERTS="3/h",
                   PORTAL_RATE_LIMIT_QUESTIONS="4/d",
                   PORTAL_LOGIN_LOCKOUT_ATTEMPTS="3", PORTAL_LOGIN_LOCKOUT_MINUTES="15",
                   PORTAL_CONFIRM_EMAIL_COOLDOWN_MINUTES="10")
    assert found["PORTAL"] == {"verify": "5/m", "upload": "100/h", "autosave": "60/m",
                               "call_alerts": "3/h", "questions": "4/d",
                               "csp_reports": "60/m"}
    assert found["LOGIN_FAILED"] == "10/m/ip,3/900s/key"
    assert found["CONFIRM_EMAIL"] == "1/600s/key"


# --- no upload without the limit ------------------------------------------------------------------


def uploads_in_the_source() -> dict[str, bool]:
    """Every function of the apps that reads ``request.FILES``: whether it is decorated with
    ``rate_limited("upload")`` (directly or through ``method_decorator``)."""
    found = {}
    for app in LAYERS:
        for module, path in modules_of(app).items():
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                reads_files = any(
                    isinstance(inner, ast.Attribute) and inner.attr == "FILES"
                    and isinstance(inner.value, ast.Name) and inner.value.id == "request"
                    for inner in ast.walk(node))
                if reads_files:
                    found[f"{module}.{node.name}:{node.lineno}"] = any(
                        'rate_limited("upload")' in ast.unparse(decorator).replace("'", '"')
                        for decorator in node.decorator_list)
    return found


def test_every_view_that_takes_a_file_is_rate_limited():
    uploads = uploads_in_the_source()
    # applications, clarification answers, reports, KPI evidence, participant imports
    assert len(uploads) == 5
    assert [name for name, limited in uploads.items() if not limited] == []
