"""The layout at a laptop's 1280 px and a phone's 390 px, on the demo data, for every role.

At 1280 px nothing a person must click is off screen: the page is no wider than the window, every
visible link, button and form field lies inside the window and inside any box that scrolls
sideways, no table scrolls sideways, and the top menu keeps to one line. At 390 px the public pages
and the applicant's dashboard, enterprise form and payments do not scroll sideways. Headers keep
their status at the top right beside a long title, and a declaration's checkbox sits on the first
line of its label.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from applications import demo_data
from applications.models import Application
from calls.models import OpenCall
from euroclusters.models import Eurocluster
from evaluation import demo as evaluation_demo
from payments import demo as payments_demo
from payments.models import PaymentBatch
from tests.browser.actions import log_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 375, "height": 667}
ADMIN = demo_data.ADMIN[0]
EVALUATOR = "expert.kowalska@example.eu"  # 3 proposals, one still to declare
APPLICANT = "lotte@brabant-vision.example.eu"  # two applications, one of them selected
DRAFTER = "andrei@somes-health.example.eu"  # a draft, not yet submittable
LINKED = "eva@drau-elektronik.example.eu"  # a medium enterprise with a linked enterprise
LONG_TITLE = ("Remote monitoring of heart-failure patients at home with wearable sensors, "
              "machine-learning triage and a nurse-led tele-rehabilitation pathway across "
              "three regions")

# What a person could not reach or read without scrolling sideways, as a list of sentences.
PROBLEMS_JS = """(strict) => {
  const width = window.innerWidth;
  const problems = [];
  const page = document.documentElement.scrollWidth;
  if (page > width) problems.push(`the page is ${page}px wide`);
  const name = (el) => (el.innerText || el.value || el.name || el.getAttribute("aria-label")
    || el.id || "").trim().replace(/\\s+/g, " ").slice(0, 40);
  for (const el of document.querySelectorAll("a, button, input, select, textarea")) {
    if (el.type === "hidden") continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not displayed
    if (getComputedStyle(el).visibility === "hidden") continue;
    // Visible only within the window and within every box around it that clips its overflow.
    let left = 0, right = width;
    for (let up = el.parentElement; up && up !== document.documentElement; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") {
        const clip = up.getBoundingClientRect();
        left = Math.max(left, clip.left + up.clientLeft);
        right = Math.min(right, clip.left + up.clientLeft + up.clientWidth);
      }
    }
    if (box.left < left - 1 || box.right > right + 1) {
      problems.push(`${el.tagName.toLowerCase()} "${name(el)}" at ${Math.round(box.left)}-`
        + `${Math.round(box.right)}px, visible ${Math.round(left)}-${Math.round(right)}px`);
    }
  }
  if (strict) {
    for (const el of document.querySelectorAll("body *")) {
      const overflow = getComputedStyle(el).overflowX;
      if ((overflow === "auto" || overflow === "scroll") && el.scrollWidth > el.clientWidth + 1
          && el.getBoundingClientRect().height > 0) {
        const what = el.id || el.querySelector("[id]")?.id || el.className;
        problems.push(`${what} scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px)`);
      }
    }
    const items = [...document.querySelectorAll("nav.navbar .navbar-nav > li")]
      .map((li) => li.getBoundingClientRect()).filter((box) => box.height > 0);
    const tops = new Set(items.map((box) => Math.round(box.top)));
    if (tops.size > 1 || items.some((box) => box.height > 48)) {
      problems.push("the menu takes more than one line");
    }
  }
  return problems;
}"""


@pytest.fixture
def demo(transactional_db):
    """The demo of `make demo`: calls in every phase, an evaluation, agreements and a payment."""
    for command in ("seed_demo", "seed_demo_evaluation", "seed_demo_payments"):
        call_command(command, stdout=StringIO())
    return {"dream": OpenCall.objects.get(reference=evaluation_demo.CALL),
            "silicon": OpenCall.objects.get(reference=payments_demo.CALL)}


def _log_in(page, email: str) -> None:
    log_in(page, email, demo_data.DEMO_PASSWORD)


def _problems(page, urls: list[str], *, strict: bool) -> dict[str, list[str]]:
    found = {}
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        problems = page.evaluate(PROBLEMS_JS, strict)
        if problems:
            found[url] = problems
    return found


def _call_pages(call: OpenCall) -> list[str]:
    return [f"/manage/calls/{call.pk}/{tab}/" for tab in (
        "eligibility", "evaluators", "assignment", "reviews", "ranking", "agreements", "reports",
        "ledger")]


def test_at_1280_px_every_control_of_every_role_is_on_screen(page, demo):
    page.set_viewport_size(LAPTOP)
    found = {}
    for manager, call in ((evaluation_demo.MANAGER, demo["dream"]),
                          (payments_demo.MANAGER, demo["silicon"])):
        _log_in(page, manager)
        found |= _problems(page, ["/manage/", *_call_pages(call)], strict=True)
    _log_in(page, EVALUATOR)
    found |= _problems(page, ["/evaluate/", "/evaluate/profile/"], strict=True)
    _log_in(page, LINKED)
    beneficiary = Application.objects.get(organisation__user__email=LINKED,
                                          call=demo["silicon"])
    found |= _problems(page, ["/dashboard/", "/enterprise/", "/enterprise/bank/",
                              f"/applications/{beneficiary.pk}/",
                              f"/applications/{beneficiary.pk}/payments/"], strict=True)
    draft = Application.objects.get(organisation__user__email=DRAFTER)
    _log_in(page, DRAFTER)
    found |= _problems(page, [f"/applications/{draft.pk}/edit/"], strict=True)
    _log_in(page, payments_demo.FINANCE)
    batch = PaymentBatch.objects.get()
    found |= _problems(page, ["/finance/", "/finance/batches/", f"/finance/batches/{batch.pk}/",
                              "/finance/ledger/", "/finance/bank-changes/",
                              f"/manage/calls/{demo['silicon'].pk}/ledger/"], strict=True)
    _log_in(page, ADMIN)
    admin_pages = [f"/admin/calls/opencall/{call.pk}/change/" for call in demo.values()]
    admin_pages += [f"/admin/euroclusters/eurocluster/{pk}/change/"
                    for pk in Eurocluster.objects.order_by("pk").values_list("pk", flat=True)]
    found |= _problems(page, admin_pages, strict=True)
    assert found == {}


def test_at_390_px_the_public_pages_and_the_dashboard_do_not_scroll_sideways(page, demo):
    page.set_viewport_size(PHONE)
    calls = [f"/calls/{slug}/" for slug in OpenCall.objects.exclude(
        status=OpenCall.Status.DRAFT).order_by("pk").values_list("slug", flat=True)]
    found = _problems(page, ["/", *calls], strict=False)
    _log_in(page, APPLICANT)
    found |= _problems(page, ["/dashboard/"], strict=False)
    _log_in(page, LINKED)  # her enterprise form has a linked enterprise; she has been paid
    beneficiary = Application.objects.get(organisation__user__email=LINKED,
                                          call=demo["silicon"])
    found |= _problems(page, ["/dashboard/", "/enterprise/",
                              f"/applications/{beneficiary.pk}/payments/"], strict=False)
    assert found == {}


def test_at_375_px_the_managers_pages_do_not_overflow(page, demo):
    """The dashboard, the table of calls, the KPIs and a call's overview on a small phone: the
    page is no wider than the window and every link and button of it (the calls table's tabs
    too) can be reached without scrolling sideways."""
    for command in ("seed_demo_activities", "seed_demo_kpis"):
        call_command(command, stdout=StringIO())
    page.set_viewport_size(SMALL_PHONE)
    found = {}
    for manager, call in ((evaluation_demo.MANAGER, demo["dream"]),
                          (payments_demo.MANAGER, demo["silicon"])):
        _log_in(page, manager)
        found |= _problems(page, ["/manage/", "/manage/calls/", "/manage/kpis/",
                                  f"/manage/calls/{call.pk}/overview/"], strict=False)
    assert not found, _listed(found)


def test_at_1280_px_the_managers_calls_table_and_kpis_fit(page, demo):
    for command in ("seed_demo_activities", "seed_demo_kpis"):
        call_command(command, stdout=StringIO())
    page.set_viewport_size(LAPTOP)
    found = {}
    for manager, call in ((evaluation_demo.MANAGER, demo["dream"]),
                          (payments_demo.MANAGER, demo["silicon"])):
        _log_in(page, manager)
        found |= _problems(page, ["/manage/calls/", "/manage/kpis/",
                                  f"/manage/calls/{call.pk}/overview/"], strict=True)
    assert not found, _listed(found)


def _listed(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}: {problem}" for url, problems in found.items()
                     for problem in problems)


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, locator
    return box


def test_status_stays_at_the_top_of_its_header_beside_a_long_title(page, demo):
    page.set_viewport_size(LAPTOP)
    draft = Application.objects.get(organisation__user__email=DRAFTER)
    Application.objects.filter(pk=draft.pk).update(title=LONG_TITLE)
    _log_in(page, DRAFTER)
    page.goto(f"/applications/{draft.pk}/")
    heading = _box(page.get_by_role("heading", level=1))
    assert heading["height"] > 50  # the title takes two lines or more
    status = _box(page.locator("#status"))
    assert status["y"] < heading["y"]  # at the top of the header (the call's line), not under
    assert status["x"] > heading["x"] + heading["width"]  # beside the title

    _log_in(page, EVALUATOR)
    page.goto("/evaluate/")
    card = page.locator("section[data-call]").first
    title = _box(card.get_by_role("heading", level=2))
    progress = _box(card.locator(".progress-count"))
    assert progress["y"] < title["y"] + title["height"]  # in the header row, not under it
    assert progress["x"] > title["x"] + title["width"]


def test_a_declaration_checkbox_sits_on_the_first_line_of_its_label(page, demo):
    page.set_viewport_size(LAPTOP)
    draft = Application.objects.get(organisation__user__email=DRAFTER)
    _log_in(page, DRAFTER)
    page.goto(f"/applications/{draft.pk}/submit/")
    checks = page.locator("#submit-form .form-check")
    assert checks.count() >= 5
    for index in range(checks.count()):
        box = _box(checks.nth(index).locator("input[type=checkbox]"))
        label = _box(checks.nth(index).locator("label"))
        assert box["x"] + box["width"] <= label["x"], index  # before the label, on its left
        assert label["y"] <= box["y"] + box["height"] / 2 <= label["y"] + 24, index  # first line
