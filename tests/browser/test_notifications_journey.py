"""The notification centre as an applicant uses it: the bell shows how many are unread, the
centre lists them, following one opens its page and marks it read (the bell's number drops),
and the e-mail preferences are chosen on their own tab."""

import re

import pytest
from playwright.sync_api import expect

from applications.models import Declaration
from applications.services import application_submit
from portal.models import Notification, NotificationPreference
from tests.browser.actions import log_in
from tests.factories import complete_application

pytestmark = pytest.mark.browser


def test_an_applicant_reads_her_notifications_and_chooses_her_emails(page):
    application = complete_application(acronym="WELDCELL")
    user = application.created_by
    application_submit(application=application, by=user, declarations=Declaration.values)
    Notification.objects.create(recipient=user, kind="applications.eligibility_result",
                                text="WELDCELL: your application is eligible",
                                link=f"/applications/{application.pk}/")
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 2
    log_in(page, user.email)

    page.goto("/")
    expect(page.locator("#unread-count")).to_contain_text("2")
    page.locator("#notification-bell").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    rows = page.locator("#notifications [data-notification]")
    expect(rows).to_have_count(2)
    expect(page.locator("#notifications [data-unread='1']")).to_have_count(2)

    receipt = Notification.objects.get(recipient=user, kind="applications.submission_receipt")
    page.locator(f"[data-notification='{receipt.pk}'] a.notification-link").click()
    expect(page).to_have_url(re.compile(rf"/applications/{application.pk}/versions/1/$"))
    expect(page.locator("#unread-count")).to_contain_text("1")

    page.locator("#notification-bell").click()
    page.get_by_label("Unread only").check()
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#unread-count")).to_have_count(0)

    page.get_by_role("link", name="E-mail preferences").click()
    expect(page.locator("#essential-kinds")).to_contain_text("Submission receipts")
    first = page.locator("#notification-preferences tr[data-kind]").first
    kind = first.get_attribute("data-kind")
    first.get_by_label("Daily digest").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Your notification preferences are saved.")
    assert list(NotificationPreference.objects.filter(person=user)
                .values_list("kind", "choice")) == [(kind, "digest")]
