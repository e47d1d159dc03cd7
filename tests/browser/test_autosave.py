"""The draft saves itself while the person types, without any button."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from applications.models import Application, BudgetLine
from tests.browser.actions import log_in
from tests.factories import (
    ApplicationFactory,
    OpenCallFactory,
    OrganisationFactory,
    UserFactory,
    VoucherTypeFactory,
)

pytestmark = pytest.mark.browser

SAVED = re.compile(r"^All changes saved at \d{2}:\d{2}:\d{2}$")


def _draft_of_logged_in_applicant(page) -> Application:
    """A draft of an applicant with an enterprise, and that applicant logged in by the form."""
    user = UserFactory(email="autosave@example.org")
    call = OpenCallFactory()
    voucher = VoucherTypeFactory(
        call=call, min_amount=Decimal("10000"), max_amount=Decimal("30000")
    )
    application = ApplicationFactory(
        call=call, organisation=OrganisationFactory(user=user), voucher_type=voucher
    )
    log_in(page, "autosave@example.org")
    return application


def test_typing_saves_the_draft_without_pressing_a_button(page):
    application = _draft_of_logged_in_applicant(page)
    page.goto(f"/applications/{application.pk}/edit/")
    status = page.locator("#autosave-status")
    expect(status).to_have_text("Changes are saved automatically while you type.")

    page.get_by_label("Project title").press_sequentially("Smart welding cell", delay=15)
    page.get_by_label("Approach").press_sequentially("We integrate a camera.", delay=15)
    expect(status).to_have_text(SAVED)

    application.refresh_from_db()
    assert application.title == "Smart welding cell"
    assert application.sections == {"approach": "We integrate a camera.", "impact": ""}
    assert application.status == Application.Status.DRAFT

    page.reload()
    expect(page.get_by_label("Project title")).to_have_value("Smart welding cell")
    expect(page.get_by_label("Approach")).to_have_value("We integrate a camera.")


def test_a_refused_value_is_named_in_the_warning_and_the_rest_is_saved(page):
    application = _draft_of_logged_in_applicant(page)
    page.goto(f"/applications/{application.pk}/edit/")
    status = page.locator("#autosave-status")

    page.get_by_label("Project title").press_sequentially("Smart welding cell", delay=15)
    page.get_by_label("Requested amount (EUR)").press_sequentially("-500", delay=15)
    expect(status).to_have_text(
        re.compile(
            r"^Saved at \d{2}:\d{2}:\d{2}, except fields with errors: Requested amount \(EUR\)$"
        )
    )
    expect(status).to_have_class(re.compile(r"\btext-warning-emphasis\b"))

    application.refresh_from_db()
    assert application.title == "Smart welding cell"
    assert application.requested_amount is None


def test_a_budget_line_saved_by_autosave_survives_the_next_autosave(page):
    application = _draft_of_logged_in_applicant(page)
    page.goto(f"/applications/{application.pk}/edit/")
    status = page.locator("#autosave-status")

    budget = page.locator(".formset[data-prefix=budget]")
    budget.get_by_role("button", name="+ Add a budget line").click()
    budget.locator("select[name=budget-0-category]").select_option("equipment")
    budget.locator("input[name=budget-0-description]").press_sequentially("Camera", delay=15)
    budget.locator("input[name=budget-0-amount]").press_sequentially("20000", delay=15)
    expect(status).to_have_text(SAVED)
    assert list(BudgetLine.objects.values_list("description", "amount")) == [
        ("Camera", Decimal("20000.00"))
    ]

    # Typing elsewhere afterwards sends the same, unchanged budget line again.
    first_save = status.inner_text()
    page.get_by_label("Project title").press_sequentially("Smart welding cell", delay=15)
    expect(status).not_to_have_text(first_save)
    expect(status).to_have_text(SAVED)

    application.refresh_from_db()
    assert application.title == "Smart welding cell"
    assert list(BudgetLine.objects.values_list("description", "amount")) == [
        ("Camera", Decimal("20000.00"))
    ]
