"""An SME asks a question about a call, the manager publishes it anonymised, and it shows on the
call page without the asker's name or enterprise (issue 12, the browser test's second half)."""

import re

import pytest
from playwright.sync_api import expect

from calls.models import CallQuestion
from portal.models import Notification
from tests.browser.actions import log_in
from tests.factories import MembershipFactory, OpenCallFactory, OrganisationFactory

pytestmark = pytest.mark.browser

MANAGER_EMAIL = "ines.moreau@ec-digital.example"
SME_EMAIL = "jane.doe@acme-robotics.example"
ASKED = ("Hello, this is Jane Doe of Acme Robotics GmbH. May two SMEs from the same country "
         "apply together?")
PUBLIC_QUESTION = "May two SMEs from the same country apply together?"
ANSWER = "Yes: this call accepts consortia of SMEs from one country."


def test_an_smes_question_is_published_without_her_name(page):
    manager = MembershipFactory(user__email=MANAGER_EMAIL, user__full_name="Ines Moreau")
    call = OpenCallFactory(eurocluster=manager.eurocluster, reference="DIGI-2026-02",
                           title="Robotics vouchers 2026")
    OrganisationFactory(user__email=SME_EMAIL, user__full_name="Jane Doe",
                        legal_name="Acme Robotics GmbH")

    # The SME asks on the call page; only she (and the managers) see her question.
    log_in(page, SME_EMAIL)
    page.goto(call.get_absolute_url())
    expect(page.get_by_role("heading", name="Questions and answers")).to_be_visible()
    expect(page.locator("#qa-list")).to_have_count(0)
    page.get_by_label("Your question").fill(ASKED)
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("alert")).to_contain_text("Your question is sent")
    expect(page.locator("#my-questions + ul")).to_contain_text(ASKED)
    expect(page.locator("#my-questions + ul")).to_contain_text("Not answered yet.")
    question = CallQuestion.objects.get()
    assert Notification.objects.filter(recipient=manager.user,
                                       kind="calls.question_asked").count() == 1

    # The manager opens the call's questions from the calls she manages.
    log_in(page, MANAGER_EMAIL)
    page.get_by_role("navigation").first.get_by_role("link", name="Manage calls").click()
    page.locator("#managed-calls tbody tr").filter(has_text=call.title).get_by_role(
        "link", name="Questions").click()
    expect(page).to_have_url(re.compile(rf"/manage/calls/{call.pk}/questions/$"))
    row = page.locator("#questions tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Jane Doe")
    expect(row).to_contain_text("To answer")
    row.get_by_role("link", name="Open").click()
    expect(page).to_have_url(re.compile(rf"/manage/questions/{question.pk}/$"))

    # The published version starts without her name and enterprise.
    form = page.locator("#publish-form")
    expect(form.get_by_label("Question as published")).to_have_value(
        "Hello, this is […] of […]. May two SMEs from the same country apply together?")
    # A text that names her is refused, and what the manager typed stays.
    form.get_by_label("Question as published").fill(PUBLIC_QUESTION)
    form.get_by_label("Answer as published").fill("Yes, Jane: " + ANSWER)
    form.get_by_role("button", name="Publish").click()
    expect(form).to_contain_text("must not name the person who asked: remove “Jane”")
    expect(form.get_by_label("Answer as published")).to_have_value("Yes, Jane: " + ANSWER)
    form.get_by_label("Answer as published").fill(ANSWER)
    form.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(rf"/manage/calls/{call.pk}/questions/$"))
    expect(page.get_by_role("alert")).to_contain_text("are published on the call's page")
    expect(page.locator("#questions tbody tr")).to_contain_text("Published")

    # Anyone sees it on the call page, with its date, and nothing that names her.
    page.context.clear_cookies()
    page.goto(call.get_absolute_url())
    qa = page.locator("#qa-list .qa")
    expect(qa).to_have_count(1)
    expect(qa).to_contain_text(PUBLIC_QUESTION)
    expect(qa).to_contain_text(ANSWER)
    expect(qa).to_contain_text(re.compile(r"Published on \d{1,2} \w+ 20\d\d"))
    body = page.locator("body").inner_text()
    for identity in ("Jane", "Doe", "Acme", SME_EMAIL):
        assert identity not in body
    assert Notification.objects.filter(recipient__email=SME_EMAIL,
                                       kind="calls.qa_published").count() == 1
