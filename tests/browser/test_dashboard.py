"""A cluster manager opens the dashboard at /manage/, reads what needs them and follows a line of
the action queue to the page where it is done; the charts are drawn without JavaScript."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from applications.eligibility_services import eligibility_check
from applications.models import Declaration
from applications.services import application_submit
from tests.browser.actions import log_in
from tests.factories import (
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    complete_application,
)

pytestmark = pytest.mark.browser

MANAGER_EMAIL = "ines.duarte@ec-dash.example"
PASSWORD = "correct-horse-42"  # the factories' password


def test_manager_follows_an_item_of_the_action_queue(page):
    manager = MembershipFactory(user__email=MANAGER_EMAIL, user__full_name="Inês Duarte")
    call = OpenCallFactory(eurocluster=manager.eurocluster, reference="DASH-2026-01",
                           title="Digital vouchers 2026", budget=Decimal("100000"))
    # EUR 9 M turnover with 3 staff: the automatic checks leave it to a person.
    application = complete_application(call=call, organisation=OrganisationFactory(
        legal_name="Liège Laser Works SA", staff_headcount=Decimal("3"),
        annual_turnover=Decimal("9000000"), balance_sheet_total=Decimal("500000")))
    version = application_submit(application=application, by=application.created_by,
                                 declarations=Declaration.values)
    assert eligibility_check(version_id=version.pk).outcome == "needs_review"

    log_in(page, MANAGER_EMAIL, PASSWORD)

    page.get_by_role("navigation").first.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/manage/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{manager.eurocluster.acronym} dashboard")
    line = page.locator("#action-queue li")
    expect(line).to_have_count(1)
    expect(line).to_have_text(
        re.compile(r"^\s*1\s+eligibility case to decide\s+DASH-2026-01\s*$"))
    # The requested amount against the budget, and the charts drawn on the server.
    expect(page.locator(f"#call-{call.pk} [data-figure=requested]")).to_contain_text(
        "Requested EUR 20,000.00 against a budget of EUR 100,000.00 · over-subscription ×0.20")
    expect(page.locator("#budget svg")).to_have_count(2)
    expect(page.locator(f"#chart-funnel-{call.pk} table")).to_contain_text("Eligibility to review")

    line.get_by_role("link", name="eligibility case to decide").click()
    expect(page).to_have_url(re.compile(
        rf"/manage/calls/{call.pk}/eligibility/\?outcome=needs_review$"))
    expect(page.get_by_role("heading", name="1 application needs your decision")).to_be_visible()
