"""A throttled autosave (portal.ratelimits' JSON 429): the page says autosave is paused and for
how long, keeps what was typed, and saves it by itself once the pause is over."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_autosave import SAVED, _draft_of_logged_in_applicant

pytestmark = pytest.mark.browser

PAUSED = re.compile(r"^Autosave is paused: too many saves in a short time\. It saves again in "
                    r"(\d+ seconds?|1 minute); keep this page open\.$")


def test_a_throttled_autosave_says_so_and_saves_once_the_pause_is_over(
        page, settings, clock, allowed_console_errors):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "autosave": "1/m"}
    # Chromium logs the refused request; the page handles it, as the test checks.
    allowed_console_errors.append(re.compile(
        r"^Failed to load resource: the server responded with a status of 429 .*/autosave/\)$"))
    application = _draft_of_logged_in_applicant(page)
    # The page's timers run on a clock the test can move, like the server's (``clock``).
    page.clock.install()
    page.goto(f"/applications/{application.pk}/edit/")
    status = page.locator("#autosave-status")

    page.get_by_label("Project title").press_sequentially("Smart welding cell", delay=15)
    expect(status).to_have_text(SAVED)
    page.get_by_label("Approach").press_sequentially("We integrate a camera.", delay=15)
    expect(status).to_have_text(PAUSED)
    expect(status).to_have_class(re.compile(r"\btext-warning-emphasis\b"))
    application.refresh_from_db()
    assert application.sections.get("approach", "") == ""

    # A minute later the server's window has ended, and the page sends what was typed.
    clock(61)
    page.clock.fast_forward(61_000)
    expect(status).to_have_text(SAVED)
    application.refresh_from_db()
    assert application.title == "Smart welding cell"
    assert application.sections["approach"] == "We integrate a camera."
