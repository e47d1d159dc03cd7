"""The nine interface languages: each page speaks the chosen language, marks it on <html>, and the
choice is kept (switcher, account, cookie, Accept-Language)."""

import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.models import User
from portal import formats
from tests.factories import ApplicationFactory, OpenCallFactory, UserFactory

pytestmark = pytest.mark.django_db

CODES = [code for code, _name in settings.LANGUAGES]
OTHERS = [code for code in CODES if code != "en"]


def lang_of(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def translated(code: str, text: str) -> str:
    """``text`` in ``code``; fails when the catalogue leaves it in English."""
    with translation.override(code):
        result = gettext(text)
    assert code == "en" or result != text, f"{text!r} is not translated into {code}"
    return result


def use(client, code: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code


@pytest.mark.parametrize("code", CODES)
def test_home_and_call_page_speak_the_chosen_language(client, code):
    call = OpenCallFactory()
    use(client, code)
    home = client.get(reverse("calls:home"))
    assert lang_of(home) == code
    assert translated(code, "Open calls") in home.content.decode()
    page = client.get(call.get_absolute_url())
    assert lang_of(page) == code
    assert translated(code, "Voucher types") in page.content.decode()


@pytest.mark.parametrize("code", CODES)
def test_the_application_form_and_its_refusal_speak_the_applicants_language(client, code):
    application = ApplicationFactory()
    application.created_by.language = code
    application.created_by.save(update_fields=["language"])
    client.force_login(application.created_by)
    url = reverse("applications:edit", kwargs={"pk": application.pk})
    form = client.get(url)
    assert lang_of(form) == code
    assert translated(code, "Save draft") in form.content.decode()
    refused = client.post(url, {"voucher_type": application.voucher_type_id,
                                "requested_amount": "99000",
                                "budget-TOTAL_FORMS": "0", "budget-INITIAL_FORMS": "0",
                                "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0"})
    assert refused.status_code == 400
    with translation.override(code):
        message = gettext("For %(voucher)s the amount must be between EUR %(min)s and "
                          "EUR %(max)s.")
        amount = formats.amount(Decimal("10000"))
    assert code == "en" or not message.startswith("For ")
    html = refused.content.decode()
    assert message.split("%(")[0].strip() in html
    assert amount in html


def test_the_switcher_keeps_the_choice_in_a_cookie_and_on_the_account(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:language"), {"language": "ro", "next": "/alerts/"})
    assert response.status_code == 302 and response["Location"] == "/alerts/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ro"
    user.refresh_from_db()
    assert user.language == "ro"
    # The account wins over a cookie from another choice, on this device or another.
    use(client, "de")
    assert lang_of(client.get(reverse("calls:home"))) == "ro"


def test_a_visitor_choice_is_a_cookie_only_and_foreign_next_goes_home(client):
    response = client.post(reverse("accounts:language"),
                           {"language": "bg", "next": "https://evil.example/"})
    assert response["Location"] == reverse("calls:home")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "bg"
    assert not User.objects.exclude(language="").exists()
    assert lang_of(client.get(reverse("calls:home"))) == "bg"


def test_an_unknown_language_is_refused_with_a_message_and_nothing_changes(client):
    user = UserFactory(language="fr")
    client.force_login(user)
    response = client.post(reverse("accounts:language"), {"language": "xx", "next": "/"},
                           follow=True)
    assert escape(translated("fr", "The portal is not available in that language.")) in \
        response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.language == "fr"


def test_the_switcher_needs_a_post_with_csrf(client):
    assert client.get(reverse("accounts:language")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("accounts:language"), {"language": "fr"}).status_code == 403


def test_the_first_visit_follows_the_browsers_language(client):
    response = client.get(reverse("calls:home"), HTTP_ACCEPT_LANGUAGE="de-AT,de;q=0.9,en;q=0.5")
    assert lang_of(response) == "de"
    portuguese = client.get(reverse("calls:home"), HTTP_ACCEPT_LANGUAGE="pt-PT,pt;q=0.9")
    assert lang_of(portuguese) == "pt-pt"
    unknown = client.get(reverse("calls:home"), HTTP_ACCEPT_LANGUAGE="ja")
    assert lang_of(unknown) == "en"


def test_the_switcher_is_in_the_header_and_on_the_login_and_signup_pages(client):
    for name in ("calls:home", "account_login", "account_signup"):
        html = client.get(reverse(name)).content.decode()
        for code in CODES:
            assert f'name="language" value="{code}"' in html, (name, code)
    login = client.get(reverse("account_login")).content.decode()
    assert login.count('action="/language/"') == 2  # the header's and the page's own


@pytest.mark.parametrize("code", OTHERS)
def test_the_javascript_catalogue_has_the_countdown_and_autosave_words(client, code):
    response = client.get(reverse("accounts:javascript_catalog", args=[code]))
    assert response.status_code == 200
    assert "max-age=86400" in response["Cache-Control"]
    body = response.content.decode("utf-8")
    with translation.override(code):
        from django.views.i18n import JavaScriptCatalog  # noqa: PLC0415 -- test only
        catalog = JavaScriptCatalog()
        catalog.translation = translation.trans_real.DjangoTranslation(
            code, domain="djangojs")
        words = catalog.get_catalog()
    assert words["deadline passed"] and words["deadline passed"] != "deadline passed"
    assert words["Saving…"] != "Saving…"
    assert json.dumps(words["deadline passed"])[1:-1] in body or words["deadline passed"] in body


def test_an_unknown_javascript_catalogue_is_not_found(client):
    assert client.get("/jsi18n/xx/").status_code == 404
    assert client.get("/jsi18n/pt/").status_code == 404  # the portal's code is pt-pt


@pytest.mark.parametrize(("code", "money", "day"), [
    ("en", "EUR 1,050,000.00", "6 December 2026"),
    ("fr", "EUR 1\u202f050\u202f000,00", "6 décembre 2026"),
    ("de", "EUR 1.050.000,00", "6. Dezember 2026"),
    ("it", "EUR 1.050.000,00", "6 dicembre 2026"),
    ("ro", "EUR 1.050.000,00", "6 decembrie 2026"),
    ("bg", "EUR 1\xa0050\xa0000,00", "6 декември 2026 г."),
])
def test_amounts_and_dates_are_written_the_languages_way(code, money, day):
    from datetime import date  # noqa: PLC0415 -- test only
    with translation.override(code):
        assert formats.eur(Decimal("1050000")).replace("\xa0", "\u202f") == \
            money.replace("\xa0", "\u202f")
        assert formats.brussels(date(2026, 12, 6), date_only=True) == day
