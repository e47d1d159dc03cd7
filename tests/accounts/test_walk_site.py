"""Issue 16, items 4 and 14: every absolute link comes from PORTAL_SITE_URL (required in
production), allauth's e-mails name the portal, and the embedded mode creates its var folder."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from applications.models import Declaration
from applications.services import application_submit
from evaluation.services.pool import evaluator_invite
from payments.selectors.agreements import verify_url
from payments.services.agreements import agreement_generate
from tests.factories import MembershipFactory, UserFactory, complete_application
from tests.payments.factories import selected_application
from tests.portal.test_settings import production_variables, run_python

SITE = "https://grants.example.eu"
ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture
def site(settings):
    settings.PORTAL_SITE_URL = SITE
    return SITE


def links(message) -> list[str]:
    found = LINK.findall(message.body)
    assert found, message.body
    return found


def assert_on_site(message) -> None:
    assert [link for link in links(message) if not link.startswith(SITE + "/")] == []


# --- allauth's e-mails ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_signup_confirmation_links_to_the_site_and_names_the_portal(client, site, mailoutbox):
    client.post(reverse("account_signup"), {"email": "new.sme@example.org",
                                            "password1": "a-long-unusual-passphrase",
                                            "password2": "a-long-unusual-passphrase"})
    [message] = mailoutbox
    assert_on_site(message)
    assert re.search(SITE + r"/accounts/confirm-email/[^/\s]+/", message.body)
    assert message.body.startswith("Hello from Eurocluster portal!")
    assert "Thank you for using Eurocluster portal!\ngrants.example.eu" in message.body
    assert "testserver" not in message.body


@pytest.mark.django_db
def test_password_reset_links_to_the_site(client, site, mailoutbox):
    user = UserFactory()
    client.post(reverse("account_reset_password"), {"email": user.email})
    [message] = mailoutbox
    assert_on_site(message)
    assert f"{SITE}/accounts/password/reset/key/" in message.body


@pytest.mark.django_db
def test_password_reset_of_an_unknown_address_links_to_the_site(client, site, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    [message] = mailoutbox
    assert_on_site(message)
    assert f"{SITE}/accounts/signup/" in message.body


@pytest.mark.django_db
def test_signing_up_again_with_a_known_address_links_to_the_site(client, site, mailoutbox):
    user = UserFactory()
    client.post(reverse("account_signup"), {"email": user.email,
                                            "password1": "a-long-unusual-passphrase",
                                            "password2": "a-long-unusual-passphrase"})
    [message] = mailoutbox
    assert_on_site(message)
    assert f"{SITE}/accounts/password/reset/" in message.body


# --- the portal's own e-mails ---------------------------------------------------------------------


@pytest.mark.django_db
def test_receipt_links_to_the_site(site, mailoutbox, django_capture_on_commit_callbacks):
    application = complete_application()
    with django_capture_on_commit_callbacks(execute=True):
        version = application_submit(application=application, by=application.created_by,
                                     declarations=Declaration.values)
    receipt = mailoutbox[0]
    assert_on_site(receipt)
    assert f"{SITE}{version.get_absolute_url()}" in receipt.body


@pytest.mark.django_db
def test_evaluator_invitation_links_to_the_site(site, mailoutbox,
                                                django_capture_on_commit_callbacks):
    manager = MembershipFactory()
    call = complete_application(call__eurocluster=manager.eurocluster).call
    with django_capture_on_commit_callbacks(execute=True):
        evaluator_invite(call=call, email="expert@example.org", by=manager.user)
    [message] = mailoutbox
    assert_on_site(message)
    assert f"{SITE}/invitations/" in message.body


@pytest.mark.django_db
def test_agreement_mail_and_verification_link_use_the_site(site, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    application = selected_application()
    with django_capture_on_commit_callbacks(execute=True):
        agreement_generate(application=application)
    [message] = mailoutbox
    assert_on_site(message)
    assert f"{SITE}{reverse('payments:agreement', kwargs={'pk': application.pk})}" in message.body
    assert verify_url("ABC") == f"{SITE}{reverse('payments:verify')}?code=ABC"


def test_every_link_in_the_e_mail_templates_starts_with_the_site_url():
    """A `{% url %}` or `get_absolute_url` in an e-mail is always written after {{ site_url }}
    (the other links come ready-made from portal.site.absolute_url)."""
    loose = []
    for path in sorted((ROOT / "templates" / "email").glob("*_body.txt")):
        text = path.read_text()
        for match in re.finditer(r"\{% url [^%]*%\}|\{\{ [\w.]+\.get_absolute_url \}\}", text):
            if " as " in match.group(0):
                continue
            if not text[:match.start()].endswith("{{ site_url }}"):
                loose.append(f"{path.name}: {match.group(0)}")
    assert loose == []


def test_no_module_builds_an_absolute_link_of_its_own():
    """One builder (portal/site.py): no other module reads PORTAL_SITE_URL or asks the request."""
    offenders = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {"tests", "var"} or relative.parts[0].startswith(".") or (
                relative.as_posix() in {
                "portal/site.py", "portal/settings.py"}):
            continue  # (".": .venv, .venv-load and the like)
        text = path.read_text()
        if "PORTAL_SITE_URL" in text.replace('"""', "") and "settings.PORTAL_SITE_URL" in text:
            offenders.append(str(relative))
        if "build_absolute_uri" in text or "127.0.0.1:8000" in text:
            offenders.append(str(relative))
    assert offenders == []


# --- settings -----------------------------------------------------------------------------------


def test_production_without_the_site_url_refuses_to_start():
    result = run_python("-c", "import django; django.setup()",
                        **production_variables(PORTAL_SITE_URL=None))
    assert result.returncode != 0
    assert "PORTAL_SITE_URL must be set when PORTAL_ENV=production" in result.stderr


@pytest.mark.parametrize("value", ["grants.example.eu", "ftp://grants.example.eu",
                                   "https://grants.example.eu/portal"])
def test_a_site_url_that_is_not_a_scheme_and_a_host_is_refused(value):
    result = run_python("-c", "import django; django.setup()", PORTAL_SITE_URL=value)
    assert result.returncode != 0
    assert "PORTAL_SITE_URL must be a scheme and a host" in result.stderr


def test_development_defaults_to_the_address_make_demo_serves():
    result = run_python("-c", "import django; django.setup(); from portal.site import "
                        "absolute_url, current_site; print(absolute_url('/x/'), "
                        "current_site().name, current_site().domain)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8000/x/ Eurocluster portal 127.0.0.1:8000"


def test_embedded_mode_creates_its_var_folder(tmp_path):
    var = tmp_path / "fresh-clone" / "var"
    result = run_python("manage.py", "migrate", "--noinput", PORTAL_VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    assert (var / "portal.sqlite3").is_file()


def test_production_does_not_create_the_var_folder(tmp_path):
    var = tmp_path / "not-here"
    result = run_python("-c", "import django; django.setup()",
                        **production_variables(PORTAL_VAR_DIR=str(var)))
    assert result.returncode == 0, result.stderr
    assert not var.exists()


@pytest.mark.django_db
def test_the_footer_links_to_the_public_verification_page(client):
    page = client.get(reverse("calls:home")).content.decode()
    footer = page[page.index("<footer"):page.index("</footer>")]
    link = f'<a class="link-secondary" href="{reverse("payments:verify")}">'
    assert f"{link}Verify a grant agreement</a>" in footer
