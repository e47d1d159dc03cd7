"""The content security policy in Chromium: what it refuses is reported to the test (so every
browser test fails on a violation), the dashboard's charts are styled through the nonce, and the
admin works under the policy."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from applications.models import Application
from tests.browser.actions import FACTORY_PASSWORD, log_in
from tests.evaluation.factories import closed_call, eligible_application
from tests.factories import MembershipFactory, OpenCallFactory, UserFactory

pytestmark = pytest.mark.browser


def test_an_inline_style_and_script_are_refused_and_reported(page, csp_violations):
    page.goto("/")
    page.evaluate("""() => {
        document.body.insertAdjacentHTML(
            "beforeend", '<p id="styled" style="color: rgb(255, 0, 0)">styled</p>');
        const script = document.createElement("script");
        script.textContent = "document.body.dataset.inline = 'ran'";
        document.body.appendChild(script);
    }""")

    expect(page.locator("#styled")).to_have_count(1)
    for _ in range(20):  # the reports cross from the page to the test asynchronously
        if len(csp_violations) >= 4:
            break
        page.wait_for_timeout(100)
    assert page.locator("#styled").evaluate("el => getComputedStyle(el).color") != "rgb(255, 0, 0)"
    assert page.evaluate("() => document.body.dataset.inline") is None
    blocked = " ".join(csp_violations)
    assert "style-src-attr" in blocked
    assert "script-src-elem" in blocked
    assert "Content Security Policy" in blocked  # Chromium's console message too
    csp_violations.clear()  # seen: this test's own violations must not fail it


def test_the_dashboard_charts_are_styled_through_the_nonce(page):
    manager = MembershipFactory(user__email="chart.reader@ec-csp.example")
    call = OpenCallFactory(eurocluster=manager.eurocluster, status="open",
                           budget=Decimal("100000"))
    eligible_application(call, status=Application.Status.SUBMITTED)
    log_in(page, manager.user.email)

    page.goto("/manage/")

    bar = page.locator("#chart-budget svg .series.color-0 rect").first
    expect(bar).to_be_attached()
    # pygal's first colour, from its nonce-carrying <style>; without it the bar would be black.
    assert bar.evaluate("el => getComputedStyle(el).fill") == "rgb(13, 110, 253)"


def test_the_admin_works_under_the_policy(page):
    superuser = UserFactory(email="root@ec-csp.example", is_staff=True, is_superuser=True)
    application = eligible_application(closed_call(), status=Application.Status.SUBMITTED)
    log_in(page, superuser.email)

    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    # A change list with actions: its script selects every row and counts them; the side menu's
    # script filters the models.
    MembershipFactory()
    page.goto("/admin/euroclusters/membership/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    page.locator("#nav-filter").fill("Memberships")
    expect(page.locator("#nav-sidebar a", has_text="Open calls")).to_be_hidden()
    page.goto("/admin/applications/application/")
    expect(page.locator("#result_list")).to_contain_text(application.title)
    page.goto(f"/admin/applications/application/{application.pk}/change/")
    expect(page.locator("#content h2").first).to_be_visible()
    # A form with date and time widgets: the calendar opens (the admin's own script).
    page.goto("/admin/calls/opencall/add/")
    # The language tabs: the vendored jQuery UI, loaded from the portal itself.
    expect(page.locator(".ui-tabs").first).to_be_visible()
    page.locator("#id_title_en").press_sequentially("Green vouchers 2027")
    expect(page.locator("#id_slug")).to_have_value("green-vouchers-2027")  # prepopulate.js
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    expect(page.locator("input[name=opens_at_0]")).to_have_value(re.compile(r"\d"))
    page.locator(".datetimeshortcuts .date-icon").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()


def test_the_account_pages_work_under_the_policy(page):
    person = UserFactory(email="account.pages@ec-csp.example")
    log_in(page, person.email)

    for url in ("/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"):
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
    # allauth's QR code of the authenticator app is a data: image, which the policy allows.
    page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # allauth asks for the password again first
        page.locator("input[name=password]").fill(FACTORY_PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    qr = page.locator("main img").first
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
