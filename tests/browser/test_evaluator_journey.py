"""An evaluator does their part through the pages only: the call's declaration, the conflict of
interest, the scores, a draft, the submission.

The call, the application and the assignment are made in the test's own code: the live server
sees them because the browser tests run on a transactional database.
"""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Application, Attachment
from evaluation.models import Assignment, CallEvaluator, Review
from portal.audit import audit_trail
from tests.browser.actions import log_in
from tests.evaluation.factories import (
    AssignmentFactory,
    CallEvaluatorFactory,
    EvaluatorProfileFactory,
    closed_call,
    eligible_application,
)
from tests.factories import MINIMAL_PDF, UserFactory

pytestmark = pytest.mark.browser

EVALUATOR_EMAIL = "ines.moreau@expert.example"
COMMENTS = {
    "Excellence": "A clear ambition, well beyond the state of the art in small welding shops.",
    "Impact": "Scrap falls measurably; the market for retrofits is real but only sketched.",
    "Implementation": "A credible nine-month plan with a capable integrator as subcontractor.",
}
SCORES = {"Excellence": "4", "Impact": "3.5", "Implementation": "4.5"}


def _assigned_proposal() -> Assignment:
    call = closed_call(reference="DIGI-2026-02", title="Digital manufacturing vouchers 2026",
                       evaluation_deadline=timezone.now() + timedelta(days=14))
    application = eligible_application(call, status=Application.Status.UNDER_EVALUATION)
    Attachment.objects.create(
        application=application, file=ContentFile(MINIMAL_PDF, name="plan.pdf"),
        original_name="Business plan.pdf", size=len(MINIMAL_PDF),
        sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(), uploaded_by=application.created_by)
    user = UserFactory(email=EVALUATOR_EMAIL, full_name="Inès Moreau", mfa=True)  # an expert
    EvaluatorProfileFactory(user=user)
    entry = CallEvaluatorFactory(call=call, user=user, declaration_accepted_at=None)
    return AssignmentFactory(application=application, evaluator=entry,
                             status=Assignment.Status.ASSIGNED)


def test_evaluator_declares_scores_and_submits(page):
    assignment = _assigned_proposal()
    call = assignment.application.call

    log_in(page, EVALUATOR_EMAIL)
    page.get_by_role("navigation").first.get_by_role("link", name="Evaluations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your evaluations")
    section = page.locator(f"section[data-call='{call.pk}']")
    expect(section).to_contain_text("Before you see anything of this call")
    # Nothing of the proposal before the call's declaration.
    expect(section).not_to_contain_text("SWELD")

    # The call's declaration.
    section.get_by_role("link", name="Read and accept the declaration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Confidentiality and impartiality declaration")
    expect(page.locator("#declaration-text")).to_contain_text("delete every file I downloaded")
    page.get_by_label("I have read this declaration and I accept it.").check()
    page.get_by_role("button", name="Accept the declaration").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Thank you: you accepted the declaration of DIGI-2026-02.")
    row = page.locator(f"tr[data-assignment='{assignment.pk}']")
    expect(row.locator(".assignment-status")).to_have_text("declaration needed")
    expect(section.locator(".progress-count")).to_have_text("0 of 1 scored")

    # The conflict-of-interest declaration shows only the names, not the proposal.
    row.get_by_role("link", name="Declare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conflict of interest")
    expect(page.locator("#conflict-facts")).to_contain_text("Smart welding cell")
    expect(page.locator("body")).not_to_contain_text("A vision-guided welding cell.")
    page.get_by_label("I have no conflict of interest with this proposal").check()
    page.get_by_role("button", name="Record my declaration").click()

    # The proposal and the review form.
    expect(page).to_have_url(re.compile(rf"/evaluate/assignments/{assignment.pk}/$"))
    expect(page.locator("#proposal")).to_contain_text("A vision-guided welding cell.")
    expect(page.locator("#documents").get_by_role("link", name="Business plan.pdf")).to_be_visible()
    expect(page.locator("#review-status")).to_have_text("not started")
    form = page.locator("#review-form")
    first = "Excellence"
    form.get_by_label(f"Score for “{first}” (0 to 5)").select_option(SCORES[first])
    form.get_by_label(f"Comment on “{first}”").fill(COMMENTS[first])
    form.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_have_text("Draft saved.")
    expect(page.locator("#review-status")).to_have_text("draft")
    expect(form.get_by_label(f"Score for “{first}” (0 to 5)")).to_have_value(SCORES[first])

    # Submitting with a criterion unscored is refused, and nothing typed is lost.
    form.get_by_role("button", name="Submit").click()
    expect(page.locator(".error-summary")).to_contain_text("The review cannot be submitted yet")
    expect(form.get_by_label(f"Comment on “{first}”")).to_have_value(COMMENTS[first])

    for name in ("Impact", "Implementation"):
        form.get_by_label(f"Score for “{name}” (0 to 5)").select_option(SCORES[name])
        form.get_by_label(f"Comment on “{name}”").fill(COMMENTS[name])
    form.get_by_label("Overall comment").fill("A convincing retrofit with a measurable gain.")
    form.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_have_text("Your review of SWELD is submitted.")
    expect(page.locator("#review-status")).to_have_text("submitted")
    expect(page.locator("#own-review")).to_contain_text("12")
    expect(page.locator("#other-reviews")).to_contain_text("No other review is submitted yet.")

    page.get_by_role("navigation").first.get_by_role("link", name="Evaluations").click()
    expect(row.locator(".assignment-status")).to_have_text("submitted")
    expect(section.locator(".progress-count")).to_have_text("1 of 1 scored")

    review = Review.objects.get(assignment=assignment)
    assignment.refresh_from_db()
    entry = CallEvaluator.objects.get(pk=assignment.evaluator_id)
    assert (review.status, str(review.total), assignment.status) == ("submitted", "12.00",
                                                                     "submitted")
    assert entry.declaration_accepted_at is not None
    assert audit_trail(entry).filter(action="evaluation_declaration_accepted").count() == 1
    assert audit_trail(assignment).get(action="conflict_of_interest_declared").data["conflict"] is (
        False)
    assert audit_trail(review).filter(action="review_submitted").count() == 1
