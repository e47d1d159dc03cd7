"""A cluster manager records a support activity and its participants, through the pages only."""

import re

import pytest
from playwright.sync_api import expect

from activities.models import Activity
from portal.audit import audit_trail
from tests.browser.actions import log_in
from tests.factories import ApplicationFactory, MembershipFactory

pytestmark = pytest.mark.browser

MANAGER_EMAIL = "giulia.ferraresi@re-centre.example"


def test_manager_records_a_mission_and_adds_participants(page):
    manager = MembershipFactory(user__email=MANAGER_EMAIL, user__full_name="Giulia Ferraresi")
    known = ApplicationFactory(call__eurocluster=manager.eurocluster,
                               organisation__legal_name="Legno Vivo Arredamenti S.r.l.",
                               organisation__country="IT",
                               organisation__registration_number="IT74689300379").organisation

    log_in(page, MANAGER_EMAIL)
    page.get_by_role("navigation").first.get_by_role("link", name="Manage calls").click()
    page.locator("#activities-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support activities")
    page.get_by_role("link", name="Record an activity").click()

    page.get_by_label("Type").select_option(label="Internationalisation mission")
    page.get_by_label("Title").fill("Internationalisation mission to Mexico and Chile")
    page.get_by_label("Date").fill("2026-10-12")
    page.get_by_label("Last day").fill("2026-10-23")
    page.get_by_label("Place").fill("Mexico City and Santiago de Chile")
    page.get_by_label("Objective").select_option(label="Go international")
    page.get_by_role("button", name="Record the activity").click()

    activity = Activity.objects.get()
    expect(page).to_have_url(re.compile(rf"/manage/activities/{activity.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Internationalisation mission to Mexico and Chile")

    # A known enterprise, found by its name.
    page.get_by_role("searchbox").fill("legno")
    page.get_by_role("button", name="Search").click()
    page.locator("#search-results").get_by_role("button", name="Add").click()
    expect(page.locator("#participants tbody")).to_contain_text("Legno Vivo Arredamenti S.r.l.")

    # A new one, entered by hand: first with a wrong check digit.
    form = page.locator("#participant-form")
    form.get_by_label("Name").fill("Acme SA")
    form.get_by_label("Country").select_option("BE")
    form.get_by_label("VAT or registration number").fill("BE0403170702")
    form.get_by_role("button", name="Add the participant").click()
    expect(page.locator("#participant-form")).to_contain_text(
        "BE0403170702 is not a valid BE VAT number: check the digits.")
    form.get_by_label("VAT or registration number").fill("0403.170.701")
    form.get_by_role("button", name="Add the participant").click()
    expect(page.locator("#participant-count")).to_have_text("2")
    expect(page.locator("#participants tbody")).to_contain_text("BE0403170701")

    assert sorted(activity.participants.values_list("name", "organisation")) == [
        ("Acme SA", None), ("Legno Vivo Arredamenti S.r.l.", known.pk)]
    assert [e.action for e in audit_trail(activity).order_by("pk")] == [
        "created", "participant_added", "participant_added"]

    # Recorded twice by mistake: the manager deletes it, after confirming.
    page.locator("#delete-activity").click()
    expect(page.locator("#delete-warning")).to_contain_text("and its 2 participants will be "
                                                            "deleted")
    page.get_by_label("Why (kept in the audit trail)").fill("Recorded twice.")
    page.locator("#delete-confirm").click()
    expect(page.locator("#delete-form")).to_contain_text("Tick the box to confirm the deletion.")
    page.get_by_label("Yes, delete this activity and its participants").check()
    page.locator("#delete-confirm").click()
    expect(page).to_have_url(re.compile(r"/manage/activities/$"))
    expect(page.locator("body")).to_contain_text(
        "The activity “Internationalisation mission to Mexico and Chile” is deleted.")
    assert not Activity.objects.exists()
    assert audit_trail(activity).order_by("pk").last().reason == "Recorded twice."
