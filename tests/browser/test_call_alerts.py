"""A visitor without an account subscribes to call alerts, confirms from the e-mail, gets the
alert of a new call and unsubscribes from its link."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from calls.models import CallAlertSubscription, OpenCall
from calls.transitions import call_transition
from tests.factories import EuroclusterFactory, OpenCallFactory, VoucherTypeFactory

pytestmark = pytest.mark.browser

EMAIL = "news@brasov-motion.example"


def test_a_visitor_subscribes_confirms_is_alerted_and_unsubscribes(page, live_server):
    dream = EuroclusterFactory(acronym="DREAM", name="Digital Resilient Europe")
    EuroclusterFactory(acronym="DESIRE")

    page.goto("/")
    page.get_by_role("link", name="Get an e-mail when a new call opens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Call alerts")
    page.get_by_label("Your e-mail address").fill(EMAIL)
    page.get_by_label("DREAM").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#alerts-sent")).to_contain_text(f"We sent a link to {EMAIL}")
    assert CallAlertSubscription.objects.count() == 0

    (confirmation,) = mail.outbox
    link = re.search(r"http://\S+/alerts/confirm/\S+/", confirmation.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{EMAIL} will be told of new calls")
    assert [e.acronym for e in CallAlertSubscription.objects.get().euroclusters.all()] == [
        "DREAM"]

    call = OpenCallFactory(eurocluster=dream, status=OpenCall.Status.DRAFT,
                           title="Robotics vouchers 2027")
    VoucherTypeFactory(call=call)
    call_transition(call=call, to=OpenCall.Status.PUBLISHED, by=None)
    alert = mail.outbox[-1]
    assert alert.subject == "New call from DREAM: Robotics vouchers 2027"
    unsubscribe = alert.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(live_server.url)

    page.goto(unsubscribe)
    expect(page.get_by_role("main")).to_contain_text(f"Stop the call alerts to {EMAIL}?")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("#alerts-unsubscribed")).to_have_text(
        "You are unsubscribed: you will get no more call alerts.")
    assert CallAlertSubscription.objects.count() == 0
