"""A call's texts in several languages: the visitor's when given, else the call's own language,
said on the page; the admin asks for the call's own language."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from calls.models import OpenCall
from calls.translation import languages_of
from tests.factories import OpenCallFactory

pytestmark = pytest.mark.django_db


def page(client, call, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    return client.get(call.get_absolute_url()).content.decode()


@pytest.fixture
def call():
    call = OpenCallFactory(language="ro", title_en="", summary_en="",
                           title_ro="Vouchere pentru inovare", summary_ro="Pentru IMM-uri.")
    OpenCall.objects.filter(pk=call.pk).update(
        title_fr="Chèques d'innovation", summary_fr="Pour les PME.")
    call.refresh_from_db()
    return call


def test_the_visitors_language_is_shown_when_the_call_has_it(client, call):
    html = page(client, call, "fr")
    assert "Chèques d&#x27;innovation" in html and "Pour les PME." in html
    assert 'id="call-languages"' in html  # more than one language: it says which
    assert '<div lang="fr">' in html


def test_otherwise_the_calls_own_language_with_available_in(client, call):
    html = page(client, call, "de")
    assert "Vouchere pentru inovare" in html and "Pour les PME." not in html
    assert '<div lang="ro">' in html
    with translation.override("de"):
        from django.utils.translation import gettext  # noqa: PLC0415 -- test only
        available = gettext("Available in:")
    assert available != "Available in:" and available in html
    assert '<span lang="fr">Français</span>' in html and '<span lang="ro">Română</span>' in html


def test_the_call_language_comes_before_the_others_in_lists_too(call):
    with translation.override("bg"):
        assert call.title == "Vouchere pentru inovare"
        # values_list falls back in the portal's order (en is empty here, fr comes next).
        assert OpenCall.objects.filter(pk=call.pk).values_list("title", flat=True)[0] == \
            "Chèques d'innovation"
    assert languages_of(call) == ["fr", "ro"]


def test_the_admin_asks_for_the_title_and_summary_in_the_calls_language(manager_client,
                                                                       eurocluster_a):
    from tests.calls.test_admin import call_form_data  # noqa: PLC0415 -- test only
    data = call_form_data(eurocluster_a, language="ro", title_en="Only English",
                          summary_en="English summary.")
    response = manager_client.post(reverse("admin:calls_opencall_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "title_ro" in errors and "summary_ro" in errors
