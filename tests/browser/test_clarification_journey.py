"""A clarification request, through the pages, as the people would: the cluster manager asks
the applicant a question about a submitted application, the applicant is notified and answers
with a PDF, the manager reads the answer and shares it with the evaluators.
The applicant finds the question through the bell in the header and her notification centre;
the manager, through hers.
"""

import re

import pytest
from playwright.sync_api import expect

from applications.models import ClarificationRequest
from portal.models import Notification
from tests.applications.clarification_helpers import submitted
from tests.browser.actions import log_in
from tests.factories import MINIMAL_PDF, MembershipFactory

pytestmark = pytest.mark.browser

MANAGER_EMAIL = "marta.keller@ec-digital.example"
QUESTION = "Your budget lists a vision system of EUR 20,000: please send the supplier's quote."
ANSWER = "The quote of Basler AG is attached; it is valid until the end of June."


def test_a_manager_asks_the_applicant_answers_with_a_pdf_and_the_manager_reads_it(
        page, tmp_path):
    manager = MembershipFactory(user__email=MANAGER_EMAIL, user__full_name="Marta Keller")
    case = submitted(manager.eurocluster, reference="DIGI-2026-01",
                     title="Digital manufacturing vouchers 2026")
    application = case.application
    receipt = case.version.receipt_code
    sha256 = case.version.sha256

    # The manager, from the call's eligibility page, opens the application and asks.
    log_in(page, MANAGER_EMAIL)
    page.get_by_role("navigation").first.get_by_role("link", name="Manage calls").click()
    page.locator("#managed-calls tbody tr").filter(has_text=case.call.title).get_by_role(
        "link", name="Eligibility").click()
    page.locator("#results tbody tr").filter(has_text=receipt).get_by_role(
        "link", name="Open").click()
    page.locator("#clarifications").get_by_role("link", name="Ask the applicant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for a clarification")
    form = page.locator("#ask-form")
    # The due date is proposed (5 working days); the manager keeps it.
    expect(form.get_by_label("Answer due by")).not_to_have_value("")
    form.get_by_label("Question to the applicant").fill(QUESTION)
    form.get_by_label("Concerns").select_option(label="Impact")
    form.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("alert").filter(has_text="Your question is sent to the applicant.")
           ).to_be_visible()
    thread = page.locator("#clarifications .clarification")
    expect(thread).to_have_count(1)
    expect(thread.locator(".question")).to_have_text(f"Question: {QUESTION}")
    expect(thread).to_contain_text("Evaluation criterion: Impact")
    expect(thread).to_contain_text("Waiting for the answer")
    expect(thread).to_contain_text("Not shared with the evaluators")

    # The applicant is notified (in the centre and by e-mail): she sees the bell and follows it.
    notification = Notification.objects.get(recipient=case.applicant,
                                            kind="applications.clarification_requested")
    assert notification.text == f"{application.receipt_prefix}: a question about your application"
    log_in(page, case.applicant.email)
    unread = Notification.objects.filter(recipient=case.applicant, read_at__isnull=True).count()
    expect(page.locator("#unread-count")).to_contain_text(str(unread))
    page.locator("#notification-bell").click()
    page.locator(f"[data-notification='{notification.pk}'] a.notification-link").click()
    expect(page).to_have_url(re.compile(rf"/applications/{application.pk}/#clarification-\d+$"))
    mine = page.locator("#clarifications .clarification")
    expect(mine.locator(".question")).to_have_text(f"Question: {QUESTION}")
    mine.get_by_role("link", name="Answer").click()

    # She answers with a PDF.
    quote = tmp_path / "basler-quote.pdf"
    quote.write_bytes(MINIMAL_PDF)
    answer = page.locator("#answer-form")
    answer.get_by_label("Your answer").fill(ANSWER)
    answer.get_by_label("PDF files (optional)").set_input_files(quote)
    answer.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("alert").filter(has_text="Your answer is sent to the cluster "
                                                     "manager.")).to_be_visible()
    expect(mine.locator(".answer")).to_contain_text(ANSWER)
    expect(mine.locator(".answer")).to_contain_text("basler-quote.pdf")
    expect(mine.get_by_role("link", name="Answer")).to_have_count(0)

    # The manager reads the answer and its file, and shares it with the evaluators.
    log_in(page, MANAGER_EMAIL)
    told = Notification.objects.get(recipient=manager.user,
                                    kind="applications.clarification_answered")
    page.locator("#notification-bell").click()
    page.locator(f"[data-notification='{told.pk}'] a.notification-link").click()
    thread = page.locator("#clarifications .clarification")
    expect(thread.locator(".answer")).to_contain_text(ANSWER)
    expect(thread).to_contain_text("Answered")
    with page.expect_download() as download:
        thread.get_by_role("link", name="basler-quote.pdf").click()
    assert download.value.suggested_filename == "basler-quote.pdf"
    assert download.value.path().read_bytes() == MINIMAL_PDF
    thread.get_by_role("button", name="Share with the evaluators").click()
    expect(page.locator("#clarifications .clarification")).to_contain_text(
        "Shared with the evaluators")

    request = ClarificationRequest.objects.get()
    assert (request.status, request.shared_with_evaluators) == ("answered", True)
    # The submitted version is as it was: the answer sits beside it.
    case.version.refresh_from_db()
    assert case.version.sha256 == sha256
    page.screenshot(path="/tmp/clarification-thread.png", full_page=True)
