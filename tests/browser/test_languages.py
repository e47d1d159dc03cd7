"""The languages in a real browser: a visitor picks French in the header, the JavaScript words
(the deadline countdown) follow; the log-in page's own switcher; a signed-in person's choice kept
on her account; a manager writes a call's French title in the admin's language tabs."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation.trans_real import DjangoTranslation
from playwright.sync_api import expect

from accounts.models import User
from calls.models import OpenCall
from tests.browser.actions import FACTORY_PASSWORD, log_in
from tests.factories import MembershipFactory, OpenCallFactory, UserFactory, VoucherTypeFactory

pytestmark = pytest.mark.browser


def words(code: str, text: str) -> str:
    with translation.override(code):
        result = gettext(text)
    assert result != text, f"{text!r} is not translated into {code}"
    return result


def countdown_pattern(code: str) -> re.Pattern:
    """The countdown's "… d … h … min left" in ``code``, from the JavaScript catalogue."""
    formats = [DjangoTranslation(code, domain="djangojs").gettext(text) for text in (
        "%(d)s d %(h)s h %(m)s min left", "%(h)s h %(m)s min left", "%(m)s min %(s)s s left")]
    assert formats[0] != "%(d)s d %(h)s h %(m)s min left"
    return re.compile("|".join(
        re.sub(r"%\\\(\w\\\)s", r"\\d+", re.escape(text)) for text in formats))


def test_a_visitor_reads_the_portal_in_french_countdown_included(page):
    call = OpenCallFactory()
    VoucherTypeFactory(call=call)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#language-menu").click()
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("navigation", name=words("fr", "Main menu"))).to_contain_text(
        words("fr", "Open calls"))
    page.goto(call.get_absolute_url())
    expect(page.locator(".countdown").first).to_have_text(countdown_pattern("fr"))


def test_the_login_page_switcher_and_the_choice_kept_on_the_account(page):
    person = UserFactory(email="ana@brasov-motion.example")
    page.goto("/accounts/login/")
    page.locator(".language-switcher").last.get_by_role("button", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("button", name=words("de", "Sign In"), exact=True)).to_be_visible()
    log_in_in_german = page.locator("input[name=login]")
    log_in_in_german.fill(person.email)
    page.locator("input[name=password]").fill(FACTORY_PASSWORD)
    page.get_by_role("button", name=words("de", "Sign In"), exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.locator("#language-menu").click()
    page.get_by_role("button", name="Română").click()
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    assert User.objects.get(pk=person.pk).language == "ro"
    # Another browser (no cookie) of the same person: the account's language.
    page.context.clear_cookies()
    log_in(page, person.email)
    expect(page.locator("html")).to_have_attribute("lang", "ro")


def test_a_manager_writes_the_french_title_in_the_admins_language_tabs(page):
    manager = MembershipFactory(user__email="marta@dream.example")
    call = OpenCallFactory(eurocluster=manager.eurocluster, status=OpenCall.Status.DRAFT)
    log_in(page, manager.user.email)
    page.goto(f"/admin/calls/opencall/{call.pk}/change/")
    # One row of tabs per text (title, summary, ...), each showing one language at a time.
    title_tabs, summary_tabs = page.locator(".ui-tabs").nth(0), page.locator(".ui-tabs").nth(1)
    expect(page.locator("#id_title_fr")).to_be_hidden()
    title_tabs.get_by_role("tab", name=re.compile(r"^fr$", re.I)).click()
    page.locator("#id_title_fr").fill("Chèques d'innovation")
    summary_tabs.get_by_role("tab", name=re.compile(r"^fr$", re.I)).click()
    page.locator("#id_summary_fr").fill("Pour les PME.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()
    call.refresh_from_db()
    assert (call.title_fr, call.summary_fr) == ("Chèques d'innovation", "Pour les PME.")
