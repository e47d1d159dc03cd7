"""Phones and laptops (issue 11, part 5): the main page of each role at 375 px and at 1280 px, on
the demo data. The document is never wider than the window (a wide table scrolls inside its
`.table-responsive` box, which portal.js makes a named, focusable region), and no link, button or
field is out of reach. Screenshots of each page at each width are saved under /tmp, their paths
printed, for a person to look at."""

from pathlib import Path

import pytest

from applications.models import Application
from evaluation import demo as evaluation_demo
from evaluation.models import Assignment
from tests.browser.test_layout import (
    DRAFTER,
    EVALUATOR,
    LAPTOP,
    PROBLEMS_JS,
    SMALL_PHONE,
    _listed,
    _log_in,
    demo,  # noqa: F401 -- the demo data fixture, shared with the layout tests
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp")


def _pages(demo_calls) -> list[tuple[str | None, str, str]]:
    """(who logs in, page name, address) of the pages to look at."""
    draft = Application.objects.get(organisation__user__email=DRAFTER)
    review = Assignment.objects.filter(
        evaluator__user__email=EVALUATOR, status=Assignment.Status.ACTIVE).order_by("pk").first()
    assert review is not None, "the demo evaluator has a proposal to review"
    return [
        (None, "home", "/"),
        (None, "call", demo_calls["dream"].get_absolute_url()),
        (DRAFTER, "application-form", f"/applications/{draft.pk}/edit/"),
        (DRAFTER, "dashboard", "/dashboard/"),
        (EVALUATOR, "review", f"/evaluate/assignments/{review.pk}/"),
        (evaluation_demo.MANAGER, "manager-calls", "/manage/calls/"),
        (evaluation_demo.MANAGER, "manager-dashboard", "/manage/"),
    ]


@pytest.mark.parametrize("viewport", [SMALL_PHONE, LAPTOP], ids=["375px", "1280px"])
def test_the_main_pages_fit_the_window_at_375_and_1280_px(page, demo, viewport):  # noqa: F811
    page.set_viewport_size(viewport)
    width = viewport["width"]
    found: dict[str, list[str]] = {}
    logged_in = None
    for who, name, url in _pages(demo):
        if who != logged_in:
            if who is None:
                page.context.clear_cookies()
            else:
                _log_in(page, who)
            logged_in = who
        response = page.goto(url)
        assert response.status == 200, url
        path = SCREENSHOTS / f"phone-widths-{name}-{width}px.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"{name} at {width} px: {path}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{url} is {scroll_width}px wide at {width}px"
        problems = page.evaluate(PROBLEMS_JS, False)
        if problems:
            found[url] = problems
    assert not found, _listed(found)
