"""The cluster manager settles the eligibility of a call, through the pages only, as a person would.

The applications are submitted and checked in the test's own code: the live server sees them
because the browser tests run on a transactional database (every write is committed).
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.eligibility_services import eligibility_check
from applications.models import Application, Declaration, EligibilityResult
from applications.services import application_submit
from calls.models import OpenCall
from portal.audit import audit_trail
from tests.browser.actions import log_in
from tests.factories import (
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    complete_application,
)

pytestmark = pytest.mark.browser

MANAGER_EMAIL = "marta.keller@ec-digital.example"
APPLICANT_EMAIL = "office@zurich-robotics.example"
JUSTIFICATION = "The 2025 accounts show EUR 900,000 turnover; the form had a typo."
INCONSISTENT = (
    "The figures of Liège Laser Works SA look inconsistent: turnover EUR 9,000,000.00 with 3.0 "
    "staff is EUR 3,000,000.00 per annual work unit."
)


def _call_with_its_manager() -> OpenCall:
    manager = MembershipFactory(user__email=MANAGER_EMAIL, user__full_name="Marta Keller")
    return OpenCallFactory(
        eurocluster=manager.eurocluster,
        reference="DIGI-2026-01",
        title="Digital manufacturing vouchers 2026",
    )


def _submitted(call: OpenCall, *, acronym: str, **organisation) -> EligibilityResult:
    """A submitted application of ``call`` whose automatic checks have run."""
    application = complete_application(call=call, organisation=OrganisationFactory(**organisation))
    application.acronym = acronym
    application.save(update_fields=["acronym"])
    version = application_submit(
        application=application, by=application.created_by, declarations=Declaration.values
    )
    return eligibility_check(version_id=version.pk)


def _open_eligibility_of(page, call: OpenCall) -> None:
    """From any page, through the menu, to the call's eligibility page."""
    page.get_by_role("navigation").first.get_by_role("link", name="Manage calls").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calls you manage")
    page.locator("#managed-calls tbody tr").filter(has_text=call.title).get_by_role(
        "link", name="Eligibility"
    ).click()
    expect(page).to_have_url(re.compile(rf"/manage/calls/{call.pk}/eligibility/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Eligibility: {call.title}")


def test_manager_decides_a_case_needing_review_with_a_justification(page):
    call = _call_with_its_manager()
    eligible = _submitted(call, acronym="GPREC", legal_name="Gent Precision NV")
    # EUR 9 M turnover with 3 staff is EUR 3 M per work unit: the rules leave it to a person.
    review = _submitted(
        call,
        acronym="LASER",
        legal_name="Liège Laser Works SA",
        staff_headcount=Decimal("3"),
        annual_turnover=Decimal("9000000"),
        balance_sheet_total=Decimal("500000"),
    )
    assert (eligible.outcome, review.outcome) == ("eligible", "needs_review")
    receipt = review.version.receipt_code

    log_in(page, MANAGER_EMAIL)
    _open_eligibility_of(page, call)

    # The counts, and the one case waiting for the manager.
    expect(page.get_by_text("2 applications in the call")).to_be_visible()
    counts = page.locator("#counts-by-outcome").get_by_role("link")
    expect(counts).to_have_text(
        [
            re.compile(r"^Eligibility check pending\s+0$"),
            re.compile(r"^Eligible\s+1$"),
            re.compile(r"^Not eligible\s+0$"),
            re.compile(r"^Needs review by a manager\s+1$"),
        ]
    )
    expect(page.get_by_role("heading", name="1 application needs your decision")).to_be_visible()
    waiting = page.locator("#needs-review").get_by_role("listitem")
    expect(waiting).to_have_text([f"{receipt} · Liège Laser Works SA"])
    waiting.get_by_role("link").click()

    # The case: which check could not decide, and why, in words.
    expect(page).to_have_url(re.compile(rf"/manage/eligibility/{review.pk}/$"))
    expect(page.locator("#outcome")).to_have_text("Needs review")
    to_review = page.locator("#checks tbody tr[data-outcome=review]")
    expect(to_review).to_have_count(1)
    expect(to_review).to_contain_text(INCONSISTENT)
    form = page.locator("#decision-form")
    expect(form.get_by_role("heading")).to_have_text("Your decision")

    # A justification too short to be read in a redress procedure is refused; nothing is lost.
    form.get_by_label("Eligible", exact=True).check()
    form.get_by_label("Justification").fill("Typo.")
    form.get_by_role("button", name="Record the decision").click()
    expect(form).to_contain_text("Write a justification of at least 20 characters")
    expect(form.get_by_label("Eligible", exact=True)).to_be_checked()
    expect(form.get_by_label("Justification")).to_have_value("Typo.")
    expect(page.locator("#outcome")).to_have_text("Needs review")
    review.refresh_from_db()
    assert (review.outcome, review.decided_at) == ("needs_review", None)

    # A real justification is recorded, and the manager is back on the call's page.
    form.get_by_label("Justification").fill(JUSTIFICATION)
    form.get_by_role("button", name="Record the decision").click()
    expect(page).to_have_url(re.compile(rf"/manage/calls/{call.pk}/eligibility/$"))
    expect(page.get_by_role("alert")).to_have_text("Your decision on LASER is recorded.")
    expect(counts).to_have_text(
        [
            re.compile(r"^Eligibility check pending\s+0$"),
            re.compile(r"^Eligible\s+2$"),
            re.compile(r"^Not eligible\s+0$"),
            re.compile(r"^Needs review by a manager\s+0$"),
        ]
    )
    expect(page.locator("#needs-review")).to_have_count(0)
    decided = page.locator(f"#results tr[data-result='{review.pk}']")
    expect(decided).to_contain_text("Liège Laser Works SA")
    expect(decided.locator("td").nth(4)).to_have_text("Eligible by decision")

    review.refresh_from_db()
    application = Application.objects.get(pk=review.version.application_id)
    assert (review.outcome, review.automatic_outcome) == ("eligible", "needs_review")
    assert review.decided_by.email == MANAGER_EMAIL
    assert review.justification == JUSTIFICATION
    assert application.status == Application.Status.ELIGIBLE
    entry = audit_trail(application).get(action="eligibility_decided")
    assert (entry.actor.email, entry.from_state, entry.to_state, entry.reason) == (
        MANAGER_EMAIL,
        "needs_review",
        "eligible",
        JUSTIFICATION,
    )


def test_after_the_deadline_the_released_result_reaches_the_applicant(page, mailoutbox):
    call = _call_with_its_manager()
    refused = _submitted(
        call,
        acronym="ZROBO",
        legal_name="Zürich Robotics AG",
        country="CH",
        registration_number="CHE-116.281.710",
        user__email=APPLICANT_EMAIL,
    )
    assert refused.outcome == "ineligible"
    OpenCall.objects.filter(pk=call.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1), status=OpenCall.Status.CLOSED
    )
    mailoutbox.clear()  # the receipt of the submission; the result mail is what counts here

    log_in(page, MANAGER_EMAIL)
    _open_eligibility_of(page, call)
    release = page.locator("#release")
    expect(release).to_contain_text("Applicants do not see their result yet.")
    release.get_by_role("button", name="Release the results").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The eligibility results are released; 1 applicant(s) are told by e-mail."
    )
    expect(release).to_contain_text("Released on")
    expect(release.get_by_role("button", name="Release the results")).to_have_count(0)
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (
            [APPLICANT_EMAIL],
            f"{refused.version.application.receipt_prefix}: your application is not eligible",
        )
    ]

    page.get_by_role("button", name="Log out").click()
    log_in(page, APPLICANT_EMAIL)
    page.get_by_role("navigation").first.get_by_role("link", name="My applications").click()
    page.locator("#applications").get_by_role("link", name="ZROBO").click()
    expect(page.locator("#status")).to_have_text("Not eligible")
    eligibility = page.locator("#eligibility")
    expect(eligibility).to_contain_text("Your application does not meet the eligibility rules")
    expect(page.locator("#eligibility-reasons li")).to_have_text(
        [
            "Zürich Robotics AG is established in Switzerland, which is not among the countries "
            "eligible for this call."
        ]
    )
